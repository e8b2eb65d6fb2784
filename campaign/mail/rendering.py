"""Emails from templates: templates/emails/<name>/{subject.txt, body.txt, body.html}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from campaign.text import clean_line


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(template: str, **context: Any) -> RenderedEmail:
    """Render the three parts of an email; the subject is forced onto one clean line."""
    # The Jinja environment directly: emails are rendered by the worker, outside any request.
    environment = current_app.jinja_env
    context = {"site_name": current_app.config["SITE_NAME"], **context}
    subject = clean_line(environment.get_template(f"emails/{template}/subject.txt").render(**context))
    text = environment.get_template(f"emails/{template}/body.txt").render(**context).strip() + "\n"
    html = environment.get_template(f"emails/{template}/body.html").render(**context)
    return RenderedEmail(subject=subject[:255], text=text, html=html)
