"""The public JSON API: petitions, counts and consultations' published results. Read-only, for anyone.

Every response is public (no cookies, no session, ``Access-Control-Allow-Origin: *``), carries an
``ETag`` and a ``Cache-Control`` that lets caches keep it for half the count refresh interval and
serve it stale while they fetch a fresh one (or while the site is down); a request with a matching
``If-None-Match`` gets ``304 Not Modified``. Errors are JSON: ``{"error": {"status", "title", "message"}}``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy import func, select

from campaign.areas.service import lookup_for
from campaign.candidates.service import candidates_for
from campaign.consultations.models import Consultation
from campaign.consultations.results import published_summary
from campaign.consultations.service import definition_of, get_public_consultation
from campaign.db import utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import db, limiter
from campaign.hotcache import hot_cache, hot_cache_seconds
from campaign.lifecycle import PUBLIC_STATES, in_public_state
from campaign.outcomes.service import updates_for
from campaign.petitions.models import Petition
from campaign.petitions.service import get_public_petition
from campaign.security import public
from campaign.summaries.petitions import by_area
from campaign.summaries.public import consultation_results, counted
from campaign.urls import absolute_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Every endpoint but the count: API_RATE_LIMIT per address and endpoint.
limited = limiter.limit(lambda: str(current_app.config["API_RATE_LIMIT"]))

MAX_PER_PAGE = 100
DETAIL_CACHE_SECONDS = 30  # details count signatures by area: not every second, however busy


@dataclass(frozen=True)
class Cached:
    body: bytes
    etag: str


def _cached(body: bytes) -> Cached:
    return Cached(body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _json(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _headers(response: Response, etag: str) -> Response:
    refresh = int(current_app.config["COUNT_REFRESH_SECONDS"])
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = (f"public, max-age={max(1, refresh // 2)}, "
                                         f"stale-while-revalidate={refresh * 6}, stale-if-error=86400")  # fmt: skip
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


def _respond(cached: Cached) -> Response:
    """The body, or 304 when the client already has it."""
    if request.if_none_match and request.if_none_match.contains_weak(cached.etag.strip('"')):
        return _headers(Response(status=304), cached.etag)
    return _headers(Response(cached.body, mimetype="application/json"), cached.etag)


def _kept(name: str, key: Any, seconds: float, produce: Callable[[], bytes]) -> Cached:
    value = hot_cache(name).get_or_set(key, seconds, lambda: _cached(produce()))
    assert isinstance(value, Cached)
    return value


def _detail_seconds() -> float:
    seconds = hot_cache_seconds()
    return max(seconds, DETAIL_CACHE_SECONDS) if seconds > 0 else 0.0


@bp.after_request
def _cross_origin(response: Response) -> Response:
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    if request.method == "OPTIONS":
        # A preflight: browsers ask first when a script sends If-None-Match itself.
        response.status_code = 204
        response.headers.update({"Access-Control-Allow-Methods": "GET", "Access-Control-Max-Age": "86400",
                                 "Access-Control-Allow-Headers": "If-None-Match"})  # fmt: skip
    return response


# --- Petitions --------------------------------------------------------------------------------------------


def petition_summary(petition: Petition, now: datetime) -> dict[str, Any]:
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


def _page_args() -> tuple[str, int, int]:
    state = request.args.get("state", "open")
    problems = {}
    if state not in (*PUBLIC_STATES, "all"):
        problems["state"] = "state must be one of open, closed, archived or all"
    page, per_page = request.args.get("page", "1"), request.args.get("per_page", "20")
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        problems["page"] = "page must be a whole number from 1"
    if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
        problems["per_page"] = f"per_page must be a whole number from 1 to {MAX_PER_PAGE}"
    if problems:
        raise ValidationFailed(problems)
    return state, int(page), int(per_page)


def _listing(model: Any, endpoint: str, key: str, describe: Callable[[Any, datetime], dict[str, Any]]) -> bytes:
    state, page, per_page = _page_args()
    now = utcnow()
    condition = in_public_state(model, state, now)
    total = db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0
    rows = db.session.scalars(
        select(model).where(condition).order_by(model.opened_at.desc(), model.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )  # fmt: skip
    pages = max(-(-total // per_page), 1)

    def link(number: int) -> str | None:
        if not 1 <= number <= pages:
            return None
        return absolute_url(endpoint, state=state, page=number, per_page=per_page)

    return _json({key: [describe(row, now) for row in rows], "state": state, "page": page, "per_page": per_page,
                  "total": total, "pages": pages, "next": link(page + 1), "previous": link(page - 1)})  # fmt: skip


@bp.get("/petitions")
@public
@limited
def petitions() -> Response:
    body = _listing(Petition, "api.petitions", "petitions", petition_summary)
    return _respond(_cached(body))


def _count_body(slug: str) -> bytes:
    now = utcnow()
    petition = get_public_petition(slug, now)
    return _json({"slug": petition.slug, "signature_count": petition.signature_count, "target": petition.target,
                  "state": petition.public_status(now).value})  # fmt: skip


@bp.get("/petitions/<slug:slug>/count")
@public
def petition_count(slug: str) -> Response:
    """Not rate limited: counters on busy pages are polled by many people behind one address (a school, an
    office, a mobile network), and the answer comes from memory (see fastpath.py), cheaper than any limit."""
    # The most-requested URL when a petition goes viral: kept per process for a moment, with its ETag.
    return _respond(_kept("counts", slug, hot_cache_seconds(), lambda: _count_body(slug)))


def _detail_body(slug: str) -> bytes:
    now = utcnow()
    petition = get_public_petition(slug, now)
    payload = petition_summary(petition, now)
    payload["organisation"] = petition.organisation.name
    payload["body_html"] = petition.body_html
    lookup = lookup_for(petition.organisation_id)
    payload["areas"] = {"suppressed_below": 5, "defined": lookup.defined,
                        "counts": counted([({"area": area}, count) for area, count in by_area(lookup, petition.id)],
                                          petition.signature_count)}  # fmt: skip
    candidates = candidates_for(petition.id)
    payload["candidates"] = [
        {"name": c.name, "affiliation": c.affiliation, "position": c.latest.position, "statement": c.latest.statement,
         "pledge": c.latest.pledge or None, "version": c.latest.version, "edited": c.latest.version > 1,
         "published_at": _iso(c.latest.published_at), "first_published_at": _iso(c.statements[0].published_at)}
        for c in candidates if c.latest is not None
    ]  # fmt: skip
    payload["candidates_not_responded"] = [{"name": c.name, "affiliation": c.affiliation}
                                           for c in candidates if c.latest is None]  # fmt: skip
    payload["updates"] = [{"title": u.title, "body_html": u.body_html, "published_at": _iso(u.published_at),
                           "edited_at": _iso(u.edited_at)} for u in updates_for(petition.id)]  # fmt: skip
    return _json(payload)


@bp.get("/petitions/<slug:slug>")
@public
@limited
def petition_detail(slug: str) -> Response:
    return _respond(_kept("petition-details", slug, _detail_seconds(), lambda: _detail_body(slug)))


# --- Consultations ----------------------------------------------------------------------------------------


def consultation_summary(consultation: Consultation, now: datetime) -> dict[str, Any]:
    published = consultation.results_published_at is not None
    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "summary": consultation.summary,
        "url": absolute_url("consultations.show", slug=consultation.slug),
        "state": consultation.public_status(now).value,
        "version": consultation.version,
        "questions": definition_of(consultation).question_count,
        "opened_at": _iso(consultation.opened_at),
        "closes_at": _iso(consultation.closes_at),
        "closed_at": _iso(consultation.closed_time(now)),
        "results_published": published,
        "results_url": absolute_url("consultations.results", slug=consultation.slug) if published else None,
    }


@bp.get("/consultations")
@public
@limited
def consultations() -> Response:
    body = _listing(Consultation, "api.consultations", "consultations", consultation_summary)
    return _respond(_cached(body))


def _consultation_body(slug: str) -> bytes:
    now = utcnow()
    consultation = get_public_consultation(slug, now)
    payload = consultation_summary(consultation, now)
    payload["intro_html"] = consultation.intro_html
    payload["organisation"] = consultation.organisation.name
    payload["petition"] = (absolute_url("api.petition_detail", slug=consultation.petition.slug)
                           if consultation.petition is not None and consultation.petition.is_publicly_visible(now)
                           else None)  # fmt: skip
    payload["results"] = None
    if consultation.results_published_at is not None:
        payload["results"] = {"published_at": _iso(consultation.results_published_at),
                              **consultation_results(published_summary(consultation))}  # fmt: skip
    return _json(payload)


@bp.get("/consultations/<slug:slug>")
@public
@limited
def consultation_detail(slug: str) -> Response:
    return _respond(_kept("consultation-details", slug, _detail_seconds(), lambda: _consultation_body(slug)))


@bp.get("/openapi.json")
@public
@limited
def openapi() -> Response:
    from campaign.api.openapi import document

    return _respond(_cached(_json(document())))
