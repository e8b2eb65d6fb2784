"""Erasure on request and subject access: from the console (administrators) and the command line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from campaign.accounts.models import Role
from campaign.consultations.models import ConsultationResponse
from campaign.extensions import db
from campaign.mail.models import OutboxMessage
from campaign.signing.counts import reconcile_counts
from campaign.signing.models import Signature, SignatureCountDelta
from tests.consultation_helpers import make_consultation, responses, simple_definition
from tests.helpers import assert_well_formed, csrf_token, make_organiser, make_petition, sign_in, submit, text_of
from tests.signing_helpers import fold, outbox, sign, signatures, stored_count
from tests.summary_helpers import add_response, add_signature

JO = "Jo.Bloggs+petitions@GoogleMail.com"


@pytest.fixture
def people(app: Flask, client: FlaskClient) -> dict[str, int]:
    """Jo signed two petitions (one confirmed, one pending) and answered a consultation; Sam signed one."""
    organiser_id = make_organiser(app)
    first = make_petition(app, organiser_id, state="open", slug="first")
    second = make_petition(app, organiser_id, state="open", slug="second")
    sign(client, "first", email=JO)
    sign(client, "second", email=JO, notify_progress="y")
    add_signature(app, first, email="sam@example.org", name="Sam Other")
    with app.app_context():
        db.session.execute(
            update(Signature)
            .where(Signature.petition_id == first, Signature.state == "pending")
            .values(state="confirmed", household_slot=1, confirmed_at=Signature.created_at)
        )
        db.session.execute(
            update(Signature)
            .where(Signature.petition_id == second)
            .values(unsubscribed_at=Signature.created_at, notify_progress=False)
        )
        db.session.commit()  # fmt: skip
    consultation_id = make_consultation(app, organiser_id, definition=simple_definition())
    add_response(app, consultation_id, {"followed": "yes", "missed": "The road closures", "importance": 4,
                                        "where": "YO1 7HH"}, email="jobloggs@gmail.com", name="Jo Bloggs")  # fmt: skip
    with app.app_context():
        reconcile_counts()  # the factory writes rows without count deltas
    return {"first": first, "second": second, "consultation": consultation_id}


def test_an_administrator_finds_exports_and_erases_everything_about_an_address(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    make_organiser(app, "admin@example.org", role=Role.ADMIN, organisation="Site")
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    page = admin.get("/console/privacy/")
    assert_well_formed(page.get_data(as_text=True))
    assert "Personal data requests" in text_of(page)

    found = submit(admin, "/console/privacy/", {"action": "find", "email": "jobloggs@gmail.com"})
    assert_well_formed(found.get_data(as_text=True))
    text = text_of(found)
    assert "Signatures 2 (1 counted)" in text and "Consultation responses 1" in text
    assert "Emails queued or sent 2" in text and "Update emails stopped 1" in text
    assert len(signatures(app)) == 3, "looking changes nothing"

    token = csrf_token(found.data)
    exported = admin.post("/console/privacy/", data={"csrf_token": token, "action": "export", "email": JO})
    assert exported.mimetype == "application/json" and "attachment" in exported.headers["Content-Disposition"]
    document = exported.get_json()
    assert [s["petition"]["slug"] for s in document["signatures"]] == ["first", "second"]

    erased = admin.post("/console/privacy/", data={"csrf_token": token, "action": "erase", "email": JO})
    assert erased.status_code == 302
    assert "Erased 2 signatures (1 taken off their counts), 1 responses and 2 emails" in text_of(
        admin.get(erased.headers["Location"]))  # fmt: skip
    assert [s.email for s in signatures(app)] == ["sam@example.org"] and responses(app) == []
    assert outbox(app) == []
    with app.app_context():
        assert list(db.session.scalars(select(SignatureCountDelta.delta))) == [-1]
    fold(app)
    assert stored_count(app, people["first"]) == 1 and stored_count(app, people["second"]) == 0
    again = text_of(submit(admin, "/console/privacy/", {"action": "find", "email": JO}))
    assert "Nothing is held about this address" in again


def test_only_administrators_may_and_bad_addresses_change_nothing(
    app: Flask, client: FlaskClient, people: dict[str, int]
) -> None:
    sign_in(client)  # an organiser, not an administrator
    assert client.get("/console/privacy/").status_code == 403
    assert "Personal data requests" not in text_of(client.get("/console/"))
    make_organiser(app, "admin@example.org", role=Role.ADMIN, organisation="Site")
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    response = submit(admin, "/console/privacy/", {"action": "erase", "email": "not an address"})
    assert response.status_code == 200 and "Enter an email address in the correct format" in text_of(response)
    assert len(signatures(app)) == 3 and len(responses(app)) == 1


def test_the_subject_export_command_writes_everything_held(app: Flask, people: dict[str, int], tmp_path: Path) -> None:
    output = tmp_path / "jo.json"
    result = app.test_cli_runner().invoke(args=["subject-export", "JOBLOGGS@gmail.com", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "2 signatures, 1 responses and 2 emails" in result.output
    assert stat.S_IMODE(output.stat().st_mode) == 0o600, "personal data, readable by its owner only"
    document = json.loads(output.read_text())
    assert document["format"] == "campaign/subject-export/1" and document["matched_as"] == "jobloggs@gmail.com"
    first, second = document["signatures"]
    assert (first["name"], first["email"], first["postcode"], first["state"]) == (
        "Jo Bloggs", "Jo.Bloggs+petitions@googlemail.com", "YO1 7HH", "confirmed")  # fmt: skip
    assert second["state"] == "pending" and second["unsubscribed_at"] is not None
    assert document["unsubscribes"] == [{"petition": "second", "unsubscribed_at": second["unsubscribed_at"]}]
    (response,) = document["consultation_responses"]
    assert {"question": "What do you miss?", "key": "missed", "answer": "The road closures"} in response[
        "submitted_answers"]  # fmt: skip
    assert [(m["kind"], m["to"]) for m in document["emails"]] == [("confirm_signature", first["email"])] * 2
    assert "confirm_url" not in output.read_text(), "the links in the mail are keys, never exported"

    printed = app.test_cli_runner().invoke(args=["subject-export", "sam@example.org"])
    assert json.loads(printed.output)["signatures"][0]["name"] == "Sam Other"
    bad = app.test_cli_runner().invoke(args=["subject-export", "nobody"])
    assert bad.exit_code == 1 and "correct format" in bad.output


def test_the_erase_command_asks_first(app: Flask, people: dict[str, int]) -> None:
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["erase", JO], input="n\n")
    assert declined.exit_code != 0 and "Found 2 signatures (1 counted), 1 consultation responses" in declined.output
    assert len(signatures(app)) == 3
    done = runner.invoke(args=["erase", JO, "--yes"])
    assert done.exit_code == 0, done.output
    assert "Erased 2 signatures (1 taken off their counts), 1 responses and 2 emails" in done.output
    with app.app_context():
        assert db.session.scalar(select(ConsultationResponse.id)) is None
        assert db.session.scalar(select(OutboxMessage.id)) is None
    assert "Nothing is held" in runner.invoke(args=["erase", JO, "--yes"]).output
