"""Confirming: the emailed link's page changes nothing; its button counts the signature, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaign.db import transaction, utcnow
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.identity import VerifiedIdentity
from campaign.metrics.registry import SIGNATURES_CONFIRMED
from campaign.petitions.models import PublicStatus
from campaign.petitions.service import PetitionGone
from campaign.signing.models import Signature, SignatureState
from campaign.signing.service import (
    _CONFIRM_HELD_BACK,
    _SIGNATURE_FOR_LINK,
    _SIGNATURES_OF_MAILBOX,
    RACE_RETRIES,
    ConfirmationClosed,
    PetitionFacts,
    _count,
    _household_slot,
    _looks_confirmed,
    _removed,
    _token_max_age,
)
from campaign.tokens import TokenInvalid, TokenPurpose, read_token, read_token_ignoring_age

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page shows."""

    signature_id: int
    petition: PetitionFacts
    name: str
    confirmed: bool
    can_confirm: bool


def _signature_id_and_nonce(token: str) -> tuple[int, str]:
    payload = read_token(TokenPurpose.CONFIRM_SIGNATURE, token, max_age_seconds=_token_max_age())
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int) or not isinstance(payload.get("n"), str):
        raise TokenInvalid(_("The link is incomplete or has been changed. Copy the whole link from your email."))
    return payload["s"], payload["n"]


def _signature_and_petition(signature_id: int, nonce: str) -> tuple[Any, PetitionFacts]:
    row = db.session.connection().execute(_SIGNATURE_FOR_LINK, {"signature": signature_id}).first()
    if row is None or row.confirmation_nonce != nonce:
        raise TokenInvalid(_("This link no longer matches a signature. It may have been withdrawn."))
    return row, PetitionFacts(*tuple(row)[6:])


def petition_for_expired_link(token: str) -> PetitionFacts | None:
    """The petition an expired (but genuine) link was for, so the page can offer to sign again."""
    try:
        payload = read_token_ignoring_age(TokenPurpose.CONFIRM_SIGNATURE, token)
        if isinstance(payload, dict) and isinstance(payload.get("s"), int) and isinstance(payload.get("n"), str):
            petition = _signature_and_petition(payload["s"], payload["n"])[1]
            return None if petition.status(utcnow()) == PublicStatus.HIDDEN else petition
    except TokenInvalid:
        pass
    return None


def confirmations_accepted(petition: PetitionFacts, now: datetime) -> bool:
    """Open petitions accept confirmations, and closed ones for a grace period after closing."""
    status = petition.status(now)
    if status == PublicStatus.OPEN:
        return True
    closed = petition.closed_time(now)
    if status in {PublicStatus.CLOSED, PublicStatus.ARCHIVED} and closed is not None:
        return now < closed + timedelta(hours=current_app.config["CONFIRMATION_GRACE_HOURS"])
    return False


def describe_confirmation(token: str, *, now: datetime | None = None) -> Confirmation:
    """Read a confirmation link without changing anything (mail scanners follow every link)."""
    now = now or utcnow()
    signature, petition = _signature_and_petition(*_signature_id_and_nonce(token))
    if petition.status(now) == PublicStatus.HIDDEN:
        raise PetitionGone(_("This petition has been taken down, so signatures can no longer be confirmed."))
    if signature.state == SignatureState.INVALIDATED:
        raise _removed()
    return Confirmation(
        signature_id=signature.id,
        petition=petition,
        name=signature.name,
        confirmed=_looks_confirmed(signature),
        can_confirm=confirmations_accepted(petition, now),
    )


def confirm_signature(token: str, *, now: datetime | None = None) -> bool:
    """Confirm the signature a link is for; True if this call confirmed it, False if already done.

    Counting only inserts a delta row: confirmations never wait on the petition's row.
    Raises HouseholdFull when this mailbox has already been used by others.
    """
    now = now or utcnow()
    signature_id, nonce = _signature_id_and_nonce(token)
    counted = False
    for attempt in range(1, RACE_RETRIES + 1):
        try:
            with transaction():
                signature, petition = _signature_and_petition(signature_id, nonce)
                if petition.status(now) == PublicStatus.HIDDEN:
                    raise PetitionGone(
                        _("This petition has been taken down, so signatures can no longer be confirmed.")
                    )
                if signature.state == SignatureState.INVALIDATED:
                    raise _removed()
                if _looks_confirmed(signature):
                    return False
                if not confirmations_accepted(petition, now):
                    raise ConfirmationClosed(
                        _(
                            "This petition has closed, and signatures can no longer be confirmed. "
                            "Thank you for your support."
                        )
                    )
                mailbox = (
                    db.session.connection()
                    .execute(_SIGNATURES_OF_MAILBOX, {"petition": petition.id, "canonical": signature.canonical_email})
                    .all()
                )
                postcode = next(row.postcode for row in mailbox if row.id == signature_id)
                if signature.state == SignatureState.FRAUDULENT:
                    _household_slot(mailbox, signature_id, postcode)  # the same refusal anyone gets
                    db.session.connection().execute(
                        _CONFIRM_HELD_BACK, {"signature": signature_id, "confirmed_at_": now}
                    )
                    break
                if not _count(signature_id, petition.id, _household_slot(mailbox, signature_id, postcode), now):
                    return False
                counted = True
            break
        except IntegrityError:
            if attempt == RACE_RETRIES:  # two people in one household confirming at the same moment
                raise
    logger.info("signature confirmed", extra={"petition_id": petition.id})
    if counted:  # a held-back signature looks confirmed to its signer but is not counted
        SIGNATURES_CONFIRMED.inc()
    return True


def signer_identity(token: str, now: datetime) -> VerifiedIdentity:
    """Who has just proved their mailbox by confirming with this link."""
    signature_id, nonce = _signature_id_and_nonce(token)
    row = db.session.execute(
        select(Signature.email, Signature.name, Signature.postcode).where(
            Signature.id == signature_id, Signature.confirmation_nonce == nonce
        )
    ).one()
    return VerifiedIdentity(row.email, row.name, row.postcode, now)
