"""Blocklists and allowlists for email, and the end of kept client addresses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from campaign.audit.service import record_action
from campaign.db import transaction, utcnow
from campaign.errors import NotFound, ValidationFailed
from campaign.extensions import db
from campaign.identity import InvalidEmail, canonical_email
from campaign.integrity.criteria import DOMAIN_PATTERN
from campaign.integrity.models import BlockedAddress, DomainRule, EmailDomainRule
from campaign.integrity.screening import LARGE_PROVIDERS, address_hash, forget_rules
from campaign.mail.service import mask_email
from campaign.signing.models import Signature, SignatureState

logger = logging.getLogger(__name__)


def _audit(action: str, target: str, before: dict[str, object] | None, after: dict[str, object] | None) -> None:
    record_action(action, target_type="email-rule", target_id=target, before=before, after=after)


@dataclass(frozen=True)
class Blocklists:
    rules: list[EmailDomainRule]
    addresses: list[BlockedAddress]
    built_in_allowed: list[str]


def blocklists() -> Blocklists:
    return Blocklists(
        list(db.session.scalars(select(EmailDomainRule).order_by(EmailDomainRule.rule, EmailDomainRule.domain))),
        list(db.session.scalars(select(BlockedAddress).order_by(BlockedAddress.created_at.desc()))),
        sorted(LARGE_PROVIDERS),
    )


def set_domain_rule(domain: str, rule: str, note: str = "") -> None:
    domain = domain.strip().lower().lstrip("@")
    if not DOMAIN_PATTERN.match(domain):
        raise ValidationFailed({"domain": "Enter an email domain, like example.org"})
    if rule not in {DomainRule.BLOCK, DomainRule.ALLOW}:
        raise ValidationFailed({"rule": "Choose block or allow"})
    with transaction() as session:
        existing = session.get(EmailDomainRule, domain, with_for_update=True)
        before: dict[str, object] | None = {"rule": existing.rule, "note": existing.note} if existing else None
        if existing is None:
            session.add(EmailDomainRule(domain=domain, rule=rule, note=note.strip()[:200]))
        else:
            existing.rule, existing.note = rule, note.strip()[:200]
        _audit("email-rule.set", domain, before, {"rule": rule, "note": note.strip()[:200]})
    forget_rules()


def remove_domain_rule(domain: str) -> None:
    with transaction() as session:
        existing = session.get(EmailDomainRule, domain, with_for_update=True)
        if existing is None:
            raise NotFound("There is no rule for that domain.")
        _audit("email-rule.remove", domain, {"rule": existing.rule, "note": existing.note}, None)
        session.delete(existing)
    forget_rules()


def block_address(address: str, note: str = "") -> str:
    """Block a mailbox (kept as a keyed hash); returns its masked form."""
    try:
        canonical = canonical_email(address.strip())
    except InvalidEmail:
        raise ValidationFailed({"address": "Enter an email address in the correct format"}) from None
    masked = mask_email(canonical)
    with transaction() as session:
        key = address_hash(canonical)
        if session.get(BlockedAddress, key) is None:
            session.add(BlockedAddress(address_hash=key, masked=masked, note=note.strip()[:200]))
            _audit("blocked-address.add", masked, None, {"address": masked, "note": note.strip()[:200]})
    forget_rules()
    return masked


def unblock_address(key: str) -> None:
    with transaction() as session:
        existing = session.get(BlockedAddress, key, with_for_update=True)
        if existing is None:
            raise NotFound("That address is not blocked.")
        _audit("blocked-address.remove", existing.masked, {"address": existing.masked}, None)
        session.delete(existing)
    forget_rules()


def purge_expired_ip_hashes(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Forget client addresses older than IP_HASH_RETENTION_DAYS; returns how many signatures changed
    (or, with ``dry_run``, would change)."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["IP_HASH_RETENTION_DAYS"]))
    if dry_run:
        found = db.session.scalar(
            select(func.count()).where(Signature.created_at < cutoff, Signature.ip_version.is_not(None))
        )
        db.session.rollback()
        return int(found or 0)
    total = 0
    while True:
        with transaction() as session:
            batch = list(
                session.scalars(
                    select(Signature.id).where(Signature.created_at < cutoff, Signature.ip_version.is_not(None))
                    .limit(5_000)
                )
            )  # fmt: skip
            if not batch:
                break
            session.execute(
                update(Signature).where(Signature.id.in_(batch)).values(ip_hash=None, ip_version=None, ip_block=None)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            total += len(batch)
    if total:
        logger.info("forgot the client addresses of %d signatures", total)
    return total


def held_back_counts(petition_id: int) -> dict[str, int]:
    """Held-back signatures of a petition, by reason (for organisers)."""
    rows = db.session.execute(
        select(Signature.fraud_reason, func.count())
        .where(Signature.petition_id == petition_id, Signature.state == SignatureState.FRAUDULENT.value)
        .group_by(Signature.fraud_reason)
    ).all()
    return {str(reason): int(count) for reason, count in rows}
