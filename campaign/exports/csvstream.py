"""CSV written a block at a time, so memory does not grow with the number of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
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

    (Zones change their offset on the hour, in UTC, apart from a very few; an export runs through
    many rows in the same hour, so a million rows need a few thousand zone look-ups, not a million.)
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._offsets: dict[str, timedelta] = {}
        self._hours: dict[str, str] = {}

    def _offset(self, hour: str) -> timedelta:
        offset = self._offsets.get(hour)
        if offset is None:
            start = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
            offset = self._offsets[hour] = start.astimezone(self._zone).utcoffset() or timedelta()
        return offset

    def format(self, value: datetime | None) -> str:
        if value is None:
            return ""
        utc = value.astimezone(UTC).replace(microsecond=0, tzinfo=None)
        return (utc + self._offset(f"{utc:%Y-%m-%d %H}")).strftime("%Y-%m-%d %H:%M:%S")

    def format_sqlite_text(self, value: str | None) -> str:
        """The same for SQLite's stored text ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (naive UTC)."""
        if not value:
            return ""
        offset = self._offset(value[:13])
        if not offset.seconds % 3600 and not offset.microseconds:
            # Whole hours (every zone campaign allows): change the hour and keep the text, no parsing.
            return self._shifted_hour(value[:13], offset) + value[13:19]
        return (datetime.fromisoformat(value[:19]).replace(tzinfo=UTC) + offset).strftime("%Y-%m-%d %H:%M:%S")

    def _shifted_hour(self, hour: str, offset: timedelta) -> str:
        shifted = self._hours.get(hour)
        if shifted is None:
            start = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
            shifted = self._hours[hour] = (start + offset).strftime("%Y-%m-%d %H")
        return shifted
