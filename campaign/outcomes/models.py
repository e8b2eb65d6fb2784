"""Updates an organiser publishes on a petition's page, and their emailing to signers who opted in."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.db import Base, utcnow

TITLE_MAX, BODY_MAX = 120, 10_000


class EmailState(enum.StrEnum):
    NONE = "none"  # not emailed
    QUEUED = "queued"  # being put in the outbox, a batch at a time, by the worker
    DONE = "done"  # every opted-in signer has a message in the outbox


_EMAIL_STATES_SQL = ", ".join(f"'{state.value}'" for state in EmailState)


class PetitionUpdate(Base):
    __tablename__ = "petition_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    email_state: Mapped[str] = mapped_column(String(16), default=EmailState.NONE.value)
    # The last signature id given a message: the fan-out resumes after it, so nobody gets two.
    email_cursor: Mapped[int] = mapped_column(default=0)
    emailed_count: Mapped[int] = mapped_column(default=0)
    email_requested_at: Mapped[datetime | None]
    email_finished_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"email_state IN ({_EMAIL_STATES_SQL})", name="email_state_known"),
        CheckConstraint("length(title) > 0 AND length(body_markdown) > 0", name="text_not_empty"),
        CheckConstraint("email_state = 'none' OR email_requested_at IS NOT NULL", name="emailing_has_time"),
        CheckConstraint("emailed_count >= 0 AND email_cursor >= 0", name="counts_not_negative"),
    )
