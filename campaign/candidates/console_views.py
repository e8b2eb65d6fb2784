"""Organiser console: invite candidates to respond to a petition, send new links, remove them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.candidates import service
from campaign.candidates.forms import InviteCandidateForm
from campaign.candidates.models import POSITION_LABELS
from campaign.console import current_organiser, make_console_blueprint
from campaign.db import utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.forms import ConfirmForm, apply_errors
from campaign.petitions.service import get_for_organiser

console_bp = make_console_blueprint("candidates_console", __name__, "/console/petitions")


@console_bp.route("/<id:petition_id>/candidates", methods=["GET", "POST"])
def index(petition_id: int) -> str | Response:
    petition = get_for_organiser(current_organiser(), petition_id)
    form = InviteCandidateForm()
    if form.validate_on_submit():
        try:
            candidate = service.invite_candidate(current_organiser(), petition_id, form.name.data or "",
                                                 form.affiliation.data or "", form.email.data or "")  # fmt: skip
        except ValidationFailed as error:
            apply_errors(form, error)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("%(name)s has been emailed a private link to respond.", name=candidate.name), "success")
            return redirect(url_for(".index", petition_id=petition_id))
    elif form.is_submitted():
        typed = (form.name.data or "", form.affiliation.data or "", form.email.data or "")
        apply_errors(form, service.invitation_problems(*typed), only_new=True)
    return render_template(
        "console/candidates/index.html",
        petition=petition,
        candidates=service.candidates_for(petition_id),
        form=form,
        action_form=ConfirmForm(),
        positions=POSITION_LABELS,
        status=petition.public_status(utcnow()),
    )


@console_bp.route("/<id:petition_id>/candidates/<id:candidate_id>/<any('new-link', 'remove'):action>", methods=["POST"])
def change(petition_id: int, candidate_id: int, action: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form had expired. Please try again."), "error")
        return redirect(url_for(".index", petition_id=petition_id))
    try:
        if action == "new-link":
            candidate = service.send_new_link(current_organiser(), petition_id, candidate_id)
            flash(
                _("%(name)s has been emailed a new link; earlier links no longer work.", name=candidate.name), "success"
            )
        else:
            service.remove_candidate(current_organiser(), petition_id, candidate_id)
            flash(
                _("The candidate has been removed from the petition's page, and their link no longer works."), "success"
            )
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for(".index", petition_id=petition_id))
