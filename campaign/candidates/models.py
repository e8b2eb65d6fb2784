"""Candidates invited to respond to a petition, and every version of what they published."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.db import Base, utcnow
from campaign.i18n import lazy_gettext as _l

NAME_MAX, AFFILIATION_MAX, STATEMENT_MAX, PLEDGE_MAX = 100, 120, 5000, 1000


class Position(enum.StrEnum):
    SUPPORTS = "supports"
    OPPOSES = "opposes"
    UNDECIDED = "undecided"


POSITION_LABELS = {
    Position.SUPPORTS: _l("Supports"),
    Position.OPPOSES: _l("Opposes"),
    Position.UNDECIDED: _l("Undecided"),
}
_POSITIONS_SQL = ", ".join(f"'{position.value}'" for position in Position)


def new_link_nonce() -> str:
    return secrets.token_urlsafe(12)


class Candidate(Base):
    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    affiliation: Mapped[str] = mapped_column(String(AFFILIATION_MAX), default="")
    email: Mapped[str] = mapped_column(String(254))
    # Part of the private link: a new one cancels every link sent before.
    link_nonce: Mapped[str] = mapped_column(String(24), default=new_link_nonce)
    invited_at: Mapped[datetime | None]
    emails_sent: Mapped[int] = mapped_column(default=0)
    removed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    statements: Mapped[list[CandidateStatement]] = relationship(
        back_populates="candidate", order_by="CandidateStatement.version", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("petition_id", "email"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("emails_sent >= 0", name="emails_sent_not_negative"),
    )

    @property
    def latest(self) -> CandidateStatement | None:
        return self.statements[-1] if self.statements else None


class CandidateStatement(Base):
    """One published version; a new version is added for every edit, and none is ever changed."""

    __tablename__ = "candidate_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    position: Mapped[str] = mapped_column(String(16))
    statement: Mapped[str] = mapped_column(Text)
    pledge: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="statements")

    __table_args__ = (
        UniqueConstraint("candidate_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"position IN ({_POSITIONS_SQL})", name="position_known"),
        CheckConstraint("length(statement) > 0", name="statement_not_empty"),
    )
