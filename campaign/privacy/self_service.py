"""What people do with their own data from the links in our emails: withdraw a signature, delete a
consultation response, stop update emails.

Each link's GET only describes (mail scanners follow every link); its POST acts. Each is idempotent:
a link used twice says the thing is already done.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select, update

from campaign.consultations.models import Consultation, ConsultationResponse, ResponseState
from campaign.db import transaction, utcnow
from campaign.extensions import db
from campaign.mail.models import OutboxMessage, OutboxStatus
from campaign.petitions.models import Petition
from campaign.privacy.links import read_link
from campaign.privacy.removal import remove_responses, remove_signatures
from campaign.signing.models import Signature, SignatureState
from campaign.tokens import TokenPurpose

logger = logging.getLogger(__name__)

# Mail a signer can stop; a direct reply to their own action (confirm your signature) is not in it.
LIST_MAIL_KINDS = frozenset({"petition_update"})


class Outcome(enum.StrEnum):
    DONE = "done"
    ALREADY_DONE = "already-done"


@dataclass(frozen=True)
class SignatureLink:
    """What a withdraw or unsubscribe link is about; ``petition`` is None once the signature is gone."""

    signature_id: int
    petition: Petition | None
    name: str | None
    confirmed: bool
    notify_progress: bool


@dataclass(frozen=True)
class ResponseLink:
    """What a delete link is about; ``consultation`` is None once the response is gone."""

    response_id: int
    consultation: Consultation | None
    name: str | None
    submitted: bool


def _signature_link(purpose: TokenPurpose, token: str) -> SignatureLink:
    signature_id, nonce = read_link(purpose, token)
    signature = db.session.scalar(
        select(Signature).where(Signature.id == signature_id, Signature.confirmation_nonce == nonce)
    )
    if signature is None:
        return SignatureLink(signature_id, None, None, False, False)
    petition = db.session.get_one(Petition, signature.petition_id)
    # A held-back signature whose link was followed is described as confirmed: being held back is silent.
    looks_confirmed = signature.state == SignatureState.CONFIRMED or (
        signature.state == SignatureState.FRAUDULENT and signature.confirmed_at is not None
    )
    return SignatureLink(signature_id, petition, signature.name, looks_confirmed, signature.notify_progress)


def describe_withdrawal(token: str) -> SignatureLink:
    """The signature a withdraw link is for, changing nothing."""
    return _signature_link(TokenPurpose.WITHDRAW_SIGNATURE, token)


def withdraw_signature(token: str, *, now: datetime | None = None) -> Outcome:
    """Delete the signature the link is for (and its mail); a confirmed one leaves the count at once."""
    now = now or utcnow()
    signature_id, nonce = read_link(TokenPurpose.WITHDRAW_SIGNATURE, token)
    with transaction():
        removed = remove_signatures(and_(Signature.id == signature_id, Signature.confirmation_nonce == nonce), now)
    if not removed:
        return Outcome.ALREADY_DONE
    logger.info("signature withdrawn", extra={"petition_id": removed[0].petition_id, "was": removed[0].state})
    return Outcome.DONE


def describe_response_deletion(token: str) -> ResponseLink:
    response_id, nonce = read_link(TokenPurpose.DELETE_RESPONSE, token)
    response = db.session.scalar(
        select(ConsultationResponse).where(ConsultationResponse.id == response_id, ConsultationResponse.nonce == nonce)
    )
    if response is None:
        return ResponseLink(response_id, None, None, False)
    return ResponseLink(response_id, response.consultation, response.name, response.state == ResponseState.SUBMITTED)


def delete_response(token: str) -> Outcome:
    """Delete the response the link is for: summaries and exports no longer include it."""
    response_id, nonce = read_link(TokenPurpose.DELETE_RESPONSE, token)
    with transaction():
        removed = remove_responses(and_(ConsultationResponse.id == response_id, ConsultationResponse.nonce == nonce))
    if not removed:
        return Outcome.ALREADY_DONE
    logger.info("consultation response deleted by its respondent", extra={"response_id": response_id})
    return Outcome.DONE


def describe_unsubscribe(token: str) -> SignatureLink:
    return _signature_link(TokenPurpose.UNSUBSCRIBE, token)


def unsubscribe(token: str, *, now: datetime | None = None) -> Outcome:
    """Stop update emails for the link's mailbox on that petition (every name signed with it)."""
    signature_id, nonce = read_link(TokenPurpose.UNSUBSCRIBE, token)
    return stop_update_emails(signature_id, nonce=nonce, now=now)


def stop_update_emails(signature_id: int, *, nonce: str | None = None, now: datetime | None = None) -> Outcome:
    """Turn off update emails for a signature's mailbox on its petition, and drop any not sent yet.

    A household sharing one address signs twice; one click stops the mail to that address, not
    half of it. ``nonce`` is None only for the older stop links, which carried the id alone.
    """
    now = now or utcnow()
    with transaction():
        query = select(Signature.petition_id, Signature.canonical_email).where(Signature.id == signature_id)
        if nonce is not None:
            query = query.where(Signature.confirmation_nonce == nonce)
        found = db.session.execute(query).one_or_none()
        if found is None:
            return Outcome.ALREADY_DONE  # gone (withdrawn, erased or anonymised): nothing will be sent
        mailbox = and_(Signature.petition_id == found.petition_id, Signature.canonical_email == found.canonical_email)
        changed = db.session.execute(
            update(Signature)
            .where(mailbox, Signature.notify_progress.is_(True))
            .values(notify_progress=False, unsubscribed_at=func.coalesce(Signature.unsubscribed_at, now))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(OutboxMessage)
            .where(
                OutboxMessage.signature_id.in_(select(Signature.id).where(mailbox)),
                OutboxMessage.kind.in_(sorted(LIST_MAIL_KINDS)),
                OutboxMessage.status == OutboxStatus.QUEUED.value,
            )
            .execution_options(synchronize_session=False)
        )
    if not getattr(changed, "rowcount", 0):
        return Outcome.ALREADY_DONE
    logger.info("update emails stopped", extra={"petition_id": found.petition_id})
    return Outcome.DONE
