"""Organiser console: the audit log, for administrators only."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, render_template, request, stream_with_context

from campaign.audit import service
from campaign.console import make_console_blueprint, require_admin
from campaign.summaries.petitions import parse_date_range
from campaign.timeutil import site_zone

console_bp = make_console_blueprint("audit_console", __name__, "/console/audit")
console_bp.before_request(require_admin)


def _filter() -> tuple[service.EventFilter, dict[str, str], dict[str, str]]:
    """The filter asked for, the problems with it, and the query to repeat it (for links)."""
    dates, errors = parse_date_range(request.args.get("start"), request.args.get("end"))
    start, end = dates.utc_bounds(site_zone())
    action = request.args.get("action", "").strip()[:80]
    actor = request.args.get("actor", "").strip()[:12]
    query = {"action": action, "actor": actor, "start": request.args.get("start", "")[:40],
             "end": request.args.get("end", "")[:40]}  # fmt: skip
    if errors:
        start = end = None
    return service.EventFilter(action=action, actor=actor, start=start, end=end), errors, query


@console_bp.route("/")
def index() -> str:
    wanted, errors, query = _filter()
    actions, actors = service.filter_choices()
    return render_template(
        "console/audit/index.html",
        found=service.events_page(wanted, request.args.get("page", 1, type=int) or 1),
        actions=actions,
        actors=actors,
        errors=errors,
        query={key: value for key, value in query.items() if value},
    )


@console_bp.route("/audit-log.csv")
def export() -> FlaskResponse:
    wanted, errors, query = _filter()
    if errors:
        abort(400)
    service.record_read("audit.export", target_type="audit_log", target_id=None,
                        details={key: value for key, value in query.items() if value})  # fmt: skip
    chunks = (block.encode("utf-8") for block in service.csv_export(wanted))
    return FlaskResponse(
        stream_with_context(chunks),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{service.export_filename()}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip
