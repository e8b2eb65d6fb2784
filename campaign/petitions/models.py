"""Petitions and their lifecycle."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Organisation, Organiser
from campaign.db import Base, utcnow


class PetitionState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"
    HIDDEN = "hidden"


class PublicStatus(enum.StrEnum):
    """What a petition is right now, taking its dates into account."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"  # opened by the organiser, opening date still ahead
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"
    HIDDEN = "hidden"


def public_status_of(state: str, opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> PublicStatus:
    """A petition's status at ``now`` from its stored state and dates (see Petition.public_status)."""
    if state == PetitionState.OPEN:
        if opens_at is not None and opens_at > now:
            return PublicStatus.SCHEDULED
        if closes_at is not None and closes_at <= now:
            return PublicStatus.CLOSED
        return PublicStatus.OPEN
    return PublicStatus(state)


def closed_time_of(
    state: str, closed_at: datetime | None, closes_at: datetime | None, now: datetime
) -> datetime | None:
    if closed_at is not None:
        return closed_at
    if state == PetitionState.OPEN and closes_at is not None and closes_at <= now:
        return closes_at
    return None


TITLE_MAX = 100
SUMMARY_MAX = 500
BODY_MAX = 20_000
TARGET_MAX = 100_000_000
HIDDEN_REASON_MAX = 1000

_STATES_SQL = ", ".join(f"'{state.value}'" for state in PetitionState)


class Petition(Base):
    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    # Rendered and sanitised when saved, so pages never run the Markdown renderer.
    body_html: Mapped[str] = mapped_column(Text)
    target: Mapped[int]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default=PetitionState.DRAFT.value)
    state_before_hidden: Mapped[str | None] = mapped_column(String(16))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    signature_count: Mapped[int] = mapped_column(default=0)
    # Identifies the filled-in form that created the petition, so a double submit
    # cannot create it twice.
    submission_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Sites allowed to frame the widget, one origin a line ("https://example.org"); empty: any site.
    embed_origins: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[Organiser | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        CheckConstraint(
            f"state_before_hidden IS NULL OR state_before_hidden IN ({_STATES_SQL})", name="state_before_hidden_known"
        ),
        CheckConstraint("(state = 'hidden') = (hidden_reason IS NOT NULL)", name="hidden_has_reason"),
        CheckConstraint("(state = 'hidden') = (state_before_hidden IS NOT NULL)", name="hidden_remembers_state"),
        CheckConstraint(f"target > 0 AND target <= {TARGET_MAX}", name="target_in_range"),
        CheckConstraint("signature_count >= 0", name="signature_count_not_negative"),
        CheckConstraint("opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("state = 'draft' OR opened_at IS NOT NULL", name="opened_has_time"),
        CheckConstraint("state NOT IN ('closed', 'archived') OR closed_at IS NOT NULL", name="closed_has_time"),
        CheckConstraint("length(title) > 0 AND length(summary) > 0 AND length(slug) > 0", name="text_not_empty"),
        Index("ix_petitions_state_opens_at", "state", "opens_at"),
    )

    def public_status(self, now: datetime) -> PublicStatus:
        """The petition's status at ``now``: dates open and close it without anyone acting."""
        return public_status_of(self.state, self.opens_at, self.closes_at, now)

    def closed_time(self, now: datetime) -> datetime | None:
        """When it closed (or None while open): by hand, or when its closing date passed."""
        return closed_time_of(self.state, self.closed_at, self.closes_at, now)

    @property
    def public_opened_at(self) -> datetime | None:
        """When signing opened: when the organiser opened it, or its later opening date."""
        if self.opened_at is None:
            return None
        if self.opens_at is not None and self.opens_at > self.opened_at:
            return self.opens_at
        return self.opened_at

    def is_publicly_visible(self, now: datetime) -> bool:
        return self.public_status(now) in {PublicStatus.OPEN, PublicStatus.CLOSED, PublicStatus.ARCHIVED}

    def progress_percent(self) -> int:
        return min(100, (self.signature_count * 100) // self.target) if self.target else 0

    def wording_locked(self, now: datetime) -> bool:
        """What people signed cannot change beneath them: wording is fixed once it is public."""
        return self.public_status(now) not in {PublicStatus.DRAFT, PublicStatus.SCHEDULED}
