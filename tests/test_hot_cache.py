"""The per-process caches of public pages and counts: shared content only, never anyone's own."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.extensions import db
from campaign.petitions.models import Petition
from tests.helpers import csrf_token, make_organiser, make_petition, sign_in, text_of


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"HOT_CACHE_SECONDS": 60}


@pytest.fixture
def petition_id(app: Flask) -> int:
    return make_petition(app, make_organiser(app), state="open", slug="cached", title="The original title")


def retitle(app: Flask, petition_id: int, title: str) -> None:
    with app.app_context():
        db.session.get_one(Petition, petition_id).title = title
        db.session.commit()


def test_anonymous_visitors_share_a_page_but_each_gets_their_own_token(app: Flask, petition_id: int) -> None:
    first, second = app.test_client(), app.test_client()
    page_one = first.get("/petitions/cached")
    retitle(app, petition_id, "Changed afterwards")
    page_two = second.get("/petitions/cached")
    assert "The original title" in text_of(page_two), "served from the cache"
    token_one, token_two = csrf_token(page_one.data), csrf_token(page_two.data)
    assert token_one != token_two
    assert "csrf-" not in page_two.get_data(as_text=True), "the placeholder never reaches a page"
    assert page_two.headers["Cache-Control"] == "private"
    # Each token works with its own session.
    for client, token in ((first, token_one), (second, token_two)):
        response = client.post("/petitions/cached/sign", data={"csrf_token": token, "name": "Jo", "email": "jo@example.org",
                                                               "postcode": "YO1 7HH"})  # fmt: skip
        assert response.status_code == 302


def test_organiser_text_cannot_hijack_the_token_placeholder(app: Flask, petition_id: int) -> None:
    from campaign.petitions.views import CSRF_PLACEHOLDER

    retitle(app, petition_id, f"Look {CSRF_PLACEHOLDER[:10]} here")
    page = app.test_client().get("/petitions/cached")
    assert csrf_token(page.data) and "csrf-" not in csrf_token(page.data)


def test_signed_in_organisers_and_flashes_see_fresh_pages(client: FlaskClient, app: Flask, petition_id: int) -> None:
    app.test_client().get("/petitions/cached")
    retitle(app, petition_id, "Fresh title")
    sign_in(client)
    assert "Fresh title" in text_of(client.get("/petitions/cached"))


def test_counts_are_cached_briefly(app: Flask, petition_id: int) -> None:
    client = app.test_client()
    assert client.get("/api/v1/petitions/cached/count").get_json()["signature_count"] == 0
    with app.app_context():
        db.session.get_one(Petition, petition_id).signature_count = 5
        db.session.commit()
    assert client.get("/api/v1/petitions/cached/count").get_json()["signature_count"] == 0
    app.config["HOT_CACHE_SECONDS"] = 0
    assert client.get("/api/v1/petitions/cached/count").get_json()["signature_count"] == 5


def test_unknown_petitions_are_never_cached(app: Flask, petition_id: int) -> None:
    client = app.test_client()
    assert client.get("/petitions/later").status_code == 404
    make_petition(app, 1, state="open", slug="later")
    assert client.get("/petitions/later").status_code == 200
