"""Signing and confirming: every counted signature is a confirmed mailbox, once (twice for a household)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaign.db import transaction, utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.extensions import db
from campaign.mail.rendering import render_email
from campaign.mail.service import mask_email, queue_email
from campaign.petitions.models import Petition, PublicStatus
from campaign.petitions.service import get_public_petition
from campaign.signing.identity import (
    InvalidEmail,
    canonical_email,
    country_name,
    name_key,
    normalise_email,
    normalise_postcode,
)
from campaign.signing.models import NAME_MAX, Signature, SignatureCountDelta, SignatureState
from campaign.text import clean_line
from campaign.tokens import TokenInvalid, TokenPurpose, make_token, read_token, read_token_ignoring_age
from campaign.urls import absolute_url

logger = logging.getLogger(__name__)


class SigningClosed(DomainError):
    status_code = 409
    title = "This petition is not accepting signatures"


class ConfirmationClosed(DomainError):
    status_code = 409
    title = "This petition has closed"


@dataclass(frozen=True)
class SignatureRequest:
    """What someone typed into the sign form."""

    name: str
    email: str
    postcode: str = ""
    outside_uk: bool = False
    country: str = ""
    notify_progress: bool = False
    share_name: bool = False


@dataclass(frozen=True)
class _Signer:
    name: str
    name_key: str
    email: str
    canonical_email: str
    postcode: str | None
    country: str | None


class SignOutcome(enum.StrEnum):
    """What happened; the signer is told the same thing in every case."""

    CREATED = "created"
    CONFIRMATION_RESENT = "confirmation-resent"
    ALREADY_SIGNED_NOTICE = "already-signed-notice"
    ADDRESS_USED_NOTICE = "address-used-notice"
    NOTHING_SENT = "nothing-sent"  # a mail cap or the resend interval held it back


def check_signature_request(request: SignatureRequest) -> tuple[_Signer | None, dict[str, str]]:
    """The cleaned signer, or the problems with what was typed (by form field)."""
    errors: dict[str, str] = {}
    name = clean_line(request.name)
    key = name_key(name)
    if not name:
        errors["name"] = "Enter your full name"
    elif len(name) > NAME_MAX:
        errors["name"] = f"Name must be {NAME_MAX} characters or fewer"
    elif not key:
        errors["name"] = "Enter your name using letters"
    email = canonical = ""
    try:
        email = normalise_email(clean_line(request.email))
        canonical = canonical_email(email)
    except InvalidEmail:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    if len(email) > 254:
        errors["email"] = "Email address must be 254 characters or fewer"
    postcode: str | None = None
    country: str | None = None
    if request.outside_uk:
        country = clean_line(request.country).upper()
        if not country:
            errors["country"] = "Choose the country you live in"
        elif country_name(country) is None:
            errors["country"] = "Choose a country from the list"
    else:
        raw_postcode = clean_line(request.postcode)
        postcode = normalise_postcode(raw_postcode)
        if not raw_postcode:
            errors["postcode"] = "Enter your postcode, or tick “I live outside the UK”"
        elif postcode is None:
            errors["postcode"] = "Enter a real UK postcode, like YO1 7HH"
    if errors:
        return None, errors
    return _Signer(name, key, email, canonical, postcode, country), {}


def _confirmation_link(signature: Signature) -> str:
    token = make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": signature.id, "n": signature.confirmation_nonce})
    return absolute_url("signing.confirm", token=token)


def _may_email(signature: Signature, now: datetime) -> bool:
    """Caps mail per signature, so nobody can use the form to flood someone's inbox."""
    if signature.emails_sent >= current_app.config["SIGNATURE_EMAIL_CAP"]:
        return False
    interval = timedelta(seconds=current_app.config["RESEND_MIN_INTERVAL_SECONDS"])
    return signature.last_emailed_at is None or now - signature.last_emailed_at >= interval


def _email(signature: Signature, kind: str, to_address: str, now: datetime, **context: Any) -> None:
    email = render_email(
        kind,
        petition=signature.petition,
        name=signature.name,
        site_name=current_app.config["SITE_NAME"],
        petition_url=absolute_url("petitions.show", slug=signature.petition.slug),
        link_days=_token_max_age() // 86_400,
        **context,
    )
    queue_email(kind, to_address, email, signature_id=signature.id)
    signature.emails_sent += 1
    signature.last_emailed_at = now


