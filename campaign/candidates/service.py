"""Inviting candidates and publishing what they say: each by a private link, every edit kept as a version.

A candidate's link is signed with its own purpose and carries the candidate's id and a nonce:
it opens that candidate's form only, so nobody can publish or change another candidate's words.
A new link (or removing the candidate) changes the nonce, which cancels every earlier link.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from campaign.accounts.models import Organiser
from campaign.candidates.models import (
    AFFILIATION_MAX,
    NAME_MAX,
    PLEDGE_MAX,
    STATEMENT_MAX,
    Candidate,
    CandidateStatement,
    Position,
    new_link_nonce,
)
from campaign.db import transaction, utcnow
from campaign.errors import InvalidTransition, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.identity import InvalidEmail, normalise_email
from campaign.mail.service import mask_email, queue_email
from campaign.petitions.models import Petition, PublicStatus
from campaign.petitions.service import get_for_organiser
from campaign.text import clean_block, clean_line
from campaign.tokens import TokenInvalid, TokenPurpose, make_token, read_token
from campaign.urls import absolute_url

logger = logging.getLogger(__name__)

MAX_INVITATION_EMAILS = 10


def _link(candidate: Candidate) -> str:
    token = make_token(TokenPurpose.CANDIDATE_RESPONSE, {"c": candidate.id, "n": candidate.link_nonce})
    return absolute_url("candidates.respond", token=token)


def _send_invitation(candidate: Candidate, petition: Petition) -> None:
    if candidate.emails_sent >= MAX_INVITATION_EMAILS:
        raise InvalidTransition(
            _("%(name)s has been sent %(count)s emails already.", name=candidate.name, count=MAX_INVITATION_EMAILS)
        )
    queue_email(
        "candidate_invite",
        candidate.email,
        {"name": candidate.name, "petition_title": petition.title, "organisation": petition.organisation.name,
         "link": _link(candidate), "days": current_app.config["CANDIDATE_LINK_DAYS"]},
    )  # fmt: skip
    candidate.emails_sent += 1
    candidate.invited_at = utcnow()


def _checked(name: str, affiliation: str, email: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    name, affiliation = clean_line(name), clean_line(affiliation)
    if not name:
        errors["name"] = _("Enter the candidate's name")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name must be %(max)s characters or fewer", max=NAME_MAX)
    if len(affiliation) > AFFILIATION_MAX:
        errors["affiliation"] = _("The party or affiliation must be %(max)s characters or fewer", max=AFFILIATION_MAX)
    try:
        address = normalise_email(email)
    except InvalidEmail:
        errors["email"] = _("Enter an email address in the correct format, like name@example.com")
        address = ""
    if errors:
        raise ValidationFailed(errors)
    return name, affiliation, address


def invitation_problems(name: str, affiliation: str, email: str) -> dict[str, str]:
    """Every problem with what was typed (for showing them all at once)."""
    try:
        _checked(name, affiliation, email)
    except ValidationFailed as error:
        return error.errors
    return {}


def invite_candidate(organiser: Organiser, petition_id: int, name: str, affiliation: str, email: str) -> Candidate:
    name, affiliation, address = _checked(name, affiliation, email)
    try:
        with transaction():
            petition = get_for_organiser(organiser, petition_id, for_update=True)
            if petition.public_status(utcnow()) not in {PublicStatus.OPEN, PublicStatus.CLOSED}:
                raise InvalidTransition(_("Candidates can be invited once the petition is open."))
            existing = db.session.scalar(
                select(Candidate).where(Candidate.petition_id == petition_id,
                                        func.lower(Candidate.email) == address.lower()).with_for_update()
            )  # fmt: skip
            if existing is not None and existing.removed_at is None:
                raise ValidationFailed({"email": _("A candidate with this email address is already invited")})
            if existing is not None:
                # Invited again after being removed: back on the page, with what they published before.
                candidate = existing
                candidate.removed_at = None
                candidate.name, candidate.affiliation = name, affiliation
                candidate.link_nonce = new_link_nonce()
            else:
                candidate = Candidate(petition_id=petition_id, name=name, affiliation=affiliation, email=address,
                                      created_by_id=organiser.id)  # fmt: skip
                db.session.add(candidate)
                db.session.flush()
            _send_invitation(candidate, petition)
    except IntegrityError:
        raise ValidationFailed({"email": _("A candidate with this email address is already invited")}) from None
    logger.info("candidate invited", extra={"petition_id": petition_id, "email": mask_email(address)})
    return candidate


def _own_candidate(organiser: Organiser, petition_id: int, candidate_id: int) -> tuple[Petition, Candidate]:
    petition = get_for_organiser(organiser, petition_id)
    candidate = db.session.scalar(
        select(Candidate)
        .where(Candidate.id == candidate_id, Candidate.petition_id == petition_id, Candidate.removed_at.is_(None))
        .with_for_update()
    )
    if candidate is None:
        raise NotFound(_("There is no such candidate on this petition."))
    return petition, candidate


def send_new_link(organiser: Organiser, petition_id: int, candidate_id: int) -> Candidate:
    """Email the candidate a new link; every earlier link stops working."""
    with transaction():
        petition, candidate = _own_candidate(organiser, petition_id, candidate_id)
        candidate.link_nonce = new_link_nonce()
        _send_invitation(candidate, petition)
    logger.info("candidate link renewed", extra={"petition_id": petition_id, "candidate_id": candidate_id})
    return candidate


def remove_candidate(organiser: Organiser, petition_id: int, candidate_id: int) -> None:
    """Take the candidate off the petition's page; their link stops working. Their versions are kept."""
    with transaction():
        _petition, candidate = _own_candidate(organiser, petition_id, candidate_id)
        candidate.removed_at = utcnow()
        candidate.link_nonce = new_link_nonce()
    logger.info("candidate removed", extra={"petition_id": petition_id, "candidate_id": candidate_id})


