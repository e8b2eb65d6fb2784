"""Organiser console: create, edit, preview and move petitions through their lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from campaign.accounts.models import Organiser
from campaign.console import current_organiser, make_console_blueprint
from campaign.db import utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.forms import ConfirmForm, apply_errors
from campaign.petitions import service
from campaign.petitions.forms import HidePetitionForm, PetitionDatesForm, PetitionForm
from campaign.petitions.models import Petition, PublicStatus
from campaign.timeutil import from_local, to_local
from campaign.urls import absolute_url

console_bp = make_console_blueprint("petitions_console", __name__, "/console/petitions")


@dataclass(frozen=True)
class StateChange:
    heading: str
    explanation: str
    button: str
    done: str
    run: Callable[[Organiser, int], Petition]
    warning: bool = False


STATE_CHANGES = {
    "open": StateChange(
        heading=_l("Open this petition"),
        explanation=_l(
            "People will be able to find and sign it (from its opening date, if it has one). "
            "Once it is open, its title, summary, text and web address can no longer change, "
            "because people will have signed that wording."
        ),
        button=_l("Open petition"),
        done=_l("The petition is open."),
        run=lambda organiser, petition_id: service.open_petition(organiser, petition_id),
    ),
    "close": StateChange(
        heading=_l("Close this petition now"),
        explanation=_l(
            "It will stop accepting signatures straight away and cannot be reopened. "
            "Its page and signature count stay public."
        ),
        button=_l("Close petition"),
        done=_l("The petition is closed."),
        run=lambda organiser, petition_id: service.close_petition(organiser, petition_id),
        warning=True,
    ),
    "unschedule": StateChange(
        heading=_l("Return this petition to draft"),
        explanation=_l(
            "It will not open on its opening date. Nobody has seen it yet, so you can edit everything "
            "again and open it later."
        ),
        button=_l("Return to draft"),
        done=_l("The petition is back in draft."),
        run=lambda organiser, petition_id: service.unschedule_petition(organiser, petition_id),
    ),
    "archive": StateChange(
        heading=_l("Archive this petition"),
        explanation=_l("Its page stays readable at the same address, but it is no longer listed on the home page."),
        button=_l("Archive petition"),
        done=_l("The petition is archived."),
        run=lambda organiser, petition_id: service.archive_petition(organiser, petition_id),
    ),
    "restore": StateChange(
        heading=_l("Restore this petition"),
        explanation=_l("It goes back to the state it was in before it was taken down, and its page is public again."),
        button=_l("Restore petition"),
        done=_l("The petition has been restored."),
        run=lambda organiser, petition_id: service.restore_petition(organiser, petition_id),
    ),
}


def _form_data(petition: Petition) -> dict[str, object]:
    def local(value: object) -> object:
        return to_local(value).replace(tzinfo=None) if value is not None else None  # type: ignore[arg-type]

    return {
        "title": petition.title,
        "summary": petition.summary,
        "body": petition.body_markdown,
        "slug": petition.slug,
        "target": petition.target,
        "opens_at": local(petition.opens_at),
        "closes_at": local(petition.closes_at),
    }


def _draft_from(form: PetitionDatesForm, petition: Petition | None = None) -> service.PetitionDraft:
    """Build the service input; wording comes from the petition when the form has none."""

    def text(name: str, current: str) -> str:
        field = getattr(form, name, None)
        return str(field.data or "") if field is not None else current

    opens_field = getattr(form, "opens_at", None)  # None once removed from the form: no longer changeable
    if opens_field is None:
        opens_at = petition.opens_at if petition else None
    else:
        opens_at = from_local(opens_field.data) if opens_field.data else None
    return service.PetitionDraft(
        title=text("title", petition.title if petition else ""),
        summary=text("summary", petition.summary if petition else ""),
        body=text("body", petition.body_markdown if petition else ""),
        slug=text("slug", petition.slug if petition else "") or None,
        target=form.target.data or 0,
        opens_at=opens_at,
        closes_at=from_local(form.closes_at.data) if form.closes_at.data else None,
    )


@console_bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response:
    form = PetitionForm()
    if form.validate_on_submit():
        try:
            petition = service.create_petition(
                current_organiser(), _draft_from(form), submission_id=form.submission_id.data or None
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Draft saved. Preview it, then open it when you are ready."), "success")
            return redirect(url_for(".detail", petition_id=petition.id))
    elif form.is_submitted():
        apply_errors(form, service.draft_problems(current_organiser(), _draft_from(form)), only_new=True)
    return render_template("console/petitions/form.html", form=form, petition=None)


@console_bp.route("/<id:petition_id>")
def detail(petition_id: int) -> str:
    now = utcnow()
    petition = service.get_for_organiser(current_organiser(), petition_id)
    return render_template(
        "console/petitions/detail.html",
        petition=petition,
        status=petition.public_status(now),
        allowed=service.allowed_changes(petition, now),
        public_url=absolute_url("petitions.show", slug=petition.slug),
        now=now,
    )


_WORDING_FIELDS = ("title", "summary", "body", "slug")


@console_bp.route("/<id:petition_id>/edit", methods=["GET", "POST"])
def edit(petition_id: int) -> str | Response:
    now = utcnow()
    petition = service.get_for_organiser(current_organiser(), petition_id)
    if "edit" not in service.allowed_changes(petition, now):
        flash(service.ALLOWED_CHANGES_MESSAGES["edit"], "error")
        return redirect(url_for(".detail", petition_id=petition_id))
    # A form opened before the petition went public still carries wording: it is read
    # (and refused if changed) rather than silently dropped.
    wording_posted = request.method == "POST" and any(name in request.form for name in _WORDING_FIELDS)
    locked = petition.wording_locked(now)
    form_class = PetitionDatesForm if locked and not wording_posted else PetitionForm
    form = form_class(data=_form_data(petition)) if request.method == "GET" else form_class()
    if petition.public_status(now) not in {PublicStatus.DRAFT, PublicStatus.SCHEDULED}:
        del form.opens_at
    wording_included = form_class is PetitionForm
    if form.validate_on_submit():
        try:
            service.update_petition(
                current_organiser(), petition_id, _draft_from(form, petition), wording_included=wording_included
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for(".detail", petition_id=petition_id))
    elif form.is_submitted():
        problems = service.draft_problems(
            current_organiser(), _draft_from(form, petition), petition_id, wording_included=wording_included
        )
        apply_errors(form, problems, only_new=True)
    return render_template("console/petitions/form.html", form=form, petition=petition, locked=locked)


@console_bp.route("/<id:petition_id>/preview")
def preview(petition_id: int) -> str:
    now = utcnow()
    petition = service.get_for_organiser(current_organiser(), petition_id)
    return render_template(
        "petitions/show.html",
        petition=petition,
        status=petition.public_status(now),
        canonical_url=absolute_url("petitions.show", slug=petition.slug),
        share_links=[],
        preview=True,
        now=now,
    )


@console_bp.route("/<id:petition_id>/<any(open, unschedule, close, archive, restore):change>", methods=["GET", "POST"])
def change_state(petition_id: int, change: str) -> str | Response:
    state_change = STATE_CHANGES[change]
    petition = service.get_for_organiser(current_organiser(), petition_id)
    if request.method == "GET" and change not in service.allowed_changes(petition, utcnow()):
        flash(service.ALLOWED_CHANGES_MESSAGES[change], "error")
        return redirect(url_for(".detail", petition_id=petition_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            state_change.run(current_organiser(), petition_id)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(str(state_change.done), "success")
        return redirect(url_for(".detail", petition_id=petition_id))
    back = url_for(".detail", petition_id=petition_id)
    return render_template("console/confirm_change.html", item=petition, change=state_change, form=form, back=back)


@console_bp.route("/<id:petition_id>/hide", methods=["GET", "POST"])
def hide(petition_id: int) -> str | Response:
    petition = service.get_for_organiser(current_organiser(), petition_id)
    if request.method == "GET" and "hide" not in service.allowed_changes(petition, utcnow()):
        flash(service.ALLOWED_CHANGES_MESSAGES["hide"], "error")
        return redirect(url_for(".detail", petition_id=petition_id))
    form = HidePetitionForm()
    if form.validate_on_submit():
        try:
            service.hide_petition(current_organiser(), petition_id, form.reason.data or "")
        except ValidationFailed as error:
            apply_errors(form, error)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for(".detail", petition_id=petition_id))
        else:
            flash(_("The petition has been taken down."), "success")
            return redirect(url_for(".detail", petition_id=petition_id))
    return render_template("console/petitions/hide.html", petition=petition, form=form)
