"""Invalidations: preview, apply and revert the removal of matching signatures, in batches.

Each batch is one transaction that changes signatures and writes the matching count change, so a
count is right after every batch, and an interrupted invalidation simply carries on (the worker
picks up any left ``applying`` or ``reverting``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update

from campaign.audit.service import record_action
from campaign.db import transaction, utcnow
from campaign.errors import DomainError, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.integrity.criteria import Criteria, conditions
from campaign.integrity.models import Invalidation, InvalidationState
from campaign.petitions.models import Petition
from campaign.signing.models import Signature, SignatureCountDelta, SignatureState

logger = logging.getLogger(__name__)

BATCH = 2_000
# An organiser's request works this long, then the worker carries on (the page shows progress).
REQUEST_BUDGET_SECONDS = 2.0
_MATCHABLE = (SignatureState.PENDING.value, SignatureState.CONFIRMED.value, SignatureState.FRAUDULENT.value)


class InvalidationConflict(DomainError):
    status_code = 409
    title = "That cannot be done to this invalidation"


@dataclass(frozen=True)
class Preview:
    total: int
    confirmed: int
    pending: int
    held_back: int


def preview(petition_id: int, criteria: Criteria) -> Preview:
    """How many signatures the criteria match now, by state (nothing changes)."""
    rows = db.session.execute(
        select(Signature.state, func.count())
        .where(Signature.petition_id == petition_id, Signature.state.in_(_MATCHABLE), *conditions(criteria))
        .group_by(Signature.state)
    ).all()
    db.session.rollback()
    by_state = {state: int(count) for state, count in rows}
    return Preview(
        total=sum(by_state.values()),
        confirmed=by_state.get(SignatureState.CONFIRMED.value, 0),
        pending=by_state.get(SignatureState.PENDING.value, 0),
        held_back=by_state.get(SignatureState.FRAUDULENT.value, 0),
    )


def create_invalidation(petition_id: int, criteria: Criteria, reason: str, organiser_id: int | None) -> int:
    """Record an invalidation and start applying it; returns its id."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed({"reason": "Say why these signatures are being removed"})
    matched = preview(petition_id, criteria).total
    with transaction() as session:
        if session.get(Petition, petition_id) is None:
            raise NotFound("There is no such petition.")
        invalidation = Invalidation(
            petition_id=petition_id, reason=reason[:500], criteria=criteria.to_json(), matched=matched,
            created_by_id=organiser_id,
        )  # fmt: skip
        session.add(invalidation)
        session.flush()
        invalidation_id = invalidation.id
        # Addresses typed as criteria are masked in the log, as in the record once applied.
        masked = criteria.without_addresses().to_json()
        _audit("invalidation.create", invalidation_id, {"reason": reason[:500], "matched": matched, "criteria": masked})
    logger.info("invalidation %d created", invalidation_id, extra={"petition_id": petition_id})
    return invalidation_id


def _audit(action: str, invalidation_id: int, after: dict[str, object]) -> None:
    record_action(action, target_type="invalidation", target_id=invalidation_id, after=after)


def _apply_batch(invalidation_id: int, now: datetime) -> int:
    """Invalidate up to BATCH more matching signatures; returns how many (0 when finished)."""
    with transaction() as session:
        invalidation = session.get(Invalidation, invalidation_id, with_for_update=True)
        if invalidation is None or invalidation.state != InvalidationState.APPLYING:
            return 0
        criteria = Criteria.from_json(invalidation.criteria)
        batch = (
            select(Signature.id)
            .where(Signature.petition_id == invalidation.petition_id, Signature.state.in_(_MATCHABLE),
                   *conditions(criteria))
            .order_by(Signature.id)
            .limit(BATCH)
            # Locked in id order, skipping rows another batch holds: two invalidations of one petition
            # (a request and the worker) never deadlock (PostgreSQL; SQLite writes one at a time).
            .with_for_update(of=Signature, skip_locked=True)
        )  # fmt: skip
        ids = list(session.scalars(batch))
        if not ids:
            invalidation.state = InvalidationState.APPLIED.value
            invalidation.applied_at = now
            # The addresses typed are not needed again: keep only masked ones in the record.
            invalidation.criteria = criteria.without_addresses().to_json()
            return 0
        # The old state comes back from the UPDATE itself, so a confirmation racing with us is
        # counted exactly once either way (it either happened before, or finds nothing to confirm).
        previous = session.execute(
            update(Signature)
            .where(Signature.id.in_(ids), Signature.state.in_(_MATCHABLE))
            .values(state=SignatureState.INVALIDATED.value, invalidated_from=Signature.state,
                    invalidation_id=invalidation_id)
            .returning(Signature.invalidated_from)
            .execution_options(synchronize_session=False)
        ).scalars().all()  # fmt: skip
        uncounted = sum(1 for state in previous if state == SignatureState.CONFIRMED)
        if uncounted:
            session.execute(
                insert(SignatureCountDelta).values(petition_id=invalidation.petition_id, delta=-uncounted,
                                                   created_at=now)
            )  # fmt: skip
        invalidation.done += len(previous)
        return len(previous) or len(ids)


