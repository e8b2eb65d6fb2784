"""Signing and confirming: every counted signature is a confirmed mailbox, once (twice for a household)."""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from campaign.db import lock_key, transaction, utcnow
from campaign.errors import DomainError, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.i18n import lazy_gettext as _l
from campaign.identity import (
    InvalidEmail,
    canonical_email,
    country_name,
    name_key,
    normalise_email,
    normalise_postcode,
)
from campaign.integrity.screening import ClientAddress, client_address_facts, screen_signature
from campaign.mail.service import mask_email, queue_email
from campaign.metrics.registry import SIGNATURES_ACCEPTED, SIGNATURES_CONFIRMED
from campaign.petitions.models import Petition, PublicStatus, closed_time_of, public_status_of
from campaign.petitions.service import PetitionGone
from campaign.privacy.links import withdraw_url
from campaign.signing.models import (
    NAME_MAX,
    FraudReason,
    Signature,
    SignatureCountDelta,
    SignatureState,
    new_confirmation_nonce,
)
from campaign.text import clean_line
from campaign.tokens import TokenPurpose, make_token
from campaign.urls import absolute_url

logger = logging.getLogger(__name__)


class SigningClosed(DomainError):
    status_code = 409
    title = _l("This petition is not accepting signatures")


class ConfirmationClosed(DomainError):
    status_code = 409
    title = _l("This petition has closed")


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
    # The mailbox was proved a moment ago (see campaign.verified): counted without another email.
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already-confirmed"


def check_signature_request(request: SignatureRequest) -> tuple[_Signer | None, dict[str, str]]:
    """The cleaned signer, or the problems with what was typed (by form field)."""
    errors: dict[str, str] = {}
    name = clean_line(request.name)
    key = name_key(name)
    if not name:
        errors["name"] = _("Enter your full name")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Name must be %(max)s characters or fewer", max=NAME_MAX)
    elif not key:
        errors["name"] = _("Enter your name using letters")
    email = canonical = ""
    try:
        email = normalise_email(clean_line(request.email))
        canonical = canonical_email(email, normalised=True)
    except InvalidEmail:
        errors["email"] = _("Enter an email address in the correct format, like name@example.org")
    if len(email) > 254:
        errors["email"] = _("Email address must be 254 characters or fewer")
    postcode: str | None = None
    country: str | None = None
    if request.outside_uk:
        country = clean_line(request.country).upper()
        if not country:
            errors["country"] = _("Choose the country you live in")
        elif country_name(country) is None:
            errors["country"] = _("Choose a country from the list")
    else:
        raw_postcode = clean_line(request.postcode)
        postcode = normalise_postcode(raw_postcode)
        if not raw_postcode:
            errors["postcode"] = _("Enter your postcode, or tick “I live outside the UK”")
        elif postcode is None:
            errors["postcode"] = _("Enter a real UK postcode, like YO1 7HH")
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
           Signature.household_slot, Signature.emails_sent, Signature.last_emailed_at, Signature.confirmation_nonce,
           Signature.confirmed_at)
    .where(Signature.petition_id == bindparam("petition"), Signature.canonical_email == bindparam("canonical"))
    .order_by(Signature.id)
    # Signing and confirming for one mailbox take turns (PostgreSQL; SQLite writes one at a time anyway),
    # so mail caps and the household rule hold however many requests arrive together.
    .with_for_update(of=Signature)
)  # fmt: skip
_INSERT_SIGNATURE = insert(Signature).returning(Signature.id)
_RECORD_EMAIL = (
    update(Signature)
    .where(Signature.id == bindparam("signature"))
    .values(emails_sent=bindparam("sent"), last_emailed_at=bindparam("emailed_at"))
)
_SIGNATURE_FOR_LINK = (
    select(Signature.id, Signature.name, Signature.state, Signature.confirmation_nonce, Signature.canonical_email,
           Signature.confirmed_at, *_PETITION_FACTS)
    .join(Petition, Petition.id == Signature.petition_id)
    .where(Signature.id == bindparam("signature"))
)  # fmt: skip
_CONFIRM = (
    update(Signature)
    .where(Signature.id == bindparam("signature"), Signature.state == SignatureState.PENDING.value)
    .values(
        state=SignatureState.CONFIRMED.value, confirmed_at=bindparam("confirmed_at_"), household_slot=bindparam("slot")
    )
)
_INSERT_DELTA = insert(SignatureCountDelta)
# A held-back signature whose link is followed looks confirmed to the person, and is not counted.
_CONFIRM_HELD_BACK = (
    update(Signature)
    .where(Signature.id == bindparam("signature"), Signature.state == SignatureState.FRAUDULENT.value,
           Signature.confirmed_at.is_(None))
    .values(confirmed_at=bindparam("confirmed_at_"))
)  # fmt: skip
# A held-back signature whose link was followed, sent again without anything suspicious: it counts.
_COUNT_HELD_BACK = (
    update(Signature)
    .where(Signature.id == bindparam("signature"), Signature.state == SignatureState.FRAUDULENT.value,
           Signature.confirmed_at.is_not(None))
    .values(state=SignatureState.CONFIRMED.value, fraud_reason=None, household_slot=bindparam("slot"))
)  # fmt: skip
# A held-back signature sent again without anything suspicious gets a fresh chance.
_CLEAR_HOLD = (
    update(Signature)
    .where(Signature.id == bindparam("signature"), Signature.state == SignatureState.FRAUDULENT.value)
    .values(state=SignatureState.PENDING.value, fraud_reason=None, confirmed_at=None)
)

