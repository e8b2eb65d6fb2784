"""Consultation rules for organisers: creating, describing, opening, closing, versioning."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, exists, func, or_, select

from campaign.accounts.models import Organiser
from campaign.consultations.definition import Definition, load_definition, readiness_problems
from campaign.consultations.documents import definition_json
from campaign.consultations.models import (
    INTRO_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Consultation,
    ConsultationResponse,
    ConsultationState,
    ResponseState,
)
from campaign.db import transaction, utcnow
from campaign.errors import InvalidTransition, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.hotcache import hot_cache, hot_cache_seconds
from campaign.i18n import N_
from campaign.i18n import gettext as _
from campaign.lifecycle import back_to_draft, close_due, close_now, open_now, persist_date_closure
from campaign.markup import render_markdown
from campaign.petitions.models import Petition, PublicStatus, public_status_of
from campaign.slugs import RESERVED_SLUGS, unique_slug
from campaign.text import SLUG_MAX_LENGTH, SLUG_PATTERN, clean_block, clean_line, has_visible_text

logger = logging.getLogger(__name__)

LONGEST_RUN = timedelta(days=2 * 365)
_NO_SUCH_CONSULTATION = N_("There is no consultation at this address. Check the link, or look at the open ones.")

ALLOWED_CHANGES: dict[PublicStatus, frozenset[str]] = {
    PublicStatus.DRAFT: frozenset({"edit", "open"}),
    PublicStatus.SCHEDULED: frozenset({"edit", "unschedule"}),
    PublicStatus.OPEN: frozenset({"edit", "close"}),
    PublicStatus.CLOSED: frozenset({"archive"}),
    PublicStatus.ARCHIVED: frozenset(),
}
ALLOWED_CHANGES_MESSAGES = {
    "edit": N_("A closed or archived consultation cannot be edited."),
    "open": N_("Only a draft consultation can be opened."),
    "unschedule": N_("Only a consultation waiting for its opening date can go back to draft."),
    "close": N_("Only an open consultation can be closed."),
    "archive": N_("Only a closed consultation can be archived."),
}


def allowed_changes(consultation: Consultation, now: datetime) -> frozenset[str]:
    return ALLOWED_CHANGES[consultation.public_status(now)]


def require_change(consultation: Consultation, change: str, now: datetime) -> None:
    if change not in allowed_changes(consultation, now):
        raise InvalidTransition(_(ALLOWED_CHANGES_MESSAGES[change]))


# --- Queries ------------------------------------------------------------------------------------


def _visible_to(organiser: Organiser) -> ColumnElement[bool]:
    if organiser.is_admin:
        return Consultation.id.is_not(None)
    return Consultation.organisation_id == organiser.organisation_id


def consultations_for_organiser(organiser: Organiser) -> list[Consultation]:
    query = select(Consultation).where(_visible_to(organiser)).order_by(Consultation.created_at.desc())
    return list(db.session.scalars(query))


def get_for_organiser(organiser: Organiser, consultation_id: int, *, for_update: bool = False) -> Consultation:
    query = select(Consultation).where(Consultation.id == consultation_id, _visible_to(organiser))
    if for_update:
        query = query.with_for_update(of=Consultation)
    consultation = db.session.scalar(query)
    if consultation is None:
        raise NotFound(_("There is no consultation with that number, or it belongs to another organisation."))
    return consultation


def get_public_consultation(slug: str, now: datetime) -> Consultation:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None or not consultation.is_publicly_visible(now):
        raise NotFound(_(_NO_SUCH_CONSULTATION))
    return consultation


@dataclass(frozen=True)
class AnsweringFacts:
    """What saving a page of answers needs to know about a consultation: cheap to keep a moment."""

    id: int
    slug: str
    state: str
    opens_at: datetime | None
    closes_at: datetime | None
    definition_text: str

    def public_status(self, now: datetime) -> PublicStatus:
        return public_status_of(self.state, self.opens_at, self.closes_at, now)

    @property
    def definition(self) -> Definition:
        return load_definition(self.definition_text)


_ANSWERING_FACTS = select(
    Consultation.id, Consultation.slug, Consultation.state, Consultation.opens_at, Consultation.closes_at,
    Consultation.definition,
).where(Consultation.slug == bindparam("slug"))  # fmt: skip


def answering_facts(slug: str, now: datetime) -> AnsweringFacts:
    """The consultation someone is answering, kept per process for HOT_CACHE_SECONDS.

    A copy a moment old is safe: saving re-checks, inside its transaction, that the consultation
    is still open and its questions are the ones the answers were read against.
    """
    facts = hot_cache("answering-facts").get_or_set(slug, hot_cache_seconds(), lambda: _load_answering_facts(slug))
    assert isinstance(facts, AnsweringFacts)
    if facts.public_status(now) not in {PublicStatus.OPEN, PublicStatus.CLOSED, PublicStatus.ARCHIVED}:
        raise NotFound(_(_NO_SUCH_CONSULTATION))
    return facts


def _load_answering_facts(slug: str) -> AnsweringFacts:
    row = db.session.execute(_ANSWERING_FACTS, {"slug": slug}).one_or_none()
    if row is None:
        raise NotFound(_(_NO_SUCH_CONSULTATION))
    return AnsweringFacts(*row)


def forget_answering_facts(slug: str) -> None:
    hot_cache("answering-facts").discard(slug)


def currently_open(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """Open for answers at ``now`` (a time, or a parameter bound when a prebuilt statement runs)."""
    return and_(
        Consultation.state == ConsultationState.OPEN.value,
        or_(Consultation.opens_at.is_(None), Consultation.opens_at <= now),
        or_(Consultation.closes_at.is_(None), Consultation.closes_at > now),
    )


def open_consultations(now: datetime, *, limit: int = 20) -> list[Consultation]:
    query = select(Consultation).where(currently_open(now)).order_by(Consultation.opened_at.desc()).limit(limit)
    return list(db.session.scalars(query))


def open_consultation_for_petition(petition_id: int, now: datetime) -> Consultation | None:
    """The open consultation linked to a petition, to offer to someone who has just signed it."""
    query = (
        select(Consultation)
        .where(Consultation.petition_id == petition_id, currently_open(now))
        .order_by(Consultation.version.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def has_answers(consultation_id: int) -> bool:
    """Whether anyone has saved an answer: from then on the questionnaire's structure is fixed."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ConsultationResponse.consultation_id == consultation_id,
                    ConsultationResponse.changed_at.is_not(None),
                )
            )
        )
    )


