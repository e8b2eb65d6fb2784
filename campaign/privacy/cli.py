"""`campaign retention run`, `campaign subject-export` and `campaign erase`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from campaign.errors import ValidationFailed


def _fail(error: ValidationFailed) -> None:
    for message in error.errors.values():
        click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


@click.group("retention")
def retention_group() -> None:
    """Remove personal details RETENTION_DAYS after petitions and consultations close."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
@with_appcontext
def retention_run_command(dry_run: bool) -> None:
    """Anonymise the signers and respondents of petitions and consultations closed long enough ago."""
    from campaign.privacy.retention import run_retention

    report = run_retention(dry_run=dry_run)
    would = "would be " if dry_run else ""
    click.echo(f"Closed on or before {report.cutoff:%Y-%m-%d %H:%M} UTC.")
    for slug, anonymised, deleted in report.petitions:
        click.echo(f"petition {slug}: {anonymised} signatures {would}anonymised, "
                   f"{deleted} unconfirmed {would}deleted")  # fmt: skip
    for slug, anonymised, deleted in report.consultations:
        click.echo(f"consultation {slug}: {anonymised} responses {would}anonymised, "
                   f"{deleted} unfinished {would}deleted")  # fmt: skip
    click.echo(f"{report.mails} emails {would}stripped of their address.")
    for what, count in report.other.items():
        click.echo(f"{count} {what} {would}removed.")
    if not report.changed:
        click.echo("Nothing to do: everything past the retention period is already anonymous.")


def _write_private(path: Path, text: str) -> None:
    """The export is personal data: readable by its owner only, from the moment it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


@click.command("subject-export")
@click.argument("email")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (readable by you only) instead of standard output.")  # fmt: skip
@with_appcontext
def subject_export_command(email: str, output: Path | None) -> None:
    """Write out as JSON everything held about EMAIL: signatures, responses, mail and unsubscribes."""
    from campaign.privacy.subjects import subject_export

    try:
        document = subject_export(email)
    except ValidationFailed as error:
        _fail(error)
        return
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    _write_private(output, text)
    click.echo(
        f"Wrote {len(document['signatures'])} signatures, {len(document['consultation_responses'])} responses "
        f"and {len(document['emails'])} emails to {output}.",
        err=True,
    )


@click.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, yes: bool) -> None:
    """Erase everything held about EMAIL; confirmed signatures leave their petitions' counts."""
    from campaign.privacy.subjects import erase_subject, find_holdings

    try:
        found = find_holdings(email)
    except ValidationFailed as error:
        _fail(error)
        return
    if not found.anything:
        click.echo("Nothing is held about that address.")
        return
    click.echo(
        f"Found {found.signatures} signatures ({found.confirmed_signatures} counted), {found.responses} "
        f"consultation responses and {found.mails} emails."
    )
    if not yes:
        click.confirm("Erase all of it? This cannot be undone", abort=True)
    report = erase_subject(email)
    click.echo(
        f"Erased {report.signatures} signatures ({report.confirmed_signatures} taken off their counts), "
        f"{report.responses} responses and {report.mails} emails."
    )