# However many names are typed for one mailbox, at most this many wait for confirmation.
MAX_NAMES_PER_MAILBOX = 5


class SignatureRemoved(DomainError):
    status_code = 409
    title = _l("This signature has been removed")


def _removed() -> SignatureRemoved:
    # A new exception each time: a shared one would collect every raise's traceback.
    return SignatureRemoved(
        _(
            "The petition's organisers have removed this signature, so it cannot be confirmed. "
            "If you think this is a mistake, contact them through the petition page."
        )
    )


class HouseholdFull(DomainError):
    status_code = 409
    title = _l("This email address has already been used")


def _open_petition(slug: str, now: datetime) -> PetitionFacts:
    row = db.session.connection().execute(_PETITION_BY_SLUG, {"slug": slug}).first()
    facts = PetitionFacts(*row) if row is not None else None
    status = facts.status(now) if facts is not None else None
    if facts is None or status in {PublicStatus.DRAFT, PublicStatus.SCHEDULED}:
        raise NotFound(_("There is no petition at this address. Check the link, or look at the open petitions."))
    if status == PublicStatus.HIDDEN:
        raise PetitionGone(_("This petition has been taken down and is no longer available."))
    if status != PublicStatus.OPEN:
        raise SigningClosed(_("This petition is closed and no longer accepts signatures."))
    return facts


def _confirmation_link(signature_id: int, nonce: str) -> str:
    token = make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": signature_id, "n": nonce})
    return absolute_url("signing.confirm", token=token)


def _emails_after_sending(emails_sent: int, last_emailed_at: datetime | None, now: datetime) -> int | None:
    """The signature's mail count once one more is sent, or None if it may not have another now.

    At most SIGNATURE_EMAIL_CAP per confirmation link's lifetime, and not more often than
    RESEND_MIN_INTERVAL_SECONDS: nobody can use the form to flood an inbox. Once the last link
    has expired the count starts again, so "sign again for a new link" always works.
    """
    if last_emailed_at is not None and now - last_emailed_at > timedelta(seconds=_token_max_age()):
        return 1
    interval = timedelta(seconds=current_app.config["RESEND_MIN_INTERVAL_SECONDS"])
    # A request that read the clock just before another one's email was recorded sees a negative gap.
    if last_emailed_at is not None and max(now - last_emailed_at, timedelta(0)) < interval:
        return None
    if emails_sent >= current_app.config["SIGNATURE_EMAIL_CAP"]:
        return None
    return emails_sent + 1


def _email_context(petition: PetitionFacts, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "petition_title": petition.title,
        "petition_url": absolute_url("petitions.show", slug=petition.slug),
        "name": name,
        "link_days": _token_max_age() // 86_400,
        **extra,
    }


def _email(row: Any, kind: str, to_address: str, context: dict[str, Any], now: datetime) -> bool:
    """Queue an email about a signature if its caps allow; returns whether it was queued."""
    sent = _emails_after_sending(row.emails_sent, row.last_emailed_at, now)
    if sent is None:
        return False
    queue_email(kind, to_address, context, signature_id=row.id)
    db.session.connection().execute(_RECORD_EMAIL, {"signature": row.id, "sent": sent, "emailed_at": now})
    return True


def _household(mailbox: Sequence[Any], *, except_id: int | None = None) -> list[Any]:
    """The signatures that take up a mailbox's household: counted ones, invalidated ones (which keep
    their slot, so reverting can never collide) and held-back ones that look confirmed (so that being
    held back changes nothing the person can see)."""
    return [row for row in mailbox if row.id != except_id and (row.household_slot is not None or _looks_confirmed(row))]


