"""The consultation as residents see it: introduction, proving their email, pages of questions, review."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, unquote

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from campaign.consultations import responding
from campaign.consultations.answers import describe_answer, form_values, offered_questions, visible_questions
from campaign.consultations.definition import Section
from campaign.consultations.forms import StartForm
from campaign.consultations.models import Consent, Consultation, ConsultationResponse, ResponseState
from campaign.consultations.responding import Respondent, Working
from campaign.consultations.service import definition_of, get_public_consultation
from campaign.db import utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import limiter
from campaign.forms import ConfirmForm, apply_errors
from campaign.identity import VerifiedIdentity
from campaign.petitions.models import PublicStatus
from campaign.security import public
from campaign.tokens import TokenExpired, TokenInvalid
from campaign.verified import remember_identity, verified_identity

bp = Blueprint("consultations", __name__)

STARTED_EMAIL_COOKIE = "started_email"


def _respondent(consultation: Consultation) -> Respondent | None:
    return Respondent.from_session(session.get("responses", {}).get(str(consultation.id)))


def _remember(consultation_id: int, respondent: Respondent) -> None:
    responses = dict(session.get("responses", {}))
    responses[str(consultation_id)] = respondent.to_session()
    session["responses"] = responses


def _start_limit() -> str:
    return str(current_app.config["SIGN_RATE_LIMIT"])


def _render_intro(consultation: Consultation, now: datetime, form: StartForm | None = None) -> str:
    identity = verified_identity(now)
    response = responding.response_of(consultation, _respondent(consultation))
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
            _, respondent = responding.start_response(
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
        _, problems = responding.check_start(form.name.data or "", form.email.data or "")
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
            respondent, identity = responding.follow_link(token)
            details = responding.describe_link(token)
            _remember(details.consultation.id, respondent)
            remember_identity(identity)
            response = responding.response_of(details.consultation, respondent)
            return redirect(_next_page(details.consultation, response))
        details = responding.describe_link(token)
    except TokenExpired:
        return render_template("signing/link_invalid.html", title="This link has expired",
                               message="Ask for a new one from the consultation's page."), 410  # fmt: skip
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


def _pages(consultation: Consultation, response: ConsultationResponse) -> list[Section]:
    return responding.pages(definition_of(consultation), Working.load(response.working))


def _next_page(consultation: Consultation, response: ConsultationResponse | None, after: str | None = None) -> str:
    """The page to go to: the one after ``after``, or the first with unanswered questions, or the review."""
    if response is None:
        return url_for(".show", slug=consultation.slug)
    pages = _pages(consultation, response)
    keys = [page.key for page in pages]
    if after is not None and after in keys:
        index = keys.index(after) + 1
        return (
            url_for(".page", slug=consultation.slug, section=keys[index])
            if index < len(keys)
            else url_for(".review", slug=consultation.slug)
        )
    if response.state == ResponseState.SUBMITTED or not keys:
        return url_for(".review", slug=consultation.slug)
    page = resume_page(consultation, response)
    return (
        url_for(".page", slug=consultation.slug, section=page) if page else url_for(".review", slug=consultation.slug)
    )


def resume_page(consultation: Consultation, response: ConsultationResponse) -> str | None:
    """Where someone coming back carries on: the first page with a required question still to
    answer, or else the page after the last one they answered anything on (None: the review)."""
    definition = definition_of(consultation)
    answers = Working.load(response.working).answers
    shown = visible_questions(definition, answers)
    pages = [page.key for page in _pages(consultation, response)]
    for section, question in shown:
        if question.required and question.key not in answers:
            return section.key
    touched = [pages.index(section.key) for section, question in shown if question.key in answers]
    after = max(touched) + 1 if touched else 0
    return pages[after] if after < len(pages) else None


def _answering(slug: str) -> tuple[Consultation, ConsultationResponse] | Response:
    now = utcnow()
    consultation = get_public_consultation(slug, now)
    response = responding.response_of(consultation, _respondent(consultation))
    if response is None:
        flash("To answer, start here: we will email you a link.", "info")
        return redirect(url_for(".show", slug=slug))
    if not responding.accepts_answers(consultation, now):
        flash("This consultation is closed, so answers can no longer be given or changed.", "info")
        return redirect(url_for(".show", slug=slug))
    return consultation, response


@bp.route("/consultations/<slug:slug>/answer/<section>", methods=["GET", "POST"])
@public
def page(slug: str, section: str) -> str | Response:
    found = _answering(slug)
    if isinstance(found, Response):
        return found
    consultation, response = found
    definition = definition_of(consultation)
    pages = _pages(consultation, response)
    current = next((p for p in pages if p.key == section), None)
    if current is None:
        return redirect(_next_page(consultation, response))
    working = Working.load(response.working)
    errors: dict[str, str] = {}
    page_error = None
    values = form_values(current.questions, working.answers, working.other)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            page_error = "Your form had expired. Please try again."
        else:
            action = request.form.get("action", "next")
            result = responding.save_page(consultation, _respondent(consultation), current.key, request.form,
                                          require=action == "next")  # fmt: skip
            if not result.errors and not result.page_error:
                response = responding.response_of(consultation, _respondent(consultation)) or response
                if action == "save":
                    flash("Your answers are saved. Use the link in your email to come back and finish.", "success")
                    return redirect(url_for(".show", slug=slug))
                if action == "back":
                    keys = [p.key for p in _pages(consultation, response)]
                    index = max(keys.index(current.key) - 1, 0) if current.key in keys else 0
                    return redirect(url_for(".page", slug=slug, section=keys[index]))
                return redirect(_next_page(consultation, response, after=current.key))
            errors, page_error, values = result.errors, result.page_error, result.raw
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
        form=form,
        submitted=response.state == ResponseState.SUBMITTED,
    )


@bp.route("/consultations/<slug:slug>/review", methods=["GET", "POST"])
@public
def review(slug: str) -> str | Response:
    found = _answering(slug)
    if isinstance(found, Response):
        return found
    consultation, response = found
    definition = definition_of(consultation)
    form = ConfirmForm()
    problems: dict[str, str] = {}
    consent = response.consent or ""
    if request.method == "POST" and form.validate_on_submit():
        consent = request.form.get("consent", "")
        try:
            responding.submit_response(consultation, _respondent(consultation), consent)
        except ValidationFailed as error:
            problems = error.errors
        else:
            remember_identity(VerifiedIdentity(response.email, response.name, response.postcode, utcnow()))
            return redirect(url_for(".done", slug=slug))
    elif request.method == "POST":
        problems = {"": "Your form had expired. Please try again."}
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
        form=form,
        problems=problems,
        consent=consent,
        consents=list(Consent),
        submitted=response.state == ResponseState.SUBMITTED,
        changed=response.state == ResponseState.SUBMITTED and response.working != response.answers,
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
