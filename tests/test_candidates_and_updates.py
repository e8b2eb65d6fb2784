"""Candidates respond by private link (versioned, in public); updates reach opted-in signers, once each."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.outcomes.service import fan_out_update_emails
from tests.helpers import csrf_token, make_organiser, make_petition, sign_in, submit, text_of
from tests.mailbox import SmtpServer, text_part
from tests.signing_helpers import deliver, outbox, signatures
from tests.summary_helpers import add_signature


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"MAIL_URL": smtp_server.url}


@pytest.fixture
def petition_id(app: Flask, client: FlaskClient) -> int:
    organiser_id = make_organiser(app)
    sign_in(client)
    return make_petition(app, organiser_id, state="open", slug="the-ban")


def link_in(message_text: str, pattern: str) -> str:
    lines = [line.strip() for line in message_text.splitlines()]
    return urlsplit(next(line for line in lines if re.fullmatch(pattern, line))).path


def invite(app: Flask, client: FlaskClient, smtp: SmtpServer, petition_id: int, name: str, email: str) -> str:
    before = len(smtp.mailbox.messages)
    response = submit(client, f"/console/petitions/{petition_id}/candidates",
                      {"name": name, "affiliation": "Independent", "email": email})  # fmt: skip
    assert response.status_code == 302, text_of(response)
    deliver(app)
    message = smtp.mailbox.wait_for(before + 1)[-1]
    assert message["To"] == email
    return link_in(text_part(message), r"https?://\S+/candidates/respond/\S+")


def publish(client: FlaskClient, link: str, **fields: str):  # type: ignore[no-untyped-def]
    return submit(client, link, fields)


def test_candidates_publish_edit_and_are_listed_until_they_respond(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, petition_id: int
) -> None:
    ruth = invite(app, client, smtp_server, petition_id, "Ruth Okafor", "ruth@example.org")
    invite(app, client, smtp_server, petition_id, "Sam Lind", "sam@example.org")
    page = text_of(client.get("/petitions/the-ban"))
    assert "What the candidates say" in page and "Not responded yet: Ruth Okafor (Independent), Sam Lind" in page
    assert "ruth@example.org" not in page

    visitor = app.test_client()
    assert "Where do you stand" in text_of(visitor.get(ruth)), "the link's page changes nothing by itself"
    response = publish(visitor, ruth, position="maybe", statement="")
    assert "Choose whether you support" in text_of(response) and "Enter your statement" in text_of(response)
    response = publish(visitor, ruth, position="supports", statement="Bring them back.\n\nWith training.",
                       pledge="Restore accounts in 100 days.")  # fmt: skip
    assert response.status_code == 302
    again = publish(visitor, ruth, position="supports", statement="Bring them back.\n\nWith training.",
                    pledge="Restore accounts in 100 days.")  # fmt: skip
    assert "Nothing had changed" in text_of(visitor.get(again.headers["Location"]))
    page = text_of(client.get("/petitions/the-ban"))
    assert "Ruth Okafor Independent Supports Bring them back." in page and "Not responded yet: Sam Lind" in page
    assert "Edited" not in page

    publish(visitor, ruth, position="undecided", statement="Thinking again.", pledge="")
    page = client.get("/petitions/the-ban").get_data(as_text=True)
    assert "Edited" in text_of(client.get("/petitions/the-ban")) and "See every version" in page
    history_url = re.search(r'href="(/petitions/the-ban/candidates/\d+)"', page).group(1)  # type: ignore[union-attr]
    history = text_of(client.get(history_url))
    assert "Version 2" in history and "Version 1" in history and "Bring them back." in history


def test_a_link_opens_only_its_own_candidate_and_stops_working_when_replaced(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, petition_id: int
) -> None:
    ruth = invite(app, client, smtp_server, petition_id, "Ruth Okafor", "ruth@example.org")
    sam = invite(app, client, smtp_server, petition_id, "Sam Lind", "sam@example.org")
    visitor = app.test_client()
    publish(visitor, sam, position="opposes", statement="Sam's own words.")
    publish(visitor, ruth, position="supports", statement="Ruth's own words.")
    page = text_of(client.get("/petitions/the-ban"))
    assert "Sam Lind Independent Opposes Sam's own words." in page
    assert "Ruth Okafor Independent Supports Ruth's own words." in page
    assert visitor.get(ruth[:-3] + "xyz").status_code == 404, "a tampered link opens nothing"

    manage = client.get(f"/console/petitions/{petition_id}/candidates").get_data(as_text=True)
    renew = re.findall(r'action="(/console/petitions/\d+/candidates/\d+/new-link)"', manage)[0]
    assert client.post(renew, data={"csrf_token": csrf_token(manage)}).status_code == 302
    assert visitor.get(ruth).status_code == 404, "the old link stops working"
    deliver(app)
    fresh = link_in(text_part(smtp_server.mailbox.messages[-1]), r"https?://\S+/candidates/respond/\S+")
    assert visitor.get(fresh).status_code == 200
    remove = re.findall(r'action="(/console/petitions/\d+/candidates/\d+/remove)"', manage)[1]
    client.post(remove, data={"csrf_token": csrf_token(manage)})
    assert "Sam Lind" not in text_of(client.get("/petitions/the-ban"))
    assert visitor.get(sam).status_code == 404


def test_inviting_twice_or_badly_is_refused(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, petition_id: int
) -> None:
    invite(app, client, smtp_server, petition_id, "Ruth Okafor", "ruth@example.org")
    response = submit(client, f"/console/petitions/{petition_id}/candidates",
                      {"name": "Ruth Again", "email": "RUTH@example.org"})  # fmt: skip
    assert "already invited" in text_of(response)
    response = submit(client, f"/console/petitions/{petition_id}/candidates", {"name": "", "email": "nope"})
    assert "Enter the candidate's name" in text_of(response) and "correct format" in text_of(response)


def test_updates_are_emailed_once_to_opted_in_signers_who_can_stop_them(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, petition_id: int
) -> None:
    add_signature(app, petition_id, notify=True, email="wants@example.org", name="Wanda Wants")
    add_signature(app, petition_id, notify=False, email="quiet@example.org")
    add_signature(app, petition_id, notify=True, email="pending@example.org", state="pending")
    response = submit(client, f"/console/petitions/{petition_id}/updates",
                      {"title": "We met the Chief Constable", "body": "They will **review** it.",
                       "email_signers": "y"})  # fmt: skip
    assert response.status_code == 302
    assert "We met the Chief Constable" in text_of(client.get("/petitions/the-ban"))
    with app.app_context():
        assert fan_out_update_emails(batch_size=1) == 1
        assert fan_out_update_emails() == 0, "never twice"
    assert [m.to_address for m in outbox(app) if m.kind == "petition_update"] == ["wants@example.org"]
    deliver(app)
    (message,) = smtp_server.mailbox.to("wants@example.org")
    assert message["Subject"] == "We met the Chief Constable – Reverse the social media ban"
    body = text_part(message)
    assert "Hello Wanda Wants" in body and "They will **review** it." in body
    stop = link_in(body, r"https?://\S+/unsubscribe/\S+")
    assert message["List-Unsubscribe"].endswith(stop + ">") and message["List-Unsubscribe-Post"]

    visitor = app.test_client()
    assert "Stop update emails" in text_of(visitor.get(stop))
    assert signatures(app)[0].notify_progress, "a GET changes nothing"
    assert visitor.post(stop, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not signatures(app)[0].notify_progress
    assert visitor.post(stop, data={}).status_code == 200 and signatures(app)[0].notify_progress is False
    assert visitor.get(stop[:-4] + "abcd").status_code == 404


def test_an_emailed_update_can_be_corrected_but_not_deleted(app: Flask, client: FlaskClient, petition_id: int) -> None:
    submit(
        client, f"/console/petitions/{petition_id}/updates", {"title": "First", "body": "Text", "email_signers": "y"}
    )
    manage = client.get(f"/console/petitions/{petition_id}/updates").get_data(as_text=True)
    edit_url = re.search(r'href="(/console/petitions/\d+/updates/\d+)"', manage).group(1)  # type: ignore[union-attr]
    assert submit(client, edit_url, {"title": "First, corrected", "body": "Better text"}).status_code == 302
    assert "First, corrected" in text_of(client.get("/petitions/the-ban")) and "edited" in text_of(
        client.get("/petitions/the-ban"))  # fmt: skip
    response = client.post(f"{edit_url}/delete", data={"csrf_token": csrf_token(client.get(edit_url).data)})
    assert "cannot be deleted" in text_of(client.get(response.headers["Location"]))
