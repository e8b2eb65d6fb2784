"""Times are stored in UTC and shown in the site's time zone (TIMEZONE, default Europe/London)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


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
    """'21 November 2026, 6:30pm' in the site's zone."""
    if value is None:
        return ""
    local = to_local(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y}, {hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def format_date(value: datetime | None) -> str:
    """'21 November 2026' in the site's zone."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{local.day} {local:%B %Y}"
