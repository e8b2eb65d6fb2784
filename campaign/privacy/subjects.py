"""Everything held about one email address: found, written out (subject access) or erased on request.

A person is matched by their canonical email (campaign.identity), so ``Jo.Bloggs+x@gmail.com`` finds
what ``jobloggs@gmail.com`` signed. Mail is found through the signatures and responses it was about,
and by the addresses they were sent to. Anonymised rows no longer carry an address, so they are never
found: nothing in them identifies anyone.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from campaign.audit.service import record_action, record_read
from campaign.consultations.answers import describe_answer, visible_questions
from campaign.consultations.models import Consultation, ConsultationResponse
from campaign.consultations.service import definition_of
from campaign.db import transaction, utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import db
from campaign.i18n import N_
from campaign.i18n import gettext as _
from campaign.identity import InvalidEmail, canonical_email, normalise_email
from campaign.mail.models import OutboxMessage
from campaign.mail.service import mask_email
from campaign.petitions.models import Petition
from campaign.privacy.removal import (
    delete_mail,
    legacy_response_mail,
    outbox_about,
    remove_responses,
    remove_signatures,
)
from campaign.signing.models import Signature, SignatureState
from campaign.text import clean_line

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "campaign/subject-export/1"
INVALID_EMAIL = N_("Enter an email address in the correct format, like name@example.org")


@dataclass(frozen=True)
class Subject:
    """The person asked about: the address as given, and the key their rows are stored under."""

    email: str
    canonical: str


def subject_of(raw_email: str) -> Subject:
    """Raises ValidationFailed (field ``email``) when it is not an email address."""
    try:
        address = normalise_email(clean_line(raw_email)[:320])
        return Subject(address, canonical_email(address, normalised=True))
    except InvalidEmail:
        raise ValidationFailed({"email": _(INVALID_EMAIL)}) from None


@dataclass(frozen=True)
class Holdings:
    """How much is held about a subject (what an organiser sees before erasing)."""

    subject: Subject
    signatures: int
    confirmed_signatures: int
    responses: int
    mails: int
    unsubscribes: int

    @property
    def anything(self) -> bool:
        return bool(self.signatures or self.responses or self.mails)


def _signature_rows(subject: Subject) -> list[Signature]:
    return list(db.session.scalars(
        select(Signature).where(Signature.canonical_email == subject.canonical).order_by(Signature.id)
    ))  # fmt: skip


def _response_rows(subject: Subject) -> list[ConsultationResponse]:
    return list(db.session.scalars(
        select(ConsultationResponse)
        .where(ConsultationResponse.canonical_email == subject.canonical)
        .order_by(ConsultationResponse.id)
    ))  # fmt: skip


def _mail_condition(subject: Subject, signatures: list[Signature], responses: list[ConsultationResponse]) -> Any:
    addresses = {subject.email, *(s.email for s in signatures), *(r.email for r in responses)}
    about = outbox_about(signature_ids=[s.id for s in signatures], response_ids=[r.id for r in responses],
                         addresses=addresses)  # fmt: skip
    return or_(about, legacy_response_mail(addresses))


def find_holdings(raw_email: str) -> Holdings:
    """Count what is held about an address, changing nothing."""
    subject = subject_of(raw_email)
    signatures, responses = _signature_rows(subject), _response_rows(subject)
    mails = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(_mail_condition(subject, signatures, responses))
    )
    return Holdings(
        subject=subject,
        signatures=len(signatures),
        confirmed_signatures=sum(1 for s in signatures if s.state == SignatureState.CONFIRMED.value),
        responses=len(responses),
        mails=int(mails or 0),
        unsubscribes=sum(1 for s in signatures if s.unsubscribed_at is not None),
    )


@dataclass(frozen=True)
class ErasureReport:
    signatures: int
    confirmed_signatures: int
    responses: int
    mails: int


def erase_subject(raw_email: str, *, now: datetime | None = None) -> ErasureReport:
    """Delete everything held about an address, in one transaction; confirmed signatures leave their counts.

    The audit log records who did it, in the same transaction (with the address masked).
    """
    subject = subject_of(raw_email)
    now = now or utcnow()
    with transaction():
        signatures, responses = _signature_rows(subject), _response_rows(subject)
        mails = delete_mail(_mail_condition(subject, signatures, responses))
        removed = remove_signatures(Signature.canonical_email == subject.canonical, now)
        removed_responses = remove_responses(ConsultationResponse.canonical_email == subject.canonical)
        record_action(
            "privacy.erase", target_type="email", target_id=mask_email(subject.email),
            before={"signatures": len(removed), "responses": len(removed_responses), "mails": mails},
        )  # fmt: skip
    report = ErasureReport(
        signatures=len(removed),
        confirmed_signatures=sum(1 for row in removed if row.state == SignatureState.CONFIRMED.value),
        responses=len(removed_responses),
        mails=mails,
    )
    logger.info("erased on request: %d signatures, %d responses, %d mails", report.signatures, report.responses,
                report.mails, extra={"email": mask_email(subject.email)})  # fmt: skip
    return report


# --- subject access ------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _signature_record(signature: Signature, petitions: dict[int, Petition]) -> dict[str, Any]:
    petition = petitions[signature.petition_id]
    return {
        "petition": {"slug": petition.slug, "title": petition.title, "organisation": petition.organisation.name},
        "name": signature.name,
        "email": signature.email,
        "postcode": signature.postcode,
        "country": signature.country,
        "state": signature.state,
        "wants_progress_emails": signature.notify_progress,
        "organisers_may_see_name": signature.share_name,
        "signed_at": _when(signature.created_at),
        "confirmed_at": _when(signature.confirmed_at),
        "emails_sent": signature.emails_sent,
        "update_emails_sent": signature.update_emails_sent,
        "unsubscribed_at": _when(signature.unsubscribed_at),
    }


def _answers_in_words(consultation: Consultation, stored: str | None) -> list[dict[str, str]]:
    document = json.loads(stored or "{}")
    answers, other = document.get("answers", {}), document.get("other", {})
    return [
        {"question": question.label, "key": question.key,
         "answer": describe_answer(question, answers[question.key], other.get(question.key))}
        for _, question in visible_questions(definition_of(consultation), answers)
        if answers.get(question.key) is not None
    ]  # fmt: skip


def _response_record(response: ConsultationResponse) -> dict[str, Any]:
    consultation = response.consultation
    return {
        "consultation": {
            "slug": consultation.slug,
            "title": consultation.title,
            "organisation": consultation.organisation.name,
        },
        "name": response.name,
        "email": response.email,
        "state": response.state,
        "may_quote": response.consent,
        "postcode": response.postcode,
        "submitted_answers": _answers_in_words(consultation, response.answers) if response.answers else [],
        "answers_in_progress": _answers_in_words(consultation, response.working),
        "started_at": _when(response.created_at),
        "verified_at": _when(response.verified_at),
        "submitted_at": _when(response.submitted_at),
        "changed_at": _when(response.changed_at),
    }


def _mail_record(message: OutboxMessage) -> dict[str, Any]:
    # The message's context holds its links, which are keys to the person's signature or response:
    # what the mail was (its kind) and what happened to it are given, not the links themselves.
    return {
        "kind": message.kind,
        "to": message.to_address,
        "status": message.status,
        "queued_at": _when(message.created_at),
        "sent_at": _when(message.sent_at),
    }


def subject_export(raw_email: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about an address, as one JSON-ready document (its reading is audited)."""
    subject = subject_of(raw_email)
    record_read("privacy.subject_export", target_type="email", target_id=mask_email(subject.email), details={})
    signatures, responses = _signature_rows(subject), _response_rows(subject)
    petition_ids = {s.petition_id for s in signatures}
    petitions = {p.id: p for p in db.session.scalars(select(Petition).where(Petition.id.in_(petition_ids)))}
    mails = db.session.scalars(
        select(OutboxMessage).where(_mail_condition(subject, signatures, responses)).order_by(OutboxMessage.id)
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": (now or utcnow()).isoformat(),
        "email": subject.email,
        "matched_as": subject.canonical,
        "signatures": [_signature_record(signature, petitions) for signature in signatures],
        "consultation_responses": [_response_record(response) for response in responses],
        "emails": [_mail_record(message) for message in mails],
        "unsubscribes": [
            {"petition": petitions[s.petition_id].slug, "unsubscribed_at": _when(s.unsubscribed_at)}
            for s in signatures if s.unsubscribed_at is not None
        ],
    }  # fmt: skip
