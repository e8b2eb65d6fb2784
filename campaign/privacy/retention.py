"""Retention: RETENTION_DAYS after a petition or consultation closes, the people in it become anonymous.

What goes, and what stays so that every total, area count and question's figures stay the same:

- Signatures: name, email address and mailbox key are removed; the postcode keeps only its sector
  (``YO1 7HH`` becomes ``YO1 7**``: areas can be defined down to a sector, so anything coarser would
  move people between areas); the choices are switched off. State, times and household slot stay,
  so counts, daily figures and milestones do not move. Signatures never confirmed are deleted.
- Responses: name becomes "A respondent" (so a quote once attributed by name now reads as an
  anonymous one), the email address goes, postcode answers keep their sector, and written answers
  (and "other" text) keep only their automatic redaction: the emails, phone numbers, postcodes,
  links and handles quotes never show are removed for good. Choices, scales, numbers and rankings
  are untouched. Responses never submitted are deleted. The organiser's quote choices follow the
  redacted text (the automatic quote is the same text, so their edits still apply).
- Mail about them: addresses and contents are removed; anything still waiting is not sent.

Each batch is one transaction, and rows are claimed with SKIP LOCKED, so the run can be stopped
and started, run on several workers, or run again: anonymised rows are never touched twice.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import String, and_, bindparam, case, cast, func, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from campaign.consultations.definition import Definition
from campaign.consultations.models import Consultation, ConsultationResponse, ResponseState
from campaign.consultations.service import definition_of
from campaign.db import transaction, utcnow
from campaign.extensions import db
from campaign.mail.models import OutboxMessage, OutboxStatus
from campaign.petitions.models import Petition
from campaign.privacy.removal import legacy_response_mail, outbox_about, remove_responses, remove_signatures
from campaign.signing.models import Signature, SignatureState
from campaign.summaries.consultations import TEXT_TYPES
from campaign.summaries.models import QuoteChoice
from campaign.summaries.quotes import source_hash
from campaign.summaries.redaction import redact

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
ANONYMOUS_SIGNER = "Anonymised"
ANONYMOUS_SIGNER_KEY = "anonymised"
ANONYMOUS_RESPONDENT = "A respondent"
POSTCODE_UNIT_MASK = "**"
MAIL_REMOVED = "address removed under the retention policy"


def anonymised_postcode(postcode: str) -> str:
    """``YO1 7HH`` -> ``YO1 7**``: the sector stays (summaries read ``postcode[:-2]``), the unit goes."""
    return postcode[:-2] + POSTCODE_UNIT_MASK


def _anonymised_postcode_sql(column: InstrumentedAttribute[str | None]) -> Any:
    return case(
        (column.is_(None), None),
        else_=func.substr(column, 1, func.length(column) - 2).concat(POSTCODE_UNIT_MASK),
    )


@dataclass
class RetentionReport:
    dry_run: bool
    cutoff: datetime
    petitions: list[tuple[str, int, int]] = field(default_factory=list)  # slug, anonymised, deleted
    consultations: list[tuple[str, int, int]] = field(default_factory=list)
    mails: int = 0
    other: dict[str, int] = field(default_factory=dict)  # other data with its own period (IP hashes)

    @property
    def changed(self) -> int:
        rows = sum(a + d for _, a, d in self.petitions) + sum(a + d for _, a, d in self.consultations)
        return rows + self.mails + sum(self.other.values())


def _closed_before(model: type[Petition] | type[Consultation], cutoff: datetime) -> Any:
    """Closed (or archived, or hidden after closing) before ``cutoff``, by hand or by its closing date."""
    return or_(
        and_(model.closed_at.is_not(None), model.closed_at <= cutoff),
        and_(model.state == "open", model.closes_at.is_not(None), model.closes_at <= cutoff),
    )


def run_retention(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> RetentionReport:
    """Anonymise everyone in petitions and consultations closed more than RETENTION_DAYS ago."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    report = RetentionReport(dry_run=dry_run, cutoff=cutoff)
    petitions = db.session.execute(
        select(Petition.id, Petition.slug)
        .where(_closed_before(Petition, cutoff),
               select(Signature.id).where(Signature.petition_id == Petition.id,
                                          Signature.anonymised_at.is_(None)).exists())
        .order_by(Petition.id)
    ).all()  # fmt: skip
    consultations = db.session.execute(
        select(Consultation.id, Consultation.slug)
        .where(_closed_before(Consultation, cutoff),
               select(ConsultationResponse.id).where(ConsultationResponse.consultation_id == Consultation.id,
                                                     ConsultationResponse.anonymised_at.is_(None)).exists())
        .order_by(Consultation.id)
    ).all()  # fmt: skip
    db.session.rollback()  # each batch below is its own transaction
    signatures_step = _count_signatures if dry_run else _anonymise_signatures
    responses_step = _count_responses if dry_run else _anonymise_responses
    for petition_id, slug in petitions:
        anonymised, deleted, mails = signatures_step(petition_id, now, batch_size)
        report.petitions.append((slug, anonymised, deleted))
        report.mails += mails
    for consultation_id, slug in consultations:
        anonymised, deleted, mails = responses_step(consultation_id, now, batch_size)
        report.consultations.append((slug, anonymised, deleted))
        report.mails += mails
    report.other.update(purge_other_expired_data(now, dry_run=dry_run))
    if not dry_run and report.changed:
        logger.info("retention: %d petitions, %d consultations, %d mails", len(report.petitions),
                    len(report.consultations), report.mails)  # fmt: skip
    return report


