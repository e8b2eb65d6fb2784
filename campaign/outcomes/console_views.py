"""Organiser console: publish, correct and delete outcome updates; email them to opted-in signers."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.console import current_organiser, make_console_blueprint
from campaign.db import utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.forms import ConfirmForm, apply_errors
from campaign.outcomes import service
from campaign.outcomes.forms import UpdateForm
from campaign.petitions.service import get_for_organiser

console_bp = make_console_blueprint("outcomes_console", __name__, "/console/petitions")


@console_bp.route("/<id:petition_id>/updates", methods=["GET", "POST"])
def index(petition_id: int) -> str | Response:
    petition = get_for_organiser(current_organiser(), petition_id)
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            update = service.publish_update(
                current_organiser(), petition_id, form.title.data or "", form.body.data or "",
                email_signers=bool(form.email_signers.data),
            )  # fmt: skip
        except ValidationFailed as error:
            apply_errors(form, error)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            if update.email_state != "none":
                flash(_("The update is published on the petition's page. It is being emailed to signers who asked "
                        "for updates."), "success")  # fmt: skip
            else:
                flash(_("The update is published on the petition's page."), "success")
            return redirect(url_for(".index", petition_id=petition_id))
    return render_template(
        "console/outcomes/index.html",
        petition=petition,
        updates=service.updates_for(petition_id),
        form=form,
        action_form=ConfirmForm(),
        opted_in=service.opted_in_count(petition_id),
        status=petition.public_status(utcnow()),
    )


@console_bp.route("/<id:petition_id>/updates/<id:update_id>", methods=["GET", "POST"])
def edit(petition_id: int, update_id: int) -> str | Response:
    petition = get_for_organiser(current_organiser(), petition_id)
    update = next((u for u in service.updates_for(petition_id) if u.id == update_id), None)
    if update is None:
        return redirect(url_for(".index", petition_id=petition_id))
    form = UpdateForm(data={"title": update.title, "body": update.body_markdown})
    if form.validate_on_submit():
        try:
            service.edit_update(
                current_organiser(), petition_id, update_id, form.title.data or "", form.body.data or ""
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("The update has been corrected; it is marked as edited."), "success")
            return redirect(url_for(".index", petition_id=petition_id))
    return render_template("console/outcomes/edit.html", petition=petition, update=update, form=form,
                           delete_form=ConfirmForm())  # fmt: skip


@console_bp.route("/<id:petition_id>/updates/<id:update_id>/delete", methods=["POST"])
def delete(petition_id: int, update_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        try:
            service.delete_update(current_organiser(), petition_id, update_id)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The update has been deleted."), "success")
    return redirect(url_for(".index", petition_id=petition_id))
