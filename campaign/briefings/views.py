"""A shared briefing: a read-only page (also for printing) and its PDF, opened by a signed link."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from campaign.briefings.content import build_briefing
from campaign.briefings.models import Briefing
from campaign.briefings.pdf import render_pdf
from campaign.briefings.service import briefing_for_link
from campaign.candidates.models import POSITION_LABELS
from campaign.db import utcnow
from campaign.hotcache import hot_cache
from campaign.i18n import gettext as _
from campaign.security import public
from campaign.timeutil import site_zone
from campaign.tokens import TokenExpired, TokenInvalid

bp = Blueprint("briefings", __name__)

# The link is the key to the briefing: keep it out of other sites' logs and out of search engines.
PRIVATE_LINK_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow",
                        "Cache-Control": "private, max-age=0"}  # fmt: skip


def render_briefing(
    briefing: Briefing, *, for_pdf: bool = False, preview: bool = False, pdf_url: str | None = None
) -> str:
    content = build_briefing(briefing, site_zone(), utcnow())
    return render_template("briefings/show.html", content=content, positions=POSITION_LABELS, for_pdf=for_pdf,
                           preview=preview, pdf_url=pdf_url)  # fmt: skip


def _cached(briefing: Briefing, kind: str, produce: Callable[[], object]) -> object:
    # Figures over many thousands of responses take a moment: each process keeps the finished page
    # (and PDF) for BRIEFING_CACHE_SECONDS. Changing the briefing or its link changes the key.
    key = (briefing.id, briefing.share_nonce, briefing.updated_at.isoformat(), kind)
    seconds = float(current_app.config["BRIEFING_CACHE_SECONDS"])
    return hot_cache("briefings").get_or_set(key, seconds, produce)


def _open(token: str) -> Briefing | tuple[str, int]:
    try:
        return briefing_for_link(token, utcnow())
    except TokenExpired as error:
        return render_template(
            "signing/link_invalid.html", title=_("This link has expired"), message=error.message
        ), 410
    except TokenInvalid as error:
        return render_template("signing/link_invalid.html", message=error.message), 404


@bp.route("/briefings/<token>")
@public
def show(token: str) -> BaseResponse | tuple[str, int]:
    briefing = _open(token)
    if isinstance(briefing, tuple):
        return briefing
    pdf_url = url_for(".pdf", token=token)
    page = _cached(briefing, "html", lambda: render_briefing(briefing, pdf_url=pdf_url))
    return Response(str(page), mimetype="text/html", headers=PRIVATE_LINK_HEADERS)


@bp.route("/briefings/<token>/briefing.pdf")
@public
def pdf(token: str) -> BaseResponse | tuple[str, int]:
    briefing = _open(token)
    if isinstance(briefing, tuple):
        return briefing
    body = _cached(briefing, "pdf", lambda: render_pdf(render_briefing(briefing, for_pdf=True)))
    assert isinstance(body, bytes)
    return pdf_response(briefing, body)


def pdf_response(briefing: Briefing, body: bytes) -> BaseResponse:
    filename = f"briefing-{briefing.id}-{utcnow():%Y-%m-%d}.pdf"
    headers = {**PRIVATE_LINK_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, mimetype="application/pdf", headers=headers)