@dataclass(frozen=True)
class ResponseCounts:
    submitted: int
    in_progress: int


def response_counts(consultation_id: int) -> ResponseCounts:
    rows = dict(
        db.session.execute(
            select(ConsultationResponse.state, func.count())
            .where(ConsultationResponse.consultation_id == consultation_id)
            .group_by(ConsultationResponse.state)
        ).all()
    )
    return ResponseCounts(rows.get(ResponseState.SUBMITTED.value, 0), rows.get(ResponseState.DRAFT.value, 0))


def definition_of(consultation: Consultation) -> Definition:
    return load_definition(consultation.definition)


# --- Describing a consultation -------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationDraft:
    title: str
    summary: str
    intro: str = ""
    slug: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    petition_id: int | None = None


def _clean(draft: ConsultationDraft) -> ConsultationDraft:
    return ConsultationDraft(
        title=clean_line(draft.title),
        summary=clean_line(draft.summary),
        intro=clean_block(draft.intro),
        slug=clean_line(draft.slug).lower() if draft.slug else None,
        opens_at=draft.opens_at,
        closes_at=draft.closes_at,
        petition_id=draft.petition_id,
    )


def _slug_taken(slug: str, consultation_id: int | None) -> bool:
    query = select(Consultation.id).where(Consultation.slug == slug)
    if consultation_id is not None:
        query = query.where(Consultation.id != consultation_id)
    return db.session.scalar(query) is not None


