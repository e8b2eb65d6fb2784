"""Counts: folded from deltas without a hot row, reconciled against signatures, served as JSON."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.db import utcnow
from campaign.extensions import db
from campaign.petitions.models import Petition
from campaign.signing.counts import exact_count, fold_count_deltas, reconcile_counts
from campaign.signing.models import Signature, SignatureCountDelta
from tests.helpers import make_organiser, make_petition, text_of
from tests.signing_helpers import fold, stored_count


def add_confirmed(app: Flask, petition_id: int, count: int, *, start: int = 0) -> None:
    """Confirmed signatures as the confirming transaction writes them: the row and a +1 delta."""
    with app.app_context():
        for n in range(start, start + count):
            db.session.add(Signature(petition_id=petition_id, state="confirmed", confirmed_at=utcnow(), household_slot=1, name=f"P {n}",
                                     name_key=f"p{n}", email=f"p{n}@example.org", canonical_email=f"p{n}@example.org",
                                     postcode="YO1 7HH"))  # fmt: skip
            db.session.add(SignatureCountDelta(petition_id=petition_id, delta=1))
        db.session.commit()


@pytest.fixture
def petitions(app: Flask) -> tuple[int, int]:
    organiser_id = make_organiser(app)
    return (
        make_petition(app, organiser_id, state="open", slug="first", target=10),
        make_petition(app, organiser_id, state="open", slug="second", target=10),
    )


def test_folding_moves_deltas_into_counts(app: Flask, petitions: tuple[int, int]) -> None:
    first, second = petitions
    add_confirmed(app, first, 3)
    add_confirmed(app, second, 2, start=100)
    with app.app_context():
        assert exact_count(first) == 3, "exact count includes changes not folded yet"
    assert stored_count(app, first) == 0
    assert fold(app) == 5
    assert (stored_count(app, first), stored_count(app, second)) == (3, 2)
    assert fold(app) == 0
    with app.app_context():
        assert db.session.query(SignatureCountDelta).count() == 0


def test_parallel_folders_never_count_twice(app: Flask, petitions: tuple[int, int]) -> None:
    first, _ = petitions
    add_confirmed(app, first, 60)
    folded: list[int] = []

    def folder() -> None:
        with app.app_context():
            folded.append(fold_count_deltas())

    threads = [threading.Thread(target=folder) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(folded) == 60
    assert stored_count(app, first) == 60


def test_reconcile_reports_and_repairs_wrong_counts(app: Flask, petitions: tuple[int, int]) -> None:
    first, _ = petitions
    add_confirmed(app, first, 2)
    fold(app)
    with app.app_context():
        db.session.get_one(Petition, first).signature_count = 7
        db.session.commit()
    dry = app.test_cli_runner().invoke(args=["counts", "reconcile", "--dry-run"])
    assert "first: would change 7 -> 2" in dry.output
    assert stored_count(app, first) == 7, "a dry run changes nothing"
    result = app.test_cli_runner().invoke(args=["counts", "reconcile"])
    assert result.exit_code == 0
    assert "first: changed 7 -> 2" in result.output and "1 petition(s) repaired." in result.output
    assert "second" not in result.output
    assert stored_count(app, first) == 2
    again = app.test_cli_runner().invoke(args=["counts", "reconcile"])
    assert "Every petition's count matches its confirmed signatures." in again.output


def test_reconcile_leaves_unfolded_changes_alone(app: Flask, petitions: tuple[int, int]) -> None:
    """Confirmations whose deltas are not folded yet are not a discrepancy, and are not counted twice."""
    first, _ = petitions
    add_confirmed(app, first, 3)
    with app.app_context():
        assert reconcile_counts() == []
    fold(app)
    assert stored_count(app, first) == 3


def test_count_json_is_small_cacheable_and_open_to_every_origin(
    client: FlaskClient, app: Flask, petitions: tuple[int, int]
) -> None:
    first, _ = petitions
    add_confirmed(app, first, 4)
    fold(app)
    response = client.get("/api/v1/petitions/first/count")
    assert response.get_json() == {"slug": "first", "signature_count": 4, "target": 10, "state": "open"}
    assert response.headers["Cache-Control"] == "public, max-age=2, stale-while-revalidate=30, stale-if-error=86400"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


def test_petition_json_has_its_public_fields(client: FlaskClient, app: Flask, petitions: tuple[int, int]) -> None:
    data = client.get("/api/v1/petitions/second").get_json()
    assert data["slug"] == "second" and data["title"] == "Reverse the social media ban"
    assert data["url"] == "http://localhost/petitions/second"
    assert data["state"] == "open" and data["signature_count"] == 0 and data["target"] == 10
    assert data["organisation"] == "Residents Group"
    assert "<p>" in data["body_html"]
    assert data["opened_at"].endswith("Z")
    for private in ("submission_id", "hidden_reason", "created_by_id", "organisation_id"):
        assert private not in data


def test_json_errors_for_petitions_that_are_not_public(client: FlaskClient, app: Flask) -> None:
    organiser_id = make_organiser(app)
    make_petition(app, organiser_id, slug="a-draft")
    make_petition(app, organiser_id, slug="taken-down", state="hidden")
    response = client.get("/api/v1/petitions/a-draft/count")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404
    response = client.get("/api/v1/petitions/taken-down")
    assert response.status_code == 410 and response.get_json()["error"]["title"] == "This petition has been taken down"


def test_milestones_show_on_the_petition_page(client: FlaskClient, app: Flask, petitions: tuple[int, int]) -> None:
    first, _ = petitions
    add_confirmed(app, first, 5)
    fold(app)
    text = text_of(client.get("/petitions/first"))
    assert "2 signatures: a quarter of the target" in text
    assert "5 signatures: halfway to the target" in text
    assert "three quarters" not in text
