"""Organiser console: the organisation's areas, edited one by one or uploaded as a CSV."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.areas import service
from campaign.areas.forms import AreaForm, AreaNoteForm, UploadAreasForm
from campaign.areas.models import Area
from campaign.console import current_organiser, make_console_blueprint
from campaign.errors import NotFound, ValidationFailed
from campaign.extensions import db
from campaign.forms import ConfirmForm, apply_errors

console_bp = make_console_blueprint("areas_console", __name__, "/console/areas")

UPLOAD_LIMIT = 1_000_000


def _area(area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or area.organisation_id != current_organiser().organisation_id:
        raise NotFound("There is no area with that number in your organisation.")
    return area


@console_bp.route("/", methods=["GET", "POST"])
def index() -> str | Response:
    organiser = current_organiser()
    form = AreaForm()
    note_form = AreaNoteForm(data={"note": service.area_note(organiser.organisation_id)})
    if request.method == "POST" and request.form.get("action") == "note":
        if note_form.validate_on_submit():
            try:
                service.set_area_note(organiser, note_form.note.data or "")
            except ValidationFailed as error:
                apply_errors(note_form, error)
            else:
                flash(_("The note has been saved."), "success")
                return redirect(url_for(".index"))
    elif request.method == "POST" and form.validate_on_submit():
        try:
            area = service.save_area(organiser, None, form.name.data or "", form.prefixes.data or "")
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("%(area)s has been added.", area=area.name), "success")
            return redirect(url_for(".index"))
    return render_template(
        "console/areas/index.html",
        areas=service.areas_for(organiser.organisation_id),
        form=form,
        note_form=note_form,
    )


@console_bp.route("/<id:area_id>", methods=["GET", "POST"])
def edit(area_id: int) -> str | Response:
    area = _area(area_id)
    form = AreaForm(data={"name": area.name, "prefixes": ", ".join(p.prefix for p in area.prefixes)})
    if form.validate_on_submit():
        try:
            service.save_area(current_organiser(), area_id, form.name.data or "", form.prefixes.data or "")
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("The area has been saved."), "success")
            return redirect(url_for(".index"))
    return render_template("console/areas/edit.html", area=area, form=form, delete_form=ConfirmForm())


@console_bp.route("/<id:area_id>/delete", methods=["POST"])
def delete(area_id: int) -> Response:
    area = _area(area_id)
    if ConfirmForm().validate_on_submit():
        name = area.name
        service.delete_area(current_organiser(), area_id)
        flash(_("%(area)s has been removed. Its postcodes now count as “Elsewhere in the UK”.", area=name), "success")
    else:
        flash(_("Your form had expired. Please try again."), "error")
    return redirect(url_for(".index"))


@console_bp.route("/upload", methods=["GET", "POST"])
def upload() -> str | Response:
    form = UploadAreasForm()
    problems: list[tuple[str, str]] = []
    upload_file = request.files.get("file")
    if request.method == "POST" and upload_file is not None and upload_file.filename:
        raw = upload_file.read(UPLOAD_LIMIT + 1)
        if len(raw) > UPLOAD_LIMIT:
            problems = [("File", "is larger than 1 MB")]
        else:
            form.document.data = raw.decode("utf-8-sig", "replace")
    if not problems and form.validate_on_submit():
        try:
            rows = service.parse_mapping_csv(form.document.data or "")
        except service.MappingProblems as error:
            problems = error.problems
        else:
            count = service.replace_mapping(current_organiser(), rows)
            flash(
                _(
                    "The areas have been replaced: %(areas)s areas from %(prefixes)s prefixes.",
                    areas=count,
                    prefixes=len(rows),
                ),
                "success",
            )
            return redirect(url_for(".index"))
    return render_template("console/areas/upload.html", form=form, problems=problems)


@console_bp.route("/areas.csv")
def download() -> FlaskResponse:
    body = service.mapping_csv(current_organiser().organisation_id)
    return FlaskResponse(body, mimetype="text/csv; charset=utf-8",
                         headers={"Content-Disposition": 'attachment; filename="areas.csv"'})  # fmt: skip
