"""Responses as an XLSX workbook: a sheet of responses, a codebook describing every column, and notes.

openpyxl's write-only mode keeps rows on disk as they are written, so memory does not grow with
the number of responses. Text cells are always written as text: openpyxl would otherwise store
any string starting with "=" as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from campaign.exports.responses import NOT_ASKED, Answered, Cell, Column

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _text(sheet: WriteOnlyWorksheet, value: str, *, bold: bool = False) -> SheetCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = BOLD
    return cell


def _cells(sheet: WriteOnlyWorksheet, values: Iterable[Cell]) -> Iterator[Any]:
    for value in values:
        yield _text(sheet, value) if isinstance(value, str) and value else value


def write_workbook(
    target: IO[bytes], rows: Iterator[Answered], columns: list[Column], notes: list[tuple[str, str]]
) -> int:
    """Write the workbook to ``target``; returns how many responses it holds."""
    workbook = Workbook(write_only=True)
    responses = workbook.create_sheet("Responses")
    responses.freeze_panes = "B2"
    responses.append([_text(responses, column.name, bold=True) for column in columns])
    count = 0
    for row in rows:
        responses.append(list(_cells(responses, [column.cell(row) for column in columns])))
        count += 1

    codebook = workbook.create_sheet("Codebook")
    for letter, width in zip("ABCD", (28, 16, 60, 60), strict=True):
        codebook.column_dimensions[letter].width = width
    codebook.append([_text(codebook, heading, bold=True) for heading in ("Column", "Question", "Meaning", "Values")])
    for column in columns:
        codebook.append([_text(codebook, column.name), _text(codebook, column.question or "—"),
                         _text(codebook, column.meaning), _text(codebook, column.values)])  # fmt: skip
    codebook.append([])
    codebook.append([_text(codebook, "In every question column", bold=True)])
    codebook.append(
        [_text(codebook, NOT_ASKED), "", _text(codebook, "The question was not shown: a condition hid it.")]
    )
    codebook.append([_text(codebook, "(empty)"), "", _text(codebook, "The question was shown and left unanswered.")])

    about = workbook.create_sheet("About")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 80
    for label, value in [*notes, ("Responses", str(count))]:
        about.append([_text(about, label, bold=True), _text(about, value)])
    workbook.save(target)
    return count
