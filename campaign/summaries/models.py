"""The organiser's choices about quotes: further redaction, and which to feature in briefings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign.db import Base, utcnow


class QuoteChoice(Base):
    __tablename__ = "quote_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("consultation_responses.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(40))
    # The answer this choice was made about (SHA-256 of its text): if the respondent changes
    # their answer, the organiser's edit no longer applies and the quote is no longer featured.
    source_hash: Mapped[str] = mapped_column(String(64))
    # The organiser's further-redacted text, or None to show the automatic redaction.
    text: Mapped[str | None] = mapped_column(Text)
    featured: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("response_id", "question_key"),)