def _validate(organiser: Organiser, draft: ConsultationDraft, existing: Consultation | None, now: datetime) -> None:
    errors: dict[str, str] = {}
    for field, value, missing, too_long, maximum in (
        ("title", draft.title, N_("Enter a title"), N_("The title must be %(max)s characters or fewer"), TITLE_MAX),
        ("summary", draft.summary, N_("Enter a summary"), N_("The summary must be %(max)s characters or fewer"),
         SUMMARY_MAX),
    ):  # fmt: skip
        if not has_visible_text(value):
            errors[field] = _(missing)
        elif len(value) > maximum:
            errors[field] = _(too_long, max=f"{maximum:,}")
    if len(draft.intro) > INTRO_MAX:
        errors["intro"] = _("The introduction must be %(max)s characters or fewer", max=f"{INTRO_MAX:,}")
    if draft.slug:
        if len(draft.slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.match(draft.slug):
            errors["slug"] = _("Use only lower-case letters, numbers and single hyphens")
        elif draft.slug in RESERVED_SLUGS:
            errors["slug"] = _("That web address is reserved; choose another")
        elif _slug_taken(draft.slug, existing.id if existing else None):
            errors["slug"] = _("Another consultation already uses that web address; choose another")
        elif existing is not None and draft.slug != existing.slug and existing.state != ConsultationState.DRAFT:
            errors["slug"] = _("The web address cannot change once the consultation has opened")
    if draft.opens_at and draft.closes_at and draft.closes_at <= draft.opens_at:
        errors["closes_at"] = _("Closing date must be after the opening date")
    elif draft.closes_at and draft.closes_at <= now and (existing is None or draft.closes_at != existing.closes_at):
        errors["closes_at"] = _("Closing date must be in the future")
    elif draft.closes_at and draft.closes_at > max(draft.opens_at or now, now) + LONGEST_RUN:
        errors["closes_at"] = _("Closing date must be within two years of opening")
    opened = existing is not None and existing.public_status(now) not in {PublicStatus.DRAFT, PublicStatus.SCHEDULED}
    if opened and existing is not None and draft.opens_at != existing.opens_at:
        errors["opens_at"] = _("The opening date cannot change once the consultation has opened")
    if draft.petition_id is not None:
        petition = db.session.get(Petition, draft.petition_id)
        if petition is None or (not organiser.is_admin and petition.organisation_id != organiser.organisation_id):
            errors["petition_id"] = _("Choose one of your organisation's petitions")
    if errors:
        raise ValidationFailed(errors)


def consultation_problems(
    organiser: Organiser, draft: ConsultationDraft, consultation_id: int | None = None
) -> dict[str, str]:
    """Every rule a description breaks, without saving anything."""
    existing = get_for_organiser(organiser, consultation_id) if consultation_id is not None else None
    try:
        _validate(organiser, _clean(draft), existing, utcnow())
    except ValidationFailed as error:
        return error.errors
    return {}


def create_consultation(organiser: Organiser, draft: ConsultationDraft, *, now: datetime | None = None) -> Consultation:
    """A new draft consultation with an empty questionnaire."""
    now = now or utcnow()
    draft = _clean(draft)
    _validate(organiser, draft, None, now)
    with transaction():
        consultation = Consultation(
            organisation_id=organiser.organisation_id,
            created_by_id=organiser.id,
            petition_id=draft.petition_id,
            slug=draft.slug or unique_slug(draft.title, lambda s: _slug_taken(s, None), fallback="consultation"),
            title=draft.title,
            summary=draft.summary,
            intro_markdown=draft.intro,
            intro_html=render_markdown(draft.intro),
            definition=definition_json(Definition()),
            opens_at=draft.opens_at,
            closes_at=draft.closes_at,
        )
        db.session.add(consultation)
    logger.info("consultation created", extra={"consultation_id": consultation.id, "organiser_id": organiser.id})
    return consultation


def update_consultation(
    organiser: Organiser, consultation_id: int, draft: ConsultationDraft, *, now: datetime | None = None
) -> Consultation:
    """Change the title, introduction, dates, address (while draft) and linked petition."""
    now = now or utcnow()
    draft = _clean(draft)
    with transaction():
        consultation = get_for_organiser(organiser, consultation_id, for_update=True)
        require_change(consultation, "edit", now)
        _validate(organiser, draft, consultation, now)
        consultation.title, consultation.summary = draft.title, draft.summary
        consultation.intro_markdown, consultation.intro_html = draft.intro, render_markdown(draft.intro)
        consultation.slug = draft.slug or consultation.slug
        consultation.opens_at, consultation.closes_at = draft.opens_at, draft.closes_at
        consultation.petition_id = draft.petition_id
    return consultation


# --- Lifecycle ----------------------------------------------------------------------------------


def _changing(organiser: Organiser, consultation_id: int, change: str, now: datetime) -> Consultation:
    consultation = get_for_organiser(organiser, consultation_id, for_update=True)
    require_change(consultation, change, now)
    persist_date_closure(consultation, now)
    return consultation


def open_consultation(organiser: Organiser, consultation_id: int, *, now: datetime | None = None) -> Consultation:
    """Open a complete draft: at once, or on its opening date."""
    now = now or utcnow()
    with transaction():
        consultation = _changing(organiser, consultation_id, "open", now)
        problems = readiness_problems(definition_of(consultation))
        if problems:
            raise InvalidTransition(" ".join(problems))
        open_now(consultation, now)
    logger.info("consultation opened", extra={"consultation_id": consultation_id})
    return consultation


def unschedule_consultation(organiser: Organiser, consultation_id: int, *, now: datetime | None = None) -> Consultation:
    now = now or utcnow()
    with transaction():
        consultation = _changing(organiser, consultation_id, "unschedule", now)
        back_to_draft(consultation)
    return consultation


def close_consultation(organiser: Organiser, consultation_id: int, *, now: datetime | None = None) -> Consultation:
    now = now or utcnow()
    with transaction():
        consultation = _changing(organiser, consultation_id, "close", now)
        close_now(consultation, now)
    logger.info("consultation closed", extra={"consultation_id": consultation_id})
    return consultation


def archive_consultation(organiser: Organiser, consultation_id: int, *, now: datetime | None = None) -> Consultation:
    now = now or utcnow()
    with transaction():
        consultation = _changing(organiser, consultation_id, "archive", now)
        consultation.state = ConsultationState.ARCHIVED.value
    return consultation


def close_due_consultations(now: datetime | None = None) -> int:
    """Record the closure of open consultations whose closing date has passed (idempotent)."""
    with transaction():
        return close_due(Consultation, now or utcnow())


def copy_to_new_version(organiser: Organiser, consultation_id: int, *, now: datetime | None = None) -> Consultation:
    """A new draft with the same questions (same keys and codes, so answers line up across versions)."""
    now = now or utcnow()
    with transaction():
        source = get_for_organiser(organiser, consultation_id)
        version = source.version + 1
        base = source.slug.rsplit("-v", 1)[0] if source.version > 1 else source.slug
        copy = Consultation(
            organisation_id=source.organisation_id,
            created_by_id=organiser.id,
            petition_id=source.petition_id,
            slug=unique_slug(f"{base}-v{version}", lambda s: _slug_taken(s, None), fallback="consultation"),
            title=source.title,
            summary=source.summary,
            intro_markdown=source.intro_markdown,
            intro_html=source.intro_html,
            definition=source.definition,
            version=version,
            previous_version_id=source.id,
        )
        db.session.add(copy)
    logger.info("consultation copied to version %d", version, extra={"consultation_id": consultation_id})
    return copy
