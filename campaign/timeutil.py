"""Times are stored in UTC and shown in the site's time zone (TIMEZONE, default Europe/London)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import dates
from flask import current_app

from campaign.i18n import site_locale


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value: datetime) -> datetime:
    return value.astimezone(site_zone())


def from_local(value: datetime) -> datetime:
    """Read a naive wall-clock time typed in the site's zone as an aware UTC time."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=site_zone()).astimezone(UTC)


def format_datetime(value: datetime | None) -> str:
    """'21 November 2026, 6:30pm' in the site's zone and language."""
    if value is None:
        return ""
    local = to_local(value)
    locale = site_locale()
    day = dates.format_date(local, "d MMMM y", locale=locale)
    if not locale.startswith("en"):
        return f"{day}, {dates.format_time(local, 'short', locale=locale)}"
    # English as people write it on a notice: 6:30pm, not 18:30 or 6:30 PM.
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{day}, {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def format_date(value: datetime | None) -> str:
    """'21 November 2026' in the site's zone and language."""
    if value is None:
        return ""
    return dates.format_date(to_local(value), "d MMMM y", locale=site_locale())
