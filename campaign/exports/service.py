"""Exports as files: which rows, in which format, named how. Used by the console and the CLI."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from campaign.areas.service import lookup_for
from campaign.consultations.models import Consultation
from campaign.consultations.service import definition_of
from campaign.exports import responses, signatures
from campaign.exports.csvstream import csv_blocks
from campaign.petitions.models import Petition

CONSULTATION_FORMATS = ("csv", "xlsx", "json", "long-csv")
CHUNK = 64 * 1024
T = TypeVar("T")

Progress = Callable[[int], None]


@dataclass
class ExportFile:
    filename: str
    mimetype: str
    rows: int  # how many signatures or responses it will hold
    chunks: Iterator[bytes]


def _counted(items: Iterable[T], progress: Progress | None) -> Iterator[T]:
    """Pass items through, telling ``progress`` every thousand (for the CLI's progress bar)."""
    if progress is None:
        yield from items
        return
    pending = 0
    for item in items:
        yield item
        pending += 1
        if pending == 1000:
            progress(pending)
            pending = 0
    progress(pending)


def _encoded(texts: Iterable[str]) -> Iterator[bytes]:
    for text in texts:
        yield text.encode("utf-8")


def _stamp(now: datetime, zone: ZoneInfo) -> str:
    return now.astimezone(zone).strftime("%Y-%m-%d")


def petition_export(
    petition: Petition, zone: ZoneInfo, now: datetime, *, start: datetime | None = None,
    end: datetime | None = None, progress: Progress | None = None,
) -> ExportFile:  # fmt: skip
    lookup = lookup_for(petition.organisation_id)
    rows = _counted(signatures.signature_rows(petition.id, lookup, zone, start, end), progress)
    return ExportFile(
        filename=f"{petition.slug}-signatures-{_stamp(now, zone)}.csv",
        mimetype="text/csv; charset=utf-8",
        rows=signatures.count_signatures(petition.id, start, end),
        chunks=_encoded(csv_blocks(signatures.signature_header(zone), rows)),
    )


def consultation_export(
    consultation: Consultation, file_format: str, zone: ZoneInfo, now: datetime, *,
    start: datetime | None = None, end: datetime | None = None, progress: Progress | None = None,
) -> ExportFile:  # fmt: skip
    """``file_format`` is one of CONSULTATION_FORMATS (anything else raises ValueError)."""
    if file_format not in CONSULTATION_FORMATS:
        raise ValueError(file_format)
    definition = definition_of(consultation)
    lookup = lookup_for(consultation.organisation_id)
    rows = _counted(responses.answered_rows(consultation.id, definition, lookup, zone, start, end), progress)
    base = f"{consultation.slug}-v{consultation.version}-responses-{_stamp(now, zone)}"
    count = responses.count_responses(consultation.id, start, end)
    if file_format == "csv":
        columns = responses.columns_for(definition, lookup, zone)
        return ExportFile(f"{base}.csv", "text/csv; charset=utf-8", count,
                          _encoded(responses.wide_csv(rows, columns)))  # fmt: skip
    if file_format == "long-csv":
        return ExportFile(f"{base}-long.csv", "text/csv; charset=utf-8", count,
                          _encoded(responses.long_csv(rows, definition, lookup)))  # fmt: skip
    about = responses.about_export(consultation.title, consultation.slug, consultation.version, zone)
    if file_format == "json":
        return ExportFile(f"{base}.json", "application/json", count,
                          _encoded(responses.json_document(rows, definition, about, lookup=lookup)))  # fmt: skip
    columns = responses.columns_for(definition, lookup, zone)
    notes = [("Consultation", consultation.title), ("Version", str(consultation.version)),
             ("Exported", now.astimezone(zone).strftime("%Y-%m-%d %H:%M") + f" ({zone.key})"),
             ("Not asked", "“(not asked)”: a condition hid the question"),
             ("Not answered", "an empty cell: the question was shown and left empty")]  # fmt: skip
    return ExportFile(f"{base}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", count,
                      _workbook_chunks(rows, columns, notes))  # fmt: skip


def _workbook_chunks(
    rows: Iterator[responses.Answered], columns: list[responses.Column], notes: list[tuple[str, str]]
) -> Iterator[bytes]:
    # openpyxl is imported only when a workbook is asked for: it is large, and most processes never need it.
    from campaign.exports.workbook import write_workbook

    # An XLSX file is a zip, written whole; it goes to a temporary file (not memory) first.
    with tempfile.TemporaryFile() as spool:
        write_workbook(spool, rows, columns, notes)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
