"""Audit events: one row per change, never updated or deleted (database triggers refuse both)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from campaign.db import Base, utcnow

ACTOR_LABEL_MAX = 200
ACTION_MAX = 64
TARGET_TYPE_MAX = 40
TARGET_ID_MAX = 64


class AuditEvent(Base):
    """Who did what to which object, with the values before and after.

    The actor's name is copied at the time, so the record still reads right after a rename
    (and if the account is ever deleted, when ``actor_organiser_id`` becomes NULL).
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(ACTOR_LABEL_MAX))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(ACTION_MAX))
    target_type: Mapped[str] = mapped_column(String(TARGET_TYPE_MAX))
    target_id: Mapped[str | None] = mapped_column(String(TARGET_ID_MAX))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A keyed hash of the client's address: the same address gives the same value (so events can be
    # tied together), but the address itself cannot be read back without the site's secret key.
    ip_hash: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_audit_events_action_occurred_at", "action", "occurred_at"),
        Index("ix_audit_events_organisation_id_occurred_at", "organisation_id", "occurred_at"),
    )
