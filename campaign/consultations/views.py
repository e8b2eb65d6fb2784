"""The consultation as residents see it: introduction, proving their email, pages of questions, review."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from campaign.consultations import responding
from campaign.consultations.answers import describe_answer, form_values, offered_questions, visible_questions
from campaign.consultations.definition import Definition, Section
from campaign.consultations.forms import StartForm
from campaign.consultations.models import Consent, Consultation, ConsultationResponse, ResponseState
from campaign.consultations.responding import Respondent, Working
from campaign.consultations.results import published_summary
from campaign.consultations.service import (
    answering_facts,
    definition_of,
    forget_answering_facts,
    get_public_consultation,
)
from campaign.db import utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import limiter
from campaign.forms import ConfirmForm, apply_errors
from campaign.i18n import N_
from campaign.i18n import gettext as _
from campaign.identity import VerifiedIdentity
from campaign.petitions.models import PublicStatus
from campaign.privacy.links import delete_response_url
from campaign.security import public
from campaign.summaries.present import counts_figure, question_figure
from campaign.summaries.suppression import shown
from campaign.tokens import TokenExpired, TokenInvalid
from campaign.verified import remember_identity, verified_identity

bp = Blueprint("consultations", __name__)

STARTED_EMAIL_COOKIE = "started_email"
START_HERE = N_("To answer, start here: we will email you a link.")
CLOSED_NOW = N_("This consultation is closed, so answers can no longer be given or changed.")


def _respondent(consultation_id: int) -> Respondent | None:
    return Respondent.from_session(session.get("responses", {}).get(str(consultation_id)))


def _remember(consultation_id: int, respondent: Respondent) -> None:
    responses = dict(session.get("responses", {}))
    responses[str(consultation_id)] = respondent.to_session()
    session["responses"] = responses


def _start_limit() -> str:
    return str(current_app.config["RESPOND_RATE_LIMIT"])


def _render_intro(consultation: Consultation, now: datetime, form: StartForm | None = None) -> str:
    identity = verified_identity(now)
    response = responding.response_of(consultation, _respondent(consultation.id))
    if form is None:
        form = StartForm(data={"name": identity.name, "email": identity.email} if identity else None)
    definition = definition_of(consultation)
    petition = consultation.petition
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        status=consultation.public_status(now),
        definition=definition,
        response=response,
        form=form,
        identity=identity,
        petition=petition if petition is not None and petition.public_status(now) == PublicStatus.OPEN else None,
        first_page=_next_page(consultation, response) if response else None,
    )


@bp.route("/consultations/<slug:slug>")
@public
def show(slug: str) -> str:
    now = utcnow()
    return _render_intro(get_public_consultation(slug, now), now)


@bp.route("/consultations/<slug:slug>/start", methods=["POST"])
@public
@limiter.limit(_start_limit)
def start(slug: str) -> str | Response:
    now = utcnow()
    consultation = get_public_consultation(slug, now)
    form = StartForm()
    if form.validate_on_submit():
        try:
            _outcome, respondent = responding.start_response(
                consultation, form.name.data or "", form.email.data or "", identity=verified_identity(now), now=now
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        except responding.NotAcceptingAnswers as error:
            form.form_errors.append(error.message)
        else:
            if respondent is not None:
                _remember(consultation.id, respondent)
                return redirect(_next_page(consultation, responding.response_of(consultation, respondent)))
            check_page = url_for(".check_email", slug=slug)
            response = redirect(check_page)
            response.set_cookie(STARTED_EMAIL_COOKIE, quote((form.email.data or "")[:254]), max_age=600,
                                path=check_page, httponly=True, samesite="Lax",
                                secure=current_app.config["SESSION_COOKIE_SECURE"])  # fmt: skip
            return response
    else:
        _checked, problems = responding.check_start(form.name.data or "", form.email.data or "")
        apply_errors(form, problems, only_new=True)
    return _render_intro(consultation, now, form)


@bp.route("/consultations/<slug:slug>/check-email")
@public
def check_email(slug: str) -> str:
    consultation = get_public_consultation(slug, utcnow())
    email = unquote(request.cookies.get(STARTED_EMAIL_COOKIE, ""))[:254] or None
    return render_template("consultations/check_email.html", consultation=consultation, email=email)


@bp.route("/consultations/respond/<token>", methods=["GET", "POST"])
@public
def respond(token: str) -> str | Response | tuple[str, int]:
    """The emailed link: GET shows a button and changes nothing; its POST lets this browser answer."""
    form = ConfirmForm()
    try:
        if form.validate_on_submit():
            followed = responding.follow_link(token)
            _remember(followed.consultation_id, followed.respondent)
            remember_identity(followed.identity)
            return redirect(_carry_on(followed.slug, followed.definition, followed.working, followed.submitted))
        details = responding.describe_link(token)
    except TokenExpired:
        return render_template("signing/link_invalid.html", title=_("This link has expired"),
                               message=_("Ask for a new one from the consultation's page.")), 410  # fmt: skip
    except TokenInvalid as error:
        return render_template("signing/link_invalid.html", message=error.message), 404
    except responding.NotAcceptingAnswers as error:
        return render_template("signing/link_invalid.html", title=error.title, message=error.message), 409
    now = utcnow()
    return render_template(
        "consultations/link.html",
        details=details,
        form=form,
        open=responding.accepts_answers(details.consultation, now),
    )


def _next_page(consultation: Consultation, response: ConsultationResponse | None) -> str:
    """Where someone arriving carries on: the first page with work left, or the review."""
    if response is None:
        return url_for(".show", slug=consultation.slug)
    return _carry_on(
        consultation.slug,
        definition_of(consultation),
        Working.load(response.working),
        response.state == ResponseState.SUBMITTED,
    )


def _carry_on(slug: str, definition: Definition, working: Working, submitted: bool) -> str:
    page = None if submitted else resume_page(definition, working)
    return url_for(".page", slug=slug, section=page) if page else url_for(".review", slug=slug)


def _page_after(slug: str, pages: list[Section], key: str, step: int = 1) -> str:
    """The page ``step`` pages on from ``key`` among those now shown (past the last: the review)."""
    keys = [page.key for page in pages]
    index = keys.index(key) + step if key in keys else 0
    if index >= len(keys):
        return url_for(".review", slug=slug)
    return url_for(".page", slug=slug, section=keys[max(index, 0)])


def resume_page(definition: Definition, working: Working) -> str | None:
    """Where someone coming back carries on: the first page with a required question still to
    answer, or else the page after the last one they answered anything on (None: the review)."""
    answers = working.answers
    shown = visible_questions(definition, answers)
    pages = [page.key for page in responding.pages(definition, working)]
    for section, question in shown:
        if question.required and question.key not in answers:
            return section.key
    touched = [pages.index(section.key) for section, question in shown if question.key in answers]
    after = max(touched) + 1 if touched else 0
    return pages[after] if after < len(pages) else None


def _answering(slug: str) -> tuple[Consultation, ConsultationResponse] | Response:
    now = utcnow()
    consultation = get_public_consultation(slug, now)
    response = responding.response_of(consultation, _respondent(consultation.id))
    if response is None:
        flash(_(START_HERE), "info")
        return redirect(url_for(".show", slug=slug))
    if not responding.accepts_answers(consultation, now):
        flash(_(CLOSED_NOW), "info")
        return redirect(url_for(".show", slug=slug))
    return consultation, response


def _save_page(slug: str, section: str) -> Response | tuple[dict[str, str], str | None, dict[str, Any] | None]:
    """Save a page of answers: a redirect onwards, or the problems to show on the page again.

    Touches no ORM objects: the hot path of answering is one short transaction.
    """
    if not ConfirmForm().validate_on_submit():
        return {}, _("Your form had expired. Please try again."), None
    now = utcnow()
    consultation = answering_facts(slug, now)
    action = request.form.get("action", "next")
    try:
        result, saved = responding.save_page(consultation, _respondent(consultation.id), section, request.form,
                                             require=action == "next", now=now)  # fmt: skip
    except responding.NotStarted:
        flash(_(START_HERE), "info")
        return redirect(url_for(".show", slug=slug))
    except responding.NotAcceptingAnswers:
        flash(_(CLOSED_NOW), "info")
        return redirect(url_for(".show", slug=slug))
    except responding.PageNotShown:
        return redirect(url_for(".page", slug=slug, section=section))
    except responding.QuestionsChanged as error:
        forget_answering_facts(slug)
        return {}, error.message, None
    if saved is None:
        return result.errors, result.page_error, result.raw
    if action == "save":
        flash(_("Your answers are saved. Use the link in your email to come back and finish."), "success")
        return redirect(url_for(".show", slug=slug))
    step = -1 if action == "back" else 1
    return redirect(_page_after(slug, responding.pages(consultation.definition, saved), section, step))


@bp.route("/consultations/<slug:slug>/answer/<section>", methods=["GET", "POST"])
@public
def page(slug: str, section: str) -> str | Response:
    errors: dict[str, str] = {}
    page_error: str | None = None
    values: dict[str, Any] | None = None
    if request.method == "POST":
        outcome = _save_page(slug, section)
        if isinstance(outcome, Response):
            return outcome
        errors, page_error, values = outcome
    found = _answering(slug)
    if isinstance(found, Response):
        return found
    consultation, response = found
    definition = definition_of(consultation)
    working = Working.load(response.working)
    pages = responding.pages(definition, working)
    current = next((p for p in pages if p.key == section), None)
    if current is None:
        return redirect(_next_page(consultation, response))
    if values is None:
        values = form_values(current.questions, working.answers, working.other)
    keys = [p.key for p in pages]
    on_page = {q.key for q in current.questions}
    earlier = {key: value for key, value in working.answers.items() if key not in on_page}
    return render_template(
        "consultations/page.html",
        consultation=consultation,
        definition=definition,
        section=current,
        questions=offered_questions(current, earlier),
        same_page_keys=on_page,
        values=values,
        errors=errors,
        page_error=page_error,
        number=keys.index(current.key) + 1,
        total=len(keys) + 1,
        previous=keys[keys.index(current.key) - 1] if keys.index(current.key) > 0 else None,
        form=ConfirmForm(),
        submitted=response.state == ResponseState.SUBMITTED,
    )


def _submit(slug: str) -> Response | tuple[dict[str, str], str]:
    """Submit the response: on to the thanks page, or the problems and the consent chosen."""
    consent = request.form.get("consent", "")
    if not ConfirmForm().validate_on_submit():
        return {"": _("Your form had expired. Please try again.")}, consent
    now = utcnow()
    consultation = answering_facts(slug, now)
    try:
        submitted = responding.submit_response(consultation, _respondent(consultation.id), consent, now=now)
    except ValidationFailed as error:
        return error.errors, consent
    except responding.NotStarted:
        flash(_(START_HERE), "info")
        return redirect(url_for(".show", slug=slug))
    except responding.NotAcceptingAnswers:
        flash(_(CLOSED_NOW), "info")
        return redirect(url_for(".show", slug=slug))
    except responding.QuestionsChanged as error:
        forget_answering_facts(slug)
        return {"": error.message}, consent
    remember_identity(VerifiedIdentity(submitted.email, submitted.name, submitted.postcode, now))
    return redirect(url_for(".done", slug=slug))


@bp.route("/consultations/<slug:slug>/review", methods=["GET", "POST"])
@public
def review(slug: str) -> str | Response:
    problems: dict[str, str] = {}
    consent: str | None = None
    if request.method == "POST":
        outcome = _submit(slug)
        if isinstance(outcome, Response):
            return outcome
        problems, consent = outcome
    found = _answering(slug)
    if isinstance(found, Response):
        return found
    consultation, response = found
    definition = definition_of(consultation)
    if consent is None:
        consent = response.consent or ""
    working = Working.load(response.working)
    rows = [
        (
            section,
            question,
            describe_answer(question, working.answers.get(question.key), working.other.get(question.key)),
        )
        for section, question in visible_questions(definition, working.answers)
    ]
    return render_template(
        "consultations/review.html",
        consultation=consultation,
        rows=rows,
        form=ConfirmForm(),
        problems=problems,
        consent=consent,
        consents=list(Consent),
        submitted=response.state == ResponseState.SUBMITTED,
        changed=response.state == ResponseState.SUBMITTED and response.working != response.answers,
        delete_url=delete_response_url(response.id, response.nonce),
    )


@bp.route("/consultations/<slug:slug>/done")
@public
def done(slug: str) -> str:
    now = utcnow()
    consultation = get_public_consultation(slug, now)
    petition = consultation.petition
    return render_template(
        "consultations/done.html",
        consultation=consultation,
        petition=petition if petition is not None and petition.public_status(now) == PublicStatus.OPEN else None,
    )


@bp.route("/consultations/<slug:slug>/results")
@public
def results(slug: str) -> str:
    """The published results: every question's figures, with small numbers hidden, as in a briefing."""
    now = utcnow()
    consultation = get_public_consultation(slug, now)
    summary = published_summary(consultation)
    figures = {q.question.key: question_figure(q, suppress=True) for q in summary.questions}
    areas = counts_figure(_("Respondents by area"), summary.by_area, summary.total, key="areas", suppress=True,
                          label_head=_("Area"), share_of=_("respondents"))  # fmt: skip
    return render_template("consultations/results.html", consultation=consultation, summary=summary,
                           figures=figures, areas=areas, total=shown(summary.total), now=now)  # fmt: skip
