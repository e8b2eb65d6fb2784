"""Briefings: an introduction and a list of petitions and consultations, shared read-only by link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.db import Base, utcnow

TITLE_MAX, AUDIENCE_MAX, INTRO_MAX = 160, 160, 10_000


class Briefing(Base):
    __tablename__ = "briefings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    audience: Mapped[str] = mapped_column(String(AUDIENCE_MAX))
    intro_markdown: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    # Part of the share link; None while not shared. A new one cancels every earlier link.
    share_nonce: Mapped[str | None] = mapped_column(String(24))
    shared_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    items: Mapped[list[BriefingItem]] = relationship(
        back_populates="briefing", order_by="BriefingItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("length(title) > 0 AND length(audience) > 0", name="text_not_empty"),
        CheckConstraint("share_nonce IS NULL OR shared_at IS NOT NULL", name="shared_has_time"),
    )


class BriefingItem(Base):
    __tablename__ = "briefing_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefings.id", ondelete="CASCADE"), index=True)
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    position: Mapped[int]

    briefing: Mapped[Briefing] = relationship(back_populates="items")

    __table_args__ = (
        UniqueConstraint("briefing_id", "petition_id"),
        UniqueConstraint("briefing_id", "consultation_id"),
        CheckConstraint("(petition_id IS NULL) != (consultation_id IS NULL)", name="one_subject"),
    )
