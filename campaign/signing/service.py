"""Signing and confirming: every counted signature is a confirmed mailbox, once (twice for a household)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from campaign.db import transaction, utcnow
from campaign.errors import DomainError, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.mail.service import mask_email, queue_email
from campaign.petitions.models import Petition, PublicStatus, closed_time_of, public_status_of
from campaign.petitions.service import PetitionGone
from campaign.signing.identity import (
    InvalidEmail,
    canonical_email,
    country_name,
    name_key,
    normalise_email,
    normalise_postcode,
)
from campaign.signing.models import NAME_MAX, Signature, SignatureCountDelta, SignatureState, new_confirmation_nonce
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

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> SignatureRequest:
        """What was posted; length limits are enforced by check_signature_request."""

        def ticked(name: str) -> bool:
            return form.get(name, "").strip().lower() not in {"", "false", "off", "0"}

        return cls(
            name=form.get("name", "")[:1000],
            email=form.get("email", "")[:1000],
            postcode=form.get("postcode", "")[:100],
            outside_uk=ticked("outside_uk"),
            country=form.get("country", "")[:10],
            notify_progress=ticked("notify_progress"),
            share_name=ticked("share_name"),
        )


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
        canonical = canonical_email(email, normalised=True)
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


@dataclass(frozen=True)
class PetitionFacts:
    """What signing and confirming need to know about a petition, read in one small query."""

    id: int
    slug: str
    title: str
    summary: str
    state: str
    opens_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None

    def status(self, now: datetime) -> PublicStatus:
        return public_status_of(self.state, self.opens_at, self.closes_at, now)

    def closed_time(self, now: datetime) -> datetime | None:
        return closed_time_of(self.state, self.closed_at, self.closes_at, now)


_PETITION_FACTS = (Petition.id, Petition.slug, Petition.title, Petition.summary, Petition.state, Petition.opens_at,
                   Petition.closes_at, Petition.closed_at)  # fmt: skip


# Statements on the signing path are built once: constructing them per request cost more
# than running them.
_PETITION_BY_SLUG = select(*_PETITION_FACTS).where(Petition.slug == bindparam("slug"))
_SIGNATURES_OF_MAILBOX = (
    select(Signature.id, Signature.name, Signature.name_key, Signature.state, Signature.postcode,
           Signature.emails_sent, Signature.last_emailed_at, Signature.confirmation_nonce)
    .where(Signature.petition_id == bindparam("petition"), Signature.canonical_email == bindparam("canonical"))
    .order_by(Signature.household_slot)
)  # fmt: skip
_INSERT_SIGNATURE = insert(Signature).returning(Signature.id)
_COUNT_EMAIL = (
    update(Signature)
    .where(Signature.id == bindparam("signature"))
    .values(emails_sent=Signature.emails_sent + 1, last_emailed_at=bindparam("emailed_at"))
)
_SIGNATURE_FOR_LINK = (
    select(Signature.id, Signature.name, Signature.state, Signature.confirmation_nonce, *_PETITION_FACTS)
    .join(Petition, Petition.id == Signature.petition_id)
    .where(Signature.id == bindparam("signature"))
)
_SIGNATURE_FOR_LINK_LOCKED = _SIGNATURE_FOR_LINK.with_for_update(of=Signature)
_CONFIRM = (
    update(Signature)
    .where(Signature.id == bindparam("signature"), Signature.state == SignatureState.PENDING.value)
    .values(state=SignatureState.CONFIRMED.value, confirmed_at=bindparam("confirmed_at_"))
)
_INSERT_DELTA = insert(SignatureCountDelta)


def _open_petition(slug: str, now: datetime) -> PetitionFacts:
    row = db.session.connection().execute(_PETITION_BY_SLUG, {"slug": slug}).first()
    facts = PetitionFacts(*row) if row is not None else None
    status = facts.status(now) if facts is not None else None
    if facts is None or status in {PublicStatus.DRAFT, PublicStatus.SCHEDULED}:
        raise NotFound("There is no petition at this address. Check the link, or look at the open petitions.")
    if status == PublicStatus.HIDDEN:
        raise PetitionGone("This petition has been taken down and is no longer available.")
    if status != PublicStatus.OPEN:
        raise SigningClosed("This petition is closed and no longer accepts signatures.")
    return facts


def _confirmation_link(signature_id: int, nonce: str) -> str:
    token = make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": signature_id, "n": nonce})
    return absolute_url("signing.confirm", token=token)


def _may_email(emails_sent: int, last_emailed_at: datetime | None, now: datetime) -> bool:
    """Caps mail per signature, so nobody can use the form to flood someone's inbox."""
    if emails_sent >= current_app.config["SIGNATURE_EMAIL_CAP"]:
        return False
    interval = timedelta(seconds=current_app.config["RESEND_MIN_INTERVAL_SECONDS"])
    return last_emailed_at is None or now - last_emailed_at >= interval


def _email_context(petition: PetitionFacts, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "petition_title": petition.title,
        "petition_url": absolute_url("petitions.show", slug=petition.slug),
        "name": name,
        "link_days": _token_max_age() // 86_400,
        **extra,
    }


def _email_again(signature_id: int, kind: str, to_address: str, context: dict[str, Any], now: datetime) -> None:
    queue_email(kind, to_address, context, signature_id=signature_id)
    db.session.connection().execute(_COUNT_EMAIL, {"signature": signature_id, "emailed_at": now})


