"""Consultations, their responses, and the record of wording corrections."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Organisation, Organiser
from campaign.db import Base, utcnow
from campaign.petitions.models import Petition, PublicStatus, closed_time_of, public_status_of


class ConsultationState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Consent(enum.StrEnum):
    """May we quote what you wrote?"""

    NAMED = "named"  # with your name
    ANONYMOUS = "anonymous"
    NONE = "none"


class ResponseState(enum.StrEnum):
    DRAFT = "draft"  # being filled in; never counted
    SUBMITTED = "submitted"


TITLE_MAX = 120
SUMMARY_MAX = 500
INTRO_MAX = 10_000

_STATES_SQL = ", ".join(f"'{state.value}'" for state in ConsultationState)


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id", ondelete="SET NULL"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    intro_markdown: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    # The questionnaire (see definition.py); validated before it is ever stored.
    definition: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default=ConsultationState.DRAFT.value)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # When the organiser published the results (aggregates, small numbers hidden); None: not published.
    results_published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[Organiser | None] = relationship()
    petition: Mapped[Petition | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        CheckConstraint("opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("state = 'draft' OR opened_at IS NOT NULL", name="opened_has_time"),
        CheckConstraint("state NOT IN ('closed', 'archived') OR closed_at IS NOT NULL", name="closed_has_time"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(title) > 0 AND length(slug) > 0", name="text_not_empty"),
    )

    def public_status(self, now: datetime) -> PublicStatus:
        return public_status_of(self.state, self.opens_at, self.closes_at, now)

    def closed_time(self, now: datetime) -> datetime | None:
        return closed_time_of(self.state, self.closed_at, self.closes_at, now)

    def is_publicly_visible(self, now: datetime) -> bool:
        return self.public_status(now) in {PublicStatus.OPEN, PublicStatus.CLOSED, PublicStatus.ARCHIVED}


def new_response_nonce() -> str:
    return secrets.token_urlsafe(12)


class ConsultationResponse(Base):
    """One person's response: ``working`` is what they are filling in; ``answers`` is what they
    last submitted, complete and valid, and the only thing that is ever counted."""

    __tablename__ = "consultation_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    canonical_email: Mapped[str] = mapped_column(String(254))
    # Binds emailed links and the respondent's session to this row.
    nonce: Mapped[str] = mapped_column(String(24), default=new_response_nonce)
    state: Mapped[str] = mapped_column(String(16), default=ResponseState.DRAFT.value)
    working: Mapped[str] = mapped_column(Text, default="{}")  # JSON {"answers": {...}, "other": {...}}
    answers: Mapped[str | None] = mapped_column(Text)  # JSON, as last submitted
    consent: Mapped[str | None] = mapped_column(String(16))
    postcode: Mapped[str | None] = mapped_column(String(8))
    verified_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    changed_at: Mapped[datetime | None]
    emails_sent: Mapped[int] = mapped_column(default=0)
    last_emailed_at: Mapped[datetime | None]
    # When the retention run removed the respondent's details; the answers are kept, anonymised.
    anonymised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship()

    __table_args__ = (
        UniqueConstraint("consultation_id", "canonical_email"),
        CheckConstraint("state IN ('draft', 'submitted')", name="state_known"),
        CheckConstraint("consent IS NULL OR consent IN ('named', 'anonymous', 'none')", name="consent_known"),
        CheckConstraint(
            "(state = 'submitted') = (answers IS NOT NULL AND consent IS NOT NULL AND submitted_at IS NOT NULL)",
            name="submitted_is_complete",
        ),
        CheckConstraint("state = 'draft' OR verified_at IS NOT NULL", name="submitted_was_verified"),
        Index("ix_consultation_responses_consultation_id_state", "consultation_id", "state"),
        # Erasure and subject access find a person's responses to every consultation.
        Index("ix_consultation_responses_canonical_email", "canonical_email"),
    )


class WordingChange(Base):
    """A correction to a question's wording after answers were given (structure never changes then)."""

    __tablename__ = "consultation_wording_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(200))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[Organiser | None] = relationship()