def _sign(petition_id: int, signer: _Signer, request: SignatureRequest, now: datetime) -> SignOutcome:
    petition = db.session.get_one(Petition, petition_id)
    existing = list(
        db.session.scalars(
            select(Signature)
            .where(Signature.petition_id == petition_id, Signature.canonical_email == signer.canonical_email)
            .order_by(Signature.household_slot)
        )
    )
    same_person = next((s for s in existing if s.name_key == signer.name_key), None)
    if same_person is not None:
        if not _may_email(same_person, now):
            return SignOutcome.NOTHING_SENT
        if same_person.state == SignatureState.PENDING:
            _email(same_person, "confirm_signature", signer.email, now, confirm_url=_confirmation_link(same_person))
            return SignOutcome.CONFIRMATION_RESENT
        _email(same_person, "already_signed", signer.email, now)
        return SignOutcome.ALREADY_SIGNED_NOTICE
    household = len(existing) == 1 and signer.postcode is not None and existing[0].postcode == signer.postcode
    if existing and not household:
        # A third person, or a second at another postcode: the mailbox owner is told why.
        if not _may_email(existing[0], now):
            return SignOutcome.NOTHING_SENT
        _email(existing[0], "address_used", signer.email, now)
        return SignOutcome.ADDRESS_USED_NOTICE
    signature = Signature(
        petition=petition,
        state=SignatureState.PENDING.value,
        name=signer.name,
        name_key=signer.name_key,
        email=signer.email,
        canonical_email=signer.canonical_email,
        household_slot=2 if existing else 1,
        postcode=signer.postcode,
        country=signer.country,
        notify_progress=request.notify_progress,
        share_name=request.share_name,
        created_at=now,
    )
    db.session.add(signature)
    db.session.flush()  # the id goes into the emailed token
    _email(signature, "confirm_signature", signer.email, now, confirm_url=_confirmation_link(signature))
    return SignOutcome.CREATED


def sign_petition(slug: str, request: SignatureRequest, *, now: datetime | None = None) -> SignOutcome:
    """Record a pending signature and queue its confirmation email, in one transaction.

    The outcome is for logs and tests only: the signer always sees the same "check your
    email" page, so signing never reveals whether an address has signed before.
    """
    now = now or utcnow()
    signer, errors = check_signature_request(request)
    if signer is None:
        raise ValidationFailed(errors)
    petition = get_public_petition(slug, now)
    if petition.public_status(now) != PublicStatus.OPEN:
        raise SigningClosed("This petition is closed and no longer accepts signatures.")
    petition_id = petition.id
    for attempt in (1, 2):
        try:
            with transaction():
                outcome = _sign(petition_id, signer, request, now)
            break
        except IntegrityError:
            # Two submissions raced (a double click, two tabs); the second pass finds the first.
            if attempt == 2:
                raise
    logger.info("signature %s", outcome.value, extra={"petition_id": petition_id, "email": mask_email(signer.email)})
    return outcome


# --- confirming ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page shows."""

    signature_id: int
    petition: Petition
    name: str
    confirmed: bool
    can_confirm: bool


def _token_max_age() -> int:
    return int(current_app.config["CONFIRMATION_TOKEN_MAX_AGE_SECONDS"])


def _signature_for_token(token: str, *, for_update: bool = False) -> Signature:
    payload = read_token(TokenPurpose.CONFIRM_SIGNATURE, token, max_age_seconds=_token_max_age())
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int) or not isinstance(payload.get("n"), str):
        raise TokenInvalid("The link is incomplete or has been changed. Copy the whole link from your email.")
    query = select(Signature).where(Signature.id == payload["s"])
    if for_update:
        query = query.with_for_update(of=Signature)
    signature = db.session.scalar(query)
    if signature is None or signature.confirmation_nonce != payload["n"]:
        raise TokenInvalid("This link no longer matches a signature. It may have been withdrawn.")
    return signature


def petition_for_expired_link(token: str) -> Petition | None:
    """The petition an expired (but genuine) link was for, so the page can offer to sign again."""
    try:
        payload = read_token_ignoring_age(TokenPurpose.CONFIRM_SIGNATURE, token)
    except TokenInvalid:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("s"), int):
        signature = db.session.get(Signature, payload["s"])
        if signature is not None and signature.confirmation_nonce == payload.get("n"):
            return signature.petition
    return None


def confirmations_accepted(petition: Petition, now: datetime) -> bool:
    """Open petitions accept confirmations, and closed ones for a grace period after closing."""
    status = petition.public_status(now)
    if status == PublicStatus.OPEN:
        return True
    closed = petition.closed_time(now)
    if status in {PublicStatus.CLOSED, PublicStatus.ARCHIVED} and closed is not None:
        return now < closed + timedelta(hours=current_app.config["CONFIRMATION_GRACE_HOURS"])
    return False


def describe_confirmation(token: str, *, now: datetime | None = None) -> Confirmation:
    """Read a confirmation link without changing anything (mail scanners follow every link)."""
    now = now or utcnow()
    signature = _signature_for_token(token)
    return Confirmation(
        signature_id=signature.id,
        petition=signature.petition,
        name=signature.name,
        confirmed=signature.state == SignatureState.CONFIRMED,
        can_confirm=confirmations_accepted(signature.petition, now),
    )


def confirm_signature(token: str, *, now: datetime | None = None) -> bool:
    """Confirm the signature a link is for; True if this call confirmed it, False if already done.

    Counting only inserts a delta row: confirmations never wait on the petition's row.
    """
    now = now or utcnow()
    with transaction():
        signature = _signature_for_token(token, for_update=True)
        if signature.state == SignatureState.CONFIRMED:
            return False
        if not confirmations_accepted(signature.petition, now):
            raise ConfirmationClosed(
                "This petition has closed, and signatures can no longer be confirmed. Thank you for your support."
            )
        signature.state = SignatureState.CONFIRMED.value
        signature.confirmed_at = now
        db.session.add(SignatureCountDelta(petition_id=signature.petition_id, delta=1, created_at=now))
        petition_id = signature.petition_id
    logger.info("signature confirmed", extra={"petition_id": petition_id})
    return True
