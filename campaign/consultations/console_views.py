"""Organiser console: build a questionnaire, preview it, open and close it, import and export it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; stubs lag

from campaign.accounts.models import Organiser
from campaign.console import current_organiser, make_console_blueprint
from campaign.consultations import builder, results, service
from campaign.consultations.answers import offered_questions
from campaign.consultations.definition import QUESTION_TYPES, TYPE_NAMES
from campaign.consultations.documents import definition_json
from campaign.consultations.forms import OPERATOR_LABELS, ConsultationForm, ImportForm, QuestionForm, SectionForm
from campaign.consultations.models import Consultation, WordingChange
from campaign.db import utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.extensions import db
from campaign.forms import ConfirmForm, apply_errors
from campaign.petitions.service import petitions_for_organiser
from campaign.timeutil import from_local, to_local

console_bp = make_console_blueprint("consultations_console", __name__, "/console/consultations")


@dataclass(frozen=True)
class StateChange:
    heading: str
    explanation: str
    button: str
    done: str
    run: Callable[[Organiser, int], Consultation]
    warning: bool = False


STATE_CHANGES = {
    "open": StateChange(
        heading=_l("Open this consultation"),
        explanation=_l(
            "People will be able to answer it (from its opening date, if it has one). Once anyone answers, "
            "its questions and options can no longer change, only their wording."
        ),
        button=_l("Open consultation"),
        done=_l("The consultation is open."),
        run=service.open_consultation,
    ),
    "unschedule": StateChange(
        heading=_l("Return this consultation to draft"),
        explanation=_l("It will not open on its opening date."),
        button=_l("Return to draft"),
        done=_l("The consultation is back in draft."),
        run=service.unschedule_consultation,
    ),
    "close": StateChange(
        heading=_l("Close this consultation now"),
        explanation=_l("Nobody will be able to answer or change their answers. This cannot be undone."),
        button=_l("Close consultation"),
        done=_l("The consultation is closed."),
        run=service.close_consultation,
        warning=True,
    ),
    "archive": StateChange(
        heading=_l("Archive this consultation"),
        explanation=_l("It leaves the lists; its page stays readable."),
        button=_l("Archive consultation"),
        done=_l("The consultation is archived."),
        run=service.archive_consultation,
    ),
}


def _petition_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("No linked petition"))] + [
        SelectChoice(str(p.id), p.title) for p in petitions_for_organiser(current_organiser()) if p.state != "hidden"
    ]


def _draft_from(form: ConsultationForm) -> service.ConsultationDraft:
    return service.ConsultationDraft(
        title=form.title.data or "",
        summary=form.summary.data or "",
        intro=form.intro.data or "",
        slug=form.slug.data or None,
        opens_at=from_local(form.opens_at.data) if form.opens_at.data else None,
        closes_at=from_local(form.closes_at.data) if form.closes_at.data else None,
        petition_id=int(form.petition_id.data) if (form.petition_id.data or "").isdigit() else None,
    )


def _consultation(consultation_id: int) -> Consultation:
    return service.get_for_organiser(current_organiser(), consultation_id)


@console_bp.route("/")
def index() -> str:
    now = utcnow()
    consultations = service.consultations_for_organiser(current_organiser())
    return render_template("console/consultations/list.html", consultations=consultations, now=now)


@console_bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response:
    form = ConsultationForm()
    form.petition_id.choices = _petition_choices()
    if form.validate_on_submit():
        try:
            consultation = service.create_consultation(current_organiser(), _draft_from(form))
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Draft saved. Now add its questions."), "success")
            return redirect(url_for(".detail", consultation_id=consultation.id))
    elif form.is_submitted():
        apply_errors(form, service.consultation_problems(current_organiser(), _draft_from(form)), only_new=True)
    return render_template("console/consultations/form.html", form=form, consultation=None)


@console_bp.route("/<id:consultation_id>")
def detail(consultation_id: int) -> str:
    now = utcnow()
    consultation = _consultation(consultation_id)
    changes = db.session.scalars(
        select(WordingChange).where(WordingChange.consultation_id == consultation.id).order_by(WordingChange.id.desc())
    ).all()
    return render_template(
        "console/consultations/detail.html",
        consultation=consultation,
        status=consultation.public_status(now),
        allowed=service.allowed_changes(consultation, now),
        definition=service.definition_of(consultation),
        counts=service.response_counts(consultation.id),
        locked=service.has_answers(consultation.id),
        changes=changes,
        type_names=TYPE_NAMES,
        operator_labels=OPERATOR_LABELS,
        form=ConfirmForm(),
    )


@console_bp.route("/<id:consultation_id>/edit", methods=["GET", "POST"])
def edit(consultation_id: int) -> str | Response:
    consultation = _consultation(consultation_id)

    def local(value: object) -> object:
        return to_local(value).replace(tzinfo=None) if value is not None else None  # type: ignore[arg-type]

    data = {"title": consultation.title, "summary": consultation.summary, "intro": consultation.intro_markdown,
            "slug": consultation.slug, "opens_at": local(consultation.opens_at),
            "closes_at": local(consultation.closes_at), "petition_id": str(consultation.petition_id or "")}  # fmt: skip
    form = ConsultationForm(data=data) if request.method == "GET" else ConsultationForm()
    form.petition_id.choices = _petition_choices()
    if form.validate_on_submit():
        try:
            service.update_consultation(current_organiser(), consultation_id, _draft_from(form))
        except ValidationFailed as error:
            apply_errors(form, error)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for(".detail", consultation_id=consultation_id))
        else:
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for(".detail", consultation_id=consultation_id))
    elif form.is_submitted():
        problems = service.consultation_problems(current_organiser(), _draft_from(form), consultation_id)
        apply_errors(form, problems, only_new=True)
    return render_template("console/consultations/form.html", form=form, consultation=consultation)


@console_bp.route("/<id:consultation_id>/<any(open, unschedule, close, archive):change>", methods=["GET", "POST"])
def change_state(consultation_id: int, change: str) -> str | Response:
    state_change = STATE_CHANGES[change]
    consultation = _consultation(consultation_id)
    if request.method == "GET" and change not in service.allowed_changes(consultation, utcnow()):
        flash(service.ALLOWED_CHANGES_MESSAGES[change], "error")
        return redirect(url_for(".detail", consultation_id=consultation_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            state_change.run(current_organiser(), consultation_id)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(str(state_change.done), "success")
        return redirect(url_for(".detail", consultation_id=consultation_id))
    return render_template("console/confirm_change.html", item=consultation, change=state_change, form=form,
                           back=url_for(".detail", consultation_id=consultation_id))  # fmt: skip


@console_bp.route("/<id:consultation_id>/copy", methods=["POST"])
def copy(consultation_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copied = service.copy_to_new_version(current_organiser(), consultation_id)
    flash(
        _(
            "Version %(version)s created as a draft, with the same questions. Change its structure here.",
            version=copied.version,
        ),
        "success",
    )
    return redirect(url_for(".detail", consultation_id=copied.id))


@console_bp.route("/<id:consultation_id>/preview")
@console_bp.route("/<id:consultation_id>/preview/<section>")
def preview(consultation_id: int, section: str | None = None) -> str:
    consultation = _consultation(consultation_id)
    definition = service.definition_of(consultation)
    sections = list(definition.sections)
    current = next((s for s in sections if s.key == section), sections[0] if sections else None)
    index = sections.index(current) if current else 0
    return render_template(
        "console/consultations/preview.html",
        consultation=consultation,
        definition=definition,
        section=current,
        questions=offered_questions(current, {}) if current else [],
        same_page_keys={q.key for q in current.questions} if current else set(),
        previous=sections[index - 1].key if current and index > 0 else None,
        next=sections[index + 1].key if current and index + 1 < len(sections) else None,
        number=index + 1,
        total=len(sections),
    )


@console_bp.route("/<id:consultation_id>/export.json")
def export(consultation_id: int) -> FlaskResponse:
    consultation = _consultation(consultation_id)
    body = definition_json(service.definition_of(consultation), indent=2)
    filename = f"{consultation.slug}-v{consultation.version}-questions.json"
    return FlaskResponse(body, mimetype="application/json",
                         headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


@console_bp.route("/<id:consultation_id>/import", methods=["GET", "POST"])
def import_questions(consultation_id: int) -> str | Response:
    consultation = _consultation(consultation_id)
    form = ImportForm()
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and "file" in request.files and request.files["file"].filename:
        form.document.data = request.files["file"].read(1_000_001).decode("utf-8", "replace")
    if form.validate_on_submit() or (request.method == "POST" and form.document.data and not form.csrf_token.errors):
        try:
            builder.import_definition(current_organiser(), consultation_id, form.document.data or "")
        except builder.DefinitionImportFailed as error:
            problems = error.problems
        except ValidationFailed as error:
            apply_errors(form, error)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("The questions have been imported."), "success")
            return redirect(url_for(".detail", consultation_id=consultation_id))
    return render_template("console/consultations/import.html", consultation=consultation, form=form, problems=problems)


# --- Sections and questions ---------------------------------------------------------------------------


def _earlier_choices(consultation: Consultation, before_key: str | None) -> list[SelectChoice]:
    """Questions a condition may look back at: choice questions before this point."""
    choices = [SelectChoice("", _l("Always show"))]
    for _section, question in service.definition_of(consultation).questions():
        if question.key == before_key:
            break
        if question.type in {"single_choice", "multiple_choice", "yes_no", "likert"}:
            choices.append(
                SelectChoice(question.key, f"{question.key}: {question.label[:60]}", render_kw={"translate": "no"})
            )
    return choices


def _builder_call(consultation_id: int, run: Callable[[], object], form: Any, success: str) -> Response | None:
    """Run a builder change; on success go back to the consultation, otherwise show the problems."""
    try:
        run()
    except ValidationFailed as error:
        apply_errors(form, error)
    except DomainError as error:
        form.form_errors.append(error.message)
    else:
        flash(success, "success")
        return redirect(url_for(".detail", consultation_id=consultation_id) + "#questions")
    return None


@console_bp.route("/<id:consultation_id>/sections/new", methods=["GET", "POST"])
@console_bp.route("/<id:consultation_id>/sections/<key>/edit", methods=["GET", "POST"])
def section_form(consultation_id: int, key: str | None = None) -> str | Response:
    consultation = _consultation(consultation_id)
    definition = service.definition_of(consultation)
    section = definition.section(key) if key else None
    if key and section is None:
        abort(404)
    form = SectionForm()
    first_key = section.questions[0].key if section and section.questions else None
    form.condition_question.choices = _earlier_choices(consultation, first_key if section else None)
    if request.method == "GET":
        if section:
            form.fill(section)
        else:
            form.key.data = f"section_{len(definition.sections) + 1}"
    if form.validate_on_submit():
        organiser, document = current_organiser(), form.document()

        def run() -> object:
            if section is not None:
                return builder.update_section(organiser, consultation_id, section.key, document)
            return builder.add_section(organiser, consultation_id, document)

        done = _builder_call(consultation_id, run, form, "The section has been saved.")
        if done:
            return done
    return render_template("console/consultations/section_form.html", consultation=consultation, form=form,
                           section=section)  # fmt: skip


@console_bp.route("/<id:consultation_id>/questions/new", methods=["GET", "POST"])
@console_bp.route("/<id:consultation_id>/questions/<key>/edit", methods=["GET", "POST"])
def question_form(consultation_id: int, key: str | None = None) -> str | Response:
    consultation = _consultation(consultation_id)
    definition = service.definition_of(consultation)
    question = definition.question(key) if key else None
    if key and question is None:
        abort(404)
    section_key = request.args.get("section", "")
    kind = question.type if question else request.values.get("type", "")
    if question is None and (definition.section(section_key) is None or kind not in QUESTION_TYPES):
        if definition.section(section_key) is None:
            flash(_("Add a section first: questions belong to sections."), "info")
            return redirect(url_for(".detail", consultation_id=consultation_id))
        return render_template("console/consultations/question_type.html", consultation=consultation,
                               section_key=section_key, type_names=TYPE_NAMES)  # fmt: skip
    form = QuestionForm()
    form.condition_question.choices = _earlier_choices(consultation, key)
    if request.method == "GET":
        if question:
            form.fill(question)
        else:
            form.type.data, form.key.data = kind, f"q{definition.question_count + 1}"
    form.type.data = kind
    if form.validate_on_submit():
        organiser, document = current_organiser(), form.document()

        def run() -> object:
            if question is not None:
                return builder.update_question(organiser, consultation_id, question.key, document)
            return builder.add_question(organiser, consultation_id, section_key, document)

        done = _builder_call(consultation_id, run, form, "The question has been saved.")
        if done:
            return done
    return render_template("console/consultations/question_form.html", consultation=consultation, form=form,
                           question=question, kind=kind, type_name=TYPE_NAMES[kind],
                           fields=QuestionForm.FIELDS_FOR_TYPE[kind])  # fmt: skip


@console_bp.route("/<id:consultation_id>/<any(sections, questions):what>/<key>/<any(up, down):direction>",
                  methods=["POST"])  # fmt: skip
def move(consultation_id: int, what: str, key: str, direction: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = -1 if direction == "up" else 1
    mover = builder.move_section if what == "sections" else builder.move_question
    try:
        mover(current_organiser(), consultation_id, key, step)
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for(".detail", consultation_id=consultation_id) + "#questions")


@console_bp.route("/<id:consultation_id>/<any(sections, questions):what>/<key>/delete", methods=["GET", "POST"])
def delete(consultation_id: int, what: str, key: str) -> str | Response:
    consultation = _consultation(consultation_id)
    definition = service.definition_of(consultation)
    item = definition.section(key) if what == "sections" else definition.question(key)
    if item is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        remover = builder.remove_section if what == "sections" else builder.remove_question
        try:
            remover(current_organiser(), consultation_id, key)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Removed."), "success")
        return redirect(url_for(".detail", consultation_id=consultation_id) + "#questions")
    return render_template("console/consultations/delete.html", consultation=consultation, item=item, what=what,
                           form=form)  # fmt: skip


@console_bp.route("/<id:consultation_id>/results/<any(publish, withdraw):action>", methods=["POST"])
def change_results(consultation_id: int, action: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form had expired. Please try again."), "error")
    else:
        try:
            if action == "publish":
                results.publish_results(current_organiser(), consultation_id)
                flash(_("The results are published, with any figure from fewer than 5 people hidden."), "success")
            else:
                results.withdraw_results(current_organiser(), consultation_id)
                flash(_("The results are no longer published."), "success")
        except DomainError as error:
            flash(error.message, "error")
    return redirect(url_for(".detail", consultation_id=consultation_id))
