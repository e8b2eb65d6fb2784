"""Stopping progress emails, from the link in every update email (or the mail program's own button)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from campaign.db import utcnow
from campaign.extensions import csrf
from campaign.forms import ConfirmForm
from campaign.i18n import gettext as _
from campaign.outcomes import service
from campaign.security import public
from campaign.tokens import TokenInvalid

bp = Blueprint("outcomes", __name__)


@bp.route("/updates/stop/<token>", methods=["GET", "POST"])
@public
def stop_emails(token: str) -> str | Response | tuple[str, int]:
    """GET asks (a mail scanner changes nothing); POST stops. Mail programs' one-click POST needs no form."""
    stopped = None
    error = None
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        try:
            if not one_click:
                validate_csrf(request.form.get("csrf_token"))
            stopped = service.stop_progress_emails(token)
        except (ValidationError, CSRFError):
            error = _("Your form had expired. Please try again.")
        except TokenInvalid as invalid:
            return render_template("signing/link_invalid.html", message=invalid.message), 404
        if one_click and stopped is not None:
            return Response("", status=204)
    try:
        petition = service.describe_stop_link(token)
    except TokenInvalid as invalid:
        return render_template("signing/link_invalid.html", message=invalid.message), 404
    return render_template("outcomes/stop.html", form=ConfirmForm(), stopped=stopped, petition=petition, error=error,
                           now=utcnow())  # fmt: skip


# The one-click POST comes from a mail program with no form to carry a CSRF token; the token in the
# link is what authorises it, and the view checks the form's token itself for the button's POST.
csrf.exempt(stop_emails)
