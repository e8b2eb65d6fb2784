"""Text that a spreadsheet will show as text, never run as a formula (CSV/formula injection).

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or line break, which some
programs skip before looking) is a formula to Excel, LibreOffice and Google Sheets, so
``=HYPERLINK("http://evil","Click")`` typed as a name would become a live link. Such cells
get a leading apostrophe, which spreadsheets treat as "this is text" and do not display.
Plain numbers such as ``-12.5`` are left alone: they cannot be formulas.
"""

from __future__ import annotations

import re

_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")  # and their full-width forms
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def spreadsheet_safe(value: str) -> str:
    if not value:
        return value
    first = value[0]
    if first in _FORMULA_START or (first.isspace() and value.lstrip()[:1] in _FORMULA_START):
        if first == "-" and _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def from_spreadsheet(value: str) -> str:
    """Undo spreadsheet_safe for text read back from an exported file (so a round trip changes nothing)."""
    if value.startswith("'") and value[1:] and spreadsheet_safe(value[1:]) == value:
        return value[1:]
    return value
