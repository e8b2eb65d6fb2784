"""Briefings as PDF, drawn by WeasyPrint from the same HTML as the printable page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from campaign.errors import DomainError

logger = logging.getLogger(__name__)

STYLESHEET = Path(__file__).resolve().parent.parent.parent / "static" / "css" / "briefing.css"


class PdfUnavailable(DomainError):
    status_code = 503
    title = "PDF downloads are not available here"


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher, URLFetchingError
    except (ImportError, OSError) as error:  # OSError: the Pango libraries it draws text with are missing
        logger.warning("WeasyPrint cannot run: %s", error)
        raise PdfUnavailable(
            "This server cannot make PDFs (WeasyPrint needs the Pango library). Use the printable page and your "
            "browser's “Print → Save as PDF” instead."
        ) from None

    class NothingFetched(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type information
        # The document is self-contained (charts are inline SVG, the stylesheet is passed in): a
        # briefing must never make the server fetch anything, wherever a link in it points.
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise URLFetchingError(f"not fetched: {url[:80]}")

    fetcher = NothingFetched()
    document = HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET), url_fetcher=fetcher)])
    return pdf
