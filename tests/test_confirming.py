"""Confirming: GET never changes anything; tokens are bound, expiring, single use; counts follow."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import itsdangerous
import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from campaign.db import utcnow
from campaign.extensions import db
from campaign.petitions.models import Petition
from campaign.signing.models import Signature
from campaign.tokens import TokenPurpose, make_token
from tests.helpers import csrf_token, make_organiser, make_petition, text_of
from tests.mailbox import SmtpServer, confirmation_link
from tests.signing_helpers import deliver, fold, sign, signatures, stored_count


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"MAIL_URL": smtp_server.url, "RESEND_MIN_INTERVAL_SECONDS": 0}


@pytest.fixture
def petition_id(app: Flask) -> int:
    return make_petition(app, make_organiser(app), state="open", slug="the-ban", target=100)


def link_path(app: Flask, smtp_server: SmtpServer, client: FlaskClient, **fields: str) -> str:
    """Sign, deliver the email over SMTP, and return the path of its confirmation link."""
    before = len(smtp_server.mailbox.messages)
    sign(client, "the-ban", **fields)
    deliver(app)
    message = smtp_server.mailbox.wait_for(before + 1)[-1]
    return urlsplit(confirmation_link(message)).path


def confirm(client: FlaskClient, path: str):  # type: ignore[no-untyped-def]
    """Press the button (the token comes from the sign-in page, which always has a form)."""
    client.get(path)
    return client.post(path, data={"csrf_token": csrf_token(client.get("/login").data)})


def test_whole_journey_sign_email_confirm_count(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    path = link_path(app, smtp_server, client)
    page = client.get(path)
    assert "Confirm your signature" in text_of(page)
    assert "as Jo Bloggs" in text_of(page)
    response = client.post(path, data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 302 and response.headers["Location"] == path
    thanks = client.get(path)
    assert "Thank you, your signature is confirmed" in text_of(thanks)
    assert "You are the first person to sign" in text_of(thanks)
    (signature,) = signatures(app)
    assert signature.state == "confirmed" and signature.confirmed_at is not None

    assert client.get("/api/v1/petitions/the-ban/count").get_json()["signature_count"] == 0, "not folded yet"
    assert fold(app) == 1
    count = client.get("/api/v1/petitions/the-ban/count")
    assert count.get_json() == {"slug": "the-ban", "signature_count": 1, "target": 100, "state": "open"}
    assert "1 signature" in text_of(client.get("/petitions/the-ban"))


def test_following_the_link_changes_nothing(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    """Mail scanners fetch every link; only the button's POST confirms."""
    path = link_path(app, smtp_server, client)
    for _ in range(3):
        assert app.test_client().get(path).status_code == 200
        assert app.test_client().head(path).status_code == 200
    assert signatures(app)[0].state == "pending"
    fold(app)
    assert stored_count(app, petition_id) == 0