def _revert_batch(invalidation_id: int, now: datetime) -> int:
    with transaction() as session:
        invalidation = session.get(Invalidation, invalidation_id, with_for_update=True)
        if invalidation is None or invalidation.state != InvalidationState.REVERTING:
            return 0
        ids = list(
            session.scalars(
                select(Signature.id).where(Signature.invalidation_id == invalidation_id).order_by(Signature.id)
                .limit(BATCH)
            )
        )  # fmt: skip
        if not ids:
            invalidation.state = InvalidationState.REVERTED.value
            invalidation.reverted_at = now
            return 0
        restored = session.execute(
            update(Signature)
            .where(Signature.id.in_(ids), Signature.invalidation_id == invalidation_id)
            .values(state=Signature.invalidated_from, invalidated_from=None, invalidation_id=None)
            .returning(Signature.state)
            .execution_options(synchronize_session=False)
        ).scalars().all()  # fmt: skip
        counted = sum(1 for state in restored if state == SignatureState.CONFIRMED)
        if counted:
            session.execute(
                insert(SignatureCountDelta).values(petition_id=invalidation.petition_id, delta=counted, created_at=now)
            )
        invalidation.done = max(invalidation.done - len(restored), 0)
        return len(restored) or len(ids)


def work_on(invalidation_id: int, *, budget_seconds: float | None = None) -> bool:
    """Apply or revert batches until finished or out of time (REQUEST_BUDGET_SECONDS unless given);
    True when finished."""
    budget = REQUEST_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    while time.monotonic() - started < budget:
        state = db.session.scalar(select(Invalidation.state).where(Invalidation.id == invalidation_id))
        db.session.rollback()
        if state == InvalidationState.APPLYING:
            step = _apply_batch
        elif state == InvalidationState.REVERTING:
            step = _revert_batch
        else:
            return True
        step(invalidation_id, utcnow())
    return False


def revert_invalidation(invalidation_id: int, organiser_id: int | None) -> None:
    """Start restoring the signatures an invalidation removed to the states they had."""
    with transaction() as session:
        invalidation = session.get(Invalidation, invalidation_id, with_for_update=True)
        if invalidation is None:
            raise NotFound("There is no such invalidation.")
        if invalidation.state == InvalidationState.APPLYING:
            raise InvalidationConflict("This invalidation is still being applied. Revert it once it has finished.")
        if invalidation.state in {InvalidationState.REVERTING, InvalidationState.REVERTED}:
            raise InvalidationConflict("This invalidation has already been reverted.")
        invalidation.state = InvalidationState.REVERTING.value
        invalidation.reverted_by_id = organiser_id
        invalidation.revert_started_at = utcnow()
        _audit("invalidation.revert", invalidation_id, {"state": "reverting"})


def continue_unfinished() -> int:
    """For the worker: carry on any invalidation left applying or reverting; returns how many finished."""
    unfinished = list(
        db.session.scalars(
            select(Invalidation.id).where(
                Invalidation.state.in_([InvalidationState.APPLYING.value, InvalidationState.REVERTING.value])
            )
        )
    )
    db.session.rollback()
    return sum(1 for invalidation_id in unfinished if work_on(invalidation_id, budget_seconds=30.0))


def invalidations_of(petition_id: int) -> list[Invalidation]:
    return list(
        db.session.scalars(
            select(Invalidation).where(Invalidation.petition_id == petition_id).order_by(Invalidation.id.desc())
        )
    )


def get_invalidation(petition_id: int, invalidation_id: int) -> Invalidation:
    invalidation = db.session.get(Invalidation, invalidation_id)
    if invalidation is None or invalidation.petition_id != petition_id:
        raise NotFound("There is no such invalidation.")
    return invalidation
