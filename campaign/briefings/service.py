"""Briefings: assembling them, and sharing them by a signed, revocable, optionally expiring link."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from campaign.accounts.models import Organiser
from campaign.briefings.models import AUDIENCE_MAX, INTRO_MAX, TITLE_MAX, Briefing, BriefingItem
from campaign.candidates.models import new_link_nonce
from campaign.consultations.models import Consultation
from campaign.db import transaction, utcnow
from campaign.errors import NotFound, ValidationFailed
from campaign.extensions import db
from campaign.markup import render_markdown
from campaign.petitions.models import Petition, PublicStatus
from campaign.text import clean_block, clean_line
from campaign.tokens import TokenExpired, TokenInvalid, TokenPurpose, make_token, read_token_ignoring_age
from campaign.urls import absolute_url

logger = logging.getLogger(__name__)

PUBLIC = {PublicStatus.OPEN, PublicStatus.CLOSED, PublicStatus.ARCHIVED}


def _checked(title: str, audience: str, intro: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    title, audience, intro = clean_line(title), clean_line(audience), clean_block(intro)
    checks = [("title", title, TITLE_MAX, "Enter a title"),
              ("audience", audience, AUDIENCE_MAX, "Say who the briefing is for")]  # fmt: skip
    for name, value, maximum, missing in checks:
        if not value:
            errors[name] = missing
        elif len(value) > maximum:
            errors[name] = f"Must be {maximum} characters or fewer"
    if len(intro) > INTRO_MAX:
        errors["intro"] = f"The introduction must be {INTRO_MAX:,} characters or fewer"
    if errors:
        raise ValidationFailed(errors)
    return title, audience, intro


def briefings_for(organiser: Organiser) -> list[Briefing]:
    query = (
        select(Briefing)
        .where(Briefing.organisation_id == organiser.organisation_id)
        .order_by(Briefing.updated_at.desc(), Briefing.id.desc())
    )
    return list(db.session.scalars(query))


def get_for_organiser(organiser: Organiser, briefing_id: int, *, for_update: bool = False) -> Briefing:
    query = select(Briefing).where(Briefing.id == briefing_id, Briefing.organisation_id == organiser.organisation_id)
    briefing = db.session.scalar(query.with_for_update() if for_update else query)
    if briefing is None:
        raise NotFound("There is no briefing with that number in your organisation.")
    return briefing


def choices_for(organiser: Organiser, now: datetime) -> tuple[list[Petition], list[Consultation]]:
    """Petitions and consultations that can go into a briefing: the organisation's public ones."""
    petitions = db.session.scalars(
        select(Petition).where(Petition.organisation_id == organiser.organisation_id).order_by(Petition.title)
    )
    consultations = db.session.scalars(
        select(Consultation)
        .where(Consultation.organisation_id == organiser.organisation_id)
        .order_by(Consultation.title, Consultation.version)
    )
    return ([p for p in petitions if p.public_status(now) in PUBLIC],
            [c for c in consultations if c.public_status(now) in PUBLIC])  # fmt: skip


def save_briefing(
    organiser: Organiser, briefing_id: int | None, title: str, audience: str, intro: str,
    petition_ids: list[int], consultation_ids: list[int], *, now: datetime | None = None,
) -> Briefing:  # fmt: skip
    """Create a briefing (``briefing_id`` None) or change one; what it covers is replaced by the lists given."""
    title, audience, intro = _checked(title, audience, intro)
    now = now or utcnow()
    petitions, consultations = choices_for(organiser, now)
    allowed_petitions = {p.id for p in petitions}
    allowed_consultations = {c.id for c in consultations}
    if not set(petition_ids) <= allowed_petitions or not set(consultation_ids) <= allowed_consultations:
        raise ValidationFailed({"items": "Choose from your organisation's open or closed petitions and consultations"})
    if not petition_ids and not consultation_ids:
        raise ValidationFailed({"items": "Choose at least one petition or consultation"})
    with transaction():
        if briefing_id is None:
            briefing = Briefing(organisation_id=organiser.organisation_id, created_by_id=organiser.id)
            db.session.add(briefing)
        else:
            briefing = get_for_organiser(organiser, briefing_id, for_update=True)
        briefing.title, briefing.audience = title, audience
        briefing.intro_markdown, briefing.intro_html = intro, render_markdown(intro) if intro else ""
        briefing.updated_at = now
        ordered = (
            [p.id for p in petitions if p.id in petition_ids],
            [c.id for c in consultations if c.id in consultation_ids],
        )
        briefing.items = [
            *(BriefingItem(petition_id=pid, position=n) for n, pid in enumerate(ordered[0])),
            *(BriefingItem(consultation_id=cid, position=len(ordered[0]) + n) for n, cid in enumerate(ordered[1])),
        ]
    logger.info("briefing saved", extra={"briefing_id": briefing.id})
    return briefing


def covered(briefing: Briefing) -> list[tuple[str, str, int]]:
    """What a briefing covers, in order: ("petition" or "consultation", title, id)."""
    found: list[tuple[str, str, int]] = []
    for item in briefing.items:
        if item.petition_id is not None:
            found.append(("petition", db.session.get_one(Petition, item.petition_id).title, item.petition_id))
        elif item.consultation_id is not None:
            consultation = db.session.get_one(Consultation, item.consultation_id)
            found.append(("consultation", consultation.title, item.consultation_id))
    return found


def delete_briefing(organiser: Organiser, briefing_id: int) -> None:
    with transaction():
        db.session.delete(get_for_organiser(organiser, briefing_id, for_update=True))


def share_link(briefing: Briefing) -> str | None:
    if briefing.share_nonce is None:
        return None
    token = make_token(TokenPurpose.READ_BRIEFING, {"b": briefing.id, "n": briefing.share_nonce})
    return absolute_url("briefings.show", token=token)


def share(organiser: Organiser, briefing_id: int, expires_at: datetime | None, *, new_link: bool) -> Briefing:
    """Turn the share link on (or make a new one, which cancels the old), with an optional expiry."""
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed({"expires_at": "The expiry must be in the future"})
    with transaction():
        briefing = get_for_organiser(organiser, briefing_id, for_update=True)
        if briefing.share_nonce is None or new_link:
            briefing.share_nonce = new_link_nonce()
            briefing.shared_at = now
        briefing.expires_at = expires_at
    logger.info("briefing shared", extra={"briefing_id": briefing_id, "new_link": new_link})
    return briefing


def revoke(organiser: Organiser, briefing_id: int) -> None:
    with transaction():
        briefing = get_for_organiser(organiser, briefing_id, for_update=True)
        briefing.share_nonce = None
        briefing.shared_at = None
    logger.info("briefing link revoked", extra={"briefing_id": briefing_id})


def briefing_for_link(token: str, now: datetime) -> Briefing:
    """The briefing a share link opens. Its life is the briefing's own expiry, which the organiser can change."""
    payload = read_token_ignoring_age(TokenPurpose.READ_BRIEFING, token)
    if not isinstance(payload, dict) or not isinstance(payload.get("b"), int) or not isinstance(payload.get("n"), str):
        raise TokenInvalid("The link is incomplete or has been changed.")
    briefing = db.session.get(Briefing, payload["b"])
    if briefing is None or briefing.share_nonce is None or briefing.share_nonce != payload["n"]:
        raise TokenInvalid("This briefing is no longer shared at this link. Ask the organisers for a new one.")
    if briefing.expires_at is not None and briefing.expires_at <= now:
        raise TokenExpired("This link to the briefing has expired. Ask the organisers for a new one.")
    return briefing
