"""The console's front page."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from campaign.console import current_organiser, make_console_blueprint
from campaign.db import utcnow
from campaign.petitions import service as petitions
from campaign.petitions.models import PublicStatus

bp = make_console_blueprint("console", __name__, "/console")

STATUS_LABELS = {
    PublicStatus.DRAFT: _l("Draft"), PublicStatus.SCHEDULED: _l("Scheduled"), PublicStatus.OPEN: _l("Open"),
    PublicStatus.CLOSED: _l("Closed"), PublicStatus.ARCHIVED: _l("Archived"), PublicStatus.HIDDEN: _l("Taken down"),
}  # fmt: skip


@bp.route("/")
def dashboard() -> str:
    wanted = request.args.get("status", "")
    return render_template(
        "console/dashboard.html",
        dashboard=petitions.dashboard(current_organiser(), wanted, utcnow()),
        wanted=wanted,
        all_statuses=list(PublicStatus),
        status_labels=STATUS_LABELS,
    )
