"""Confirmed signatures as CSV: only what each signer agreed to share, plus their area and when they confirmed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, func, select, type_coerce

from campaign.areas.lookup import NO_POSTCODE, OUTSIDE_UK, AreaLookup
from campaign.exports.csvstream import LocalTimes
from campaign.exports.safe import spreadsheet_safe
from campaign.extensions import db
from campaign.signing.models import Signature, SignatureState
from campaign.summaries.sql import within


def signature_header(zone: ZoneInfo) -> list[str]:
    return [f"Confirmed ({zone.key})", "Name (when the signer agreed to share it)", "Area"]


def count_signatures(petition_id: int, start: datetime | None = None, end: datetime | None = None) -> int:
    query = (
        select(func.count())
        .select_from(Signature)
        .where(Signature.petition_id == petition_id, Signature.state == SignatureState.CONFIRMED.value,
               within(Signature.confirmed_at, start, end))
    )  # fmt: skip
    return db.session.scalar(query) or 0


def signature_rows(
    petition_id: int, lookup: AreaLookup, zone: ZoneInfo, start: datetime | None = None, end: datetime | None = None
) -> Iterator[tuple[str, str, str]]:
    """One row per confirmed signature, in the order they signed, read a few thousand at a time."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    # On SQLite the stored text is turned into local time directly: parsing a million
    # datetimes only to format them again would cost more than the rest of the export.
    confirmed = type_coerce(Signature.confirmed_at, String) if sqlite else Signature.confirmed_at
    query = (
        select(confirmed, Signature.share_name, Signature.name, Signature.postcode, Signature.country)
        .where(Signature.petition_id == petition_id, Signature.state == SignatureState.CONFIRMED.value,
               within(Signature.confirmed_at, start, end))
        .order_by(Signature.id)
        .execution_options(yield_per=5000)
    )  # fmt: skip
    times = LocalTimes(zone)
    when: Callable[[Any], str] = times.format_sqlite_text if sqlite else times.format
    area_of_sector = lookup.area_of_sector
    # Core on the session's connection: the ORM's result machinery would cost more than the export itself.
    for confirmed_at, share_name, name, postcode, country in db.session.connection().execute(query):
        area = area_of_sector(postcode[:-2]) if postcode else OUTSIDE_UK if country else NO_POSTCODE
        yield when(confirmed_at), spreadsheet_safe(name) if share_name else "", spreadsheet_safe(area)
