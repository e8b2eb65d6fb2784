"""A petition's figures for its organiser: counts, signatures over time, by area, milestones.

Everything is counted in the database from confirmed signatures (not from the public count, which
lags by up to COUNT_REFRESH_SECONDS), grouped by UTC hour and by postcode sector, then folded in
Python into local days and areas, so one pass over the rows serves every figure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from campaign.areas.lookup import AreaLookup
from campaign.areas.service import area_note, lookup_for
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.petitions.models import Petition
from campaign.signing.models import Signature, SignatureState
from campaign.summaries.sql import postcode_sector, utc_hour, within

MILESTONES = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
RECENT_HOURS = 72


@dataclass(frozen=True)
class DateRange:
    """Local calendar days, both ends included; None: from the start / up to now."""

    start: date | None = None
    end: date | None = None

    def utc_bounds(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """[start, end) as UTC instants: local midnight at the start, the midnight after the end day."""
        start = datetime.combine(self.start, time(), zone).astimezone(UTC) if self.start else None
        end = datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC) if self.end else None
        return start, end

    @property
    def is_set(self) -> bool:
        return self.start is not None or self.end is not None


EARLIEST = date(2000, 1, 1)


def parse_date_range(
    raw_start: str | None, raw_end: str | None, *, today: date | None = None
) -> tuple[DateRange, dict[str, str]]:
    """Dates typed as YYYY-MM-DD (what a date input sends); problems are keyed by field name."""
    today = today or datetime.now(UTC).date()
    latest = today + timedelta(days=366)
    errors: dict[str, str] = {}
    parsed: dict[str, date | None] = {}
    for name, raw in (("start", raw_start), ("end", raw_end)):
        raw = (raw or "").strip()[:40]
        parsed[name] = None
        if not raw:
            continue
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("Enter a real date, for example 2026-11-21")
            continue
        if not EARLIEST <= value <= latest:
            errors[name] = _("Enter a date between %(year)s and next year", year=f"{EARLIEST:%Y}")
            continue
        parsed[name] = value
    start, end = parsed["start"], parsed["end"]
    if start and end and start > end:
        errors["end"] = _("The end date must be on or after the start date")
        end = None
    return DateRange(start, end), errors


@dataclass(frozen=True)
class Milestone:
    threshold: int
    reached_in_hour: datetime | None  # the UTC hour in which the count reached it


@dataclass(frozen=True)
class PetitionSummary:
    petition_id: int
    title: str
    target: int
    date_range: DateRange
    confirmed_all_time: int
    confirmed: int  # within the date range
    pending: int  # waiting for their link to be followed (started within the date range)
    daily: list[tuple[date, int]]
    hourly: list[tuple[datetime, int]]  # local hours, the last RECENT_HOURS of the range
    by_area: list[tuple[str, int]]
    areas_defined: bool
    area_note: str
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def progress(self) -> float:
        return self.confirmed_all_time / self.target if self.target else 0.0


def _hour_counts(petition_id: int, start: datetime | None, end: datetime | None) -> dict[datetime, int]:
    rows = db.session.execute(
        select(utc_hour(Signature.confirmed_at), func.count())
        .where(Signature.petition_id == petition_id, Signature.state == SignatureState.CONFIRMED.value,
               within(Signature.confirmed_at, start, end))
        .group_by(utc_hour(Signature.confirmed_at))
    ).all()  # fmt: skip
    return {datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC): count for hour, count in rows}


def _milestones(target: int, hours: dict[datetime, int]) -> list[Milestone]:
    thresholds = sorted({*(m for m in MILESTONES if m < target), target})
    reached: dict[int, datetime] = {}
    running = 0
    for hour in sorted(hours):
        running += hours[hour]
        for threshold in thresholds:
            if threshold not in reached and running >= threshold:
                reached[threshold] = hour
    return [Milestone(threshold, reached.get(threshold)) for threshold in thresholds]


def _days(hours: dict[datetime, int], zone: ZoneInfo, first: date | None, last: date) -> list[tuple[date, int]]:
    by_day: Counter[date] = Counter()
    for hour, count in hours.items():
        by_day[hour.astimezone(zone).date()] += count
    if first is None:
        first = min(by_day, default=last)
    days = []
    day = first
    while day <= last:
        days.append((day, by_day.get(day, 0)))
        day += timedelta(days=1)
    return days


def _recent_hours(hours: dict[datetime, int], zone: ZoneInfo, until: datetime) -> list[tuple[datetime, int]]:
    last = until.replace(minute=0, second=0, microsecond=0)
    return [
        ((last - timedelta(hours=back)).astimezone(zone), hours.get(last - timedelta(hours=back), 0))
        for back in range(RECENT_HOURS - 1, -1, -1)
    ]


def by_area(
    lookup: AreaLookup, petition_id: int, start: datetime | None = None, end: datetime | None = None
) -> list[tuple[str, int]]:
    """Confirmed signatures per area, in the order areas are shown."""
    rows = db.session.execute(
        select(postcode_sector(Signature.postcode), Signature.country.is_not(None), func.count())
        .where(Signature.petition_id == petition_id, Signature.state == SignatureState.CONFIRMED.value,
               within(Signature.confirmed_at, start, end))
        .group_by(postcode_sector(Signature.postcode), Signature.country.is_not(None))
    ).all()  # fmt: skip
    counts: Counter[str] = Counter()
    for sector, abroad, count in rows:
        if sector:
            counts[lookup.area_of_sector(sector)] += count
        else:
            counts[lookup.area_of(None, "abroad" if abroad else None)] += count
    return [(area, counts[area]) for area in lookup.order(counts)]


def summarise_petition(petition: Petition, date_range: DateRange, zone: ZoneInfo, now: datetime) -> PetitionSummary:
    start, end = date_range.utc_bounds(zone)
    all_hours = _hour_counts(petition.id, None, None)
    hours = _hour_counts(petition.id, start, end) if date_range.is_set else all_hours
    pending = db.session.scalar(
        select(func.count())
        .select_from(Signature)
        .where(Signature.petition_id == petition.id, Signature.state == SignatureState.PENDING.value,
               within(Signature.created_at, start, end))
    ) or 0  # fmt: skip
    until = min(end, now) if end is not None else now
    lookup = lookup_for(petition.organisation_id)
    return PetitionSummary(
        petition_id=petition.id,
        title=petition.title,
        target=petition.target,
        date_range=date_range,
        confirmed_all_time=sum(all_hours.values()),
        confirmed=sum(hours.values()),
        pending=pending,
        daily=_days(hours, zone, date_range.start, (until - timedelta(microseconds=1)).astimezone(zone).date()),
        hourly=_recent_hours(hours, zone, until - timedelta(microseconds=1)),
        by_area=by_area(lookup, petition.id, start, end),
        areas_defined=lookup.defined,
        area_note=area_note(petition.organisation_id),
        milestones=_milestones(petition.target, all_hours),
    )
