"""Answering a consultation: prove your email, answer page by page, submit with your consent.

A person proves their email the way signers do (an emailed, signed link whose page has a button),
or by having just proved it to sign the linked petition. One response per mailbox per
consultation; they may come back through their link and change it until the consultation closes.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Connection, bindparam, func, select, update

from campaign.consultations.answers import (
    FormData,
    PageResult,
    incomplete_sections,
    read_section,
    visible_questions,
    without_hidden,
)
from campaign.consultations.definition import Definition, Section
from campaign.consultations.models import (
    Consent,
    Consultation,
    ConsultationResponse,
    ResponseState,
    new_response_nonce,
)
from campaign.consultations.service import AnsweringFacts, currently_open, definition_of
from campaign.db import UTCDateTime, transaction, utcnow
from campaign.errors import DomainError, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.i18n import N_
from campaign.i18n import gettext as _
from campaign.i18n import lazy_gettext as _l
from campaign.identity import InvalidEmail, VerifiedIdentity, canonical_email, name_key, normalise_email
from campaign.mail.service import mask_email, queue_email
from campaign.petitions.models import PublicStatus
from campaign.privacy.links import delete_response_url
from campaign.text import clean_line
from campaign.tokens import TokenInvalid, TokenPurpose, make_token, read_token
from campaign.urls import absolute_url

logger = logging.getLogger(__name__)

NAME_MAX = 100
START_FIRST = N_("Start from the consultation's page to answer it.")


class NotAcceptingAnswers(DomainError):
    status_code = 409
    title = _l("This consultation is closed")


@dataclass(frozen=True)
class Respondent:
    """Who is answering in this browser: kept in the session, checked against the database."""

    response_id: int
    nonce: str

    def to_session(self) -> str:
        return f"{self.response_id}.{self.nonce}"

    @classmethod
    def from_session(cls, value: object) -> Respondent | None:
        if not isinstance(value, str):
            return None
        response_id, _, nonce = value.partition(".")
        return cls(int(response_id), nonce) if response_id.isdigit() and nonce else None


class StartOutcome(enum.StrEnum):
    LINK_SENT = "link-sent"
    NOTHING_SENT = "nothing-sent"  # a mail cap held it back
    VERIFIED = "verified"  # proved a moment ago: straight to the questions


def accepts_answers(consultation: Consultation | AnsweringFacts, now: datetime) -> bool:
    return consultation.public_status(now) == PublicStatus.OPEN


def _require_open(consultation: Consultation | AnsweringFacts, now: datetime) -> None:
    if not accepts_answers(consultation, now):
        raise NotAcceptingAnswers(_("This consultation is closed, so answers can no longer be given or changed."))


def check_start(name: str, email: str) -> tuple[tuple[str, str, str] | None, dict[str, str]]:
    """(name, address, canonical address), or the problems with what was typed."""
    errors: dict[str, str] = {}
    name = clean_line(name)
    if not name_key(name):
        errors["name"] = _("Enter your name")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Name must be %(max)s characters or fewer", max=NAME_MAX)
    try:
        address = normalise_email(clean_line(email))
    except InvalidEmail:
        errors["email"] = _("Enter an email address in the correct format, like name@example.org")
        address = ""
    if errors:
        return None, errors
    return (name, address, canonical_email(address, normalised=True)), {}


def _link(response: ConsultationResponse) -> str:
    token = make_token(TokenPurpose.RESPOND_TO_CONSULTATION, {"r": response.id, "n": response.nonce})
    return absolute_url("consultations.respond", token=token)


def start_response(
    consultation: Consultation, name: str, email: str, *, identity: VerifiedIdentity | None = None,
    now: datetime | None = None,
) -> tuple[StartOutcome, Respondent | None]:  # fmt: skip
    """Begin (or come back to) a response: email a link, or go straight in for a verified identity.

    What the person is told is the same whether or not the address has answered before.
    """
    now = now or utcnow()
    checked, errors = check_start(name, email)
    if checked is None:
        raise ValidationFailed(errors)
    clean_name, address, canonical = checked
    verified = identity is not None and identity.matches(address)
    with transaction():
        consultation = db.session.get_one(Consultation, consultation.id)
        _require_open(consultation, now)
        response = db.session.scalar(
            select(ConsultationResponse)
            .where(ConsultationResponse.consultation_id == consultation.id,
                   ConsultationResponse.canonical_email == canonical)
            .with_for_update(of=ConsultationResponse)
        )  # fmt: skip
        if response is None:
            response = ConsultationResponse(
                consultation_id=consultation.id,
                name=clean_name,
                email=address,
                canonical_email=canonical,
                nonce=new_response_nonce(),
                created_at=now,
            )
            db.session.add(response)
            db.session.flush()
        if verified:
            response.verified_at = response.verified_at or now
            return StartOutcome.VERIFIED, Respondent(response.id, response.nonce)
        interval = timedelta(seconds=current_app.config["RESEND_MIN_INTERVAL_SECONDS"])
        if response.emails_sent >= current_app.config["SIGNATURE_EMAIL_CAP"] or (
            response.last_emailed_at is not None and now - response.last_emailed_at < interval
        ):
            return StartOutcome.NOTHING_SENT, None
        queue_email(
            "respond_link",
            address,
            {"consultation_title": consultation.title, "name": response.name, "link": _link(response),
             "submitted": response.state == ResponseState.SUBMITTED, "closes": consultation.closes_at is not None,
             "delete_url": delete_response_url(response.id, response.nonce)},
            response_id=response.id,
        )  # fmt: skip
        response.emails_sent += 1
        response.last_emailed_at = now
    logger.info("consultation link sent", extra={"consultation_id": consultation.id, "email": mask_email(address)})
    return StartOutcome.LINK_SENT, None


# --- The emailed link ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkDetails:
    response_id: int
    consultation: Consultation
    name: str
    submitted: bool


def _response_for_token(token: str) -> ConsultationResponse:
    max_age = 86_400 * current_app.config["RESPONSE_LINK_DAYS"]
    payload = read_token(TokenPurpose.RESPOND_TO_CONSULTATION, token, max_age_seconds=max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int) or not isinstance(payload.get("n"), str):
        raise TokenInvalid(_("The link is incomplete or has been changed. Copy the whole link from your email."))
    response = db.session.get(ConsultationResponse, payload["r"])
    if response is None or response.nonce != payload["n"]:
        raise TokenInvalid(_("This link no longer matches a response. It may have been deleted."))
    return response


def describe_link(token: str) -> LinkDetails:
    """What a link is for, without changing anything (mail scanners follow every link)."""
    response = _response_for_token(token)
    return LinkDetails(response.id, response.consultation, response.name, response.state == ResponseState.SUBMITTED)


@dataclass(frozen=True)
class FollowedLink:
    """A link just followed: who may now answer, and where they carry on from."""

    respondent: Respondent
    identity: VerifiedIdentity
    consultation_id: int
    slug: str
    definition: Definition
    working: Working
    submitted: bool


def follow_link(token: str, *, now: datetime | None = None) -> FollowedLink:
    """The button on the link's page: the mailbox is proved; this browser may answer."""
    now = now or utcnow()
    with transaction():
        response = _response_for_token(token)
        consultation = response.consultation
        _require_open(consultation, now)
        response.verified_at = response.verified_at or now
        followed = FollowedLink(
            Respondent(response.id, response.nonce),
            VerifiedIdentity(response.email, response.name, response.postcode, now),
            consultation.id,
            consultation.slug,
            definition_of(consultation),
            Working.load(response.working),
            response.state == ResponseState.SUBMITTED,
        )
    return followed