def _sign(petition: PetitionFacts, signer: _Signer, request: SignatureRequest, now: datetime) -> SignOutcome:
    connection = db.session.connection()
    existing = connection.execute(
        _SIGNATURES_OF_MAILBOX, {"petition": petition.id, "canonical": signer.canonical_email}
    ).all()
    same_person = next((s for s in existing if s.name_key == signer.name_key), None)
    if same_person is not None:
        if not _may_email(same_person.emails_sent, same_person.last_emailed_at, now):
            return SignOutcome.NOTHING_SENT
        if same_person.state == SignatureState.PENDING:
            link = _confirmation_link(same_person.id, same_person.confirmation_nonce)
            context = _email_context(petition, same_person.name, confirm_url=link)
            _email_again(same_person.id, "confirm_signature", signer.email, context, now)
            return SignOutcome.CONFIRMATION_RESENT
        _email_again(same_person.id, "already_signed", signer.email, _email_context(petition, same_person.name), now)
        return SignOutcome.ALREADY_SIGNED_NOTICE
    household = len(existing) == 1 and signer.postcode is not None and existing[0].postcode == signer.postcode
    if existing and not household:
        # A third person, or a second at another postcode: the mailbox owner is told why.
        first = existing[0]
        if not _may_email(first.emails_sent, first.last_emailed_at, now):
            return SignOutcome.NOTHING_SENT
        _email_again(first.id, "address_used", signer.email, _email_context(petition, first.name), now)
        return SignOutcome.ADDRESS_USED_NOTICE
    nonce = new_confirmation_nonce()
    signature_id = connection.execute(
        _INSERT_SIGNATURE,
        {
            "petition_id": petition.id,
            "state": SignatureState.PENDING.value,
            "name": signer.name,
            "name_key": signer.name_key,
            "email": signer.email,
            "canonical_email": signer.canonical_email,
            "household_slot": 2 if existing else 1,
            "postcode": signer.postcode,
            "country": signer.country,
            "notify_progress": request.notify_progress,
            "share_name": request.share_name,
            "confirmation_nonce": nonce,
            "emails_sent": 1,
            "last_emailed_at": now,
            "created_at": now,
        },
    ).scalar_one()
    context = _email_context(petition, signer.name, confirm_url=_confirmation_link(signature_id, nonce))
    queue_email("confirm_signature", signer.email, context, signature_id=signature_id)
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
    for attempt in (1, 2):
        try:
            with transaction():
                petition = _open_petition(slug, now)
                outcome = _sign(petition, signer, request, now)
            break
        except IntegrityError:
            # Two submissions raced (a double click, two tabs); the second pass finds the first.
            if attempt == 2:
                raise
    logger.info("signature %s", outcome.value, extra={"petition_id": petition.id, "email": mask_email(signer.email)})
    return outcome


# --- confirming ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page shows."""

    signature_id: int
    petition: PetitionFacts
    name: str
    confirmed: bool
    can_confirm: bool


def _token_max_age() -> int:
    return int(current_app.config["CONFIRMATION_TOKEN_MAX_AGE_SECONDS"])


def _signature_id_and_nonce(token: str) -> tuple[int, str]:
    payload = read_token(TokenPurpose.CONFIRM_SIGNATURE, token, max_age_seconds=_token_max_age())
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int) or not isinstance(payload.get("n"), str):
        raise TokenInvalid("The link is incomplete or has been changed. Copy the whole link from your email.")
    return payload["s"], payload["n"]


def _signature_and_petition(signature_id: int, nonce: str, *, for_update: bool = False) -> tuple[Any, PetitionFacts]:
    query = _SIGNATURE_FOR_LINK_LOCKED if for_update else _SIGNATURE_FOR_LINK
    row = db.session.connection().execute(query, {"signature": signature_id}).first()
    if row is None or row.confirmation_nonce != nonce:
        raise TokenInvalid("This link no longer matches a signature. It may have been withdrawn.")
    return row, PetitionFacts(*tuple(row)[4:])


def petition_for_expired_link(token: str) -> PetitionFacts | None:
    """The petition an expired (but genuine) link was for, so the page can offer to sign again."""
    try:
        payload = read_token_ignoring_age(TokenPurpose.CONFIRM_SIGNATURE, token)
        if isinstance(payload, dict) and isinstance(payload.get("s"), int) and isinstance(payload.get("n"), str):
            return _signature_and_petition(payload["s"], payload["n"])[1]
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
    return Confirmation(
        signature_id=signature.id,
        petition=petition,
        name=signature.name,
        confirmed=signature.state == SignatureState.CONFIRMED,
        can_confirm=confirmations_accepted(petition, now),
    )


def confirm_signature(token: str, *, now: datetime | None = None) -> bool:
    """Confirm the signature a link is for; True if this call confirmed it, False if already done.

    Counting only inserts a delta row: confirmations never wait on the petition's row.
    """
    now = now or utcnow()
    signature_id, nonce = _signature_id_and_nonce(token)
    with transaction():
        signature, petition = _signature_and_petition(signature_id, nonce, for_update=True)
        if signature.state == SignatureState.CONFIRMED:
            return False
        if not confirmations_accepted(petition, now):
            raise ConfirmationClosed(
                "This petition has closed, and signatures can no longer be confirmed. Thank you for your support."
            )
        connection = db.session.connection()
        confirmed = connection.execute(_CONFIRM, {"signature": signature_id, "confirmed_at_": now})
        if not confirmed.rowcount:
            return False  # confirmed by a simultaneous request
        connection.execute(_INSERT_DELTA, {"petition_id": petition.id, "delta": 1, "created_at": now})
    logger.info("signature confirmed", extra={"petition_id": petition.id})
    return True
