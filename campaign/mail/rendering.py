"""Emails from templates: templates/emails/<name>/{subject.txt, body.txt, body.html}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template

from campaign.text import clean_line


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(template: str, **context: Any) -> RenderedEmail:
    """Render the three parts of an email; the subject is forced onto one clean line."""
    subject = clean_line(render_template(f"emails/{template}/subject.txt", **context))
    text = render_template(f"emails/{template}/body.txt", **context).strip() + "\n"
    html = render_template(f"emails/{template}/body.html", **context)
    return RenderedEmail(subject=subject[:255], text=text, html=html)
