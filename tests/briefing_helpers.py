"""A briefing's ingredients for tests: areas, a petition with a small area, a consultation with quotes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts.models import Organiser
from campaign.areas.service import parse_mapping_csv, replace_mapping
from campaign.consultations.definition import SCHEMA
from campaign.extensions import db
from tests.consultation_helpers import make_consultation
from tests.helpers import csrf_token, make_organiser, make_petition, sign_in, submit, text_of
from tests.summary_helpers import add_response, add_signature

PERSONAL = ["Zebedee Unique", "zebedee@example.org", "YO1 7ZZ", "Quiet Respondent", "quiet@example.org",
            "07700 900123", "Anon Writer"]  # fmt: skip


def definition() -> dict[str, Any]:
    return {"schema": SCHEMA, "sections": [{"key": "s", "title": "S", "questions": [
        {"key": "agree", "type": "yes_no", "label": "Do you agree?"},
        {"key": "years", "type": "number", "label": "Years lived here?"},
        {"key": "why", "type": "long_text", "label": "Why?"},
        {"key": "where", "type": "postcode", "label": "Postcode?"},
    ]}]}  # fmt: skip


@pytest.fixture
def briefing_parts(app: Flask, client: FlaskClient) -> dict[str, int]:
    organiser_id = make_organiser(app)
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        replace_mapping(organiser, parse_mapping_csv("YO1,York\nYO11,Scarborough\nHG,Harrogate\n"))
    petition_id = make_petition(app, organiser_id, state="open", slug="the-ban")
    for _ in range(11):
        add_signature(app, petition_id, postcode="YO1 7HH")
    add_signature(app, petition_id, postcode="YO1 7ZZ", name="Zebedee Unique", share_name=True,
                  email="zebedee@example.org")  # fmt: skip
    for _ in range(9):
        add_signature(app, petition_id, postcode="YO11 2AB")
    for _ in range(3):
        add_signature(app, petition_id, postcode="HG1 1AA")
    consultation_id = make_consultation(app, organiser_id, definition=definition(), slug="views")
    for n in range(6):
        add_response(app, consultation_id, {"agree": "yes", "years": 10 + n, "where": "YO1 7HH"}, consent="none",
                     name="Quiet Respondent", email="quiet@example.org" if n == 0 else None)  # fmt: skip
    add_response(app, consultation_id, {"agree": "no", "years": 97, "why": "Call 07700 900123 about road closures."},
                 consent="named", name="Nadia Named")  # fmt: skip
    add_response(app, consultation_id, {"agree": "no", "why": "Road closures, plainly."}, consent="anonymous",
                 name="Anon Writer")  # fmt: skip
    sign_in(client)
    return {"petition": petition_id, "consultation": consultation_id}


def make_briefing(client: FlaskClient, parts: dict[str, int]) -> tuple[int, str]:
    page = client.get("/console/briefings/new")
    response = client.post("/console/briefings/new", data={
        "csrf_token": csrf_token(page.data), "title": "What residents think", "audience": "PFCC candidates",
        "intro": "Read this **first**.", "petitions": str(parts["petition"]), "consultations": str(parts["consultation"]),
    })  # fmt: skip
    assert response.status_code == 302, text_of(response)
    detail = response.headers["Location"]
    briefing_id = int(detail.rsplit("/", 1)[1])
    shared = submit(client, f"/console/briefings/{briefing_id}/share", {"expires_at": ""}, form_url=detail)
    assert shared.status_code == 302
    link = re.search(r'value="https?://[^/"]+(/briefings/[^"]+)"', client.get(detail).get_data(as_text=True))
    assert link
    return briefing_id, link.group(1)
