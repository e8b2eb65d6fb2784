"""Public petition pages."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm

from campaign.db import utcnow
from campaign.petitions import service
from campaign.petitions.models import Petition, PublicStatus
from campaign.security import public
from campaign.urls import absolute_url, share_links

bp = Blueprint("petitions", __name__)

PER_PAGE = 20


@bp.route("/")
@public
def index() -> str:
    now = utcnow()
    requested = request.args.get("page", 1, type=int) or 1
    petitions, total, page = service.open_petitions(now, page=min(requested, 1_000_000), per_page=PER_PAGE)
    return render_template(
        "petitions/index.html",
        petitions=petitions,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        recently_closed=service.recently_closed_petitions(now) if page == 1 else [],
        now=now,
    )


def render_petition_page(petition: Petition, now: datetime, sign_form: FlaskForm | None = None) -> str:
    """The petition page; the sign form is passed back in when it needs to show errors."""
    from campaign.signing.forms import SignForm

    status = petition.public_status(now)
    url = absolute_url("petitions.show", slug=petition.slug)
    if sign_form is None and status == PublicStatus.OPEN:
        sign_form = SignForm()
    return render_template(
        "petitions/show.html",
        petition=petition,
        status=status,
        canonical_url=url,
        share_links=share_links(url, petition.title, petition.summary),
        sign_form=sign_form,
        now=now,
    )


@bp.route("/petitions/<slug:slug>")
@public
def show(slug: str) -> str:
    now = utcnow()
    return render_petition_page(service.get_public_petition(slug, now), now)
