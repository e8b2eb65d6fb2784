"""Briefings as PDF, drawn by WeasyPrint from the same HTML as the printable page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, NoReturn

from campaign.errors import DomainError

logger = logging.getLogger(__name__)

STYLESHEET = Path(__file__).resolve().parent.parent.parent / "static" / "css" / "briefing.css"


class PdfUnavailable(DomainError):
    status_code = 503
    title = "PDF downloads are not available here"


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # The document is self-contained (charts are inline SVG, the stylesheet is passed in): a briefing
    # must never make the server fetch anything, wherever a link in it points.
    raise ValueError(f"not fetched: {url[:80]}")


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as error:  # OSError: the Pango libraries it draws text with are missing
        logger.warning("WeasyPrint cannot run: %s", error)
        raise PdfUnavailable(
            "This server cannot make PDFs (WeasyPrint needs the Pango library). Use the printable page and your "
            "browser's “Print → Save as PDF” instead."
        ) from None
    document = HTML(string=html, url_fetcher=_refuse)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET), url_fetcher=_refuse)])
    return pdf