# --- Answering ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Working:
    """A response's answers in progress."""

    answers: dict[str, Any]
    other: dict[str, str]

    @classmethod
    def load(cls, stored: str | None) -> Working:
        data = json.loads(stored or "{}")
        return cls(dict(data.get("answers", {})), dict(data.get("other", {})))

    def dump(self) -> str:
        return json.dumps({"answers": self.answers, "other": self.other}, ensure_ascii=False, separators=(",", ":"))


def response_of(consultation: Consultation, respondent: Respondent | None) -> ConsultationResponse | None:
    """The verified response this browser may work on, if any."""
    if respondent is None:
        return None
    response = db.session.get(ConsultationResponse, respondent.response_id)
    if (
        response is None
        or response.consultation_id != consultation.id
        or response.nonce != respondent.nonce
        or response.verified_at is None
    ):
        return None
    return response


def pages(definition: Definition, working: Working) -> list[Section]:
    """The sections this person is shown, given their answers so far."""
    keys = {section.key for section, _ in visible_questions(definition, working.answers)}
    return [section for section in definition.sections if section.key in keys]


class NotStarted(NotFound):
    """This browser has no verified response to this consultation (or it was replaced)."""


class PageNotShown(NotFound):
    """The page is not one this person is shown (given their answers), or not a page at all."""


