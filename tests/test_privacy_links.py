"""People manage their own data from our emails: the notice, withdrawing, deleting a response,
one-click unsubscribing (RFC 8058), and the cap on update emails. Real mail over loopback SMTP."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from campaign.accounts.models import Organiser
from campaign.areas.lookup import AreaLookup
from campaign.consultations.models import Consultation
from campaign.consultations.service import definition_of
from campaign.extensions import db
from campaign.mail.models import OutboxMessage
from campaign.outcomes.service import fan_out_update_emails, publish_update
from campaign.privacy.links import withdraw_url
from campaign.privacy.self_service import withdraw_signature
from campaign.privacy.subjects import erase_subject
from campaign.signing.models import Signature, SignatureCountDelta
from campaign.summaries.consultations import summarise_consultation
from campaign.tokens import TokenPurpose, make_token
from tests.consultation_helpers import make_consultation, responses
from tests.helpers import assert_well_formed, csrf_token, make_organiser, make_petition, submit, text_of
from tests.mailbox import SmtpServer, confirmation_link, html_part, text_part
from tests.signing_helpers import deliver, fold, sign, signatures, stored_count
from tests.summary_helpers import add_signature
from tests.test_concurrency import in_parallel


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"MAIL_URL": smtp_server.url, "RESEND_MIN_INTERVAL_SECONDS": 0}


@pytest.fixture
def organiser_id(app: Flask) -> int:
    return make_organiser(app)


@pytest.fixture
def petition_id(app: Flask, organiser_id: int) -> int:
    return make_petition(app, organiser_id, state="open", slug="the-ban")


def link_in(text: str, pattern: str) -> str:
    """The path of the one link matching ``pattern`` standing on a line of its own."""
    links = [line.strip() for line in text.splitlines() if re.fullmatch(pattern, line.strip())]
    assert len(links) == 1, text
    return urlsplit(links[0]).path


WITHDRAW = r"https?://\S+/signatures/withdraw/\S+"
DELETE = r"https?://\S+/responses/delete/\S+"
UNSUBSCRIBE = r"https?://\S+/unsubscribe/\S+"


def press(client: FlaskClient, path: str):  # type: ignore[no-untyped-def]
    """Press the page's button: a POST with the CSRF token from the page itself."""
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_token(page.data)})


def deltas(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(SignatureCountDelta.delta).order_by(SignatureCountDelta.id)))


# --- the notice --------------------------------------------------------------------------------------


def test_the_notice_says_plainly_what_the_operator_has_not_configured(client: FlaskClient) -> None:
    page = client.get("/privacy")
    assert page.status_code == 200
    assert_well_formed(page.get_data(as_text=True))
    text = text_of(page)
    assert "run by the operator of this site" in text and "has not yet said who they are" in text
    assert "has not yet given a contact address" in text
    assert "180 days after a petition or consultation closes" in text and "after 30 days" in text
    # What organisers receive comes from the exporters themselves.
    assert "Name (when the signer agreed to share it)" in text and "Area" in text
    assert "Name, only when they agreed to be quoted by name" in text
    assert "email, phone number, postcode, link, handle" in text
    assert "fewer than 5 people" in text


def test_the_notice_shows_the_operators_settings(app: Flask) -> None:
    app.config.update(PRIVACY_CONTROLLER="Ryedale Residents CIC", PRIVACY_CONTACT_EMAIL="privacy@example.org",
                      PRIVACY_CONTACT_ADDRESS="1 High Street, Malton YO17 7AA", RETENTION_DAYS=90,
                      IP_HASH_RETENTION_DAYS=14, RETENTION_SCHEDULE="off", SIGNATURE_UPDATE_EMAIL_CAP=7)  # fmt: skip
    text = text_of(app.test_client().get("/privacy"))
    assert "run by Ryedale Residents CIC" in text and "has not yet" not in text
    assert "contact privacy@example.org , or write to 1 High Street, Malton YO17 7AA" in text
    assert "90 days after" in text and "after 14 days" in text and "turned off the automatic daily run" in text
    assert "at most 7 updates for each signature" in text


