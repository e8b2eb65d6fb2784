"""Organiser console: administrators see every organiser account and can disable or enable them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.accounts import admin
from campaign.console import current_organiser, make_console_blueprint, require_admin
from campaign.errors import InvalidTransition
from campaign.forms import ConfirmForm

console_bp = make_console_blueprint("organisers_console", __name__, "/console/organisers")
console_bp.before_request(require_admin)


@console_bp.route("/")
def index() -> str:
    return render_template("console/organisers/index.html", organisers=admin.organisers_for(current_organiser()))


@console_bp.route("/<id:organiser_id>/<any(disable, enable):action>", methods=["POST"])
def change(organiser_id: int, action: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form had expired. Please try again."), "error")
        return redirect(url_for(".index"))
    try:
        organiser = admin.set_disabled(current_organiser(), organiser_id, action == "disable")
    except InvalidTransition as error:
        flash(error.message, "error")
    else:
        if action == "disable":
            flash(
                _("%(name)s's account is disabled and they have been signed out everywhere.", name=organiser.name),
                "success",
            )
        else:
            flash(_("%(name)s's account is enabled again.", name=organiser.name), "success")
    return redirect(url_for(".index"))