class QuestionsChanged(DomainError):
    status_code = 409
    title = _l("The questions changed")


# Both re-checked inside the write: the page may have been read a moment before an organiser
# closed the consultation or changed its questions, and nothing may be kept against either.
# FOR KEY SHARE (the lock a foreign key check takes, shared by every concurrent save) holds off
# the organiser's FOR UPDATE until this save commits, so their check for existing answers sees
# it before the questions' structure can change. SQLite runs writes one at a time anyway.
_STILL_ANSWERABLE = (
    select(Consultation.id)
    .where(
        Consultation.id == bindparam("consultation"),
        currently_open(bindparam("now", type_=UTCDateTime)),
        Consultation.definition == bindparam("definition"),
    )
    .with_for_update(read=True, key_share=True)
)
_WORKING_FOR_UPDATE = (
    select(ConsultationResponse.working)
    .where(
        ConsultationResponse.id == bindparam("response"),
        ConsultationResponse.consultation_id == bindparam("consultation"),
        ConsultationResponse.nonce == bindparam("nonce"),
        ConsultationResponse.verified_at.is_not(None),
    )
    .with_for_update()
)
_SAVE_WORKING = (
    update(ConsultationResponse)
    .where(ConsultationResponse.id == bindparam("response"))
    .values(working=bindparam("working_"), changed_at=bindparam("changed_at_"))
)


def _require_answerable(connection: Connection, consultation: AnsweringFacts, now: datetime) -> None:
    answerable = connection.execute(
        _STILL_ANSWERABLE, {"consultation": consultation.id, "now": now, "definition": consultation.definition_text}
    ).scalar()
    if answerable is None:
        _require_open(db.session.get_one(Consultation, consultation.id), now)
        raise QuestionsChanged(_("The questions changed while you were answering. Check your answers and continue."))


def save_page(
    consultation: AnsweringFacts, respondent: Respondent | None, section_key: str, form: FormData, *,
    require: bool, now: datetime | None = None,
) -> tuple[PageResult, Working | None]:  # fmt: skip
    """Read one page and, if it has no problems, keep its answers (nothing is kept otherwise).

    Returns what was read and, when kept, the answers now in progress. Raises NotStarted,
    PageNotShown, NotAcceptingAnswers or QuestionsChanged when nothing can be read at all.
    """
    now = now or utcnow()
    _require_open(consultation, now)
    definition = consultation.definition
    section = definition.section(section_key)
    if section is None:
        raise PageNotShown(_("That page is not part of this consultation."))
    if respondent is None:
        raise NotStarted(_(START_FIRST))
    with transaction():
        connection = db.session.connection()
        _require_answerable(connection, consultation, now)
        stored = connection.execute(
            _WORKING_FOR_UPDATE,
            {"response": respondent.response_id, "consultation": consultation.id, "nonce": respondent.nonce},
        ).scalar()
        if stored is None:
            raise NotStarted(_(START_FIRST))
        working = Working.load(stored)
        if section.key not in {shown.key for shown in pages(definition, working)}:
            raise PageNotShown(_("That page is not shown for the answers you have given."))
        on_page = {question.key for question in section.questions}
        earlier = {key: value for key, value in working.answers.items() if key not in on_page}
        result = read_section(definition, section, form, earlier, require=require)
        if result.page_error or result.errors:
            return result, None
        answers, other = without_hidden(
            definition,
            {**earlier, **result.answers},
            {**{k: v for k, v in working.other.items() if k not in on_page}, **result.other},
        )
        saved = Working(answers, other)
        connection.execute(
            _SAVE_WORKING, {"response": respondent.response_id, "working_": saved.dump(), "changed_at_": now}
        )
    return result, saved


