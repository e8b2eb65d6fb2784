"""Organiser console: summaries of petitions and consultations, exports, cross-tabs and quotes."""

from __future__ import annotations

import logging

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.areas.service import area_note, lookup_for
from campaign.audit.service import record_read
from campaign.console import current_organiser, make_console_blueprint
from campaign.consultations import service as consultations
from campaign.db import utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.exports.service import CONSULTATION_FORMATS, ExportFile, consultation_export, petition_export
from campaign.forms import ConfirmForm
from campaign.petitions import service as petitions
from campaign.summaries import quotes as quote_service
from campaign.summaries.charts import Point, column_chart, progress_chart
from campaign.summaries.consultations import summarise_consultation
from campaign.summaries.crosstab import BY_AREA, crosstab, crosstab_questions
from campaign.summaries.petitions import DateRange, parse_date_range, summarise_petition
from campaign.summaries.present import counts_figure, over_time_figure, percent, question_figure
from campaign.timeutil import site_zone

logger = logging.getLogger(__name__)

console_bp = make_console_blueprint("summaries_console", __name__, "/console")

QUOTES_PER_PAGE = 20


def _date_range() -> tuple[DateRange, dict[str, str]]:
    return parse_date_range(request.args.get("start"), request.args.get("end"))


def _download(export: ExportFile, what: str, subject_id: int) -> FlaskResponse:
    logger.info("export downloaded", extra={"what": what, "id": subject_id, "rows": export.rows,
                                            "organiser_id": current_organiser().id})  # fmt: skip
    # Personal data leaving the system: the audit log says who took which rows, and when.
    subject = "petition" if what == "signatures" else "consultation"
    record_read(f"{subject}.export", target_type=subject, target_id=subject_id,
                details={"what": what, "rows": export.rows, "file": export.filename,
                         **{key: request.args[key] for key in ("start", "end") if request.args.get(key)}})  # fmt: skip
    return FlaskResponse(
        stream_with_context(export.chunks),
        mimetype=export.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"', "Cache-Control": "no-store"},
    )


@console_bp.route("/petitions/<id:petition_id>/summary")
def petition(petition_id: int) -> str:
    petition = petitions.get_for_organiser(current_organiser(), petition_id)
    date_range, errors = _date_range()
    now = utcnow()
    summary = summarise_petition(petition, date_range, site_zone(), now)
    milestones = [m.threshold for m in summary.milestones if m.threshold < summary.target]
    hourly = column_chart(_("Signatures in the last 72 hours"), [Point(f"{h:%H}:00", c) for h, c in summary.hourly],
                          key="hourly", y_label=_("Signatures"))  # fmt: skip
    progress = progress_chart(_("Progress to the target"), summary.confirmed_all_time, summary.target,
                              key="progress", milestones=milestones)  # fmt: skip
    areas = counts_figure(_("Signatures by area"), summary.by_area, summary.confirmed, key="areas", suppress=False,
                          label_head=_("Area") if summary.areas_defined else _("Postcode district"),
                          count_head=_("Signatures"), share_of=_("signatures"))  # fmt: skip
    return render_template(
        "console/summaries/petition.html",
        petition=petition,
        summary=summary,
        errors=errors,
        progress=progress,
        daily=over_time_figure(_("Signatures each day"), summary.daily, key="daily", suppress=False),
        hourly=hourly,
        areas=areas,
        export_query={k: v for k, v in request.args.items() if k in {"start", "end"} and not errors},
        percent=percent,
    )


@console_bp.route("/petitions/<id:petition_id>/signatures.csv")
def petition_signatures(petition_id: int) -> FlaskResponse:
    petition = petitions.get_for_organiser(current_organiser(), petition_id)
    date_range, errors = _date_range()
    if errors:
        abort(400)
    start, end = date_range.utc_bounds(site_zone())
    return _download(petition_export(petition, site_zone(), utcnow(), start=start, end=end), "signatures", petition_id)


