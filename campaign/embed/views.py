"""The widget: the framed petition page and its sign form, the loader script, oEmbed, the builder page."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from markupsafe import escape
from werkzeug.wrappers import Response as BaseResponse

from campaign.db import utcnow
from campaign.embed import service
from campaign.embed.forms import EmbeddedSignForm
from campaign.errors import NotFound, ValidationFailed
from campaign.extensions import csrf, limiter
from campaign.forms import apply_errors
from campaign.hotcache import hot_cache, hot_cache_seconds
from campaign.i18n import gettext as _
from campaign.net import client_address
from campaign.petitions.models import Petition, PublicStatus
from campaign.petitions.service import get_public_petition
from campaign.security import public
from campaign.signing import service as signing
from campaign.text import SLUG_PATTERN
from campaign.tokens import TokenExpired, TokenInvalid
from campaign.urls import absolute_url

logger = logging.getLogger(__name__)

bp = Blueprint("embed", __name__)

WIDGET_JS = Path(__file__).resolve().parent.parent.parent / "static" / "js" / "widget.js"
FULL_HEIGHT, COMPACT_HEIGHT = 640, 200
DEFAULT_ACCENT = "#00703c"


def _accent_style(accent: str | None) -> str:
    return f":root {{ --accent: {accent}; }}" if accent else ""


def _embed_policy(petition: Petition, style: str = "") -> str:
    # The accent colour's one-line stylesheet is allowed by its hash: the page can be cached and
    # shared, which a per-response nonce would not allow, and nothing else inline can run or style.
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    styles = f"style-src 'self' 'sha256-{digest}'" if style else "style-src 'self'"
    return "; ".join([
        "default-src 'self'", "script-src 'self'", styles, "img-src 'self' data:",
        "connect-src 'self'", "form-action 'self'", "base-uri 'none'", "object-src 'none'",
        f"frame-ancestors {service.frame_ancestors(petition)}",
    ])  # fmt: skip


def _options() -> tuple[str | None, bool]:
    return service.accent_colour(request.args.get("accent")), request.args.get("compact") in {"1", "true"}


def _render(petition: Petition, *, form: EmbeddedSignForm | None = None, sent: bool = False, status: int = 200,
            cacheable: bool = False) -> BaseResponse:  # fmt: skip
    accent, compact = _options()
    style = _accent_style(accent)
    now = utcnow()
    open_now = petition.public_status(now) == PublicStatus.OPEN
    if form is None and open_now and not compact and not sent:
        form = EmbeddedSignForm(formdata=None)
    page = render_template(
        "embed/petition.html", petition=petition, form=form, sent=sent, accent=accent, compact=compact,
        accent_style=style, open_now=open_now, now=now, petition_url=absolute_url("petitions.show", slug=petition.slug),
        form_token=service.form_token(petition.id), query=urlencode(_query()),
    )  # fmt: skip
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _embed_policy(petition, style)
    # Framed on someone else's page: its address there is not ours to pass on.
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Cache-Control"] = "public, max-age=30" if cacheable else "no-store"
    return response


def _query() -> dict[str, str]:
    accent, compact = _options()
    return {k: v for k, v in (("accent", (accent or "").lstrip("#")), ("compact", "1" if compact else "")) if v}


@dataclass(frozen=True)
class _Page:
    body: str
    status: int
    headers: list[tuple[str, str]]


@bp.route("/embed/petitions/<slug:slug>")
@public
def petition(slug: str) -> BaseResponse:
    """The widget. Everyone sees the same page (the count is refreshed by script), so it is kept a moment."""
    accent, compact = _options()

    def produce() -> _Page:
        response = _render(get_public_petition(slug, utcnow()), cacheable=True)
        return _Page(response.get_data(as_text=True), response.status_code, list(response.headers.items()))

    page = hot_cache("embed-pages").get_or_set((slug, accent, compact), hot_cache_seconds(), produce)
    assert isinstance(page, _Page)
    return Response(page.body, status=page.status, headers=page.headers)


def _sent_url(slug: str) -> str:
    query = urlencode(_query())
    return url_for(".sent", slug=slug) + (f"?{query}" if query else "")


@bp.route("/embed/petitions/<slug:slug>/sign", methods=["POST"])
@public
@limiter.limit(lambda: str(current_app.config["SIGN_RATE_LIMIT"]))
def sign(slug: str) -> BaseResponse:
    now = utcnow()
    petition = get_public_petition(slug, now)
    if not service.from_this_site(request.headers):
        logger.warning("embedded sign refused: sent from another site", extra={"petition_id": petition.id})
        policy = _embed_policy(petition)
        page = render_template("embed/refused.html", petition=petition)
        return Response(page, status=403, mimetype="text/html", headers={"Content-Security-Policy": policy})
    form = EmbeddedSignForm()
    try:
        service.check_form_token(request.form.get("form_token", ""), petition.id)
    except (TokenExpired, TokenInvalid):
        form.validate()
        form.form_errors.append(_("This form had expired. Please check your details and sign again."))
        return _render(petition, form=form)
    if request.form.get("website", "").strip():
        return redirect(_sent_url(slug))  # a bot: it sees what a person would
    try:
        signing.sign_petition(
            slug, signing.SignatureRequest.from_form(request.form), verified_email=None, now=now,
            client_ip=client_address(),
        )  # fmt: skip
    except ValidationFailed as error:
        form.validate()
        _cleaned, more = signing.check_signature_request(signing.SignatureRequest.from_form(request.form))
        apply_errors(form, {**more, **error.errors}, only_new=True)
        return _render(petition, form=form)
    except signing.SigningClosed as error:
        form.form_errors.append(error.message)
        return _render(petition, form=form)
    return redirect(_sent_url(slug))


# The widget's form proves itself with its own token and the browser's Fetch Metadata (see service.py):
# a session-based CSRF token would need a cookie, which browsers refuse to third-party frames.
csrf.exempt(sign)


@bp.route("/embed/petitions/<slug:slug>/sent")
@public
def sent(slug: str) -> BaseResponse:
    return _render(get_public_petition(slug, utcnow()), sent=True)


@bp.route("/widget.js")
@public
def widget_js() -> BaseResponse:
    response = Response(WIDGET_JS.read_bytes(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _petition_from_url(url: str) -> Petition:
    parts = urlsplit(url.strip())
    base = urlsplit(current_app.config["BASE_URL"])
    segments = parts.path.strip("/").split("/")
    if parts.netloc.lower() != base.netloc.lower() or len(segments) < 2 or segments[-2] != "petitions":
        raise NotFound(_("That is not the address of a petition on this site."))
    slug = segments[-1]
    if not SLUG_PATTERN.match(slug):
        raise NotFound(_("That is not the address of a petition on this site."))
    return get_public_petition(slug, utcnow())


def _bounded(name: str, default: int, minimum: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 6:
        raise ValueError(name)
    return max(min(int(raw), default), minimum)


@bp.route("/oembed")
@public
def oembed() -> BaseResponse | tuple[BaseResponse, int]:
    """oEmbed (https://oembed.com): a "rich" embed of a petition's widget."""

    def problem(status: int, message: str) -> tuple[BaseResponse, int]:
        response = Response(f'{{"error": "{message}"}}', mimetype="application/json")
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response, status

    if request.args.get("format", "json") != "json":
        return problem(501, "only the json format is offered")
    url = request.args.get("url", "")
    if not url or len(url) > 2000:
        return problem(400, "url is required")
    try:
        width = _bounded("maxwidth", 560, 200)
        height = _bounded("maxheight", FULL_HEIGHT, 120)
    except ValueError:
        return problem(400, "maxwidth and maxheight must be whole numbers")
    try:
        found = _petition_from_url(url)
    except NotFound:
        return problem(404, "no petition at that address")
    compact = height < FULL_HEIGHT // 2
    height = min(height, COMPACT_HEIGHT) if compact else height
    src = absolute_url("embed.petition", slug=found.slug, **({"compact": "1"} if compact else {}))
    frame_title = escape(_("Petition: %(title)s", title=found.title))
    html = (f'<iframe src="{escape(src)}" width="{width}" height="{height}" title="{frame_title}" '
            'loading="lazy" frameborder="0" style="border:0;max-width:100%"></iframe>')  # fmt: skip
    payload = {
        "version": "1.0", "type": "rich", "provider_name": current_app.config["SITE_NAME"],
        "provider_url": absolute_url("petitions.index"), "title": found.title, "html": html,
        "width": width, "height": height, "cache_age": 3600,
    }  # fmt: skip
    response = Response(json.dumps(payload, ensure_ascii=False), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/petitions/<slug:slug>/embed")
@public
def builder(slug: str) -> str:
    """Choose the widget's look, see it, copy the snippet: for organisers, candidates, anyone."""
    found = get_public_petition(slug, utcnow())
    accent, compact = _options()
    accent = accent or DEFAULT_ACCENT
    query = {"accent": accent.lstrip("#"), **({"compact": "1"} if compact else {})}
    frame_src = absolute_url("embed.petition", slug=found.slug, **query)
    height = COMPACT_HEIGHT if compact else FULL_HEIGHT
    attributes = "".join(f' data-{name}="{value}"' for name, value in query.items())
    script_snippet = (f'<div data-campaign-petition="{found.slug}"{attributes}></div>\n'
                      f'<script async src="{absolute_url("embed.widget_js")}"></script>')  # fmt: skip
    frame_title = escape(_("Petition: %(title)s", title=found.title))
    iframe_snippet = (f'<iframe src="{escape(frame_src)}" title="{frame_title}" width="100%" '
                      f'height="{height}" loading="lazy" style="border:0"></iframe>')  # fmt: skip
    return render_template("embed/builder.html", petition=found, accent=accent, compact=compact,
                           petition_url=absolute_url("petitions.show", slug=found.slug),
                           embed_url=absolute_url("embed.petition", slug=found.slug),
                           frame_src=frame_src, frame_height=height, script_snippet=script_snippet,
                           iframe_snippet=iframe_snippet)  # fmt: skip
