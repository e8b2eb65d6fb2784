"""Console: find, export or erase everything held about an email address (administrators only)."""

from __future__ import annotations

import json

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.console import make_console_blueprint, require_admin
from campaign.errors import ValidationFailed
from campaign.forms import apply_errors
from campaign.privacy import subjects
from campaign.privacy.forms import SubjectForm

console_bp = make_console_blueprint("privacy_console", __name__, "/console/privacy")


@console_bp.before_request
def _administrators_only() -> None:
    require_admin()


@console_bp.route("/", methods=["GET", "POST"])
def requests() -> str | Response:
    """Enter an address, see what is held, then export it or erase it. The address is only ever posted,
    never put in a link, so it stays out of logs and browser history."""
    form = SubjectForm()
    holdings = None
    if form.validate_on_submit():
        action = request.form.get("action", "find")
        try:
            if action == "erase":
                report = subjects.erase_subject(form.email.data or "")
                flash(_("Erased %(signatures)s signatures (%(confirmed)s taken off their counts), %(responses)s "
                        "responses and %(mails)s emails.", signatures=report.signatures,
                        confirmed=report.confirmed_signatures, responses=report.responses, mails=report.mails),
                      "success")  # fmt: skip
                return redirect(url_for(".requests"))
            if action == "export":
                document = subjects.subject_export(form.email.data or "")
                return FlaskResponse(
                    json.dumps(document, ensure_ascii=False, indent=2),
                    mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="subject-export.json"',
                             "Cache-Control": "private, no-store"},
                )  # fmt: skip
            holdings = subjects.find_holdings(form.email.data or "")
        except ValidationFailed as error:
            apply_errors(form, error)
    return render_template("console/privacy/requests.html", form=form, holdings=holdings)
