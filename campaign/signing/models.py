"""Signatures, and the append-only count changes that keep petition counts without a hot row."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.db import Base, utcnow
from campaign.petitions.models import Petition


class SignatureState(enum.StrEnum):
    PENDING = "pending"  # waiting for the emailed link to be followed
    CONFIRMED = "confirmed"  # counted


_STATES_SQL = ", ".join(f"'{state.value}'" for state in SignatureState)
NAME_MAX = 100


def new_confirmation_nonce() -> str:
    return secrets.token_urlsafe(12)


class Signature(Base):
    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=SignatureState.PENDING.value)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Identifies the same name however it is typed, for the household rule.
    name_key: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str] = mapped_column(String(254))
    # Identifies the mailbox: one counted signature per mailbox, or two for a household.
    canonical_email: Mapped[str] = mapped_column(String(254))
    # 1 or 2 once confirmed (unique per mailbox, so at most two count); none while pending, so
    # an unconfirmed name typed by someone else never blocks the mailbox's owner.
    household_slot: Mapped[int | None]
    postcode: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    notify_progress: Mapped[bool] = mapped_column(default=False)
    share_name: Mapped[bool] = mapped_column(default=False)
    # Binds emailed tokens to this row, so a token can never confirm a different signature.
    confirmation_nonce: Mapped[str] = mapped_column(String(24), default=new_confirmation_nonce)
    emails_sent: Mapped[int] = mapped_column(default=0)
    last_emailed_at: Mapped[datetime | None]
    # Updates emailed about the petition, capped by SIGNATURE_UPDATE_EMAIL_CAP (kept apart from the
    # confirmation mail above, whose count starts again when a link expires).
    update_emails_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the signer stopped update emails (the link in them, or their mail program's button).
    unsubscribed_at: Mapped[datetime | None]
    # When the retention run removed the signer's details; the row is kept only to be counted.
    anonymised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]

    petition: Mapped[Petition] = relationship()

    __table_args__ = (
        UniqueConstraint("petition_id", "canonical_email", "household_slot"),
        UniqueConstraint("petition_id", "canonical_email", "name_key"),
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        CheckConstraint("household_slot IS NULL OR household_slot IN (1, 2)", name="household_slot_1_or_2"),
        CheckConstraint("(state = 'confirmed') = (household_slot IS NOT NULL)", name="confirmed_has_slot"),
        CheckConstraint("(state = 'confirmed') = (confirmed_at IS NOT NULL)", name="confirmed_has_time"),
        CheckConstraint("(postcode IS NULL) != (country IS NULL)", name="postcode_or_country"),
        CheckConstraint("emails_sent >= 0", name="emails_sent_not_negative"),
        CheckConstraint("update_emails_sent >= 0", name="update_emails_sent_not_negative"),
        CheckConstraint("length(name) > 0 AND length(name_key) > 0", name="name_not_empty"),
        # Counting and summaries read confirmed signatures of one petition.
        Index("ix_signatures_petition_id_state", "petition_id", "state"),
        # Erasure and subject access find a person's signatures on every petition.
        Index("ix_signatures_canonical_email", "canonical_email"),
    )


class SignatureCountDelta(Base):
    """One change to a petition's count, written by the confirming transaction.

    Confirmations only ever insert here, so many can commit at once without queuing on
    the petition's row; the worker folds these into ``petitions.signature_count``.
    """

    __tablename__ = "signature_count_deltas"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("delta != 0", name="delta_not_zero"),)
