"""Public petition pages."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import Blueprint, render_template, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf

from campaign.candidates.models import POSITION_LABELS
from campaign.candidates.service import candidates_for
from campaign.db import utcnow
from campaign.hotcache import hot_cache, hot_cache_seconds
from campaign.outcomes.service import updates_for
from campaign.petitions import service
from campaign.petitions.models import Petition, PublicStatus
from campaign.security import public
from campaign.urls import absolute_url, share_links
from campaign.verified import SESSION_KEY as VERIFIED_SESSION_KEY
from campaign.verified import verified_identity

bp = Blueprint("petitions", __name__)

PER_PAGE = 20


@bp.route("/")
@public
def index() -> str:
    now = utcnow()
    requested = request.args.get("page", 1, type=int) or 1
    petitions, total, page = service.open_petitions(now, page=min(requested, 1_000_000), per_page=PER_PAGE)
    from campaign.consultations.service import open_consultations

    return render_template(
        "petitions/index.html",
        consultations=open_consultations(now) if page == 1 else [],
        petitions=petitions,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        recently_closed=service.recently_closed_petitions(now) if page == 1 else [],
        now=now,
    )


# Stands in for the visitor's CSRF token in cached pages; swapped for the real one per request.
# Random per process, so no text an organiser writes can ever contain it.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"


def render_petition_page(
    petition: Petition, now: datetime, sign_form: FlaskForm | None = None, *, csrf_value: str | None = None
) -> str:
    """The petition page; the sign form is passed back in when it needs to show errors."""
    from campaign.signing.forms import SignForm

    status = petition.public_status(now)
    url = absolute_url("petitions.show", slug=petition.slug)
    identity = verified_identity(now)
    if sign_form is None and status == PublicStatus.OPEN:
        prefill = (
            {"name": identity.name, "email": identity.email, "postcode": identity.postcode or ""} if identity else None
        )
        sign_form = SignForm(data=prefill)
    return render_template(
        "petitions/show.html",
        petition=petition,
        status=status,
        candidates=candidates_for(petition.id),
        positions=POSITION_LABELS,
        updates=updates_for(petition.id),
        canonical_url=url,
        oembed_url=absolute_url("embed.oembed", url=url, format="json"),
        share_links=share_links(url, petition.title, petition.summary),
        sign_form=sign_form,
        identity=identity,
        csrf_value=csrf_value or generate_csrf(),
        now=now,
    )


@bp.route("/petitions/<slug:slug>")
@public
def show(slug: str) -> str:
    now = utcnow()
    if current_user.is_authenticated or session.get("_flashes") or session.get(VERIFIED_SESSION_KEY):
        return render_petition_page(service.get_public_petition(slug, now), now)
    # Every anonymous visitor sees the same page but for their CSRF token: render it at most
    # once per interval per process, then fill in the token.
    page = hot_cache("petition-pages").get_or_set(
        slug,
        hot_cache_seconds(),
        lambda: render_petition_page(service.get_public_petition(slug, now), now, csrf_value=CSRF_PLACEHOLDER),
    )
    return str(page).replace(CSRF_PLACEHOLDER, generate_csrf(), 1)
