"""The API's rate limit (JSON like every other error), and the count answered from memory."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import make_organiser, make_petition
from tests.summary_helpers import add_signature
from tests.test_api import body


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute", "HOT_CACHE_SECONDS": 60}


def test_requests_are_rate_limited_with_a_json_error_but_counts_are_not(app: Flask, client: FlaskClient) -> None:
    make_petition(app, make_organiser(app), state="open", slug="the-ban")
    responses = [client.get("/api/v1/petitions") for _ in range(4)]
    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert body(responses[-1], app, "Error")["error"]["status"] == 429
    assert responses[-1].headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/petitions/the-ban").status_code == 200, "each endpoint has its own allowance"
    counts = [client.get("/api/v1/petitions/the-ban/count").status_code for _ in range(10)]
    assert counts == [200] * 10, "counters behind one shared address are not cut off"


def test_the_count_is_answered_from_memory_while_fresh(app: Flask, client: FlaskClient) -> None:
    petition_id = make_petition(app, make_organiser(app), state="open", slug="the-ban")
    first = client.get("/api/v1/petitions/the-ban/count")
    etag = first.headers["ETag"]
    add_signature(app, petition_id)
    with app.app_context():
        from campaign.signing.counts import reconcile_counts

        reconcile_counts(repair=True)
    again = client.get("/api/v1/petitions/the-ban/count")
    assert json.loads(again.data)["signature_count"] == 0, "the answer kept for HOT_CACHE_SECONDS"
    assert dict(again.headers) == dict(first.headers), "with every header the app set"
    assert again.headers["X-Content-Type-Options"] == "nosniff" and "Set-Cookie" not in again.headers
    not_modified = client.get("/api/v1/petitions/the-ban/count", headers={"If-None-Match": f'"x", W/{etag}'})
    assert not_modified.status_code == 304 and not_modified.data == b"" and not_modified.headers["ETag"] == etag
    assert "Content-Type" not in not_modified.headers
    assert client.get("/api/v1/petitions/the-ban/count?fresh=1").status_code == 200
    assert client.get("/api/v1/petitions/no-such/count").status_code == 404
    assert client.get("/api/v1/petitions/no-such/count").status_code == 404, "misses are never kept"
