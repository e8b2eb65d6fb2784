"""The rules of the embedded sign form: who may frame it, and how a submission proves where it came from.

The widget lives in a frame on other people's sites, where browsers increasingly refuse third-party
cookies, so it uses none: no session, no session-based CSRF token. Instead:

- the form carries a signed, expiring token naming the petition (so a submission started from a form
  this site served, recently, for this petition), and
- the browser's own word on where the request came from: ``Sec-Fetch-Site`` must be ``same-origin``
  (the form in the frame posts to its own site); browsers too old to send it send ``Origin``, which
  must be this site. A page on another site posting to the widget is refused, whatever it sends.

Which sites may frame the widget is the petition's list of origins (``frame-ancestors``); an empty
list means any site. Every other page refuses to be framed at all (see security.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.datastructures import Headers

from campaign.accounts.models import Organiser
from campaign.db import transaction
from campaign.errors import ValidationFailed
from campaign.hotcache import hot_cache
from campaign.i18n import gettext as _
from campaign.petitions.models import Petition
from campaign.petitions.service import get_for_organiser
from campaign.tokens import TokenInvalid, TokenPurpose, make_token, read_token

logger = logging.getLogger(__name__)

FORM_TOKEN_SECONDS = 4 * 3600
MAX_ORIGINS = 50
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_ACCENT = re.compile(r"^[0-9a-fA-F]{6}$")


def own_origin() -> str:
    parts = urlsplit(current_app.config["BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}".lower()


def form_token(petition_id: int) -> str:
    return make_token(TokenPurpose.EMBEDDED_SIGN_FORM, {"p": petition_id})


def check_form_token(token: str, petition_id: int) -> None:
    """Raises TokenExpired or TokenInvalid unless the token was made by this site, recently, for this petition."""
    payload = read_token(TokenPurpose.EMBEDDED_SIGN_FORM, token, max_age_seconds=FORM_TOKEN_SECONDS)
    if not isinstance(payload, dict) or payload.get("p") != petition_id:
        raise TokenInvalid(_("This form was made for another petition."))


def from_this_site(headers: Headers | Mapping[str, str]) -> bool:
    """Whether the browser says the submission came from a page of this site (the widget itself)."""
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = headers.get("Origin")
    if origin is not None:
        return origin.lower() == own_origin()
    # Neither: not a browser (browsers have sent Origin on every POST for years). A script can send
    # whatever it likes anyway; what keeps scripts from inflating counts is the emailed confirmation.
    return True


def parse_origins(text: str) -> list[str]:
    """One origin a line ("https://example.org", "https://*.example.org", "http://localhost:8000")."""
    origins: list[str] = []
    problems: list[str] = []
    for line in text.splitlines():
        raw = line.strip().rstrip("/")
        if not raw:
            continue
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
        host = (parts.hostname or "").lower()  # "*.example.org" stays as it is: CSP allows subdomain wildcards
        try:
            port = parts.port
        except ValueError:
            port = -1
        if (
            parts.scheme not in {"http", "https"} or not host or not _HOST.match(host) or port == -1
            or parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username or parts.password
        ):  # fmt: skip
            problems.append(raw[:80])
            continue
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
        if origin not in origins:
            origins.append(origin)
    if problems:
        listed = ", ".join(f"“{p}”" for p in problems[:3])
        raise ValidationFailed(
            {"embed_origins": _("Enter each site as an address like https://example.org: %(sites)s", sites=listed)}
        )
    if len(origins) > MAX_ORIGINS:
        raise ValidationFailed({"embed_origins": _("List at most %(max)s sites", max=MAX_ORIGINS)})
    return origins


def frame_ancestors(petition: Petition) -> str:
    """The CSP frame-ancestors source list for a petition's widget: its own site always, then its list or any."""
    origins = [origin for origin in petition.embed_origins.split() if origin]
    return " ".join(["'self'", *origins]) if origins else "*"


def accent_colour(raw: str | None) -> str | None:
    """An accent colour from the allow-list: six hex digits, with or without "#"."""
    value = (raw or "").strip().removeprefix("#")
    return f"#{value.lower()}" if _ACCENT.match(value) else None


def set_embed_origins(organiser: Organiser, petition_id: int, text: str) -> list[str]:
    """Which sites may frame the petition's widget (none listed: any site)."""
    origins = parse_origins(text)
    with transaction():
        petition = get_for_organiser(organiser, petition_id, for_update=True)
        petition.embed_origins = "\n".join(origins)
    hot_cache("embed-pages").clear()  # the framing rule is in the cached pages' headers
    logger.info("embedding sites changed", extra={"petition_id": petition_id, "sites": len(origins)})
    return origins
