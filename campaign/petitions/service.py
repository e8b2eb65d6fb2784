"""Petition rules: creating, editing, opening, closing, archiving, hiding."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Organiser
from campaign.db import transaction, utcnow
from campaign.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.i18n import lazy_gettext as _l
from campaign.lifecycle import back_to_draft, close_due, close_now, open_now, persist_date_closure
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
from campaign.slugs import RESERVED_SLUGS, unique_slug
from campaign.text import SLUG_MAX_LENGTH, SLUG_PATTERN, clean_block, clean_line, has_visible_text

logger = logging.getLogger(__name__)


class PetitionGone(DomainError):
    status_code = 410
    title = _l("This petition has been taken down")


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


# What an organiser may do next, by public status. Views show only these actions and
# every transition below checks the same table.
ALLOWED_CHANGES: dict[PublicStatus, frozenset[str]] = {
    PublicStatus.DRAFT: frozenset({"edit", "open"}),
    PublicStatus.SCHEDULED: frozenset({"edit", "unschedule"}),
    PublicStatus.OPEN: frozenset({"edit", "close", "hide"}),
    PublicStatus.CLOSED: frozenset({"archive", "hide"}),
    PublicStatus.ARCHIVED: frozenset({"hide"}),
    PublicStatus.HIDDEN: frozenset({"restore"}),
}

ALLOWED_CHANGES_MESSAGES = {
    "edit": "A closed, archived or taken-down petition cannot be edited.",
    "open": "Only a draft petition can be opened.",
    "unschedule": "Only a petition waiting for its opening date can go back to draft.",
    "close": "Only an open petition can be closed.",
    "archive": "Only a closed petition can be archived.",
    "hide": "Only a published petition can be taken down.",
    "restore": "Only a petition that was taken down can be restored.",
}


def allowed_changes(petition: Petition, now: datetime) -> frozenset[str]:
    return ALLOWED_CHANGES[petition.public_status(now)]


def require_change(petition: Petition, change: str, now: datetime) -> None:
    """Raise InvalidTransition, with a reason a person understands, unless ``change`` is allowed now."""
    if change not in allowed_changes(petition, now):
        raise InvalidTransition(ALLOWED_CHANGES_MESSAGES[change])


@dataclass(frozen=True)
class Dashboard:
    petitions: list[tuple[Petition, PublicStatus]]
    counts: dict[PublicStatus, int]
    total: int


def dashboard(organiser: Organiser, status: str, now: datetime) -> Dashboard:
    """The console's list: the organiser's petitions with their status, filtered by one status."""
    rows = [(petition, petition.public_status(now)) for petition in petitions_for_organiser(organiser)]
    counts: dict[PublicStatus, int] = {}
    for _petition, petition_status in rows:
        counts[petition_status] = counts.get(petition_status, 0) + 1
    shown = [(petition, s) for petition, s in rows if not status or s.value == status]
    return Dashboard(petitions=shown, counts=counts, total=len(rows))


def _currently_open(now: datetime) -> ColumnElement[bool]:
    return and_(
        Petition.state == PetitionState.OPEN.value,
        or_(Petition.opens_at.is_(None), Petition.opens_at <= now),
        or_(Petition.closes_at.is_(None), Petition.closes_at > now),
    )


def open_petitions(now: datetime, *, page: int = 1, per_page: int = 20) -> tuple[list[Petition], int, int]:
    """One page of open petitions, most signed first; the total, and the page actually shown."""
    total = db.session.scalar(select(func.count()).select_from(Petition).where(_currently_open(now))) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))  # out-of-range pages show the nearest real one
    query = (
        select(Petition)
        .where(_currently_open(now))
        .order_by(Petition.signature_count.desc(), Petition.opened_at.desc(), Petition.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(db.session.scalars(query)), total, page


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
        raise NotFound(_("There is no petition at this address. Check the link, or look at the open petitions."))
    status = petition.public_status(now)
    if status == PublicStatus.HIDDEN:
        raise PetitionGone(_("This petition has been taken down and is no longer available."))
    if not petition.is_publicly_visible(now):
        raise NotFound(_("There is no petition at this address. Check the link, or look at the open petitions."))
    return petition


# --- Validation --------------------------------------------------------------------

# Dates further out than this are almost certainly typing mistakes.
LONGEST_RUN = timedelta(days=2 * 365)
LATEST_OPENING = timedelta(days=365)


def _check_text(errors: dict[str, str], field: str, value: str, name: str, missing: str, maximum: int) -> None:
    if not has_visible_text(value):
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
    return unique_slug(title, lambda slug: _slug_taken(slug, petition_id), fallback="petition")


def _check_dates(errors: dict[str, str], draft: PetitionDraft, petition: Petition | None, now: datetime) -> None:
    opens_at, closes_at = draft.opens_at, draft.closes_at
    unchanged_opening = petition is not None and opens_at == petition.opens_at
    unchanged_closing = petition is not None and closes_at == petition.closes_at
    if opens_at and not unchanged_opening and opens_at > now + LATEST_OPENING:
        errors["opens_at"] = "Opening date must be within a year from now"
    if not closes_at:
        return
    if opens_at and closes_at <= opens_at:
        errors["closes_at"] = "Closing date must be after the opening date"
    elif closes_at <= now and not unchanged_closing:
        errors["closes_at"] = "Closing date must be in the future"
    elif closes_at > max(opens_at or now, now) + LONGEST_RUN and not unchanged_closing:
        errors["closes_at"] = "Closing date must be within two years of opening"


def _validate(draft: PetitionDraft, petition: Petition | None, now: datetime, *, wording_included: bool = True) -> None:
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
    _check_dates(errors, draft, petition, now)
    if petition is not None and petition.wording_locked(now):
        if wording_included:
            # Compared after cleaning both sides, so text saved by any route compares equal to itself.
            current = _clean_draft(
                PetitionDraft(
                    petition.title, petition.summary, petition.body_markdown, petition.target, slug=petition.slug
                )
            )
            for field in ("title", "summary", "body", "slug"):
                if getattr(draft, field) != getattr(current, field):
                    errors[field] = _("This cannot change now the petition is open: people have signed this wording")
        if draft.opens_at != petition.opens_at:
            errors["opens_at"] = "The opening date cannot change once the petition has opened"
    if errors:
        raise ValidationFailed(errors)


def draft_problems(
    organiser: Organiser,
    draft: PetitionDraft,
    petition_id: int | None = None,
    *,
    wording_included: bool = True,
    now: datetime | None = None,
) -> dict[str, str]:
    """Every rule a draft breaks, by field, without saving anything (for showing all errors at once)."""
    petition = get_for_organiser(organiser, petition_id) if petition_id is not None else None
    try:
        _validate(_clean_draft(draft), petition, now or utcnow(), wording_included=wording_included)
    except ValidationFailed as error:
        return error.errors
    return {}


# --- Changes -----------------------------------------------------------------------


def _submission_key(organiser: Organiser, submission_id: str, draft: PetitionDraft) -> str:
    """One filled-in form with one content: sending it again is a duplicate, changing it is not."""
    content = "\x1f".join(
        str(part)
        for part in (organiser.organisation_id, submission_id, draft.title, draft.summary, draft.body,
                     draft.target, draft.opens_at, draft.closes_at, draft.slug)
    )  # fmt: skip
    return hashlib.sha256(content.encode()).hexdigest()


def _petition_by_submission(key: str) -> Petition | None:
    return db.session.scalar(select(Petition).where(Petition.submission_id == key))


def create_petition(
    organiser: Organiser, draft: PetitionDraft, *, submission_id: str | None = None, now: datetime | None = None
) -> Petition:
    """Create a draft petition for the organiser's organisation.

    ``submission_id`` identifies one filled-in form: sending the same form twice (a double
    click, a resubmitted tab) returns the petition the first send created.
    """
    now = now or utcnow()
    draft = _clean_draft(draft)
    key = _submission_key(organiser, submission_id, draft) if submission_id else None
    if key and (existing := _petition_by_submission(key)) is not None:
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
                submission_id=key,
            )
            db.session.add(petition)
    except IntegrityError:
        # Either the same form arrived twice at once, or another petition took the slug.
        if key and (existing := _petition_by_submission(key)) is not None:
            return existing
        raise ValidationFailed({"slug": "Another petition already uses that web address; choose another"}) from None
    logger.info("petition created", extra={"petition_id": petition.id, "organiser_id": organiser.id})
    return petition


def update_petition(
    organiser: Organiser,
    petition_id: int,
    draft: PetitionDraft,
    *,
    wording_included: bool = True,
    now: datetime | None = None,
) -> Petition:
    """Save changes; once a petition is public only its target and closing date may change.

    Without ``wording_included`` (the form offered only the dates) the wording is kept.
    """
    now = now or utcnow()
    draft = _clean_draft(draft)
    try:
        with transaction():
            petition = get_for_organiser(organiser, petition_id, for_update=True)
            require_change(petition, "edit", now)
            _validate(draft, petition, now, wording_included=wording_included)
            if not petition.wording_locked(now) and wording_included:
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


def _changing(organiser: Organiser, petition_id: int, change: str, now: datetime) -> Petition:
    """Lock the petition for a state change that must be allowed now, recording any closure by date first."""
    petition = get_for_organiser(organiser, petition_id, for_update=True)
    require_change(petition, change, now)
    persist_date_closure(petition, now)
    return petition


def _log_change(change: str, petition_id: int, organiser: Organiser) -> None:
    logger.info("petition %s", change, extra={"petition_id": petition_id, "organiser_id": organiser.id})


def open_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Open a draft: at once, or on its opening date if that is still ahead."""
    now = now or utcnow()
    with transaction():
        petition = _changing(organiser, petition_id, "open", now)
        open_now(petition, now)
    _log_change("opened", petition_id, organiser)
    return petition