def _household_slot(mailbox: Sequence[Any], signature_id: int, postcode: str | None) -> int:
    """The slot a signature takes when confirmed: the first, or the second for a second person at the
    same postcode. Raises HouseholdFull when the mailbox's signatures are used up."""
    others = _household(mailbox, except_id=signature_id)
    taken = {row.household_slot for row in others}
    if not others or (len(others) == 1 and postcode is not None and others[0].postcode == postcode):
        return 2 if 1 in taken else 1
    raise HouseholdFull(
        _(
            "This email address has already been used to sign this petition. Each address can sign once, "
            "or twice when two people at the same postcode share it."
        )
    )


def _count(signature_id: int, petition_id: int, slot: int, now: datetime) -> bool:
    """Confirm a pending signature in its household slot and add it to its petition's count."""
    connection = db.session.connection()
    confirmed = connection.execute(_CONFIRM, {"signature": signature_id, "confirmed_at_": now, "slot": slot})
    if not confirmed.rowcount:
        return False  # confirmed by a simultaneous request
    connection.execute(_INSERT_DELTA, {"petition_id": petition_id, "delta": 1, "created_at": now})
    return True


def _looks_confirmed(row: Any) -> bool:
    """Confirmed, or held back after its link was followed (which the person must not be able to tell)."""
    return bool(row.state == SignatureState.CONFIRMED or (row.state == SignatureState.FRAUDULENT and row.confirmed_at))


def _sign(
    petition: PetitionFacts, signer: _Signer, request: SignatureRequest, now: datetime, *, verified: bool = False,
    screening: Screening | None = None,
) -> SignOutcome:  # fmt: skip
    connection = db.session.connection()
    lock_key(db.session(), f"mailbox:{petition.id}:{signer.canonical_email}")
    mailbox = connection.execute(
        _SIGNATURES_OF_MAILBOX, {"petition": petition.id, "canonical": signer.canonical_email}
    ).all()
    same_person = next((row for row in mailbox if row.name_key == signer.name_key), None)
    held_back = screening is not None and screening.reason is not None
    if same_person is not None and same_person.state == SignatureState.INVALIDATED:
        return SignOutcome.NOTHING_SENT  # removed by the organisers; signing again changes nothing
    if same_person is not None and same_person.state == SignatureState.FRAUDULENT and not held_back:
        if same_person.confirmed_at is not None:
            # Its mailbox was proved when the link was followed: it counts now (if its household has room),
            # and the person is told what anyone signing twice is told.
            with contextlib.suppress(HouseholdFull):
                slot = _household_slot(mailbox, same_person.id, same_person.postcode)
                connection.execute(_COUNT_HELD_BACK, {"signature": same_person.id, "slot": slot})
                connection.execute(_INSERT_DELTA, {"petition_id": petition.id, "delta": 1, "created_at": now})
        else:
            connection.execute(_CLEAR_HOLD, {"signature": same_person.id})
        mailbox = connection.execute(
            _SIGNATURES_OF_MAILBOX, {"petition": petition.id, "canonical": signer.canonical_email}
        ).all()
        same_person = next(row for row in mailbox if row.id == same_person.id)
    if same_person is not None and verified:
        if _looks_confirmed(same_person):
            return SignOutcome.ALREADY_CONFIRMED
        if same_person.state == SignatureState.FRAUDULENT:
            _household_slot(mailbox, same_person.id, same_person.postcode)  # the same refusal anyone gets
            connection.execute(_CONFIRM_HELD_BACK, {"signature": same_person.id, "confirmed_at_": now})
            return SignOutcome.CONFIRMED
        _count(same_person.id, petition.id, _household_slot(mailbox, same_person.id, same_person.postcode), now)
        return SignOutcome.CONFIRMED
    if same_person is not None:
        if not _looks_confirmed(same_person):
            link = _confirmation_link(same_person.id, same_person.confirmation_nonce)
            context = _email_context(
                petition,
                same_person.name,
                confirm_url=link,
                withdraw_url=withdraw_url(same_person.id, same_person.confirmation_nonce),
            )
            queued = _email(same_person, "confirm_signature", signer.email, context, now)
            return SignOutcome.CONFIRMATION_RESENT if queued else SignOutcome.NOTHING_SENT
        context = _email_context(
            petition, same_person.name, withdraw_url=withdraw_url(same_person.id, same_person.confirmation_nonce)
        )
        queued = _email(same_person, "already_signed", signer.email, context, now)
        return SignOutcome.ALREADY_SIGNED_NOTICE if queued else SignOutcome.NOTHING_SENT
    confirmed = _household(mailbox)
    household_full = len(confirmed) >= 2 or (
        len(confirmed) == 1 and (signer.postcode is None or confirmed[0].postcode != signer.postcode)
    )
    if household_full or len(mailbox) >= MAX_NAMES_PER_MAILBOX:
        # Nobody else can sign with this mailbox: its owner is told why (within the caps).
        notified = confirmed[0] if confirmed else mailbox[0]
        queued = _email(notified, "address_used", signer.email, _email_context(petition, notified.name), now)
        return SignOutcome.ADDRESS_USED_NOTICE if queued else SignOutcome.NOTHING_SENT
    nonce = new_confirmation_nonce()
    signature_id: int = connection.execute(
        _INSERT_SIGNATURE,
        {
            "petition_id": petition.id,
            "state": SignatureState.FRAUDULENT.value if held_back else SignatureState.PENDING.value,
            "fraud_reason": screening.reason.value if screening is not None and screening.reason else None,
            "ip_hash": screening.client.ip_hash if screening is not None and screening.client else None,
            "ip_version": screening.client.version if screening is not None and screening.client else None,
            "ip_block": screening.client.block if screening is not None and screening.client else None,
            "invalidation_id": None,
            "invalidated_from": None,
            "name": signer.name,
            "name_key": signer.name_key,
            "email": signer.email,
            "canonical_email": signer.canonical_email,
            "household_slot": None,
            "postcode": signer.postcode,
            "country": signer.country,
            "notify_progress": request.notify_progress,
            "share_name": request.share_name,
            "confirmation_nonce": nonce,
            "emails_sent": 0 if verified else 1,
            "last_emailed_at": None if verified else now,
            "created_at": now,
            "confirmed_at": None,
        },
    ).scalar_one()
    if verified and held_back:
        _household_slot(mailbox, signature_id, signer.postcode)
        connection.execute(_CONFIRM_HELD_BACK, {"signature": signature_id, "confirmed_at_": now})
        return SignOutcome.CONFIRMED
    if verified:
        _count(signature_id, petition.id, _household_slot(mailbox, signature_id, signer.postcode), now)
        return SignOutcome.CONFIRMED
    context = _email_context(
        petition,
        signer.name,
        confirm_url=_confirmation_link(signature_id, nonce),
        withdraw_url=withdraw_url(signature_id, nonce),
    )
    queue_email("confirm_signature", signer.email, context, signature_id=signature_id)
    return SignOutcome.CREATED


