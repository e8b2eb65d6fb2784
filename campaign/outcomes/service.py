"""Outcome updates: published on the petition's page, optionally emailed to signers who opted in.

Emailing fans out in the worker, a batch of signers at a time: each batch's outbox rows and the
update's cursor (the last signature id done) are written in one transaction, so a restart resumes
where it stopped and nobody is emailed twice. Messages hold a reference to the update, not its
text, which is added when each is sent (see mail.rendering).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy import update as sa_update

from campaign.accounts.models import Organiser
from campaign.db import transaction, utcnow
from campaign.errors import InvalidTransition, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.mail.models import OutboxMessage
from campaign.mail.rendering import register_context_loader
from campaign.mail.service import outbox_row
from campaign.markup import render_markdown
from campaign.outcomes.models import BODY_MAX, TITLE_MAX, EmailState, PetitionUpdate
from campaign.petitions.models import Petition, PublicStatus
from campaign.petitions.service import get_for_organiser
from campaign.privacy.links import unsubscribe_url
from campaign.privacy.self_service import stop_update_emails
from campaign.signing.models import Signature, SignatureState
from campaign.text import clean_block, clean_line
from campaign.tokens import TokenInvalid, TokenPurpose, read_token_ignoring_age
from campaign.urls import absolute_url

logger = logging.getLogger(__name__)

EMAIL_BATCH = 500
REPEAT_WINDOW = timedelta(minutes=30)


def _checked(title: str, body: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    title, body = clean_line(title), clean_block(body)
    if not title:
        errors["title"] = _("Enter a title")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title must be %(max)s characters or fewer", max=TITLE_MAX)
    if not body:
        errors["body"] = _("Enter the update")
    elif len(body) > BODY_MAX:
        errors["body"] = _("The update must be %(max)s characters or fewer", max=f"{BODY_MAX:,}")
    if errors:
        raise ValidationFailed(errors)
    return title, body


def updates_for(petition_id: int) -> list[PetitionUpdate]:
    query = (
        select(PetitionUpdate)
        .where(PetitionUpdate.petition_id == petition_id)
        .order_by(PetitionUpdate.published_at.desc(), PetitionUpdate.id.desc())
    )
    return list(db.session.scalars(query))


def opted_in_count(petition_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Signature).where(
            Signature.petition_id == petition_id, Signature.state == SignatureState.CONFIRMED.value,
            Signature.notify_progress.is_(True),
        )
    ) or 0  # fmt: skip


def publish_update(
    organiser: Organiser, petition_id: int, title: str, body: str, *, email_signers: bool, now: datetime | None = None
) -> PetitionUpdate:
    title, body = _checked(title, body)
    now = now or utcnow()
    with transaction():
        petition = get_for_organiser(organiser, petition_id, for_update=True)
        if petition.public_status(now) not in {PublicStatus.OPEN, PublicStatus.CLOSED, PublicStatus.ARCHIVED}:
            raise InvalidTransition(_("Updates can be published once the petition is open."))
        # A double click, a resubmitted form or a second tab publishes (and emails) once.
        repeat = db.session.scalar(
            select(PetitionUpdate).where(
                PetitionUpdate.petition_id == petition_id, PetitionUpdate.title == title,
                PetitionUpdate.body_markdown == body, PetitionUpdate.published_at > now - REPEAT_WINDOW,
            )
        )  # fmt: skip
        if repeat is not None:
            return repeat
        update = PetitionUpdate(petition_id=petition_id, title=title, body_markdown=body,
                                body_html=render_markdown(body), published_at=now,
                                created_by_id=organiser.id)  # fmt: skip
        if email_signers:
            update.email_state = EmailState.QUEUED.value
            update.email_requested_at = now
        db.session.add(update)
    logger.info("petition update published", extra={"petition_id": petition_id, "emailed": email_signers})
    return update


def _own_update(organiser: Organiser, petition_id: int, update_id: int) -> PetitionUpdate:
    get_for_organiser(organiser, petition_id)
    update = db.session.scalar(
        select(PetitionUpdate)
        .where(PetitionUpdate.id == update_id, PetitionUpdate.petition_id == petition_id)
        .with_for_update()
    )
    if update is None:
        raise NotFound(_("There is no such update on this petition."))
    return update


def edit_update(organiser: Organiser, petition_id: int, update_id: int, title: str, body: str) -> PetitionUpdate:
    """Correct an update; it is shown as edited (emails not yet sent carry the corrected text)."""
    title, body = _checked(title, body)
    with transaction():
        update = _own_update(organiser, petition_id, update_id)
        if (update.title, update.body_markdown) != (title, body):
            update.title, update.body_markdown, update.body_html = title, body, render_markdown(body)
            update.edited_at = utcnow()
    return update


def delete_update(organiser: Organiser, petition_id: int, update_id: int) -> None:
    with transaction():
        update = _own_update(organiser, petition_id, update_id)
        if update.email_state != EmailState.NONE:
            raise InvalidTransition(
                _("An update that has been emailed to signers cannot be deleted; you can correct it.")
            )
        db.session.delete(update)


def fan_out_update_emails(*, batch_size: int = EMAIL_BATCH, max_batches: int = 20) -> int:
    """Put the next batches of an update's emails in the outbox; returns how many messages were queued."""
    queued = 0
    for _attempt in range(max_batches):
        with transaction():
            update = db.session.scalar(
                select(PetitionUpdate)
                .where(PetitionUpdate.email_state == EmailState.QUEUED.value)
                .order_by(PetitionUpdate.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if update is None:
                return queued
            signers = db.session.execute(
                select(Signature.id, Signature.email, Signature.name, Signature.confirmation_nonce,
                       Signature.update_emails_sent)
                # Held-back signatures whose link was followed get updates too: being held back is silent.
                .where(Signature.petition_id == update.petition_id,
                       Signature.state.in_([SignatureState.CONFIRMED.value, SignatureState.FRAUDULENT.value]),
                       Signature.notify_progress.is_(True), Signature.id > update.email_cursor,
                       # Who gets it is settled when it is published: signers confirmed by then. (Someone
                       # confirming later, with a lower id than the cursor, must not be missed by some
                       # batches and caught by others.)
                       Signature.confirmed_at <= update.email_requested_at)
                .order_by(Signature.id)
                .limit(batch_size)
            ).all()  # fmt: skip
            # However many updates an organiser publishes, one signature gets at most this many.
            cap = current_app.config["SIGNATURE_UPDATE_EMAIL_CAP"]
            emailed = [signer for signer in signers if signer.update_emails_sent < cap]
            if emailed:
                db.session.execute(insert(OutboxMessage), [
                    outbox_row("petition_update", signer.email,
                               {"update_id": update.id, "name": signer.name,
                                "unsubscribe_url": unsubscribe_url(signer.id, signer.confirmation_nonce)},
                               signature_id=signer.id)
                    for signer in emailed
                ])  # fmt: skip
                db.session.execute(
                    sa_update(Signature)
                    .where(Signature.id.in_([signer.id for signer in emailed]))
                    .values(update_emails_sent=Signature.update_emails_sent + 1)
                    .execution_options(synchronize_session=False)
                )
                update.emailed_count += len(emailed)
                queued += len(emailed)
            if signers:
                update.email_cursor = signers[-1].id
            if len(signers) < batch_size:
                update.email_state = EmailState.DONE.value
                update.email_finished_at = utcnow()
                logger.info("petition update emailed", extra={"update_id": update.id, "messages": update.emailed_count})
    return queued


def _update_email_context(context: dict[str, Any]) -> dict[str, Any]:
    update = db.session.get(PetitionUpdate, context.get("update_id"))
    if update is None:
        raise LookupError("the update this message was about no longer exists")
    petition = db.session.get_one(Petition, update.petition_id)
    return {**context, "title": update.title, "body_text": update.body_markdown, "body_html": update.body_html,
            "petition_title": petition.title,
            "petition_url": absolute_url("petitions.show", slug=petition.slug)}  # fmt: skip


register_context_loader("petition_update", _update_email_context)


def _signature_for_stop_link(token: str) -> Signature:
    payload = read_token_ignoring_age(TokenPurpose.STOP_PROGRESS_EMAILS, token)
    signature = db.session.get(Signature, payload.get("s")) if isinstance(payload, dict) else None
    if signature is None:
        raise TokenInvalid(_("This link does not match a signature any more. You will not get further updates."))
    return signature


def describe_stop_link(token: str) -> Petition:
    """The petition a stop link is about (checking the link, changing nothing)."""
    return db.session.get_one(Petition, _signature_for_stop_link(token).petition_id)


def stop_progress_emails(token: str) -> Signature:
    """The signer no longer wants this petition's updates (from a link sent before the /unsubscribe links;
    see campaign.privacy). Such links never expire: stopping must always work."""
    signature_id = _signature_for_stop_link(token).id
    stop_update_emails(signature_id)
    return db.session.get_one(Signature, signature_id)