@console_bp.route("/consultations/<id:consultation_id>/summary")
def consultation(consultation_id: int) -> str:
    consultation = consultations.get_for_organiser(current_organiser(), consultation_id)
    definition = consultations.definition_of(consultation)
    date_range, errors = _date_range()
    start, end = date_range.utc_bounds(site_zone())
    lookup = lookup_for(consultation.organisation_id)
    summary = summarise_consultation(consultation.id, definition, lookup, start=start, end=end)
    choice_questions = crosstab_questions(definition)
    table, table_error = None, None
    row_key, by = request.args.get("crosstab", ""), request.args.get("by", "")
    if row_key:
        try:
            table = crosstab(consultation.id, definition, lookup, row_key, by or BY_AREA, start=start, end=end)
        except KeyError:
            table_error = "Choose two different choice questions, or a question and area."
    areas = counts_figure(_("Respondents by area"), summary.by_area, summary.total, key="respondent-areas",
                          suppress=False, label_head=_("Area") if summary.areas_defined else _("Postcode district"),
                          share_of=_("respondents"))  # fmt: skip
    return render_template(
        "console/summaries/consultation.html",
        consultation=consultation,
        summary=summary,
        figures={q.question.key: question_figure(q, suppress=False) for q in summary.questions},
        areas=areas,
        area_note=area_note(consultation.organisation_id),
        date_range=date_range,
        errors=errors,
        choice_questions=choice_questions,
        crosstab=table,
        crosstab_error=table_error,
        row_key=row_key,
        by=by or BY_AREA,
        formats=CONSULTATION_FORMATS,
        export_query={k: v for k, v in request.args.items() if k in {"start", "end"} and not errors},
        text_questions=quote_service.text_questions(definition),
        percent=percent,
    )


@console_bp.route("/consultations/<id:consultation_id>/responses/<any('csv', 'xlsx', 'json', 'long-csv'):file_format>")
def consultation_responses(consultation_id: int, file_format: str) -> FlaskResponse:
    consultation = consultations.get_for_organiser(current_organiser(), consultation_id)
    date_range, errors = _date_range()
    if errors:
        abort(400)
    start, end = date_range.utc_bounds(site_zone())
    export = consultation_export(consultation, file_format, site_zone(), utcnow(), start=start, end=end)
    return _download(export, f"responses {file_format}", consultation_id)


@console_bp.route("/consultations/<id:consultation_id>/quotes/<question_key>", methods=["GET", "POST"])
def quotes(consultation_id: int, question_key: str) -> str | Response:
    consultation = consultations.get_for_organiser(current_organiser(), consultation_id)
    definition = consultations.definition_of(consultation)
    question = definition.question(question_key)
    if question is None:
        abort(404)
    lookup = lookup_for(consultation.organisation_id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    problems: dict[int, str] = {}
    if request.method == "POST":
        response_id = request.form.get("response", type=int)
        if response_id is not None and not 0 < response_id < 2**31:
            response_id = None  # not a number any response could have
        if not ConfirmForm().validate_on_submit():
            flash(_("Your form had expired. Please try again."), "error")
        elif response_id is not None:
            text = request.form.get("text")
            try:
                quote_service.save_quote(current_organiser(), consultation_id, response_id, question_key,
                                         None if request.form.get("action") == "reset" else text,
                                         featured=request.form.get("featured") == "yes")  # fmt: skip
            except ValidationFailed as error:
                problems[response_id] = error.errors.get("text", error.message)
            except DomainError as error:
                flash(error.message, "error")
            else:
                flash(_("The quote has been saved."), "success")
                return redirect(url_for(".quotes", consultation_id=consultation_id, question_key=question_key,
                                        page=page, _anchor=f"quote-{response_id}"))  # fmt: skip
        else:
            flash(_("That answer could not be found. It may have been withdrawn."), "error")
    found = quote_service.quotes(consultation.id, definition, question_key, lookup)
    pages = max((len(found) + QUOTES_PER_PAGE - 1) // QUOTES_PER_PAGE, 1)
    page = min(page, pages)
    return render_template(
        "console/summaries/quotes.html",
        consultation=consultation,
        question=question,
        quotes=found[(page - 1) * QUOTES_PER_PAGE : page * QUOTES_PER_PAGE],
        total=len(found),
        featured=sum(1 for quote in found if quote.featured),
        page=page,
        pages=pages,
        problems=problems,
        form=ConfirmForm(),
    )