RACE_RETRIES = 4


@dataclass(frozen=True)
class Screening:
    """What the abuse checks found: the reason to hold the signature back (if any) and its client."""

    reason: FraudReason | None
    client: ClientAddress | None


def sign_petition(
    slug: str, request: SignatureRequest, *, verified_email: str | None = None, now: datetime | None = None,
    client_ip: str | None = None,
) -> SignOutcome:  # fmt: skip
    """Record a pending signature and queue its confirmation email, in one transaction.

    The outcome is for logs and tests only: the signer always sees the same "check your
    email" page, so signing never reveals whether an address has signed before. When
    ``verified_email`` is the mailbox signing (proved moments ago), it counts at once.
    """
    now = now or utcnow()
    signer, errors = check_signature_request(request)
    if signer is None:
        raise ValidationFailed(errors)
    verified = verified_email is not None and canonical_email(verified_email) == signer.canonical_email
    # Screened before the transaction, so no database lock is held while the limit storage answers;
    # and once, however many times a race makes us try again.
    client = client_address_facts(client_ip)
    screening = Screening(screen_signature(slug, signer.canonical_email, client), client)
    for attempt in range(1, RACE_RETRIES + 1):
        try:
            with transaction():
                petition = _open_petition(slug, now)
                outcome = _sign(petition, signer, request, now, verified=verified, screening=screening)
            break
        except IntegrityError:
            # Submissions raced (a double click, two tabs, two people sharing a mailbox): the next
            # pass sees what the others wrote.
            if attempt == RACE_RETRIES:
                raise
    held_back = screening is not None and screening.reason is not None
    logger.info(
        "signature %s%s", outcome.value, " (held back)" if held_back else "",
        extra={"petition_id": petition.id, "email": mask_email(signer.email)},
    )  # fmt: skip
    if outcome in {SignOutcome.CREATED, SignOutcome.CONFIRMED}:
        SIGNATURES_ACCEPTED.labels(outcome="held_back" if held_back else "pending").inc()
        if outcome == SignOutcome.CONFIRMED and not held_back:
            SIGNATURES_CONFIRMED.inc()
    return outcome


def _token_max_age() -> int:
    return int(current_app.config["CONFIRMATION_TOKEN_MAX_AGE_SECONDS"])
