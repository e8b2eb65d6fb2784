"""Absolute links, for emails, link previews and share buttons."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app
from markupsafe import Markup

from campaign.i18n import gettext as _


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on BASE_URL; works with or without a request (in workers too)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _brand(name: str) -> Markup:
    # A service's name is not a word to translate (translate="no" also keeps browsers' translators off it).
    return Markup('<span translate="no">%s</span>') % name


def share_links(url: str, title: str, summary: str) -> list[tuple[str, str]]:
    """Plain share links (no third-party scripts): (label, href)."""
    text = _("%(title)s – sign the petition", title=title)
    return [
        (_("Email"), "mailto:?" + urlencode({"subject": title, "body": f"{summary}\n\n{url}"}, quote_via=quote)),
        (_brand("WhatsApp"), "https://wa.me/?" + urlencode({"text": f"{text} {url}"}, quote_via=quote)),
        (_brand("Facebook"), "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        (_brand("X (Twitter)"), "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url})),
        (_brand("Bluesky"), "https://bsky.app/intent/compose?" + urlencode({"text": f"{text} {url}"})),
    ]
