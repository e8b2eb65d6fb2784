"""Briefings as PDF, drawn by WeasyPrint from the same HTML as the printable page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from campaign.errors import DomainError

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
STYLESHEET = STATIC / "css" / "briefing.css"
FONTS_STYLESHEET = STATIC / "css" / "fonts.css"
FONTS = STATIC / "fonts"


class PdfUnavailable(DomainError):
    status_code = 503
    title = "PDF downloads are not available here"


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher, URLFetchingError
    except (ImportError, OSError) as error:  # OSError: the Pango libraries it draws text with are missing
        logger.warning("WeasyPrint cannot run: %s", error)
        raise PdfUnavailable(
            "This server cannot make PDFs (WeasyPrint needs the Pango library). Use the printable page and your "
            "browser's “Print → Save as PDF” instead."
        ) from None

    fonts_prefix = FONTS.as_uri() + "/"

    class OnlyOurFonts(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type information
        # The document is self-contained (charts are inline SVG, the stylesheets are passed in): a
        # briefing must never make the server fetch anything, wherever a link in it points. The
        # one exception is our own font files, read from the static folder on this disk.
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(fonts_prefix) and "/../" not in url and url.endswith(".woff2"):
                return super().fetch(url, headers)
            raise URLFetchingError(f"not fetched: {url[:80]}")

    fetcher = OnlyOurFonts()
    font_config = FontConfiguration()
    stylesheets = [
        CSS(filename=str(path), url_fetcher=fetcher, font_config=font_config) for path in (FONTS_STYLESHEET, STYLESHEET)
    ]
    document = HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=stylesheets, font_config=font_config)
    return pdf
