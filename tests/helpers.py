"""Plain helper functions for tests: forms with real CSRF tokens, sign-in, factories, HTML checks."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from campaign.accounts.models import Organiser, Role
from campaign.accounts.service import NewOrganiser, create_organiser
from campaign.db import utcnow
from campaign.extensions import db
from campaign.petitions import service as petitions
from campaign.petitions.models import Petition

DEFAULT_PASSWORD = "correct horse battery staple"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(page: str | bytes) -> str:
    text = page.decode() if isinstance(page, bytes) else page
    match = _CSRF.search(text)
    assert match, "page has no CSRF token"
    return html.unescape(match.group(1))


def hidden_value(page: str | bytes, name: str) -> str:
    text = page.decode() if isinstance(page, bytes) else page
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', text)
    assert match, f"page has no hidden field {name}"
    return html.unescape(match.group(1))


def submit(client: FlaskClient, url: str, data: dict[str, Any], *, form_url: str | None = None) -> TestResponse:
    """GET the page with the form (for its CSRF token), then POST the data to ``url``."""
    page = client.get(form_url or url)
    assert page.status_code == 200, f"GET {form_url or url} gave {page.status_code}"
    return client.post(url, data={"csrf_token": csrf_token(page.data), **data})


def text_of(response: TestResponse) -> str:
    """The visible text of a page, whitespace folded, entities decoded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def make_organiser(
    app: Flask,
    email: str = "organiser@example.org",
    *,
    name: str = "Olive Organiser",
    organisation: str = "Residents Group",
    role: Role = Role.ORGANISER,
    password: str = DEFAULT_PASSWORD,
) -> int:
    with app.app_context():
        organiser = create_organiser(
            NewOrganiser(email=email, name=name, password=password, role=role, organisation_name=organisation)
        )
        return organiser.id


def sign_in(client: FlaskClient, email: str = "organiser@example.org", password: str = DEFAULT_PASSWORD) -> None:
    response = submit(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, text_of(response)


def make_petition(
    app: Flask,
    organiser_id: int,
    *,
    title: str = "Reverse the social media ban",
    state: str = "draft",
    target: int = 100,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    slug: str | None = None,
    body: str = "Officers should be able to talk to residents.",
) -> int:
    """Create a petition through the service and move it to ``state``."""
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        petition = petitions.create_petition(
            organiser,
            petitions.PetitionDraft(
                title=title, summary="A short summary.", body=body, target=target,
                opens_at=opens_at, closes_at=closes_at, slug=slug,
            ),
        )  # fmt: skip
        petition_id = petition.id
        if state in {"open", "closed", "archived", "hidden"}:
            petitions.open_petition(organiser, petition_id)
        if state in {"closed", "archived"}:
            petitions.close_petition(organiser, petition_id)
        if state == "archived":
            petitions.archive_petition(organiser, petition_id)
        if state == "hidden":
            petitions.hide_petition(organiser, petition_id, "Defamatory content")
        return petition_id


def load_petition(app: Flask, petition_id: int) -> Petition:
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        db.session.expunge(petition)
        return petition


def in_days(days: float) -> datetime:
    return utcnow() + timedelta(days=days)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _BalanceChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                if value in self.ids:
                    self.problems.append(f"duplicate id {value!r}")
                self.ids.add(value)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def assert_well_formed(page: str) -> None:
    """Every element closed in order, no duplicate ids, a doctype, a lang and a title."""
    assert page.lstrip().lower().startswith("<!doctype html>"), "missing doctype"
    assert '<html lang="' in page, "missing lang"
    assert re.search(r"<title>[^<]+</title>", page), "missing title"
    checker = _BalanceChecker()
    checker.feed(page)
    checker.close()
    assert not checker.problems, checker.problems
    assert not checker.stack, f"unclosed: {checker.stack}"