def _postcode_answer(definition: Definition, answers: Mapping[str, Any]) -> str | None:
    for _section, question in visible_questions(definition, answers):
        if question.type == "postcode" and isinstance(answers.get(question.key), str):
            return str(answers[question.key])
    return None


@dataclass(frozen=True)
class Submitted:
    """Who just submitted: enough to offer them the linked petition without typing again."""

    email: str
    name: str
    postcode: str | None


_RESPONSE_FOR_UPDATE = (
    select(ConsultationResponse.working, ConsultationResponse.email, ConsultationResponse.name)
    .where(
        ConsultationResponse.id == bindparam("response"),
        ConsultationResponse.consultation_id == bindparam("consultation"),
        ConsultationResponse.nonce == bindparam("nonce"),
        ConsultationResponse.verified_at.is_not(None),
    )
    .with_for_update()
)
_SUBMIT = (
    update(ConsultationResponse)
    .where(ConsultationResponse.id == bindparam("response"))
    .values(
        working=bindparam("answers_"),
        answers=bindparam("answers_"),
        consent=bindparam("consent_"),
        postcode=bindparam("postcode_"),
        state=ResponseState.SUBMITTED.value,
        submitted_at=func.coalesce(ConsultationResponse.submitted_at, bindparam("now_", type_=UTCDateTime)),
        changed_at=bindparam("now_", type_=UTCDateTime),
    )
)


def submit_response(
    consultation: AnsweringFacts, respondent: Respondent | None, consent: str, *, now: datetime | None = None
) -> Submitted:
    """Submit (or resubmit) the answers in progress: complete, valid, with a consent choice."""
    now = now or utcnow()
    if consent not in {c.value for c in Consent}:
        raise ValidationFailed({"consent": _("Choose whether we may quote your words")})
    _require_open(consultation, now)
    if respondent is None:
        raise NotStarted(_(START_FIRST))
    definition = consultation.definition
    with transaction():
        connection = db.session.connection()
        _require_answerable(connection, consultation, now)
        row = connection.execute(
            _RESPONSE_FOR_UPDATE,
            {"response": respondent.response_id, "consultation": consultation.id, "nonce": respondent.nonce},
        ).one_or_none()
        if row is None:
            raise NotStarted(_(START_FIRST))
        working = Working.load(row.working)
        answers, other = without_hidden(definition, working.answers, working.other)
        missing = incomplete_sections(definition, answers)
        if missing:
            titles = ", ".join(f"“{section.title}”" for section in missing)
            raise ValidationFailed({"": _("Some questions still need an answer, in: %(titles)s.", titles=titles)})
        postcode = _postcode_answer(definition, answers)
        connection.execute(
            _SUBMIT,
            {"response": respondent.response_id, "answers_": Working(answers, other).dump(), "consent_": consent,
             "postcode_": postcode, "now_": now},
        )  # fmt: skip
    logger.info("consultation response submitted", extra={"consultation_id": consultation.id})
    return Submitted(row.email, row.name, postcode)
