"""Emails from templates: templates/emails/<name>/{subject.txt, body.txt, body.html}."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app

from campaign.text import clean_line
from campaign.urls import absolute_url


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


ContextLoader = Callable[[dict[str, Any]], dict[str, Any]]

# Some messages go to thousands of people with the same long text (an update on a petition, say):
# their outbox rows hold just a reference, and a loader adds the shared text when each is sent.
_CONTEXT_LOADERS: dict[str, ContextLoader] = {}


def register_context_loader(template: str, loader: ContextLoader) -> None:
    _CONTEXT_LOADERS[template] = loader


def render_email(template: str, **context: Any) -> RenderedEmail:
    """Render the three parts of an email; the subject is forced onto one clean line."""
    # The Jinja environment directly: emails are rendered by the worker, outside any request.
    environment = current_app.jinja_env
    loader = _CONTEXT_LOADERS.get(template)
    if loader is not None:
        context = loader(context)
    context = {"site_name": current_app.config["SITE_NAME"], "privacy_url": absolute_url("privacy.notice"), **context}
    subject = clean_line(environment.get_template(f"emails/{template}/subject.txt").render(**context))
    text = environment.get_template(f"emails/{template}/body.txt").render(**context).strip() + "\n"
    html = environment.get_template(f"emails/{template}/body.html").render(**context)
    return RenderedEmail(subject=subject[:255], text=text, html=html)
