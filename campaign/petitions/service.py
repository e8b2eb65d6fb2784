"""Petition rules: creating, editing, opening, closing, archiving, hiding."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Organiser
from campaign.db import transaction, utcnow
from campaign.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.markup import render_markdown
from campaign.petitions.models import (
    BODY_MAX,
    HIDDEN_REASON_MAX,
    SUMMARY_MAX,
    TARGET_MAX,
    TITLE_MAX,
    Petition,
    PetitionState,
    PublicStatus,
)
from campaign.text import SLUG_MAX_LENGTH, SLUG_PATTERN, clean_block, clean_line, slugify

logger = logging.getLogger(__name__)

# Paths under /petitions/ that a slug must never shadow.
RESERVED_SLUGS = frozenset({"new", "edit", "search", "api", "embed", "admin", "console"})


class PetitionGone(DomainError):
    status_code = 410
    title = "This petition has been taken down"


@dataclass(frozen=True)
class PetitionDraft:
    """What an organiser submits when creating or editing a petition."""

    title: str
    summary: str
    body: str
    target: int
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    slug: str | None = None  # None or empty: made from the title


# --- Queries ---------------------------------------------------------------------


def _visible_to(organiser: Organiser) -> ColumnElement[bool]:
    if organiser.is_admin:
        return Petition.id.is_not(None)
    return Petition.organisation_id == organiser.organisation_id


def petitions_for_organiser(organiser: Organiser) -> list[Petition]:
    """The petitions an organiser may manage, newest first (admins see all)."""
    query = select(Petition).where(_visible_to(organiser)).order_by(Petition.created_at.desc(), Petition.id.desc())
    return list(db.session.scalars(query))


def get_for_organiser(organiser: Organiser, petition_id: int, *, for_update: bool = False) -> Petition:
    """A petition the organiser may manage; others' petitions are 'not found', not 'forbidden'."""
    query = select(Petition).where(Petition.id == petition_id, _visible_to(organiser))
    if for_update:
        query = query.with_for_update(of=Petition)
    petition = db.session.scalar(query)
    if petition is None:
        raise NotFound("There is no petition with that number, or it belongs to another organisation.")
    return petition


def _currently_open(now: datetime) -> ColumnElement[bool]:
    return and_(
        Petition.state == PetitionState.OPEN.value,
        or_(Petition.opens_at.is_(None), Petition.opens_at <= now),
        or_(Petition.closes_at.is_(None), Petition.closes_at > now),
    )


