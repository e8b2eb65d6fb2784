"""The ``campaign`` command: a Flask CLI group; features add their own subcommands."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from campaign import create_app
from campaign.errors import ValidationFailed

logger = logging.getLogger(__name__)


def _create_app() -> Any:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Petitions and consultations with email-verified signatures."""


def register_commands(app: Flask) -> None:
    """Add the platform's commands to ``app.cli`` (which `campaign` and `flask` both show)."""
    from campaign.exports.cli import export_group
    from campaign.privacy.cli import erase_command, retention_group, subject_export_command

    for command in (organiser, demo_command, worker_command, serve_command, counts, mail, export_group,
                    retention_group, subject_export_command, erase_command):  # fmt: skip
        app.cli.add_command(command)


# --- organisers ----------------------------------------------------------------------


@click.group()
def organiser() -> None:
    """Manage organiser accounts."""


@organiser.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The organiser's full name.")
@click.option("--role", type=click.Choice(["admin", "organiser"]), default="organiser", show_default=True)
@click.option("--organisation", default=None, help="Organisation name (created if new).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_organiser_command(email: str, name: str, role: str, organisation: str | None, password_stdin: bool) -> None:
    """Create an organiser account; asks for the password unless --password-stdin."""
    from campaign.accounts.models import Role
    from campaign.accounts.service import NewOrganiser, create_organiser

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        account = create_organiser(
            NewOrganiser(email=email, name=name, password=password, role=Role(role), organisation_name=organisation)
        )
    except ValidationFailed as error:
        for field, message in error.errors.items():
            click.echo(f"Error ({field}): {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {account.role} {account.email} in {account.organisation.name}.")


@organiser.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor_command(email: str) -> None:
    """Turn two-factor sign-in off for an organiser who lost their device and recovery codes."""
    from campaign.accounts.twofactor import reset

    if not reset(email):
        click.echo(f"No organiser {email} with two-factor sign-in on.", err=True)
        raise SystemExit(1)
    click.echo(f"Two-factor sign-in is off for {email}. They can sign in with their password and set it up again.")


# --- demo data -----------------------------------------------------------------------


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo campaign (safe to run again: nothing is duplicated or overwritten)."""
    from campaign.demo import load_demo

    report = load_demo()
    for line in report.lines:
        click.echo(line)


# --- counts and mail ---------------------------------------------------------------------


@click.group()
def counts() -> None:
    """Petition signature counts."""


@counts.command("reconcile")
@click.option("--dry-run", is_flag=True, help="Report differences without repairing them.")
@with_appcontext
def reconcile_command(dry_run: bool) -> None:
    """Compare stored counts with the confirmed signatures, repair them and report what changed."""
    from campaign.signing.counts import fold_count_deltas, reconcile_counts

    folded = fold_count_deltas()
    repairs = reconcile_counts(repair=not dry_run)
    click.echo(f"Folded {folded} pending count changes.")
    if not repairs:
        click.echo("Every petition's count matches its confirmed signatures.")
        return
    verb = "would change" if dry_run else "changed"
    for repair in repairs:
        click.echo(f"{repair.slug}: {verb} {repair.stored} -> {repair.actual}")
    click.echo(f"{len(repairs)} petition(s) {'differ' if dry_run else 'repaired'}.")


@click.group()
def mail() -> None:
    """The outgoing mail queue."""


@mail.command("status")
@with_appcontext
def mail_status_command() -> None:
    """How many messages are queued, sending, sent and failed."""
    from campaign.mail.service import outbox_status_counts

    counted = outbox_status_counts()
    for status in ("queued", "sending", "sent", "failed"):
        click.echo(f"{status:8} {counted.get(status, 0)}")


@mail.command("retry-failed")
@with_appcontext
def mail_retry_command() -> None:
    """Queue failed messages again (after fixing MAIL_URL, for example)."""
    from campaign.mail.service import retry_failed_mail

    click.echo(f"Queued {retry_failed_mail()} failed message(s) again.")


# --- serving -------------------------------------------------------------------------


@click.command("worker")
@click.option("--once", is_flag=True, help="Run each periodic job once and exit.")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve this worker's /metrics on this port (METRICS=on; not needed under `campaign serve`).",
)
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Address for --metrics-port.")
@with_appcontext
def worker_command(once: bool, metrics_port: int | None, metrics_host: str) -> None:
    """Run the background jobs (closing petitions on time; later, sending mail)."""
    from campaign.worker import run_worker, serve_worker_metrics

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if metrics_port is not None:
        if app.config["METRICS"] != "on":
            click.echo("--metrics-port needs METRICS=on (and METRICS_TOKEN or METRICS_ALLOW_IPS).", err=True)
            raise SystemExit(2)
        serve_worker_metrics(app, metrics_host, metrics_port)
    run_worker(app, once=once)


def _say(message: str, *, error: bool = False) -> None:
    """Tell the operator: a plain line, or a log line when LOG_FORMAT=json (so every line parses)."""
    if current_app.config["LOG_FORMAT"] == "json":
        logger.log(logging.ERROR if error else logging.INFO, message)
    else:
        click.echo(message, err=error)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64), help="Threads per worker.")
@click.option("--no-worker", is_flag=True, help="Do not run the background worker alongside (run it separately).")
@click.option("--config", "config_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="A gunicorn config file (such as deploy/gunicorn.conf.py) used instead of the built-in "
                   "settings; --host, --port, --workers and --threads then apply only when given.")  # fmt: skip
@with_appcontext
def serve_command(host: str, port: int, workers: int, threads: int, no_worker: bool,
                  config_file: str | None) -> None:  # fmt: skip
    """Serve the app with gunicorn, and run the background worker alongside it."""
    from campaign.health import schema_revisions

    current, expected = schema_revisions()
    if current != expected:
        _say(
            f"The database schema is at {', '.join(sorted(current)) or 'nothing'} but this version needs "
            f"{', '.join(sorted(expected))}. Run `campaign db upgrade` first.",
            error=True,
        )
        raise SystemExit(2)
    flags = {"--bind": f"{host}:{port}", "--workers": str(workers), "--threads": str(threads)}
    if config_file is not None:
        context = click.get_current_context()
        given = {name for name in ("host", "port", "workers", "threads")
                 if context.get_parameter_source(name) != ParameterSource.DEFAULT}  # fmt: skip
        if not given & {"host", "port"}:
            del flags["--bind"]
        for name in ("workers", "threads"):
            if name not in given:
                del flags[f"--{name}"]
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", config_file or "python:campaign.gunicorn_conf"]
    gunicorn += [part for flag, value in flags.items() for part in (flag, value)]
    gunicorn.append("campaign:create_app()")
    env = dict(os.environ)
    metrics_dir = None
    if current_app.config["METRICS"] == "on":
        from campaign.metrics.registry import MULTIPROC_ENV, prepare_multiprocess_dir

        # One directory for this instance's processes, so /metrics adds up every gunicorn worker and the worker.
        metrics_dir = prepare_multiprocess_dir(Path(current_app.instance_path))
        env[MULTIPROC_ENV] = str(metrics_dir)
    if "--bind" in flags:
        display_host = f"[{host}]" if ":" in host else host
        _say(f"Serving on http://{display_host}:{port}/  (press Ctrl+C to stop)")
    else:
        _say(f"Serving with the settings in {config_file}  (press Ctrl+C to stop)")
    try:
        _supervise(gunicorn, None if no_worker else [sys.executable, "-m", "campaign", "worker"], env=env)
    finally:
        if metrics_dir is not None:
            from campaign.metrics.registry import remove_multiprocess_dir

            remove_multiprocess_dir(metrics_dir)


def _terminate(*processes: subprocess.Popen[bytes] | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)


def _supervise(web_command: list[str], worker_command: list[str] | None, *, env: dict[str, str] | None = None) -> None:
    """Run gunicorn and the worker; restart the worker if it dies; stop both together.

    Exits 0 when asked to stop, and with gunicorn's own status when gunicorn stops by
    itself (for example when the port is taken), so scripts and `make run` see the failure.
    """
    web = subprocess.Popen(web_command, env=env)
    worker = subprocess.Popen(worker_command, env=env) if worker_command else None
    stop_requested = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stop_requested
        stop_requested = True
        _terminate(web, worker)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    restart_delay = 1.0
    try:
        while web.poll() is None:
            if worker is not None and worker_command and worker.poll() is not None and not stop_requested:
                _say(f"Background worker stopped (exit {worker.returncode}); restarting.", error=True)
                time.sleep(restart_delay)
                restart_delay = min(restart_delay * 2, 30.0)
                worker = subprocess.Popen(worker_command, env=env)
            time.sleep(0.2)
    finally:
        _terminate(web, worker)
        for process in (web, worker):
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    if stop_requested:
        sys.exit(0)
    _say(f"The web server stopped unexpectedly (exit {web.returncode}).", error=True)
    sys.exit(web.returncode or 1)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("FLASK_RUN_FROM_CLI", "false")
    main()
