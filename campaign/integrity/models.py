"""Invalidations (an organiser's removal of matching signatures, as a record) and email blocklists."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.db import Base, utcnow


class InvalidationState(enum.StrEnum):
    APPLYING = "applying"  # matching signatures are being invalidated, in batches
    APPLIED = "applied"
    REVERTING = "reverting"  # being restored to what they were, in batches
    REVERTED = "reverted"


_STATES_SQL = ", ".join(f"'{state.value}'" for state in InvalidationState)


class Invalidation(Base):
    """Signatures of a petition matching some criteria, removed from its count with a reason.

    Criteria are kept as JSON (see campaign.integrity.criteria) so the record says exactly what was
    matched; the signatures point back here, so reverting restores precisely those.
    """

    __tablename__ = "invalidations"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    criteria: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=InvalidationState.APPLYING.value)
    # How many matched when it was applied, and how many have been changed so far (progress).
    matched: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    revert_started_at: Mapped[datetime | None]
    reverted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES_SQL})", name="state_known"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint("matched >= 0 AND done >= 0", name="progress_not_negative"),
        CheckConstraint("state != 'applied' OR applied_at IS NOT NULL", name="applied_has_time"),
        CheckConstraint("state != 'reverted' OR reverted_at IS NOT NULL", name="reverted_has_time"),
    )


class DomainRule(enum.StrEnum):
    BLOCK = "block"  # signatures from the domain are held back silently
    ALLOW = "allow"  # a large provider: exempt from the per-domain limit


class EmailDomainRule(Base):
    __tablename__ = "email_domain_rules"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    rule: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("rule IN ('block', 'allow')", name="rule_known"),
        CheckConstraint("length(domain) > 0 AND domain = lower(domain)", name="domain_lower"),
    )


class BlockedAddress(Base):
    """A blocked mailbox, kept only as a keyed hash of its canonical address (and a masked hint)."""

    __tablename__ = "blocked_addresses"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    masked: Mapped[str] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
