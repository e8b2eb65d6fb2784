"""The console's front page."""

from __future__ import annotations

from flask import render_template, request

from campaign.console import current_organiser, make_console_blueprint
from campaign.db import utcnow
from campaign.petitions import service as petitions
from campaign.petitions.models import PublicStatus

bp = make_console_blueprint("console", __name__, "/console")


@bp.route("/")
def dashboard() -> str:
    wanted = request.args.get("status", "")
    return render_template(
        "console/dashboard.html",
        dashboard=petitions.dashboard(current_organiser(), wanted, utcnow()),
        wanted=wanted,
        all_statuses=list(PublicStatus),
    )
