"""The date-driven lifecycle petitions and consultations share: draft, open (or scheduled), closed, archived."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, or_, update

from campaign.errors import ValidationFailed
from campaign.extensions import db
from campaign.i18n import gettext as _


class HasLifecycle(Protocol):
    state: str
    opens_at: datetime | None
    closes_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None


def persist_date_closure(item: HasLifecycle, now: datetime) -> None:
    """Record a closure that the closing date already made true."""
    if item.state == "open" and item.closes_at is not None and item.closes_at <= now:
        item.state = "closed"
        item.closed_at = item.closes_at


def open_now(item: HasLifecycle, now: datetime) -> None:
    if item.closes_at is not None and item.closes_at <= now:
        raise ValidationFailed({"closes_at": _("The closing date has passed; set a later one before opening")})
    item.state = "open"
    item.opened_at = now


def back_to_draft(item: HasLifecycle) -> None:
    item.state = "draft"
    item.opened_at = None


def close_now(item: HasLifecycle, now: datetime) -> None:
    item.state = "closed"
    item.closed_at = now


def close_due(model: Any, now: datetime) -> int:
    """Record the closure of every open item of ``model`` whose closing date has passed."""
    result = db.session.execute(
        update(model)
        .where(model.state == "open", model.closes_at <= now)
        .values(state="closed", closed_at=model.closes_at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


PUBLIC_STATES = ("open", "closed", "archived")


def in_public_state(model: Any, state: str, now: datetime) -> Any:
    """SQL for "publicly ``state`` at ``now``" (open, closed, archived, or "all" three) on a model with a lifecycle."""
    open_now_ = and_(model.state == "open", or_(model.opens_at.is_(None), model.opens_at <= now),
                     or_(model.closes_at.is_(None), model.closes_at > now))  # fmt: skip
    closed = or_(model.state == "closed", and_(model.state == "open", model.closes_at <= now))
    archived = model.state == "archived"
    conditions = {"open": open_now_, "closed": closed, "archived": archived}
    if state == "all":
        return or_(*conditions.values())
    return conditions[state]
