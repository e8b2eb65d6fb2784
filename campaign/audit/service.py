"""Recording actions in the audit log, and reading it back for administrators."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, func, select

from campaign.accounts.models import Organisation, Organiser
from campaign.audit.changes import recordable
from campaign.audit.models import ACTION_MAX, TARGET_ID_MAX, TARGET_TYPE_MAX, AuditEvent
from campaign.db import transaction, utcnow
from campaign.exports.csvstream import LocalTimes, csv_blocks
from campaign.exports.safe import spreadsheet_safe
from campaign.extensions import db
from campaign.net import client_address
from campaign.timeutil import site_zone

COMMAND_LINE = "command line"
NOT_SIGNED_IN = "someone not signed in"
PER_PAGE = 50


def request_ip_hash() -> str | None:
    """A keyed hash of the client's address (None outside a request)."""
    if not has_request_context():
        return None
    key = hashlib.sha256(f"campaign.audit-ip:{current_app.config['SECRET_KEY']}".encode()).digest()
    return hmac.new(key, client_address().encode(), hashlib.sha256).hexdigest()[:32]


def _actor(actor_id: int | None) -> tuple[int | None, str, int | None]:
    """(organiser id, label, organisation id) of whoever is acting."""
    if actor_id is not None:
        organiser = db.session.get(Organiser, actor_id)
        if organiser is not None:
            return organiser.id, organiser.name, organiser.organisation_id
        return None, f"organiser {actor_id} (no longer exists)", None
    if has_request_context():
        if current_user.is_authenticated:
            return current_user.id, current_user.name, current_user.organisation_id
        return None, NOT_SIGNED_IN, None
    return None, COMMAND_LINE, None


def record_action(
    action: str,
    *,
    target_type: str,
    target_id: int | str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_id: int | None = None,
    organisation_id: int | None = None,
) -> None:
    """Add an event to the current transaction (the caller commits it with the change it describes).

    The actor is ``actor_id``, else the signed-in organiser, else the command line.
    ``organisation_id`` defaults to the actor's organisation.
    """
    # Programming errors, not input: fail loudly rather than lose the record to a database error.
    if not action or len(action) > ACTION_MAX:
        raise ValueError(f"an audit action is 1 to {ACTION_MAX} characters: {action!r}")
    if not target_type or len(target_type) > TARGET_TYPE_MAX or len(str(target_id or "")) > TARGET_ID_MAX:
        raise ValueError(f"an audit target type is 1 to {TARGET_TYPE_MAX} characters, its id at most {TARGET_ID_MAX}")
    organiser_id, label, actor_organisation = _actor(actor_id)
    db.session.add(
        AuditEvent(
            occurred_at=utcnow(),
            actor_organiser_id=organiser_id,
            actor_label=label[:200],
            organisation_id=organisation_id if organisation_id is not None else actor_organisation,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            before=recordable(before) if before is not None else None,
            after=recordable(after) if after is not None else None,
            ip_hash=request_ip_hash(),
        )
    )


def record_read(action: str, *, target_type: str, target_id: int | str | None, details: dict[str, Any]) -> None:
    """Record that someone looked at or downloaded something (an export of personal data, say)."""
    with transaction():
        record_action(action, target_type=target_type, target_id=target_id, after=details)


# --- Reading the log -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    action: str = ""
    actor: str = ""  # an organiser's id, "none" for the command line and visitors, or "" for everyone
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.action:
            if self.action.endswith(".*"):
                found.append(AuditEvent.action.startswith(self.action[:-1], autoescape=True))
            else:
                found.append(AuditEvent.action == self.action)
        if self.actor == "none":
            found.append(AuditEvent.actor_organiser_id.is_(None))
        elif self.actor.isdigit() and len(self.actor) < 10:
            found.append(AuditEvent.actor_organiser_id == int(self.actor))
        if self.start is not None:
            found.append(AuditEvent.occurred_at >= self.start)
        if self.end is not None:
            found.append(AuditEvent.occurred_at < self.end)
        return found

    def query(self) -> Any:
        """SELECT of the matching events (Any: the Select type's parameters differ between SQLAlchemy 2.0 and 2.1)."""
        return select(AuditEvent).where(*self.conditions())


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    organisations: dict[int, str]
    page: int
    pages: int
    total: int


def events_page(wanted: EventFilter, page: int) -> EventPage:
    """One page of events, newest first."""
    total = db.session.scalar(select(func.count()).select_from(wanted.query().subquery())) or 0
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(page, 1), pages)
    query = wanted.query().order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    events: list[AuditEvent] = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    ids = {event.organisation_id for event in events if event.organisation_id is not None}
    names = dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())
    return EventPage(events, names, page, pages, total)


def filter_choices() -> tuple[list[str], list[tuple[str, str]]]:
    """The actions and the actors that appear in the log, for the filter form."""
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    rows = db.session.execute(
        select(AuditEvent.actor_organiser_id, func.max(AuditEvent.actor_label))
        .where(AuditEvent.actor_organiser_id.is_not(None))
        .group_by(AuditEvent.actor_organiser_id)
    ).all()
    actors = sorted(((str(actor_id), f"{label} (#{actor_id})") for actor_id, label in rows), key=lambda a: a[1])
    return actions, actors


CSV_HEADER_TIME = "When ({zone})"
CSV_HEADER = ["Event", "Actor", "Actor id", "Organisation id", "Action", "Target type", "Target id", "Before",
              "After", "Address (keyed hash)"]  # fmt: skip


def _json_cell(value: Any) -> str:
    return "" if value is None else spreadsheet_safe(json.dumps(value, ensure_ascii=False, sort_keys=True))


def csv_export(wanted: EventFilter) -> Iterator[str]:
    """The matching events as CSV, oldest first, read a few thousand at a time; no cell can run as a formula."""
    zone = site_zone()
    times = LocalTimes(zone)
    query = wanted.query().order_by(AuditEvent.id).execution_options(yield_per=2000)

    def rows() -> Iterator[list[object]]:
        event: AuditEvent
        for event in db.session.scalars(query):
            yield [
                times.format(event.occurred_at), event.id, spreadsheet_safe(event.actor_label),
                event.actor_organiser_id or "", event.organisation_id or "", spreadsheet_safe(event.action),
                spreadsheet_safe(event.target_type), spreadsheet_safe(event.target_id or ""),
                _json_cell(event.before), _json_cell(event.after), event.ip_hash or "",
            ]  # fmt: skip

    return csv_blocks([CSV_HEADER_TIME.format(zone=zone.key), *CSV_HEADER], rows())


def export_filename(now: datetime | None = None) -> str:
    day: date = (now or utcnow()).astimezone(site_zone()).date()
    return f"audit-log-{day.isoformat()}.csv"
