"""The console's front page."""

from __future__ import annotations

from flask import render_template, request

from campaign.console import bp, current_organiser
from campaign.db import utcnow
from campaign.petitions import service as petitions
from campaign.petitions.models import PublicStatus


@bp.route("/")
def dashboard() -> str:
    now = utcnow()
    organiser = current_organiser()
    all_petitions = petitions.petitions_for_organiser(organiser)
    wanted = request.args.get("status", "")
    statuses = {petition.id: petition.public_status(now) for petition in all_petitions}
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status.value] = counts.get(status.value, 0) + 1
    shown = [p for p in all_petitions if not wanted or statuses[p.id].value == wanted]
    return render_template(
        "console/dashboard.html",
        petitions=shown,
        statuses=statuses,
        counts=counts,
        wanted=wanted,
        all_statuses=list(PublicStatus),
        total=len(all_petitions),
    )
