"""The ``campaign`` command: a Flask CLI group; features add their own subcommands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from campaign import create_app
from campaign.errors import ValidationFailed


def _create_app() -> Any:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Petitions and consultations with email-verified signatures."""


def register_commands(app: Flask) -> None:
    """Add the platform's commands to ``app.cli`` (which `campaign` and `flask` both show)."""
    for command in (organiser, demo_command, worker_command, serve_command):
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


# --- demo data -----------------------------------------------------------------------


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo campaign (safe to run again: nothing is duplicated or overwritten)."""
    from campaign.demo import load_demo

    report = load_demo()
    for line in report.lines:
        click.echo(line)


# --- serving -------------------------------------------------------------------------


@click.command("worker")
@click.option("--once", is_flag=True, help="Run each periodic job once and exit.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Run the background jobs (closing petitions on time; later, sending mail)."""
    from campaign.worker import run_worker

    run_worker(current_app._get_current_object(), once=once)  # type: ignore[attr-defined]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64), help="Threads per worker.")
@click.option("--no-worker", is_flag=True, help="Do not run the background worker alongside (run it separately).")
def serve_command(host: str, port: int, workers: int, threads: int, no_worker: bool) -> None:
    """Serve the app with gunicorn, and run the background worker alongside it."""
    gunicorn = [
        sys.executable, "-m", "gunicorn",
        "--config", "python:campaign.gunicorn_conf",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "campaign:create_app()",
    ]  # fmt: skip
    display_host = f"[{host}]" if ":" in host else host
    click.echo(f"Serving on http://{display_host}:{port}/  (press Ctrl+C to stop)")
    _supervise(gunicorn, None if no_worker else [sys.executable, "-m", "campaign", "worker"])


def _supervise(web_command: list[str], worker_command: list[str] | None) -> None:
    """Run gunicorn and the worker; restart the worker if it dies; stop both together."""
    web = subprocess.Popen(web_command)
    worker = subprocess.Popen(worker_command) if worker_command else None
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for process in (web, worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    restart_delay = 1.0
    try:
        while web.poll() is None:
            if worker is not None and worker_command and worker.poll() is not None and not stopping:
                click.echo(f"Background worker stopped (exit {worker.returncode}); restarting.", err=True)
                time.sleep(restart_delay)
                restart_delay = min(restart_delay * 2, 30.0)
                worker = subprocess.Popen(worker_command)
            time.sleep(0.2)
    finally:
        stop(signal.SIGTERM, None)
        for process in (web, worker):
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    sys.exit(web.returncode if not stopping else 0)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("FLASK_RUN_FROM_CLI", "false")
    main()
