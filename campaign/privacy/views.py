"""The privacy notice, and the pages behind the links people use to manage their own data.

Every link's GET shows a page with a button and changes nothing (mail scanners follow links); the
button's POST acts. Unsubscribing also takes the one-click POST a mail program sends (RFC 8058),
which has no cookie and no form token: the signed token in the address is the authorisation.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from campaign.extensions import csrf
from campaign.forms import ConfirmForm
from campaign.privacy import self_service
from campaign.privacy.notice import privacy_notice
from campaign.security import public
from campaign.tokens import TokenInvalid

bp = Blueprint("privacy", __name__)

ONE_CLICK = "One-Click"


def _invalid(error: TokenInvalid) -> tuple[str, int]:
    return render_template("signing/link_invalid.html", message=error.message), 404


@bp.route("/privacy")
@public
def notice() -> str:
    return render_template("privacy/notice.html", notice=privacy_notice())


@bp.route("/signatures/withdraw/<token>", methods=["GET", "POST"])
@public
def withdraw(token: str) -> str | tuple[str, int]:
    # CSRFProtect has already refused a POST without this page's form token (a clear "form expired" page).
    form = ConfirmForm()
    try:
        outcome = self_service.withdraw_signature(token) if form.validate_on_submit() else None
        link = self_service.describe_withdrawal(token)
    except TokenInvalid as invalid:
        return _invalid(invalid)
    return render_template("privacy/withdraw.html", link=link, outcome=outcome, form=form)


@bp.route("/responses/delete/<token>", methods=["GET", "POST"])
@public
def delete_response(token: str) -> str | tuple[str, int]:
    form = ConfirmForm()
    try:
        outcome = self_service.delete_response(token) if form.validate_on_submit() else None
        link = self_service.describe_response_deletion(token)
    except TokenInvalid as invalid:
        return _invalid(invalid)
    return render_template("privacy/delete_response.html", link=link, outcome=outcome, form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str) -> str | Response | tuple[str, int]:
    """GET asks; any POST unsubscribes: the page's button, or the mail program's one-click POST."""
    outcome = None
    try:
        if request.method == "POST":
            outcome = self_service.unsubscribe(token)
            if request.form.get("List-Unsubscribe") == ONE_CLICK:
                return Response("Unsubscribed.\n", status=200, mimetype="text/plain")
        link = self_service.describe_unsubscribe(token)
    except TokenInvalid as invalid:
        return _invalid(invalid)
    return render_template("privacy/unsubscribe.html", link=link, outcome=outcome)


# The one-click POST comes from a mail program with no session, so no CSRF token: the signed token in
# the link is what authorises it, and unsubscribing is all it can do.
csrf.exempt(unsubscribe)
