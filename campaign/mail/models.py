"""The outbox: every email is a row first, committed with the change it announces."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.db import Base, utcnow


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt
    SENDING = "sending"  # leased by a sender until leased_until
    SENT = "sent"
    FAILED = "failed"  # gave up: visible to organisers and in metrics, never silently dropped


_STATUSES_SQL = ", ".join(f"'{status.value}'" for status in OutboxStatus)


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across retries, so a receiving server can spot a duplicate delivery.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # The email template (templates/emails/<kind>/) and what it is rendered with. Rendering
    # happens when the message is sent, keeping the request that queued it short.
    kind: Mapped[str] = mapped_column(String(40))
    context: Mapped[str] = mapped_column(Text)  # JSON object of strings
    to_address: Mapped[str] = mapped_column(String(254))
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id", ondelete="SET NULL"), index=True)
    # The consultation response a message is about, so that erasing or anonymising it finds its mail.
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_responses.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    leased_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES_SQL})", name="status_known"),
        CheckConstraint("status != 'sending' OR leased_until IS NOT NULL", name="sending_is_leased"),
        CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sender's query: what is due, oldest first.
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )
