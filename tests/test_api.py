"""The public JSON API, checked against its own OpenAPI description, with caching and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from werkzeug.test import TestResponse

from campaign.accounts.models import Organiser
from campaign.areas.service import parse_mapping_csv, replace_mapping
from campaign.consultations.results import publish_results
from campaign.extensions import db
from tests.consultation_helpers import make_consultation
from tests.helpers import make_organiser, make_petition, text_of
from tests.summary_helpers import add_response, add_signature


def schema_of(app: Flask, name: str) -> Draft202012Validator:
    from campaign.api.openapi import document

    with app.test_request_context():
        spec = document()
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def body(response: TestResponse, app: Flask, schema: str) -> Any:
    data = json.loads(response.data)
    errors = sorted(schema_of(app, schema).iter_errors(data), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return data


@pytest.fixture
def world(app: Flask) -> dict[str, int]:
    organiser_id = make_organiser(app)
    with app.app_context():
        replace_mapping(db.session.get_one(Organiser, organiser_id), parse_mapping_csv("YO1,York\nHG,Harrogate\n"))
    open_id = make_petition(app, organiser_id, state="open", slug="the-ban", target=50)
    make_petition(app, organiser_id, state="closed", slug="old-one")
    make_petition(app, organiser_id, state="draft", slug="secret-draft")
    for _ in range(8):
        add_signature(app, open_id, postcode="YO1 7HH")
    add_signature(app, open_id, postcode="HG1 1AA")
    with app.app_context():
        from campaign.signing.counts import reconcile_counts

        reconcile_counts(repair=True)
    consultation_id = make_consultation(app, organiser_id, slug="views", petition_id=open_id)
    for n in range(6):
        add_response(app, consultation_id, {"followed": "yes" if n < 5 else "no", "importance": 4})
    return {"organiser": organiser_id, "petition": open_id, "consultation": consultation_id}


def test_the_openapi_document_is_valid_and_describes_every_route(app: Flask, client: FlaskClient) -> None:
    spec = body_json(client.get("/api/v1/openapi.json"))
    validate_spec(spec)
    documented = set(spec["paths"])
    routes = {rule.rule.removeprefix("/api/v1").replace("<slug:slug>", "{slug}")
              for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and "GET" in (rule.methods or set())}  # fmt: skip
    assert routes - {"/openapi.json"} == documented
    assert spec["servers"][0]["url"].endswith("/api/v1")


def body_json(response: TestResponse) -> Any:
    assert response.status_code == 200, response.data
    return json.loads(response.data)


def test_every_answer_matches_its_schema(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    listing = body(client.get("/api/v1/petitions"), app, "PetitionList")
    assert [p["slug"] for p in listing["petitions"]] == ["the-ban"], "drafts are never listed"
    everything = body(client.get("/api/v1/petitions?state=all"), app, "PetitionList")
    assert {p["slug"] for p in everything["petitions"]} == {"the-ban", "old-one"}
    paged = body(client.get("/api/v1/petitions?state=all&per_page=1"), app, "PetitionList")
    assert (paged["pages"], paged["previous"]) == (2, None) and paged["next"].endswith("page=2&per_page=1")
    detail = body(client.get("/api/v1/petitions/the-ban"), app, "PetitionDetail")
    assert detail["signature_count"] == 9 and detail["target"] == 50
    assert {a["area"]: a["people"] for a in detail["areas"]["counts"]} == {"Harrogate": None, "York": None}, (
        "1 in Harrogate is hidden, and York with it: the count would give it away"
    )
    count = body(client.get("/api/v1/petitions/the-ban/count"), app, "PetitionCount")
    assert count == {"slug": "the-ban", "signature_count": 9, "target": 50, "state": "open"}
    consultations = body(client.get("/api/v1/consultations"), app, "ConsultationList")
    assert consultations["consultations"][0]["results_published"] is False
    assert body(client.get("/api/v1/consultations/views"), app, "ConsultationDetail")["results"] is None


def test_published_results_hide_small_numbers(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    assert client.get("/consultations/views/results").status_code == 404
    with app.app_context():
        publish_results(db.session.get_one(Organiser, world["organiser"]), world["consultation"])
    detail = body(client.get("/api/v1/consultations/views"), app, "ConsultationDetail")
    results = detail["results"]
    assert results["responses"] == 6
    followed = next(q for q in results["questions"] if q["key"] == "followed")
    assert [(a["code"], a["people"], a.get("note")) for a in followed["answers"]] == [
        ("yes", None, "withheld"), ("no", None, "fewer than 5")]  # fmt: skip
    importance = next(q for q in results["questions"] if q["key"] == "importance")
    assert importance["average"] == 4.0 and importance["median"] is None, "no median from 6 answers"
    page = client.get("/consultations/views/results")
    assert page.status_code == 200 and "6 verified responses" in text_of(page)
    assert "Read the results so far" in text_of(client.get("/consultations/views"))


def test_caching_headers_and_not_modified(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    response = client.get("/api/v1/petitions/the-ban/count")
    etag = response.headers["ETag"]
    cache = response.headers["Cache-Control"]
    assert cache.startswith("public, max-age=") and "stale-while-revalidate=" in cache and "stale-if-error=" in cache
    assert response.headers["Access-Control-Allow-Origin"] == "*" and "Set-Cookie" not in response.headers
    again = client.get("/api/v1/petitions/the-ban/count", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    weak = client.get("/api/v1/petitions/the-ban/count", headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    stale = client.get("/api/v1/petitions/the-ban/count", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag
    add_signature(app, world["petition"])
    with app.app_context():
        from campaign.signing.counts import reconcile_counts

        reconcile_counts(repair=True)
    changed = client.get("/api/v1/petitions/the-ban/count", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and json.loads(changed.data)["signature_count"] == 10
    preflight = client.options("/api/v1/petitions/the-ban/count", headers={"Origin": "https://example.org",
                                                                           "Access-Control-Request-Method": "GET"})  # fmt: skip
    assert preflight.status_code == 204 and "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    ("url", "status"),
    [("/api/v1/petitions?state=draft", 400), ("/api/v1/petitions?per_page=1000", 400), ("/api/v1/petitions?page=0", 400),
     ("/api/v1/petitions/secret-draft", 404), ("/api/v1/petitions/no-such", 404), ("/api/v1/consultations/nope", 404),
     ("/api/v1/petitions/Bad_Slug", 404), ("/api/v1/nothing-here", 404)],
)  # fmt: skip
def test_errors_are_json_with_a_stable_shape(
    app: Flask, client: FlaskClient, world: dict[str, int], url: str, status: int
) -> None:
    response = client.get(url)
    assert response.status_code == status and response.mimetype == "application/json"
    error = body(response, app, "Error")["error"]
    assert error["status"] == status and error["message"]


def test_a_taken_down_petition_is_gone(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    from campaign.petitions.service import hide_petition

    with app.app_context():
        hide_petition(db.session.get_one(Organiser, world["organiser"]), world["petition"], "Defamatory")
    response = client.get("/api/v1/petitions/the-ban")
    assert response.status_code == 410 and body(response, app, "Error")["error"]["status"] == 410


def test_the_docs_page_lists_every_endpoint(client: FlaskClient) -> None:
    text = text_of(client.get("/api"))
    for path in ("GET /petitions", "GET /petitions/{slug}", "GET /petitions/{slug}/count", "GET /consultations",
                 "GET /consultations/{slug}"):  # fmt: skip
        assert path in text
    assert "If-None-Match" in text and "signature_count" in text
