"""Public petition pages."""

from __future__ import annotations

from flask import render_template, request

from campaign.db import utcnow
from campaign.petitions import bp, service
from campaign.security import public
from campaign.urls import absolute_url, share_links

PER_PAGE = 20


@bp.route("/")
@public
def index() -> str:
    now = utcnow()
    page = request.args.get("page", 1, type=int) or 1
    petitions, total = service.open_petitions(now, page=page, per_page=PER_PAGE)
    return render_template(
        "petitions/index.html",
        petitions=petitions,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        recently_closed=service.recently_closed_petitions(now) if page == 1 else [],
        now=now,
    )


@bp.route("/petitions/<slug:slug>")
@public
def show(slug: str) -> str:
    now = utcnow()
    petition = service.get_public_petition(slug, now)
    url = absolute_url("petitions.show", slug=petition.slug)
    return render_template(
        "petitions/show.html",
        petition=petition,
        status=petition.public_status(now),
        canonical_url=url,
        share_links=share_links(url, petition.title, petition.summary),
        now=now,
    )