def candidates_for(petition_id: int) -> list[Candidate]:
    """The petition's candidates (not removed), with every version of their statements."""
    query = (
        select(Candidate)
        .where(Candidate.petition_id == petition_id, Candidate.removed_at.is_(None))
        .options(selectinload(Candidate.statements))
        .order_by(func.lower(Candidate.name), Candidate.id)
    )
    return list(db.session.scalars(query))


def candidate_for_link(token: str, *, for_update: bool = False) -> Candidate:
    max_age = 86_400 * current_app.config["CANDIDATE_LINK_DAYS"]
    payload = read_token(TokenPurpose.CANDIDATE_RESPONSE, token, max_age_seconds=max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int) or not isinstance(payload.get("n"), str):
        raise TokenInvalid(_("The link is incomplete or has been changed. Copy the whole link from your email."))
    query = select(Candidate).where(Candidate.id == payload["c"]).options(selectinload(Candidate.statements))
    candidate = db.session.scalar(query.with_for_update(of=Candidate) if for_update else query)
    if candidate is None or candidate.removed_at is not None or candidate.link_nonce != payload["n"]:
        raise TokenInvalid(_("This link has been replaced or withdrawn. Ask the organisers for a new one."))
    return candidate


@dataclass(frozen=True)
class Published:
    statement: CandidateStatement
    changed: bool  # False when it repeated the latest version word for word (a double click, say)


def publish_statement(
    token: str, position: str, statement: str, pledge: str, *, now: datetime | None = None
) -> Published:
    errors: dict[str, str] = {}
    if position not in {p.value for p in Position}:
        errors["position"] = _("Choose whether you support or oppose the petition, or are undecided")
    statement, pledge = clean_block(statement), clean_block(pledge)
    if not statement:
        errors["statement"] = _("Enter your statement")
    elif len(statement) > STATEMENT_MAX:
        errors["statement"] = _("The statement must be %(max)s characters or fewer", max=f"{STATEMENT_MAX:,}")
    if len(pledge) > PLEDGE_MAX:
        errors["pledge"] = _("The pledge must be %(max)s characters or fewer", max=f"{PLEDGE_MAX:,}")
    if errors:
        raise ValidationFailed(errors)
    with transaction():
        candidate = candidate_for_link(token, for_update=True)
        latest = candidate.latest
        if latest is not None and (latest.position, latest.statement, latest.pledge) == (position, statement, pledge):
            return Published(latest, changed=False)
        version = CandidateStatement(candidate_id=candidate.id, version=(latest.version if latest else 0) + 1,
                                     position=position, statement=statement, pledge=pledge,
                                     published_at=now or utcnow())  # fmt: skip
        db.session.add(version)
    logger.info("candidate statement published", extra={"candidate_id": candidate.id, "version": version.version})
    return Published(version, changed=True)