def test_replayed_confirmation_changes_nothing(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    path = link_path(app, smtp_server, client)
    confirm(client, path)
    again = confirm(app.test_client(), path)
    assert again.status_code == 302
    assert "Thank you, your signature is confirmed" in text_of(client.get(path))
    fold(app)
    assert stored_count(app, petition_id) == 1


def test_double_click_on_confirm_counts_once(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    path = link_path(app, smtp_server, client)
    browsers = [app.test_client() for _ in range(6)]
    tokens = [csrf_token(b.get(path).data) for b in browsers]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(lambda i: browsers[i].post(path, data={"csrf_token": tokens[i]}).status_code, range(6))
        )
    assert statuses == [302] * 6
    fold(app)
    assert stored_count(app, petition_id) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token[:20],
        lambda token: "x" * 600,
        lambda token: token.replace(".", "", 1),
    ],
)
def test_tampered_links_get_a_clear_page_and_change_nothing(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer, tamper: object
) -> None:
    path = link_path(app, smtp_server, client)
    token = path.rsplit("/", 1)[1]
    bad_path = f"/confirm/{tamper(token)}"  # type: ignore[operator]
    response = client.get(bad_path)
    assert response.status_code == 404
    assert "This link is not valid" in text_of(response)
    page = client.get("/petitions/the-ban")
    response = client.post(bad_path, data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 404
    assert signatures(app)[0].state == "pending"


def test_token_for_another_purpose_is_refused(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    link_path(app, smtp_server, client)
    signature = signatures(app)[0]
    with app.test_request_context():
        other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="campaign.withdraw-signature")
        forged = other.dumps({"s": signature.id, "n": signature.confirmation_nonce})
    assert "This link is not valid" in text_of(confirm_page := client.get(f"/confirm/{forged}"))
    assert confirm_page.status_code == 404
    assert signatures(app)[0].state == "pending"


def test_token_is_bound_to_its_signature(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    link_path(app, smtp_server, client)
    link_path(app, smtp_server, client, name="Sam Other", email="sam@example.org")
    first, second = signatures(app)
    with app.test_request_context():
        mixed = make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": second.id, "n": first.confirmation_nonce})
        junk = make_token(TokenPurpose.CONFIRM_SIGNATURE, ["not", "a", "dict"])
    assert client.get(f"/confirm/{mixed}").status_code == 404
    assert client.get(f"/confirm/{junk}").status_code == 404
    assert [s.state for s in signatures(app)] == ["pending", "pending"]


def test_expired_links_explain_and_offer_to_sign_again(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    eight_days_ago = int(time.time()) - 8 * 86_400
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
    path = link_path(app, smtp_server, client)
    monkeypatch.undo()
    response = client.get(path)
    assert response.status_code == 410
    text = text_of(response)
    assert "This link has expired" in text
    assert "sign “Reverse the social media ban” again" in text
    response = client.post(path, data={"csrf_token": csrf_token(client.get("/petitions/the-ban").data)})
    assert response.status_code == 410
    assert signatures(app)[0].state == "pending"


def test_closed_petition_accepts_confirmations_during_the_grace_period(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    path = link_path(app, smtp_server, client)
    late_path = link_path(app, smtp_server, client, name="Late Person", email="late@example.org")
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        petition.state, petition.closed_at = "closed", utcnow() - timedelta(hours=23)
        db.session.commit()
    assert confirm(client, path).status_code == 302
    with app.app_context():
        db.session.get_one(Petition, petition_id).closed_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    page = client.get(late_path)
    assert "This petition has closed" in text_of(page)
    response = client.post(late_path, data={"csrf_token": csrf_token(client.get("/login").data)})
    assert response.status_code == 409
    assert [s.state for s in signatures(app)] == ["confirmed", "pending"]
    fold(app)
    assert stored_count(app, petition_id) == 1


def test_hidden_petitions_refuse_confirmations(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    path = link_path(app, smtp_server, client)
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        petition.state, petition.state_before_hidden, petition.hidden_reason = "hidden", "open", "Defamatory"
        db.session.commit()
    response = client.post(path, data={"csrf_token": csrf_token(client.get("/login").data)})
    assert response.status_code == 409
    assert signatures(app)[0].state == "pending"


def test_signing_again_after_confirming_sends_an_already_signed_email(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    confirm(client, link_path(app, smtp_server, client))
    sign(app.test_client(), "the-ban")  # another browser: nothing proves the mailbox there
    deliver(app)
    messages = smtp_server.mailbox.wait_for(2)
    assert messages[-1]["Subject"] == "You have already signed: Reverse the social media ban"
    assert len(signatures(app)) == 1


def test_many_confirmations_at_once_are_all_counted(app: Flask, petition_id: int) -> None:
    """Confirmations only insert count deltas, so they never queue on the petition row."""
    with app.app_context():
        for n in range(30):
            db.session.add(Signature(petition_id=petition_id, name=f"Person {n}", name_key=f"person{n}",
                                     email=f"p{n}@example.org", canonical_email=f"p{n}@example.org", postcode="YO1 7HH"))  # fmt: skip
        db.session.commit()
        tokens = [
            make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": s.id, "n": s.confirmation_nonce})
            for s in db.session.query(Signature).all()
        ]
    browsers = [app.test_client() for _ in tokens]
    csrf = [csrf_token(b.get("/petitions/the-ban").data) for b in browsers]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda i: browsers[i].post(f"/confirm/{tokens[i]}", data={"csrf_token": csrf[i]}).status_code,
                range(len(tokens)),
            )
        )
    assert statuses == [302] * 30
    assert fold(app) == 30
    assert stored_count(app, petition_id) == 30


def test_the_thank_you_page_counts_everyone_who_has_signed(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    confirm(client, link_path(app, smtp_server, client))
    second = link_path(app, smtp_server, app.test_client(), name="Sam Other", email="sam@example.org")
    other = app.test_client()
    confirm(other, second)
    assert "You are one of 2 people who have signed" in text_of(other.get(second))
