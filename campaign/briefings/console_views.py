"""Organiser console: assemble briefings, preview them, share them by link, download them as PDF."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.briefings import service
from campaign.briefings.forms import BriefingForm, ShareForm
from campaign.briefings.models import Briefing
from campaign.briefings.pdf import render_pdf
from campaign.briefings.views import PRIVATE_LINK_HEADERS, pdf_response, render_briefing
from campaign.console import current_organiser, make_console_blueprint
from campaign.db import utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.forms import ConfirmForm, apply_errors
from campaign.timeutil import from_local, to_local

console_bp = make_console_blueprint("briefings_console", __name__, "/console/briefings")


@console_bp.route("/")
def index() -> str:
    return render_template("console/briefings/index.html", briefings=service.briefings_for(current_organiser()))


def _form_page(form: BriefingForm, briefing: Briefing | None) -> str | Response:
    organiser = current_organiser()
    petitions, consultations = service.choices_for(organiser, utcnow())
    chosen_petitions = {i.petition_id for i in briefing.items if i.petition_id} if briefing else set()
    chosen_consultations = {i.consultation_id for i in briefing.items if i.consultation_id} if briefing else set()
    item_error = None
    if request.method == "POST":
        chosen_petitions = set(request.form.getlist("petitions", type=int))
        chosen_consultations = set(request.form.getlist("consultations", type=int))
    if form.validate_on_submit():
        try:
            saved = service.save_briefing(organiser, briefing.id if briefing else None, form.title.data or "",
                                          form.audience.data or "", form.intro.data or "",
                                          sorted(chosen_petitions), sorted(chosen_consultations))  # fmt: skip
        except ValidationFailed as error:
            item_error = error.errors.pop("items", None)
            apply_errors(form, error)
            if item_error:
                form.form_errors.append(item_error)
        else:
            flash(_("The briefing has been saved."), "success")
            return redirect(url_for(".detail", briefing_id=saved.id))
    return render_template("console/briefings/form.html", form=form, briefing=briefing, petitions=petitions,
                           consultations=consultations, chosen_petitions=chosen_petitions,
                           chosen_consultations=chosen_consultations, item_error=item_error)  # fmt: skip


@console_bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response:
    return _form_page(BriefingForm(), None)


@console_bp.route("/<id:briefing_id>/edit", methods=["GET", "POST"])
def edit(briefing_id: int) -> str | Response:
    briefing = service.get_for_organiser(current_organiser(), briefing_id)
    form = BriefingForm(data={"title": briefing.title, "audience": briefing.audience, "intro": briefing.intro_markdown})
    return _form_page(form, briefing)


@console_bp.route("/<id:briefing_id>")
def detail(briefing_id: int) -> str:
    briefing = service.get_for_organiser(current_organiser(), briefing_id)
    expires = to_local(briefing.expires_at).replace(tzinfo=None) if briefing.expires_at else None
    return render_template("console/briefings/detail.html", briefing=briefing, link=service.share_link(briefing),
                           share_form=ShareForm(data={"expires_at": expires}), action_form=ConfirmForm(),
                           covered=service.covered(briefing), now=utcnow())  # fmt: skip


@console_bp.route("/<id:briefing_id>/share", methods=["POST"])
def share(briefing_id: int) -> str | Response:
    briefing = service.get_for_organiser(current_organiser(), briefing_id)
    form = ShareForm()
    if form.validate_on_submit():
        expires_at = from_local(form.expires_at.data) if form.expires_at.data else None
        try:
            service.share(current_organiser(), briefing_id, expires_at, new_link=request.form.get("new") == "yes")
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Anyone with the link can read the briefing. Send it to the people it is for."), "success")
            return redirect(url_for(".detail", briefing_id=briefing_id))
    return render_template("console/briefings/detail.html", briefing=briefing, link=service.share_link(briefing),
                           share_form=form, action_form=ConfirmForm(), covered=service.covered(briefing),
                           now=utcnow())  # fmt: skip


@console_bp.route("/<id:briefing_id>/<any(revoke, delete):action>", methods=["POST"])
def change(briefing_id: int, action: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form had expired. Please try again."), "error")
        return redirect(url_for(".detail", briefing_id=briefing_id))
    try:
        if action == "revoke":
            service.revoke(current_organiser(), briefing_id)
            flash(_("The link no longer works. You can make a new one at any time."), "success")
        else:
            service.delete_briefing(current_organiser(), briefing_id)
            flash(_("The briefing has been deleted; its link no longer works."), "success")
            return redirect(url_for(".index"))
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for(".detail", briefing_id=briefing_id))


@console_bp.route("/<id:briefing_id>/preview")
def preview(briefing_id: int) -> Response:
    briefing = service.get_for_organiser(current_organiser(), briefing_id)
    page = render_briefing(briefing, preview=True, pdf_url=url_for(".pdf", briefing_id=briefing_id))
    return Response(page, mimetype="text/html", headers=PRIVATE_LINK_HEADERS)


@console_bp.route("/<id:briefing_id>/briefing.pdf")
def pdf(briefing_id: int) -> Response:
    briefing = service.get_for_organiser(current_organiser(), briefing_id)
    return pdf_response(briefing, render_pdf(render_briefing(briefing, for_pdf=True)))
