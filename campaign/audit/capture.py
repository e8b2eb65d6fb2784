"""Automatic capture: every change an organiser makes through the console is recorded, with its values.

A ``before_flush`` hook notes what is about to change (old values are still at hand there), adding
to what earlier flushes of the same transaction noted, so a change flushed in two parts is one
event. Just before the commit, the events are written on the same connection, so they commit or
roll back with the change. Only console requests with a signed-in organiser are followed.
Statements written with Core (``update()``, ``delete()``) bypass the ORM and so this hook: services
that use them for organisers' actions record their own events with ``record_action``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context, request
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.base import NO_VALUE, PASSIVE_NO_INITIALIZE

from campaign.audit.changes import (
    GLOBAL_SKIP,
    Audited,
    AuditedChildren,
    audited_children,
    audited_models,
    column_value,
    json_document_changes,
    parse_json_text,
    recordable,
)
from campaign.audit.models import AuditEvent
from campaign.db import utcnow

if TYPE_CHECKING:
    from campaign.accounts.models import Organiser

_automatic: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_automatic", default=True)
_PENDING = "audit_pending"


@contextmanager
def automatic_capture_off() -> Iterator[None]:
    """For services that record their own, better-named events (accounts, bulk replacements)."""
    token = _automatic.set(False)
    try:
        yield
    finally:
        _automatic.reset(token)


def console_actor() -> Organiser | None:
    """The organiser whose console request this is, if the changes should be captured.

    Reads only the organiser Flask-Login has already loaded, and none of its columns: after a
    commit they are expired, and reloading one here would flush the changes being looked at.
    """
    if not _automatic.get() or not has_request_context() or not request.path.startswith("/console/"):
        return None
    user = g.get("_login_user")
    # Only a signed-in organiser has a login id (see accounts.service.load_organiser).
    if user is None or not getattr(user, "login_id", None):
        return None
    return user  # type: ignore[no-any-return]


@dataclass
class _Change:
    kind: str  # create, update, delete, or gone (created and deleted again: nothing to record)
    target: Any
    spec: Audited
    old: dict[str, Any] = field(default_factory=dict)  # raw column values before (updates, deletes)
    new: dict[str, Any] = field(default_factory=dict)  # raw column values after (updates)


@dataclass
class _Pending:
    actor_id: int
    actor_label: str
    actor_organisation_id: int
    changes: dict[int, _Change] = field(default_factory=dict)  # by id() of the object, in order
    # (parent model, parent object, collection) -> the children's descriptions when first seen
    children_before: dict[tuple[type, Any, str], list[Any]] = field(default_factory=dict)


def _columns(target: Any) -> list[str]:
    return [attribute.key for attribute in inspect(type(target)).column_attrs]


def _recorded(spec: Audited, name: str) -> bool:
    return name not in GLOBAL_SKIP and name not in spec.skip


def _loaded(target: Any) -> dict[str, Any]:
    """Every loaded column value (nothing is fetched: this runs inside a flush or a commit)."""
    values = inspect(target).dict
    return {name: values[name] for name in _columns(target) if name in values}


def _note_update(change: _Change, target: Any) -> None:
    for name in _columns(target):
        history = attributes.get_history(target, name, passive=PASSIVE_NO_INITIALIZE)
        if not history.added and not history.deleted:
            continue
        change.old.setdefault(name, history.deleted[0] if history.deleted else None)
        change.new[name] = history.added[0] if history.added else None


def _child_rows(session: Session, children: AuditedChildren, parent_id: Any) -> list[Any]:
    if parent_id is None:
        return []
    table = children.model.__table__
    query = (
        select(*(table.c[name] for name in children.columns))
        .where(table.c[children.parent_key] == parent_id)
        .order_by(table.c[children.order_by], table.c.id)
    )
    # On the connection, not the session: a session query here would flush again.
    return [children.describe(dict(row._mapping)) for row in session.connection().execute(query)]


def _note_children(session: Session, pending: _Pending, targets: list[Any]) -> None:
    """Note the children of every parent that may change, as they were before this transaction changed them."""
    models = audited_models()
    for target in targets:
        spec = models.get(type(target))
        if spec is not None:
            for name, children in spec.children.items():
                key = (type(target), target, name)
                if key not in pending.children_before:
                    identity = inspect(target).identity
                    pending.children_before[key] = _child_rows(session, children, identity[0] if identity else None)
            continue
        parent_of = audited_children().get(type(target))
        if parent_of is None:
            continue
        parent_model, name, children = parent_of
        state = inspect(target)
        parent_id = state.dict.get(children.parent_key)
        if parent_id is None:  # taken out of the collection: the parent it left
            committed = state.committed_state.get(children.parent_key, NO_VALUE)
            parent_id = None if committed is NO_VALUE else committed
        parent: Any = session.get(parent_model, parent_id) if parent_id is not None else None
        if parent is not None and (parent_model, parent, name) not in pending.children_before:
            pending.children_before[(parent_model, parent, name)] = _child_rows(session, children, parent_id)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: Any, _instances: Any) -> None:
    actor = console_actor()
    if actor is None:
        return
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending(actor.id, actor.name, actor.organisation_id)
    models = audited_models()
    for target in session.new:
        if (spec := models.get(type(target))) is not None:
            pending.changes.setdefault(id(target), _Change("create", target, spec))
    for target in session.dirty:
        if (spec := models.get(type(target))) is not None:
            change = pending.changes.setdefault(id(target), _Change("update", target, spec))
            if change.kind == "update":
                _note_update(change, target)
    for target in session.deleted:
        if (spec := models.get(type(target))) is not None:
            change = pending.changes.setdefault(id(target), _Change("update", target, spec))
            if change.kind == "create":
                change.kind = "gone"
            else:
                change.kind, change.old = "delete", {**_loaded(target), **change.old}
    with session.no_autoflush:
        _note_children(session, pending, [*session.new, *session.dirty, *session.deleted])


@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_commit")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _organisation_of(session: Session, target: Any, fallback: int, cache: dict[tuple[str, int], int]) -> int:
    from campaign.accounts.models import Organisation
    from campaign.consultations.models import Consultation
    from campaign.petitions.models import Petition

    if isinstance(target, Organisation):
        return int(target.id)
    values = inspect(target).dict
    if values.get("organisation_id") is not None:
        return int(values["organisation_id"])
    for column, model in (("petition_id", Petition), ("consultation_id", Consultation)):
        if values.get(column) is not None:
            key = (column, int(values[column]))
            if key not in cache:
                query = select(model.organisation_id).where(model.id == key[1])
                found = session.connection().execute(query).scalar()
                cache[key] = int(found) if found is not None else fallback
            return cache[key]
    return fallback


def _values(spec: Audited, raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: recordable(parse_json_text(value)) if name in spec.json_columns else column_value(name, value, spec)
        for name, value in raw.items()
        if _recorded(spec, name)
    }


def _event_values(change: _Change) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
    """(action, before, after) for one object's changes over the whole transaction."""
    spec, type_name = change.spec, change.spec.type_name
    if change.kind == "create":
        return f"{type_name}.create", None, _values(spec, _loaded(change.target))
    if change.kind == "delete":
        return f"{type_name}.delete", _values(spec, change.old), None
    changed = frozenset(name for name in change.new if change.new[name] != change.old.get(name))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in sorted(changed, key=_columns(change.target).index):
        if not _recorded(spec, name):
            continue
        if name in spec.json_columns:
            before[name], after[name] = json_document_changes(change.old[name], change.new[name])
        else:
            before[name] = column_value(name, change.old[name], spec)
            after[name] = column_value(name, change.new[name], spec)
    verb = spec.name_update(changed, change.old, change.new) if spec.name_update and changed else None
    return f"{type_name}.{verb or 'update'}", before, after


