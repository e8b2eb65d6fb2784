"""Removing someone's rows for good, inside the caller's transaction: shared by the person's own links
(withdraw, delete) and by erasure on request.

A confirmed signature leaves its petition's count with a -1 delta in the same transaction (see
docs/counting.md); a pending one was never counted. Mail about the removed rows goes too: the
outbox keeps addresses and names, and a message still queued must not be sent after the person
asked to be forgotten.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.sql.elements import ColumnElement

from campaign.consultations.models import ConsultationResponse
from campaign.extensions import db
from campaign.mail.models import OutboxMessage
from campaign.signing.models import Signature, SignatureCountDelta, SignatureState

# Messages about a response, queued before outbox rows recorded which response they were about.
LEGACY_RESPONSE_MAIL_KINDS = ("respond_link",)


@dataclass(frozen=True)
class RemovedSignature:
    id: int
    petition_id: int
    state: str


def outbox_about(
    signature_ids: Collection[int] = (), response_ids: Collection[int] = (), addresses: Collection[str] = ()
) -> ColumnElement[bool]:
    """Outbox rows about these signatures or responses, or addressed to these addresses (any case)."""
    conditions: list[ColumnElement[bool]] = []
    if signature_ids:
        conditions.append(OutboxMessage.signature_id.in_(list(signature_ids)))
    if response_ids:
        conditions.append(OutboxMessage.response_id.in_(list(response_ids)))
    if addresses:
        conditions.append(func.lower(OutboxMessage.to_address).in_(sorted({a.lower() for a in addresses})))
    return or_(*conditions) if conditions else OutboxMessage.id.is_(None)


def legacy_response_mail(addresses: Collection[str]) -> ColumnElement[bool]:
    """Respondents' links queued before outbox rows had a response_id: found by kind and address."""
    return and_(
        OutboxMessage.response_id.is_(None),
        OutboxMessage.kind.in_(LEGACY_RESPONSE_MAIL_KINDS),
        func.lower(OutboxMessage.to_address).in_(sorted({a.lower() for a in addresses})),
    )


def delete_mail(condition: ColumnElement[bool]) -> int:
    result = db.session.execute(delete(OutboxMessage).where(condition).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def remove_signatures(condition: ColumnElement[bool], now: datetime) -> list[RemovedSignature]:
    """Delete the signatures matching ``condition`` (and their mail); uncount the confirmed ones.

    ``DELETE ... RETURNING`` hands back the state each row had when it went, so two removals at
    once (a double click, an erasure while the signer withdraws) take each count away once.
    """
    signature_ids = [row_id for (row_id,) in db.session.execute(select(Signature.id).where(condition))]
    if not signature_ids:
        return []
    delete_mail(outbox_about(signature_ids=signature_ids))
    rows = db.session.execute(
        delete(Signature)
        .where(Signature.id.in_(signature_ids), condition)
        .returning(Signature.id, Signature.petition_id, Signature.state)
        .execution_options(synchronize_session=False)
    ).all()
    removed = [RemovedSignature(*row) for row in rows]
    uncounted = [row for row in removed if row.state == SignatureState.CONFIRMED.value]
    if uncounted:
        db.session.execute(
            insert(SignatureCountDelta),
            [{"petition_id": row.petition_id, "delta": -1, "created_at": now} for row in uncounted],
        )
    return removed


def remove_responses(condition: ColumnElement[bool]) -> Sequence[tuple[int, str]]:
    """Delete the responses matching ``condition`` and their mail; returns (id, state) of each.

    Summaries read responses as they are, so a deleted response simply stops being counted;
    the organiser's quote choices about it go with it (ON DELETE CASCADE).
    """
    found = db.session.execute(select(ConsultationResponse.id, ConsultationResponse.email).where(condition)).all()
    if not found:
        return []
    response_ids = [row.id for row in found]
    delete_mail(or_(outbox_about(response_ids=response_ids), legacy_response_mail([row.email for row in found])))
    rows = db.session.execute(
        delete(ConsultationResponse)
        .where(ConsultationResponse.id.in_(response_ids), condition)
        .returning(ConsultationResponse.id, ConsultationResponse.state)
        .execution_options(synchronize_session=False)
    ).all()
    return [(row.id, row.state) for row in rows]
