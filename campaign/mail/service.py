"""Queueing mail with the change it announces, and delivering it: leased, retried, never dropped."""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, insert, or_, select, update

from campaign.db import transaction, utcnow
from campaign.extensions import db
from campaign.logs import mask_email as mask_email  # callers import it from here too
from campaign.mail.models import OutboxMessage, OutboxStatus
from campaign.mail.rendering import render_email
from campaign.mail.transport import DeliveryError, Transport, transport_from_url
from campaign.metrics.registry import MAIL_DEFERRED, MAIL_FAILED, MAIL_QUEUED, MAIL_SENT, count_on_commit

logger = logging.getLogger(__name__)

BACKOFF_CAP_SECONDS = 15 * 60


def _mail_domain() -> str:
    return _domain_of(current_app.config["MAIL_FROM"])


@lru_cache(maxsize=8)
def _domain_of(mail_from: str) -> str:
    _, address = parseaddr(mail_from)
    return address.rpartition("@")[2] or "localhost"


def outbox_row(
    kind: str, to_address: str, context: dict[str, Any], *, signature_id: int | None = None,
    response_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The values of one outbox row (for services that insert several rows in one statement).

    Its ``campaign_mail_queued_total`` is counted if the caller's transaction commits.
    """
    count_on_commit(db.session(), MAIL_QUEUED.labels(kind=kind))
    return {
        "message_id": make_msgid(idstring=uuid.uuid4().hex[:12], domain=_mail_domain()),
        "kind": kind,
        "context": json.dumps(context, separators=(",", ":")),
        "to_address": to_address,
        "signature_id": signature_id,
        "response_id": response_id,
        "status": OutboxStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }


_INSERT_MESSAGE = insert(OutboxMessage)


def queue_email(
    kind: str, to_address: str, context: dict[str, Any], *, signature_id: int | None = None,
    response_id: int | None = None,
) -> None:  # fmt: skip
    """Add a message to the outbox in the caller's transaction: it is sent only if that commits."""
    row = outbox_row(kind, to_address, context, signature_id=signature_id, response_id=response_id)
    db.session.connection().execute(_INSERT_MESSAGE, row)


def unsubscribe_link(context: dict[str, Any]) -> str | None:
    """The one-click unsubscribe link of a message that has one (mail that is not a direct reply).

    ``stop_url`` is what messages queued before the /unsubscribe links existed carry.
    """
    link = context.get("unsubscribe_url") or context.get("stop_url")
    return link if isinstance(link, str) and link.startswith(("https://", "http://")) else None


def build_message(row: OutboxMessage) -> EmailMessage:
    """Render the message; header values come from validated, single-line fields only."""
    context = json.loads(row.context)
    email = render_email(row.kind, **context)
    message = EmailMessage(policy=SMTP)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    unsubscribe = unsubscribe_link(context)
    if unsubscribe is not None:
        # One click in the mail program stops these emails (RFC 8058); the link's page does the same.
        # Direct replies to someone's own action (confirm your signature) carry no link, so none of this.
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def _lease_seconds() -> int:
    return int(current_app.config["MAIL_LEASE_SECONDS"])


def _backoff(attempts: int) -> timedelta:
    base = int(current_app.config["MAIL_RETRY_SECONDS"])
    delay = min(BACKOFF_CAP_SECONDS, base * 2 ** min(max(attempts - 1, 0), 20))
    return timedelta(seconds=delay * random.uniform(0.9, 1.1))  # noqa: S311 - jitter, not security


def _claim(owner: str, batch_size: int, now: datetime) -> list[int]:
    """Lease due messages to this sender. SKIP LOCKED lets any number of senders claim side by side."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    with transaction():
        # A sender that died mid-send leaves a lease behind; once it expires the message is due again,
        # unless it has used up its attempts, in which case it fails visibly.
        abandoned = db.session.scalars(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.SENDING.value,
                OutboxMessage.leased_until < now,
                OutboxMessage.attempts >= max_attempts,
            )
            .values(
                status=OutboxStatus.FAILED.value,
                leased_until=None,
                lease_owner=None,
                last_error="sender stopped while sending; attempts used up",
            )
            .returning(OutboxMessage.kind)
            .execution_options(synchronize_session=False)
        ).all()
        for kind in abandoned:
            count_on_commit(db.session(), MAIL_FAILED.labels(kind=kind))
        due = or_(
            and_(OutboxMessage.status == OutboxStatus.QUEUED.value, OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.leased_until < now),
        )
        ids = list(
            db.session.scalars(
                select(OutboxMessage.id)
                .where(due)
                .order_by(OutboxMessage.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(
                    status=OutboxStatus.SENDING.value,
                    lease_owner=owner,
                    leased_until=now + timedelta(seconds=_lease_seconds()),
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
    return ids


def _finish(message_id: int, owner: str, values: dict[str, object]) -> None:
    with transaction():
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.lease_owner == owner,
                OutboxMessage.status == OutboxStatus.SENDING.value,
            )
            .values(leased_until=None, lease_owner=None, **values)
            .execution_options(synchronize_session=False)
        )


def _release(message_ids: list[int], owner: str) -> None:
    """Give back leases we will not use now (so another sender need not wait for them to expire)."""
    with transaction():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.lease_owner == owner)
            .values(
                status=OutboxStatus.QUEUED.value,
                leased_until=None,
                lease_owner=None,
                attempts=OutboxMessage.attempts - 1,
            )
            .execution_options(synchronize_session=False)
        )


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    claimed: list[int] = field(default_factory=list)


def deliver_due_mail(
    *, batch_size: int = 20, transport: Transport | None = None, owner: str | None = None
) -> DeliveryReport:
    """Send one batch of due messages. Each result is committed on its own, so a crash loses
    at most the message in flight (it is sent again when its lease expires)."""
    owner = (owner or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}")[:64]
    report = DeliveryReport(claimed=_claim(owner, batch_size, utcnow()))
    if not report.claimed:
        return report
    own_transport = transport is None
    transport = transport or transport_from_url(current_app.config["MAIL_URL"])
    started = time.monotonic()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    lease_seconds = _lease_seconds()
    try:
        for position, message_id in enumerate(report.claimed):
            # Stop well before the lease ends, so no other sender takes a message while we send it.
            if time.monotonic() - started > lease_seconds / 2:
                _release(report.claimed[position:], owner)
                break
            row = db.session.get_one(OutboxMessage, message_id)
            address, attempts, kind = row.to_address, row.attempts, row.kind
            try:
                message = build_message(row)
            except Exception as error:  # a template or context that cannot render will never render
                db.session.rollback()
                _finish(
                    message_id, owner, {"status": OutboxStatus.FAILED.value, "last_error": f"render: {error}"[:500]}
                )
                report.failed += 1
                MAIL_FAILED.labels(kind=kind).inc()
                logger.exception("mail %d could not be rendered", message_id)
                continue
            db.session.rollback()  # end the read before the (slow) network call
            try:
                transport.send(message)
            except DeliveryError as error:
                if error.permanent or attempts >= max_attempts:
                    _finish(message_id, owner, {"status": OutboxStatus.FAILED.value, "last_error": str(error)[:500]})
                    report.failed += 1
                    MAIL_FAILED.labels(kind=kind).inc()
                    logger.error("mail %d to %s failed for good: %s", message_id, mask_email(address), error)
                else:
                    _finish(
                        message_id,
                        owner,
                        {
                            "status": OutboxStatus.QUEUED.value,
                            "last_error": str(error)[:500],
                            "next_attempt_at": utcnow() + _backoff(attempts),
                        },
                    )
                    report.retrying += 1
                    MAIL_DEFERRED.labels(kind=kind).inc()
                    logger.warning("mail %d to %s will be retried (attempt %d): %s", message_id, mask_email(address),
                                   attempts, error)  # fmt: skip
                if error.server_down:
                    # Nothing else will get through now: hand the rest back rather than try each in turn.
                    _release(report.claimed[position + 1 :], owner)
                    break
            else:
                _finish(message_id, owner, {"status": OutboxStatus.SENT.value, "sent_at": utcnow(), "last_error": None})
                report.sent += 1
                MAIL_SENT.labels(kind=kind).inc()
    finally:
        if own_transport:
            transport.close()
    return report


def deliver_all_due_mail(*, max_batches: int = 50) -> DeliveryReport:
    """Keep sending batches until nothing is due (or the cap is reached); used by the worker."""
    total = DeliveryReport()
    transport = transport_from_url(current_app.config["MAIL_URL"])
    try:
        for _ in range(max_batches):
            report = deliver_due_mail(transport=transport)
            total.sent += report.sent
            total.retrying += report.retrying
            total.failed += report.failed
            if not report.claimed or report.retrying or report.failed:
                # A failing server is retried on the next tick, not hammered in a loop.
                break
    finally:
        transport.close()
    return total


def outbox_status_counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return dict(rows)


def retry_failed_mail() -> int:
    """Put failed messages back in the queue (after fixing what made them fail)."""
    with transaction():
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED.value)
            .values(status=OutboxStatus.QUEUED.value, attempts=0, next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)