def unschedule_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Take a petition waiting for its opening date back to draft; nobody has seen it yet."""
    now = now or utcnow()
    with transaction():
        petition = _changing(organiser, petition_id, "unschedule", now)
        back_to_draft(petition)
    _log_change("unscheduled", petition_id, organiser)
    return petition


def close_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Close an open petition now; it stops accepting signatures."""
    now = now or utcnow()
    with transaction():
        petition = _changing(organiser, petition_id, "close", now)
        close_now(petition, now)
    _log_change("closed", petition_id, organiser)
    return petition


def archive_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Archive a closed petition: it stays readable but leaves the lists."""
    now = now or utcnow()
    with transaction():
        petition = _changing(organiser, petition_id, "archive", now)
        petition.state = PetitionState.ARCHIVED.value
    _log_change("archived", petition_id, organiser)
    return petition


def hide_petition(organiser: Organiser, petition_id: int, reason: str, *, now: datetime | None = None) -> Petition:
    """Take a published petition down, recording why; it can be restored later."""
    now = now or utcnow()
    reason = clean_block(reason)
    if not has_visible_text(reason):
        raise ValidationFailed({"reason": "Enter the reason for taking the petition down"})
    if len(reason) > HIDDEN_REASON_MAX:
        raise ValidationFailed({"reason": f"The reason must be {HIDDEN_REASON_MAX:,} characters or fewer"})
    with transaction():
        petition = _changing(organiser, petition_id, "hide", now)
        petition.state_before_hidden = petition.state
        petition.state = PetitionState.HIDDEN.value
        petition.hidden_reason = reason
    _log_change("hidden", petition_id, organiser)
    return petition


def restore_petition(organiser: Organiser, petition_id: int, *, now: datetime | None = None) -> Petition:
    """Put a taken-down petition back in the state it was in."""
    now = now or utcnow()
    with transaction():
        petition = _changing(organiser, petition_id, "restore", now)
        petition.state = petition.state_before_hidden or PetitionState.CLOSED.value
        petition.state_before_hidden = None
        petition.hidden_reason = None
        persist_date_closure(petition, now)
    _log_change("restored", petition_id, organiser)
    return petition


def close_due_petitions(now: datetime | None = None) -> int:
    """Record the closure of open petitions whose closing date has passed.

    Pages already treat them as closed from the exact closing time; this makes the
    stored state agree, so it is safe to run from any number of workers.
    """
    now = now or utcnow()
    with transaction():
        closed = close_due(Petition, now)
    if closed:
        logger.info("closed %d petitions whose closing date passed", closed)
    return closed
