"""Signatures, and the append-only count changes that keep petition counts without a hot row."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.db import Base, utcnow
from campaign.petitions.models import Petition


class SignatureState(enum.StrEnum):
    PENDING = "pending"  # waiting for the emailed link to be followed
    CONFIRMED = "confirmed"  # counted
    # Held back by the abuse checks. Silent: the person sees the normal flow and gets the normal
    # email (telling a bot it was caught teaches it), but it never counts.
    FRAUDULENT = "fraudulent"
    # Removed by an organiser through an invalidation (with its reason); reverting restores the
    # state it had, which is kept in ``invalidated_from``.
    INVALIDATED = "invalidated"


class FraudReason(enum.StrEnum):
    """Why a signature was held back, for organisers reviewing them."""

    IP_RATE = "ip-rate"
    DOMAIN_RATE = "domain-rate"
    PETITION_RATE = "petition-rate"
    BLOCKED_DOMAIN = "blocked-domain"
    BLOCKED_ADDRESS = "blocked-address"


_STATES_SQL = ", ".join(f"'{state.value}'" for state in SignatureState)
_RESTORABLE_SQL = "'pending', 'confirmed', 'fraudulent'"
_REASONS_SQL = ", ".join(f"'{reason.value}'" for reason in FraudReason)
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
    # Set when the emailed link was followed (also for fraudulent ones, which look confirmed).
    confirmed_at: Mapped[datetime | None]
    fraud_reason: Mapped[str | None] = mapped_column(String(24))
    # The client address only as a keyed hash (exact matches) and its /24 (IPv4) or /48 (IPv6)
    # block as a number (range matches for CIDR criteria); both are cleared after
    # IP_HASH_RETENTION_DAYS, once fraud checks no longer need them.
    ip_hash: Mapped[str | None] = mapped_column(String(32))
    ip_version: Mapped[int | None] = mapped_column(SmallInteger)
    ip_block: Mapped[int | None] = mapped_column(BigInteger)
    invalidation_id: Mapped[int | None] = mapped_column(ForeignKey("invalidations.id"), index=True)
    invalidated_from: Mapped[str | None] = mapped_column(String(16))

    petition: Mapped[Petition] = relationship()

    __table_args__ = (
        UniqueConstraint("petition_id", "canonical_email", "household_slot"),
        UniqueConstraint("petition_id", "canonical_email", "name_key"),
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        CheckConstraint("household_slot IS NULL OR household_slot IN (1, 2)", name="household_slot_1_or_2"),
        # A confirmed signature holds a household slot; an invalidated one keeps it (so reverting can
        # never collide with someone else), and no other state holds one.
        CheckConstraint("state != 'confirmed' OR household_slot IS NOT NULL", name="confirmed_has_slot"),
        CheckConstraint(
            "household_slot IS NULL OR state IN ('confirmed', 'invalidated')", name="slot_only_when_counted"
        ),
        CheckConstraint("state != 'confirmed' OR confirmed_at IS NOT NULL", name="confirmed_has_time"),
        CheckConstraint("state != 'pending' OR confirmed_at IS NULL", name="pending_has_no_time"),
        CheckConstraint("state != 'fraudulent' OR fraud_reason IS NOT NULL", name="fraudulent_has_reason"),
        CheckConstraint(f"fraud_reason IS NULL OR fraud_reason IN ({_REASONS_SQL})", name="fraud_reason_known"),
        CheckConstraint(
            "(state = 'invalidated') = (invalidated_from IS NOT NULL AND invalidation_id IS NOT NULL)",
            name="invalidated_is_recorded",
        ),
        CheckConstraint(
            f"invalidated_from IS NULL OR invalidated_from IN ({_RESTORABLE_SQL})", name="invalidated_from_known"
        ),
        CheckConstraint("(invalidated_from IS NULL) = (invalidation_id IS NULL)", name="invalidation_complete"),
        # Reverting a counted signature gives it back its slot, so it must still hold one.
        CheckConstraint(
            "state != 'invalidated' OR invalidated_from != 'confirmed' OR household_slot IS NOT NULL",
            name="invalidated_keeps_slot",
        ),
        CheckConstraint("ip_version IS NULL OR ip_version IN (4, 6)", name="ip_version_known"),
        CheckConstraint("(postcode IS NULL) != (country IS NULL)", name="postcode_or_country"),
        CheckConstraint("emails_sent >= 0", name="emails_sent_not_negative"),
        CheckConstraint("update_emails_sent >= 0", name="update_emails_sent_not_negative"),
        CheckConstraint("length(name) > 0 AND length(name_key) > 0", name="name_not_empty"),
        # Counting and summaries read confirmed signatures of one petition.
        Index("ix_signatures_petition_id_state", "petition_id", "state"),
        # The trending view and invalidations read one petition's recent signatures.
        Index("ix_signatures_petition_id_created_at", "petition_id", "created_at"),
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
