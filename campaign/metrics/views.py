"""``GET /metrics``: off by default; when on, for the scraper's bearer token or listed addresses only."""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Flask, Response, abort, current_app, request

from campaign.api.fastpath import ENDPOINT_KEY
from campaign.metrics.middleware import RequestMetrics
from campaign.metrics.registry import exposition
from campaign.net import client_address
from campaign.security import public

bp = Blueprint("metrics", __name__)


def scraper_allowed() -> bool:
    """From an address in METRICS_ALLOW_IPS (as PROXY_HOPS reports it), or with the METRICS_TOKEN bearer token."""
    try:
        address = ipaddress.ip_address(client_address())
    except ValueError:
        address = None
    if address is not None and any(address in network for network in current_app.config["METRICS_ALLOW_IPS"]):
        return True
    token = current_app.config["METRICS_TOKEN"]
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode())


@bp.get("/metrics")
@public  # not signed in: guarded by its own token or address list (tests/test_metrics.py)
def metrics() -> Response:
    if current_app.config["METRICS"] != "on":
        abort(404)
    if not scraper_allowed():
        return Response(
            "Metrics need the bearer token in METRICS_TOKEN.\n", 401, mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
        )  # fmt: skip
    body, content_type = exposition(request.headers.get("Accept", ""))
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def _remember_endpoint(_error: BaseException | None) -> None:
    request.environ[ENDPOINT_KEY] = request.endpoint or "none"


def init_metrics(app: Flask) -> None:
    """The endpoint always exists (it answers 404 while METRICS is off); timing only when on."""
    app.register_blueprint(bp)
    if app.config["METRICS"] == "on":
        app.teardown_request(_remember_endpoint)
        app.wsgi_app = RequestMetrics(app.wsgi_app)  # type: ignore[method-assign]
