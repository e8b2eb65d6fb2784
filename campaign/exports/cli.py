"""``campaign export``: the console's exports, for scripts, with a progress bar."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from campaign.exports.service import CONSULTATION_FORMATS, ExportFile


@click.group("export")
def export_group() -> None:
    """Export signatures or consultation responses to a file."""


def _date_bounds(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    from campaign.summaries.petitions import parse_date_range
    from campaign.timeutil import site_zone

    date_range, errors = parse_date_range(start, end)
    if errors:
        raise click.BadParameter("; ".join(errors.values()))
    return date_range.utc_bounds(site_zone())


def _write(export: ExportFile, output: str) -> None:
    """Write to a temporary file beside ``output``, then rename: never a half-written export."""
    if output == "-":
        for chunk in export.chunks:
            sys.stdout.buffer.write(chunk)
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    # Exports hold people's answers: readable by the owner only.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in export.chunks:
                handle.write(chunk)
        partial.replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise


@export_group.command("petition")
@click.argument("slug")
@click.option("--format", "file_format", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("-o", "--output", required=True, help="File to write (- for standard output).")
@click.option("--from", "start", default=None, help="Only signatures confirmed on or after this date (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Only signatures confirmed on or before this date (YYYY-MM-DD).")
@with_appcontext
def export_petition(slug: str, file_format: str, output: str, start: str | None, end: str | None) -> None:
    """Confirmed signatures of the petition SLUG: what each signer agreed to share, area, time."""
    from campaign.db import utcnow
    from campaign.exports.service import petition_export
    from campaign.extensions import db
    from campaign.petitions.models import Petition
    from campaign.timeutil import site_zone

    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        raise click.ClickException(f"There is no petition with the address {slug!r}.")
    lower, upper = _date_bounds(start, end)
    with click.progressbar(length=1, label="Signatures", file=sys.stderr) as bar:
        export = petition_export(petition, site_zone(), utcnow(), start=lower, end=upper, progress=bar.update)
        bar.length = max(export.rows, 1)
        _write(export, output)
    click.echo(f"Wrote {export.rows:,} signatures to {output}.", err=True)


@export_group.command("consultation")
@click.argument("slug")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(CONSULTATION_FORMATS),
    default="csv",
    show_default=True,
    help="csv: one row per response; long-csv: one row per answer; xlsx: with a codebook; json.",
)
@click.option("-o", "--output", required=True, help="File to write (- for standard output).")
@click.option("--from", "start", default=None, help="Only responses submitted on or after this date (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Only responses submitted on or before this date (YYYY-MM-DD).")
@with_appcontext
def export_consultation(slug: str, file_format: str, output: str, start: str | None, end: str | None) -> None:
    """Submitted responses to the consultation SLUG."""
    from campaign.consultations.models import Consultation
    from campaign.db import utcnow
    from campaign.exports.service import consultation_export
    from campaign.extensions import db
    from campaign.timeutil import site_zone

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise click.ClickException(f"There is no consultation with the address {slug!r}.")
    lower, upper = _date_bounds(start, end)
    with click.progressbar(length=1, label="Responses", file=sys.stderr) as bar:
        export = consultation_export(consultation, file_format, site_zone(), utcnow(), start=lower, end=upper,
                                     progress=bar.update)  # fmt: skip
        bar.length = max(export.rows, 1)
        _write(export, output)
    click.echo(f"Wrote {export.rows:,} responses to {output}.", err=True)
