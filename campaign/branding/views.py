"""Icons at the addresses browsers ask for, and a link-preview picture for each petition."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext, ngettext

from campaign.branding.images import favicon_ico, petition_preview_png, touch_icon_png
from campaign.db import utcnow
from campaign.hotcache import TTLCache, hot_cache_seconds
from campaign.petitions import service
from campaign.security import public

bp = Blueprint("branding", __name__)

ICON_MAX_AGE = 7 * 86_400
# Link previews are fetched by social sites when a link is shared; a few minutes old is fine.
PREVIEW_MAX_AGE = 300


def _picture(body: bytes, mimetype: str, max_age: int) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.make_conditional(request)  # turns itself into a 304 when the ETag matches
    return response


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    return _picture(favicon_ico(), "image/vnd.microsoft.icon", ICON_MAX_AGE)


@bp.get("/apple-touch-icon.png")
@bp.get("/apple-touch-icon-precomposed.png")
@public
def touch_icon() -> Response:
    return _picture(touch_icon_png(), "image/png", ICON_MAX_AGE)


# Drawing takes a fifth of a second. While a petition is being shared its count changes every few
# seconds, so each process draws a petition's picture at most once a minute (a minute-old count on
# a link preview is fine); with HOT_CACHE_SECONDS=0 (caching off) it is drawn fresh every time.
PREVIEW_REDRAW_SECONDS = 60
_previews: TTLCache[bytes] = TTLCache(max_entries=256)


@bp.get("/petitions/<slug:slug>/preview.png")
@public
def petition_preview(slug: str) -> Response:
    petition = service.get_public_petition(slug, utcnow())
    count, percent = petition.signature_count, petition.progress_percent()
    count_text = ngettext("%(count)s signature", "%(count)s signatures", count, count=f"{count:,}")
    if count >= petition.target:
        target_text = gettext("Target of %(target)s reached", target=f"{petition.target:,}")
    else:
        target_text = gettext(
            "%(percent)s%% of the target of %(target)s", percent=percent, target=f"{petition.target:,}"
        )
    body = _previews.get_or_set(
        (slug, petition.title),
        PREVIEW_REDRAW_SECONDS if hot_cache_seconds() > 0 else 0,
        lambda: petition_preview_png(petition.title, count_text, target_text, percent, current_app.config["SITE_NAME"]),
    )
    return _picture(body, "image/png", PREVIEW_MAX_AGE)
