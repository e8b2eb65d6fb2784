"""CSV written a block at a time, so memory does not grow with the number of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ROWS_PER_BLOCK = 2000


def csv_blocks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """CSV text in blocks of a few thousand rows; a UTF-8 byte order mark first so Excel reads accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= ROWS_PER_BLOCK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


class LocalTimes:
    """UTC times as local wall-clock text, fast: the zone's offset is looked up once per UTC hour.

    (Offsets only change on the hour in the zones this serves; an export runs through many
    rows in the same hour, so a million rows need a few thousand zone look-ups, not a million.)
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._hours: dict[tuple[int, int, int, int], str] = {}
        self._text_hours: dict[str, str] = {}

    def format(self, value: datetime | None) -> str:
        if value is None:
            return ""
        key = (value.year, value.month, value.day, value.hour)
        hour = self._hours.get(key)
        if hour is None:
            start = datetime(value.year, value.month, value.day, value.hour, tzinfo=UTC)
            hour = self._hours[key] = start.astimezone(self._zone).strftime("%Y-%m-%d %H")
        return f"{hour}:{value.minute:02d}:{value.second:02d}"

    def format_sqlite_text(self, value: str | None) -> str:
        """The same for SQLite's stored text ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (naive UTC), without parsing it."""
        if not value:
            return ""
        key_text = value[:13]
        hour = self._text_hours.get(key_text)
        if hour is None:
            start = datetime.strptime(key_text, "%Y-%m-%d %H").replace(tzinfo=UTC)
            hour = self._text_hours[key_text] = start.astimezone(self._zone).strftime("%Y-%m-%d %H")
        return hour + value[13:19]
