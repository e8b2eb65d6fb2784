"""Petition counts: folded from append-only deltas, checked against the signatures themselves.

See docs/counting.md for why counts work this way.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

from campaign.db import transaction
from campaign.extensions import db
from campaign.petitions.models import Petition
from campaign.signing.models import Signature, SignatureCountDelta, SignatureState

logger = logging.getLogger(__name__)

FOLD_BATCH = 20_000


def fold_count_deltas() -> int:
    """Move pending count changes into ``petitions.signature_count``; returns how many were folded.

    ``DELETE ... RETURNING`` hands back exactly the rows it removed, so a change is added
    once even while confirmations commit around us; on PostgreSQL, ``SKIP LOCKED`` lets
    several workers fold side by side without taking the same rows.
    """
    with transaction():
        batch = (
            select(SignatureCountDelta.id)
            .order_by(SignatureCountDelta.id)
            .limit(FOLD_BATCH)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        rows = db.session.execute(
            delete(SignatureCountDelta)
            .where(SignatureCountDelta.id.in_(batch))
            .returning(SignatureCountDelta.petition_id, SignatureCountDelta.delta)
            .execution_options(synchronize_session=False)
        ).all()
        totals: dict[int, int] = defaultdict(int)
        for petition_id, delta in rows:
            totals[petition_id] += delta
        # Lock petitions in id order so two folders can never deadlock on each other.
        for petition_id in sorted(totals):
            if totals[petition_id]:
                db.session.execute(
                    update(Petition)
                    .where(Petition.id == petition_id)
                    .values(signature_count=Petition.signature_count + totals[petition_id])
                    .execution_options(synchronize_session=False)
                )
    return len(rows)


def exact_count(petition_id: int) -> int:
    """The count including changes not folded yet (one small indexed sum, for one petition)."""
    pending = db.session.scalar(
        select(func.coalesce(func.sum(SignatureCountDelta.delta), 0)).where(
            SignatureCountDelta.petition_id == petition_id
        )
    )
    stored = db.session.scalar(select(Petition.signature_count).where(Petition.id == petition_id))
    return int(stored or 0) + int(pending or 0)


@dataclass(frozen=True)
class CountRepair:
    petition_id: int
    slug: str
    stored: int
    actual: int


def reconcile_counts(*, repair: bool = True) -> list[CountRepair]:
    """Compare every stored count with the confirmed signatures and (optionally) correct it.

    Each petition is checked in one snapshot (REPEATABLE READ on PostgreSQL, a write
    transaction on SQLite), so a confirmation committing meanwhile is either wholly seen
    (signature and delta) or not at all.
    """
    repairs: list[CountRepair] = []
    petition_ids = list(db.session.scalars(select(Petition.id).order_by(Petition.id)))
    db.session.rollback()
    for petition_id in petition_ids:
        found: CountRepair | None = None
        for attempt in range(1, 11):
            try:
                found = _reconcile_one(petition_id, repair=repair)
                break
            except OperationalError as error:
                # REPEATABLE READ refuses to update a row the worker folded meanwhile: check again.
                if getattr(error.orig, "sqlstate", None) != "40001" or attempt == 10:
                    raise
        if found is not None:
            repairs.append(found)
    return repairs


def _reconcile_one(petition_id: int, *, repair: bool) -> CountRepair | None:
    with transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        petition = session.execute(
            select(Petition.slug, Petition.signature_count).where(Petition.id == petition_id)
        ).one()
        confirmed = session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.petition_id == petition_id, Signature.state == SignatureState.CONFIRMED.value)
        )
        pending = session.scalar(
            select(func.coalesce(func.sum(SignatureCountDelta.delta), 0)).where(
                SignatureCountDelta.petition_id == petition_id
            )
        )
        # What the stored count should be once the pending changes are folded in.
        expected = int(confirmed or 0) - int(pending or 0)
        if petition.signature_count == expected:
            return None
        if repair:
            session.execute(
                update(Petition)
                .where(Petition.id == petition_id)
                .values(signature_count=expected)
                .execution_options(synchronize_session=False)
            )
            logger.warning("petition %d count corrected from %d to %d", petition_id, petition.signature_count, expected)
        return CountRepair(petition_id, petition.slug, petition.signature_count, expected)