@event.listens_for(Session, "before_commit")
def _write_events(session: Session) -> None:
    if _PENDING not in session.info and (
        console_actor() is None or not (session.new or session.dirty or session.deleted)
    ):
        return
    session.flush()  # the last changes are noted (and new rows get their ids) before anything is written
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    from campaign.audit.service import request_ip_hash

    found: list[tuple[_Change, str, dict[str, Any] | None, dict[str, Any] | None]] = []
    by_target: dict[int, int] = {}
    for key, change in pending.changes.items():
        if change.kind != "gone":
            by_target[key] = len(found)
            found.append((change, *_event_values(change)))
    for (parent_model, parent, name), before_rows in pending.children_before.items():
        spec = audited_models()[parent_model]
        parent_change = pending.changes.get(id(parent))
        if parent_change is not None and parent_change.kind == "gone":
            continue
        deleted = parent_change is not None and parent_change.kind == "delete"
        after_rows = [] if deleted else _child_rows(session, spec.children[name], inspect(parent).dict.get("id"))
        if after_rows == before_rows:
            continue
        if id(parent) not in by_target:
            by_target[id(parent)] = len(found)
            found.append((_Change("update", parent, spec), f"{spec.type_name}.update", {}, {}))
        item = found[by_target[id(parent)]]
        before = None if item[0].kind == "create" else {**(item[2] or {}), name: before_rows}
        after = None if deleted else {**(item[3] or {}), name: after_rows}
        found[by_target[id(parent)]] = (item[0], item[1], before, after)
    now, ip_hash = utcnow(), request_ip_hash()
    cache: dict[tuple[str, int], int] = {}
    rows: list[Mapping[str, Any]] = []
    for change, action, before, after in found:
        if change.kind == "update" and not before and not after:
            continue  # only unrecorded columns changed (a password hash, say), or changed back
        rows.append({
            "occurred_at": now, "actor_organiser_id": pending.actor_id, "actor_label": pending.actor_label,
            "organisation_id": _organisation_of(session, change.target, pending.actor_organisation_id, cache),
            "action": action, "target_type": change.spec.type_name,
            "target_id": str(inspect(change.target).dict.get("id")),
            "before": before, "after": after, "ip_hash": ip_hash,
        })  # fmt: skip
    if rows:
        session.connection().execute(insert(AuditEvent), rows)
