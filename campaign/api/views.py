"""Public petition data as JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app

from campaign.db import utcnow
from campaign.hotcache import hot_cache, hot_cache_seconds
from campaign.petitions.models import Petition
from campaign.petitions.service import get_public_petition
from campaign.security import public
from campaign.urls import absolute_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _cacheable(body: bytes) -> Response:
    """Counts change every few seconds: caches may keep them for half the refresh interval."""
    response = Response(body, mimetype="application/json")
    max_age = max(1, current_app.config["COUNT_REFRESH_SECONDS"] // 2)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def petition_summary(petition: Petition, now: Any) -> dict[str, Any]:
    return {
        "slug": petition.slug,
        "title": petition.title,
        "summary": petition.summary,
        "url": absolute_url("petitions.show", slug=petition.slug),
        "state": petition.public_status(now).value,
        "signature_count": petition.signature_count,
        "target": petition.target,
        "target_reached": petition.signature_count >= petition.target,
        "opened_at": _iso(petition.public_opened_at),
        "closes_at": _iso(petition.closes_at),
        "closed_at": _iso(petition.closed_time(now)),
    }


def _count_body(slug: str) -> bytes:
    now = utcnow()
    petition = get_public_petition(slug, now)
    return _json(
        {
            "slug": petition.slug,
            "signature_count": petition.signature_count,
            "target": petition.target,
            "state": petition.public_status(now).value,
        }
    )


@bp.get("/petitions/<slug:slug>/count")
@public
def petition_count(slug: str) -> Response:
    # The most-requested URL when a petition goes viral: kept per process for a moment.
    body = hot_cache("counts").get_or_set(slug, hot_cache_seconds(), lambda: _count_body(slug))
    return _cacheable(body)  # type: ignore[arg-type]


@bp.get("/petitions/<slug:slug>")
@public
def petition_detail(slug: str) -> Response:
    now = utcnow()
    petition = get_public_petition(slug, now)
    payload = petition_summary(petition, now)
    payload["organisation"] = petition.organisation.name
    payload["body_html"] = petition.body_html
    return _cacheable(_json(payload))