def test_the_notice_is_linked_from_the_footer_sign_form_widget_and_consultation(
    app: Flask, client: FlaskClient, organiser_id: int, petition_id: int
) -> None:
    make_consultation(app, organiser_id)
    for url in ("/", "/petitions/the-ban", "/consultations/the-consultation", "/embed/petitions/the-ban"):
        page = client.get(url).get_data(as_text=True)
        assert 'href="/privacy"' in page, url
    sign_form = client.get("/petitions/the-ban").get_data(as_text=True).split('class="sign-form"')[1]
    assert 'href="/privacy"' in sign_form.split("</form>")[0]


# --- withdrawing a signature ---------------------------------------------------------------------------


def test_a_signer_withdraws_from_the_confirmation_email_and_the_count_follows(
    app: Flask, client: FlaskClient, petition_id: int, smtp_server: SmtpServer
) -> None:
    sign(client, "the-ban")
    deliver(app)
    (message,) = smtp_server.mailbox.wait_for(1)
    assert message["List-Unsubscribe"] is None, "a direct reply to their own action carries no unsubscribe"
    withdraw = link_in(text_part(message), WITHDRAW)
    assert "Withdraw your signature" in html_part(message)
    press(client, urlsplit(confirmation_link(message)).path)
    fold(app)
    assert stored_count(app, petition_id) == 1

    visitor = app.test_client()
    page = visitor.get(withdraw)
    assert_well_formed(page.get_data(as_text=True))
    assert "Withdraw your signature?" in text_of(page) and "as Jo Bloggs" in text_of(page)
    assert len(signatures(app)) == 1, "a GET (a mail scanner) changes nothing"
    token = csrf_token(page.data)
    assert visitor.post(withdraw, data={}).status_code == 400 and len(signatures(app)) == 1, "no form token"
    done = visitor.post(withdraw, data={"csrf_token": token})
    assert "Your signature has been withdrawn" in text_of(done)
    assert signatures(app) == [] and deltas(app) == [-1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0, "its mail went too"
    fold(app)
    assert stored_count(app, petition_id) == 0

    again = visitor.post(withdraw, data={"csrf_token": token})
    assert again.status_code == 200 and "already been withdrawn" in text_of(again)
    assert "already been withdrawn" in text_of(visitor.get(withdraw))
    assert deltas(app) == [], "a replayed link takes nothing more away"
    assert visitor.get(withdraw[:-5] + "AAAAA").status_code == 404


def test_withdrawing_a_pending_signature_takes_nothing_off_the_count(
    app: Flask, client: FlaskClient, petition_id: int, smtp_server: SmtpServer
) -> None:
    sign(client, "the-ban")
    sign(client, "the-ban")  # signing again sends the confirmation again, with the same withdraw link
    deliver(app)
    first, second = smtp_server.mailbox.wait_for(2)
    # The same signature (tokens carry their signing time, so the text may differ by a second).
    with app.app_context():
        from campaign.privacy.links import read_link
        from campaign.tokens import TokenPurpose

        first_link, second_link = (link_in(text_part(m), WITHDRAW).rsplit("/", 1)[1] for m in (first, second))
        assert read_link(TokenPurpose.WITHDRAW_SIGNATURE, first_link) == read_link(
            TokenPurpose.WITHDRAW_SIGNATURE, second_link
        )
    response = press(app.test_client(), link_in(text_part(first), WITHDRAW))
    assert "withdrawn" in text_of(response)
    assert signatures(app) == [] and deltas(app) == []
    assert "no longer matches a signature" in text_of(client.get(urlsplit(confirmation_link(first)).path))


def test_the_already_signed_email_can_withdraw_too(
    app: Flask, client: FlaskClient, petition_id: int, smtp_server: SmtpServer
) -> None:
    sign(client, "the-ban")
    deliver(app)
    press(client, urlsplit(confirmation_link(smtp_server.mailbox.wait_for(1)[0])).path)
    sign(app.test_client(), "the-ban")
    deliver(app)
    notice = smtp_server.mailbox.wait_for(2)[1]
    assert "already confirmed" in text_part(notice)
    press(app.test_client(), link_in(text_part(notice), WITHDRAW))
    assert signatures(app) == [] and deltas(app) == [1, -1]


def test_a_withdraw_link_is_not_a_confirm_or_unsubscribe_link(app: Flask, petition_id: int) -> None:
    add_signature(app, petition_id)
    (signature,) = signatures(app)
    with app.test_request_context():
        confirm_token = make_token(
            TokenPurpose.CONFIRM_SIGNATURE, {"s": signature.id, "n": signature.confirmation_nonce}
        )
        unsubscribe_token = make_token(TokenPurpose.UNSUBSCRIBE, {"i": signature.id, "n": signature.confirmation_nonce})
    client = app.test_client()
    for token in (confirm_token, unsubscribe_token):
        assert client.get(f"/signatures/withdraw/{token}").status_code == 404
    assert len(signatures(app)) == 1


# --- deleting a consultation response ---------------------------------------------------------------------


def test_a_respondent_deletes_their_response_and_summaries_stop_counting_it(
    app: Flask, client: FlaskClient, organiser_id: int, smtp_server: SmtpServer
) -> None:
    consultation_id = make_consultation(app, organiser_id)
    base = "/consultations/the-consultation"
    submit(client, f"{base}/start", {"name": "Jo Bloggs", "email": "jo@example.org"}, form_url=base)
    deliver(app)
    (message,) = smtp_server.mailbox.wait_for(1)
    assert message["List-Unsubscribe"] is None
    delete_link = link_in(text_part(message), DELETE)
    respond = link_in(text_part(message), r"https?://\S+/consultations/respond/\S+")
    press(client, respond)
    for section, fields in (("start", {"q-followed": "no"}), ("views", {"q-importance": "4", "q-where": "yo1 7hh"})):
        page = client.get(f"{base}/answer/{section}")
        client.post(f"{base}/answer/{section}", data={"csrf_token": csrf_token(page.data), "action": "next", **fields})
    assert submit(client, f"{base}/review", {"consent": "none"}).status_code == 302
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert re.search(r'href="http://localhost/responses/delete/[^"]+">Delete your response', review)

    def total() -> int:
        with app.app_context():
            definition = definition_of(db.session.get_one(Consultation, consultation_id))
            return summarise_consultation(consultation_id, definition, AreaLookup({})).total

    assert total() == 1
    visitor = app.test_client()
    page = visitor.get(delete_link)
    assert_well_formed(page.get_data(as_text=True))
    assert "Delete your response?" in text_of(page) and len(responses(app)) == 1
    done = visitor.post(delete_link, data={"csrf_token": csrf_token(page.data)})
    assert "Your response has been deleted" in text_of(done)
    assert responses(app) == [] and total() == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    replay = visitor.post(delete_link, data={"csrf_token": csrf_token(page.data)})
    assert replay.status_code == 200 and "already been deleted" in text_of(replay)
    assert client.get(respond).status_code == 404, "the answering link no longer opens anything"


# --- unsubscribing -----------------------------------------------------------------------------------------


def publish(app: Flask, organiser_id: int, petition_id: int, title: str = "We met the Chief Constable") -> None:
    with app.app_context():
        publish_update(db.session.get_one(Organiser, organiser_id), petition_id, title, "They will review it.",
                       email_signers=True)  # fmt: skip
        fan_out_update_emails()


def test_update_emails_carry_one_click_unsubscribe_that_needs_no_cookie(
    app: Flask, organiser_id: int, petition_id: int, smtp_server: SmtpServer
) -> None:
    add_signature(app, petition_id, notify=True, email="wanda@example.org", name="Wanda Wants")
    publish(app, organiser_id, petition_id)
    deliver(app)
    (message,) = smtp_server.mailbox.wait_for(1)
    unsubscribe = link_in(text_part(message), UNSUBSCRIBE)
    assert message["List-Unsubscribe"] == f"<http://localhost{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "How we use your details" in text_part(message)

    page = app.test_client().get(unsubscribe)
    assert_well_formed(page.get_data(as_text=True))
    assert "Stop update emails?" in text_of(page) and 'name="csrf_token"' not in page.get_data(as_text=True)
    assert signatures(app)[0].notify_progress, "a GET changes nothing"

    # What a mail provider sends (RFC 8058): a bare POST, no cookie, no form token.
    mail_provider = app.test_client(use_cookies=False)
    response = mail_provider.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    (signature,) = signatures(app)
    assert not signature.notify_progress and signature.unsubscribed_at is not None
    assert mail_provider.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200, "idempotent"
    assert "You will not get more updates" in text_of(app.test_client().get(unsubscribe))

    publish(app, organiser_id, petition_id, "Second update")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1, "nothing more queued"
    assert app.test_client().post(unsubscribe[:-5] + "AAAAA").status_code == 404


def test_one_click_stops_the_whole_mailbox_and_drops_mail_not_yet_sent(
    app: Flask, organiser_id: int, petition_id: int, smtp_server: SmtpServer
) -> None:
    # A household sharing one address: two signatures, two copies of each update.
    add_signature(app, petition_id, notify=True, email="home@example.org", name="Ann Home")
    add_signature(app, petition_id, notify=True, email="home@example.org", name="Bob Home", state="pending")
    with app.app_context():  # the second person at the address confirms into the household's second slot
        db.session.execute(update(Signature).where(Signature.name == "Bob Home").values(
            state="confirmed", household_slot=2, confirmed_at=Signature.created_at))  # fmt: skip
        db.session.commit()
    publish(app, organiser_id, petition_id)
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        link = urlsplit(json.loads(rows[0].context)["unsubscribe_url"]).path
    assert app.test_client(use_cookies=False).post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert [s.notify_progress for s in signatures(app)] == [False, False]
    assert deliver(app).sent == 0, "the queued copies were dropped"


def test_the_older_stop_links_still_work(app: Flask, petition_id: int) -> None:
    add_signature(app, petition_id, notify=True)
    (signature,) = signatures(app)
    with app.test_request_context():
        token = make_token(TokenPurpose.STOP_PROGRESS_EMAILS, {"s": signature.id})
    response = app.test_client(use_cookies=False).post(f"/updates/stop/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    assert signatures(app)[0].notify_progress is False and signatures(app)[0].unsubscribed_at is not None


def test_each_signature_gets_at_most_the_update_cap(app: Flask, organiser_id: int, petition_id: int) -> None:
    app.config["SIGNATURE_UPDATE_EMAIL_CAP"] = 2
    add_signature(app, petition_id, notify=True, email="keen@example.org")
    for n in range(4):
        publish(app, organiser_id, petition_id, f"Update {n}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
        assert db.session.scalar(select(Signature.update_emails_sent)) == 2


def test_withdrawing_and_erasing_at_once_take_a_signature_off_once(app: Flask, petition_id: int) -> None:
    add_signature(app, petition_id, email="twice@example.org")
    (signature,) = signatures(app)
    with app.test_request_context():
        token = withdraw_url(signature.id, signature.confirmation_nonce).rsplit("/", 1)[1]
    errors = in_parallel(app, 6, lambda i: withdraw_signature(token) if i % 2 else erase_subject("twice@example.org"))
    assert errors == []
    assert signatures(app) == [] and deltas(app) == [-1]