def purge_other_expired_data(now: datetime, *, dry_run: bool) -> dict[str, int]:
    """Personal data kept for its own, shorter period; each entry is (what, rows changed)."""
    from campaign.integrity.service import purge_expired_ip_hashes

    return {"network address hashes": purge_expired_ip_hashes(now=now, dry_run=dry_run)}


def run_scheduled_retention() -> RetentionReport:
    """The worker's daily job (RETENTION_SCHEDULE=daily)."""
    return run_retention()


# --- signatures ----------------------------------------------------------------------------------------


def _count_signatures(petition_id: int, now: datetime, batch_size: int) -> tuple[int, int, int]:
    waiting = and_(Signature.petition_id == petition_id, Signature.anonymised_at.is_(None))
    pending = Signature.state == SignatureState.PENDING.value
    anonymised = db.session.scalar(select(func.count()).select_from(Signature).where(waiting, ~pending)) or 0
    deleted = db.session.scalar(select(func.count()).select_from(Signature).where(waiting, pending)) or 0
    mails = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.signature_id.in_(select(Signature.id).where(waiting)), OutboxMessage.to_address != ""
        )
    ) or 0  # fmt: skip
    db.session.rollback()
    return int(anonymised), int(deleted), int(mails)


def _purge_mail(condition: Any) -> int:
    """Remove addresses and contents from messages; any not sent yet fail visibly, and are never sent."""
    db.session.execute(
        update(OutboxMessage)
        .where(condition, OutboxMessage.status.in_([OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value]))
        .values(status=OutboxStatus.FAILED.value, leased_until=None, lease_owner=None, last_error=MAIL_REMOVED)
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(
        update(OutboxMessage)
        .where(condition, or_(OutboxMessage.to_address != "", OutboxMessage.context != "{}"))
        .values(to_address="", context="{}")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _anonymise_signatures(petition_id: int, now: datetime, batch_size: int) -> tuple[int, int, int]:
    anonymised = deleted = mails = 0
    while True:
        with transaction():
            batch = db.session.execute(
                select(Signature.id, Signature.state)
                .where(Signature.petition_id == petition_id, Signature.anonymised_at.is_(None))
                .order_by(Signature.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not batch:
                break
            pending = [row.id for row in batch if row.state == SignatureState.PENDING.value]
            kept = [row.id for row in batch if row.state != SignatureState.PENDING.value]
            if pending:
                # Never counted: nothing to keep. (remove_signatures deletes their mail too.)
                deleted += len(remove_signatures(Signature.id.in_(pending), now))
            if kept:
                mails += _purge_mail(outbox_about(signature_ids=kept))
                db.session.execute(
                    update(Signature)
                    .where(Signature.id.in_(kept), Signature.anonymised_at.is_(None))
                    .values(
                        name=ANONYMOUS_SIGNER, name_key=ANONYMOUS_SIGNER_KEY, email="",
                        # Unique per row, so the one-signature-per-mailbox rules hold, and no address at all.
                        canonical_email=literal("anonymised-").concat(cast(Signature.id, String)),
                        postcode=_anonymised_postcode_sql(Signature.postcode),
                        notify_progress=False, share_name=False,
                        # Every link ever sent for it (withdraw, unsubscribe, confirm) stops matching.
                        confirmation_nonce=secrets.token_urlsafe(12),
                        anonymised_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )  # fmt: skip
                anonymised += len(kept)
    return anonymised, deleted, mails


# --- consultation responses ------------------------------------------------------------------------------


def _count_responses(consultation_id: int, now: datetime, batch_size: int) -> tuple[int, int, int]:
    waiting = and_(
        ConsultationResponse.consultation_id == consultation_id, ConsultationResponse.anonymised_at.is_(None)
    )
    draft = ConsultationResponse.state == ResponseState.DRAFT.value
    counted = select(func.count()).select_from(ConsultationResponse)
    anonymised = db.session.scalar(counted.where(waiting, ~draft)) or 0
    deleted = db.session.scalar(counted.where(waiting, draft)) or 0
    emails = list(db.session.scalars(select(ConsultationResponse.email).where(waiting)))
    ids = select(ConsultationResponse.id).where(waiting)
    mails = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            or_(OutboxMessage.response_id.in_(ids), legacy_response_mail(emails)), OutboxMessage.to_address != ""
        )
    ) if emails else 0  # fmt: skip
    db.session.rollback()
    return int(anonymised), int(deleted), int(mails or 0)


def anonymised_answers(definition: Definition, stored: str | None) -> str | None:
    """A submitted response's answers with postcodes cut to their sector and written text redacted."""
    if stored is None:
        return None
    document = json.loads(stored)
    answers: dict[str, Any] = document.get("answers", {})
    other: dict[str, str] = document.get("other", {})
    for _, question in definition.questions():
        value = answers.get(question.key)
        if isinstance(value, str) and question.type == "postcode" and len(value) > 2:
            answers[question.key] = anonymised_postcode(value)
        elif isinstance(value, str) and question.type in TEXT_TYPES:
            answers[question.key] = redact(value)
    other = {key: redact(text) if isinstance(text, str) else text for key, text in other.items()}
    return json.dumps({"answers": answers, "other": other}, ensure_ascii=False, separators=(",", ":"))


_ANONYMISE_RESPONSE = (
    update(ConsultationResponse)
    .where(ConsultationResponse.id == bindparam("response"), ConsultationResponse.anonymised_at.is_(None))
    .values(
        name=ANONYMOUS_RESPONDENT, email="", canonical_email=bindparam("canonical_"),
        answers=bindparam("answers_"), working=bindparam("answers_"), postcode=bindparam("postcode_"),
        nonce=bindparam("nonce_"), anonymised_at=bindparam("now_"),
    )
)  # fmt: skip


def _follow_quote_choices(response_id: int, before: str | None, after: str | None, text_keys: set[str]) -> None:
    """Quote choices are tied to the text they were made about: move them to its redacted form."""
    old_answers = json.loads(before or "{}").get("answers", {})
    new_answers = json.loads(after or "{}").get("answers", {})
    for key in text_keys:
        old, new = old_answers.get(key), new_answers.get(key)
        if isinstance(old, str) and isinstance(new, str) and old != new:
            db.session.execute(
                update(QuoteChoice)
                .where(QuoteChoice.response_id == response_id, QuoteChoice.question_key == key,
                       QuoteChoice.source_hash == source_hash(old))
                .values(source_hash=source_hash(new))
                .execution_options(synchronize_session=False)
            )  # fmt: skip


def _anonymise_responses(consultation_id: int, now: datetime, batch_size: int) -> tuple[int, int, int]:
    definition = definition_of(db.session.get_one(Consultation, consultation_id))
    db.session.rollback()
    text_keys = {question.key for _, question in definition.questions() if question.type in TEXT_TYPES}
    anonymised = deleted = mails = 0
    while True:
        with transaction():
            batch = db.session.execute(
                select(ConsultationResponse.id, ConsultationResponse.state, ConsultationResponse.email,
                       ConsultationResponse.answers, ConsultationResponse.postcode)
                .where(ConsultationResponse.consultation_id == consultation_id,
                       ConsultationResponse.anonymised_at.is_(None))
                .order_by(ConsultationResponse.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            ).all()  # fmt: skip
            if not batch:
                break
            drafts = [row.id for row in batch if row.state == ResponseState.DRAFT.value]
            kept = [row for row in batch if row.state != ResponseState.DRAFT.value]
            if drafts:
                deleted += len(remove_responses(ConsultationResponse.id.in_(drafts)))
            if kept:
                mails += _purge_mail(or_(outbox_about(response_ids=[row.id for row in kept]),
                                         legacy_response_mail([row.email for row in kept])))  # fmt: skip
                nonce = secrets.token_urlsafe(12)
                values = []
                for row in kept:
                    answers = anonymised_answers(definition, row.answers)
                    _follow_quote_choices(row.id, row.answers, answers, text_keys)
                    values.append({
                        "response": row.id, "canonical_": f"anonymised-{row.id}", "answers_": answers,
                        "postcode_": anonymised_postcode(row.postcode) if row.postcode else None,
                        "nonce_": nonce, "now_": now,
                    })  # fmt: skip
                db.session.connection().execute(_ANONYMISE_RESPONSE, values)
                anonymised += len(kept)
    return anonymised, deleted, mails