def open_petitions(now: datetime, *, page: int = 1, per_page: int = 20) -> tuple[list[Petition], int]:
    """Open petitions, most signed first, and how many there are in all."""
    total = db.session.scalar(select(func.count()).select_from(Petition).where(_currently_open(now))) or 0
    query = (
        select(Petition)
        .where(_currently_open(now))
        .order_by(Petition.signature_count.desc(), Petition.opened_at.desc(), Petition.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(db.session.scalars(query)), total


def recently_closed_petitions(now: datetime, *, limit: int = 5) -> list[Petition]:
    closed_by_date = and_(Petition.state == PetitionState.OPEN.value, Petition.closes_at <= now)
    query = (
        select(Petition)
        .where(or_(Petition.state == PetitionState.CLOSED.value, closed_by_date))
        .order_by(func.coalesce(Petition.closed_at, Petition.closes_at).desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def get_public_petition(slug: str, now: datetime) -> Petition:
    """The petition behind a public URL: drafts and scheduled ones do not exist yet."""
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        raise NotFound("There is no petition at this address. Check the link, or look at the open petitions.")
    status = petition.public_status(now)
    if status == PublicStatus.HIDDEN:
        raise PetitionGone("This petition has been taken down and is no longer available.")
    if not petition.is_publicly_visible(now):
        raise NotFound("There is no petition at this address. Check the link, or look at the open petitions.")
    return petition


# --- Validation --------------------------------------------------------------------


def _check_text(errors: dict[str, str], field: str, value: str, name: str, missing: str, maximum: int) -> None:
    if not value:
        errors[field] = missing
    elif len(value) > maximum:
        errors[field] = f"{name} must be {maximum:,} characters or fewer (it is {len(value):,})"


def _clean_draft(draft: PetitionDraft) -> PetitionDraft:
    return PetitionDraft(
        title=clean_line(draft.title),
        summary=clean_line(draft.summary),
        body=clean_block(draft.body),
        target=draft.target,
        opens_at=draft.opens_at,
        closes_at=draft.closes_at,
        slug=clean_line(draft.slug).lower() if draft.slug else None,
    )


def _slug_taken(slug: str, petition_id: int | None) -> bool:
    query = select(Petition.id).where(Petition.slug == slug)
    if petition_id is not None:
        query = query.where(Petition.id != petition_id)
    return db.session.scalar(query) is not None


def _unique_slug_from_title(title: str, petition_id: int | None) -> str:
    base = slugify(title) or "petition"
    if base in RESERVED_SLUGS:
        base = f"{base}-petition"
    candidate, number = base, 2
    while _slug_taken(candidate, petition_id):
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        number += 1
    return candidate


def draft_problems(
    organiser: Organiser, draft: PetitionDraft, petition_id: int | None = None, *, now: datetime | None = None
) -> dict[str, str]:
    """Every rule a draft breaks, by field, without saving anything (for showing all errors at once)."""
    petition = get_for_organiser(organiser, petition_id) if petition_id is not None else None
    try:
        _validate(_clean_draft(draft), petition, now or utcnow())
    except ValidationFailed as error:
        return error.errors
    return {}


def _validate(draft: PetitionDraft, petition: Petition | None, now: datetime) -> None:
    errors: dict[str, str] = {}
    _check_text(errors, "title", draft.title, "Title", "Enter a title", TITLE_MAX)
    _check_text(errors, "summary", draft.summary, "Summary", "Enter a summary", SUMMARY_MAX)
    _check_text(errors, "body", draft.body, "The text", "Enter the text of the petition", BODY_MAX)
    if not 1 <= draft.target <= TARGET_MAX:
        errors["target"] = f"Target must be between 1 and {TARGET_MAX:,}"
    if draft.slug:
        if len(draft.slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.match(draft.slug):
            errors["slug"] = (
                f"Use only lower-case letters, numbers and single hyphens, up to {SLUG_MAX_LENGTH} characters"
            )
        elif draft.slug in RESERVED_SLUGS:
            errors["slug"] = "That web address is reserved; choose another"
        elif _slug_taken(draft.slug, petition.id if petition else None):
            errors["slug"] = "Another petition already uses that web address; choose another"
    if draft.opens_at and draft.closes_at and draft.closes_at <= draft.opens_at:
        errors["closes_at"] = "Closing date must be after the opening date"
    elif draft.closes_at and draft.closes_at <= now and (petition is None or draft.closes_at != petition.closes_at):
        errors["closes_at"] = "Closing date must be in the future"
    if petition is not None and petition.wording_locked:
        locked = {
            "title": petition.title,
            "summary": petition.summary,
            "body": petition.body_markdown,
            "slug": petition.slug,
        }
        for field, current in locked.items():
            value = getattr(draft, field)
            if value is not None and value != current and field not in errors:
                errors[field] = "This cannot change once the petition has opened: people have signed this wording"
        if draft.opens_at != petition.opens_at and petition.public_status(now) != PublicStatus.SCHEDULED:
            errors["opens_at"] = "The opening date cannot change once the petition has opened"
    if errors:
        raise ValidationFailed(errors)


# --- Changes -----------------------------------------------------------------------


def create_petition(
    organiser: Organiser, draft: PetitionDraft, *, submission_id: str | None = None, now: datetime | None = None
) -> Petition:
    """Create a draft petition for the organiser's organisation.

    ``submission_id`` identifies one filled-in form: sending it twice (a double click,
    a resubmitted tab) returns the petition the first send created.
    """
    now = now or utcnow()
    draft = _clean_draft(draft)
    if submission_id:
        existing = db.session.scalar(select(Petition).where(Petition.submission_id == submission_id))
        if existing is not None and existing.organisation_id == organiser.organisation_id:
            return existing
    _validate(draft, None, now)
    try:
        with transaction():
            petition = Petition(
                organisation_id=organiser.organisation_id,
                created_by_id=organiser.id,
                slug=draft.slug or _unique_slug_from_title(draft.title, None),
                title=draft.title,
                summary=draft.summary,
                body_markdown=draft.body,
                body_html=render_markdown(draft.body),
                target=draft.target,
                opens_at=draft.opens_at,
                closes_at=draft.closes_at,
                state=PetitionState.DRAFT.value,
                submission_id=submission_id or None,
            )
            db.session.add(petition)
    except IntegrityError:
        # Either the same form arrived twice at once, or another petition took the slug.
        if submission_id:
            existing = db.session.scalar(select(Petition).where(Petition.submission_id == submission_id))
            if existing is not None:
                return existing
        raise ValidationFailed({"slug": "Another petition already uses that web address; choose another"}) from None
    logger.info("petition created", extra={"petition_id": petition.id, "organiser_id": organiser.id})
    return petition


def update_petition(
    organiser: Organiser, petition_id: int, draft: PetitionDraft, *, now: datetime | None = None
) -> Petition:
    """Save changes; once open only the target and dates may change."""
    now = now or utcnow()
    draft = _clean_draft(draft)
    try:
        with transaction():
            petition = get_for_organiser(organiser, petition_id, for_update=True)
            if petition.public_status(now) not in {PublicStatus.DRAFT, PublicStatus.SCHEDULED, PublicStatus.OPEN}:
                raise InvalidTransition("A closed, archived or hidden petition cannot be edited.")
            _validate(draft, petition, now)
            if not petition.wording_locked:
                petition.title = draft.title
                petition.summary = draft.summary
                petition.body_markdown = draft.body
                petition.body_html = render_markdown(draft.body)
                petition.slug = draft.slug or _unique_slug_from_title(draft.title, petition.id)
            petition.target = draft.target
            petition.opens_at = draft.opens_at
            petition.closes_at = draft.closes_at
    except IntegrityError:
        raise ValidationFailed({"slug": "Another petition already uses that web address; choose another"}) from None
    logger.info("petition updated", extra={"petition_id": petition_id, "organiser_id": organiser.id})
    return petition


def _persist_date_closure(petition: Petition, now: datetime) -> None:
    if petition.state == PetitionState.OPEN and petition.closes_at is not None and petition.closes_at <= now:
        petition.state = PetitionState.CLOSED.value
        petition.closed_at = petition.closes_at


def open_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Open a draft: at once, or on its opening date if that is still ahead."""
    now = now or utcnow()
    with transaction():
        petition = get_for_organiser(organiser, petition_id, for_update=True)
        if petition.state != PetitionState.DRAFT:
            raise InvalidTransition("Only a draft petition can be opened.")
        if petition.closes_at is not None and petition.closes_at <= now:
            raise ValidationFailed({"closes_at": "The closing date has passed; set a later one before opening"})
        petition.state = PetitionState.OPEN.value
        petition.opened_at = now
    logger.info("petition opened", extra={"petition_id": petition_id, "organiser_id": organiser.id})
    return petition


def close_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Close an open (or scheduled) petition now; it stops accepting signatures."""
    now = now or utcnow()
    with transaction():
        petition = get_for_organiser(organiser, petition_id, for_update=True)
        _persist_date_closure(petition, now)
        if petition.state != PetitionState.OPEN:
            raise InvalidTransition("Only an open petition can be closed.")
        petition.state = PetitionState.CLOSED.value
        petition.closed_at = now
    logger.info("petition closed", extra={"petition_id": petition_id, "organiser_id": organiser.id})
    return petition


def archive_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Archive a closed petition: it stays readable but leaves the lists."""
    now = now or utcnow()
    with transaction():
        petition = get_for_organiser(organiser, petition_id, for_update=True)
        _persist_date_closure(petition, now)
        if petition.state != PetitionState.CLOSED:
            raise InvalidTransition("Only a closed petition can be archived.")
        petition.state = PetitionState.ARCHIVED.value
    logger.info("petition archived", extra={"petition_id": petition_id, "organiser_id": organiser.id})
    return petition


def hide_petition(organiser: Organiser, petition_id: int, reason: str, *, now: datetime | None = None) -> Petition:
    """Take a petition down, recording why; it can be restored later."""
    now = now or utcnow()
    reason = clean_block(reason)
    if not reason:
        raise ValidationFailed({"reason": "Enter the reason for taking the petition down"})
    if len(reason) > HIDDEN_REASON_MAX:
        raise ValidationFailed({"reason": f"The reason must be {HIDDEN_REASON_MAX:,} characters or fewer"})
    with transaction():
        petition = get_for_organiser(organiser, petition_id, for_update=True)
        _persist_date_closure(petition, now)
        if petition.state in {PetitionState.DRAFT, PetitionState.HIDDEN}:
            raise InvalidTransition("Only a published petition can be taken down.")
        petition.state_before_hidden = petition.state
        petition.state = PetitionState.HIDDEN.value
        petition.hidden_reason = reason
    logger.info("petition hidden", extra={"petition_id": petition_id, "organiser_id": organiser.id})
    return petition


def restore_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Put a taken-down petition back in the state it was in."""
    now = now or utcnow()
    with transaction():
        petition = get_for_organiser(organiser, petition_id, for_update=True)
        if petition.state != PetitionState.HIDDEN or petition.state_before_hidden is None:
            raise InvalidTransition("Only a petition that was taken down can be restored.")
        petition.state = petition.state_before_hidden
        petition.state_before_hidden = None
        petition.hidden_reason = None
        _persist_date_closure(petition, now)
    logger.info("petition restored", extra={"petition_id": petition_id, "organiser_id": organiser.id})
    return petition


def close_due_petitions(now: datetime | None = None) -> int:
    """Record the closure of open petitions whose closing date has passed.

    Pages already treat them as closed from the exact closing time; this makes the
    stored state agree, so it is safe to run from any number of workers.
    """
    now = now or utcnow()
    with transaction():
        result = db.session.execute(
            update(Petition)
            .where(Petition.state == PetitionState.OPEN.value, Petition.closes_at <= now)
            .values(state=PetitionState.CLOSED.value, closed_at=Petition.closes_at)
            .execution_options(synchronize_session=False)
        )
    closed = int(getattr(result, "rowcount", 0) or 0)
    if closed:
        logger.info("closed %d petitions whose closing date passed", closed)
    return closed
