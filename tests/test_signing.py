"""Signing: the form, the pending signature and its email in one transaction, and the rules on duplicates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.signing.service import SignatureRequest, SignOutcome, sign_petition
from campaign.tokens import TokenPurpose, read_token
from tests.helpers import make_organiser, make_petition, text_of
from tests.mailbox import SmtpServer, confirmation_link, html_part, text_part
from tests.signing_helpers import deliver, outbox, sign, signatures


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"MAIL_URL": smtp_server.url, "RESEND_MIN_INTERVAL_SECONDS": 0}


@pytest.fixture
def petition_id(app: Flask) -> int:
    return make_petition(app, make_organiser(app), state="open", slug="the-ban", target=100)


def test_sign_form_has_labels_autocomplete_and_a_honeypot(client: FlaskClient, petition_id: int) -> None:
    page = client.get("/petitions/the-ban").get_data(as_text=True)
    for field, autocomplete in (
        ("name", "name"),
        ("email", "email"),
        ("postcode", "postal-code"),
        ("country", "country"),
    ):
        assert f'<label class="field__label" for="{field}">' in page
        assert f'autocomplete="{autocomplete}"' in page
    assert 'for="outside_uk">I live outside the UK</label>' in page
    assert 'for="notify_progress">' in page and 'for="share_name">' in page
    assert 'class="honeypot" aria-hidden="true"' in page and 'name="website"' in page
    assert 'action="/petitions/the-ban/sign#sign"' in page


def test_signing_writes_a_pending_signature_and_its_email_together(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    response = sign(client, "the-ban", name="Jo  Bloggs", email="Jo.Bloggs@Example.org", postcode="yo1 7hh",
                    notify_progress="y")  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/petitions/the-ban/check-email"
    (signature,) = signatures(app)
    assert (signature.state, signature.name, signature.postcode, signature.country) == (
        "pending",
        "Jo Bloggs",
        "YO1 7HH",
        None,
    )
    assert signature.email == "Jo.Bloggs@example.org" and signature.canonical_email == "jo.bloggs@example.org"
    assert signature.notify_progress is True and signature.share_name is False
    (queued,) = outbox(app)
    assert (queued.status, queued.kind, queued.signature_id) == ("queued", "confirm_signature", signature.id)

    page = client.get(response.headers["Location"])
    assert "Now check your email" in text_of(page)
    assert "Jo.Bloggs@Example.org" in text_of(page), "shown as typed, so a typo can be spotted"

    assert deliver(app).sent == 1
    (message,) = smtp_server.mailbox.wait_for(1)
    assert message["To"] == "Jo.Bloggs@example.org"
    assert message["Subject"] == "Confirm your signature: Reverse the social media ban"
    assert message["Message-ID"] == queued.message_id
    link = confirmation_link(message)
    assert urlsplit(link).netloc == "localhost"
    assert f'href="{link}"' in html_part(message)
    assert "Hello Jo Bloggs" in text_part(message)


def test_outside_the_uk_needs_a_country_instead_of_a_postcode(
    client: FlaskClient, app: Flask, petition_id: int
) -> None:
    response = sign(client, "the-ban", postcode="", outside_uk="y", country="")
    assert "Choose the country you live in" in text_of(response)
    assert signatures(app) == []
    response = sign(client, "the-ban", postcode="", outside_uk="y", country="IE")
    assert response.status_code == 302
    (signature,) = signatures(app)
    assert (signature.postcode, signature.country) == (None, "IE")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter your full name"),
        ({"name": "x" * 101}, "Name must be 100 characters or fewer"),
        ({"name": "!!!"}, "Enter your name using letters"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": "jo@example.org\r\nBcc: victim@example.org"}, "Enter an email address in the correct format"),
        ({"postcode": ""}, "Enter your postcode, or tick “I live outside the UK”"),
        ({"postcode": "ZZ99 9ZZ"}, "Enter a real UK postcode, like YO1 7HH"),
        ({"outside_uk": "y", "country": "XX", "postcode": ""}, "Choose a country from the list"),
        ({"outside_uk": "y", "country": "GB", "postcode": ""}, "Choose a country from the list"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    client: FlaskClient, app: Flask, petition_id: int, fields: dict[str, str], message: str
) -> None:
    response = sign(client, "the-ban", **fields)
    assert response.status_code == 200
    text = text_of(response)
    assert "There is a problem" in text
    assert message in text
    assert signatures(app) == [] and outbox(app) == []


def test_all_problems_show_at_once_and_typed_values_are_kept(client: FlaskClient, app: Flask, petition_id: int) -> None:
    response = sign(client, "the-ban", name="<b>Jo</b>", email="bad", postcode="nope")
    page = response.get_data(as_text=True)
    assert "Enter an email address in the correct format" in page
    assert "Enter a real UK postcode" in page
    assert 'value="&lt;b&gt;Jo&lt;/b&gt;"' in page and "<b>Jo</b>" not in page
    assert 'value="nope"' in page
    assert page.count('href="#') >= 2, "the error summary links to each field"


def test_hostile_names_are_stored_as_text_and_escaped_in_mail(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    sign(client, "the-ban", name='=HYPERLINK("http://evil")<script>')
    (signature,) = signatures(app)
    assert signature.name == '=HYPERLINK("http://evil")<script>'
    deliver(app)
    (message,) = smtp_server.mailbox.wait_for(1)
    assert "&lt;script&gt;" in html_part(message) and "<script>" not in html_part(message)


def test_honeypot_looks_like_success_but_stores_and_sends_nothing(
    client: FlaskClient, app: Flask, petition_id: int
) -> None:
    response = sign(client, "the-ban", website="http://spam.example")
    assert response.headers["Location"] == "/petitions/the-ban/check-email"
    assert signatures(app) == [] and outbox(app) == []


def test_signing_needs_the_csrf_token(client: FlaskClient, app: Flask, petition_id: int) -> None:
    response = client.post(
        "/petitions/the-ban/sign", data={"name": "Jo", "email": "jo@example.org", "postcode": "YO1 7HH"}
    )
    assert response.status_code == 200
    assert "Your form had expired" in text_of(response)
    assert signatures(app) == []


def test_closed_petitions_refuse_new_signatures(client: FlaskClient, app: Flask) -> None:
    organiser_id = make_organiser(app)
    make_petition(app, organiser_id, state="open", slug="closing")
    page = client.get("/petitions/closing")
    from campaign.extensions import db
    from campaign.petitions.models import Petition
    from tests.helpers import csrf_token, in_days

    with app.app_context():
        petition = db.session.query(Petition).filter_by(slug="closing").one()
        petition.closes_at = in_days(-0.001)  # its closing time has just passed
        db.session.commit()
    response = client.post("/petitions/closing/sign", data={"csrf_token": csrf_token(page.data), **{
        "name": "Jo", "email": "jo@example.org", "postcode": "YO1 7HH"}})  # fmt: skip
    assert "This petition is closed and no longer accepts signatures." in text_of(response)
    assert signatures(app) == []
    assert 'name="email"' not in client.get("/petitions/closing").get_data(as_text=True), "no form on a closed petition"


# --- one signature per person ----------------------------------------------------------------


def test_signing_again_while_pending_resends_the_confirmation(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    first = sign(client, "the-ban")
    second = sign(client, "the-ban", email="JO@example.org ")
    assert first.headers["Location"] == second.headers["Location"]
    assert len(signatures(app)) == 1
    assert [m.kind for m in outbox(app)] == ["confirm_signature", "confirm_signature"]
    deliver(app)
    messages = smtp_server.mailbox.wait_for(2)
    # The same signature, the same link (its token carries its signing time, so compare what it opens).
    with app.app_context():
        payloads = [
            read_token(TokenPurpose.CONFIRM_SIGNATURE, confirmation_link(m).rsplit("/", 1)[1], max_age_seconds=60)
            for m in messages
        ]
    assert payloads[0] == payloads[1] == {"s": signatures(app)[0].id, "n": signatures(app)[0].confirmation_nonce}


def test_resends_are_capped_per_signature(client: FlaskClient, app: Flask, petition_id: int) -> None:
    for _ in range(7):
        assert sign(client, "the-ban").status_code == 302
    assert len(outbox(app)) == 5
    assert signatures(app)[0].emails_sent == 5


def test_resend_interval_absorbs_double_clicks(app: Flask, petition_id: int) -> None:
    app.config["RESEND_MIN_INTERVAL_SECONDS"] = 60
    with app.app_context():
        request = SignatureRequest(name="Jo Bloggs", email="jo@example.org", postcode="YO1 7HH")
        assert sign_petition("the-ban", request) == SignOutcome.CREATED
        assert sign_petition("the-ban", request) == SignOutcome.NOTHING_SENT
    assert len(outbox(app)) == 1


def test_the_page_is_the_same_whether_or_not_the_address_has_signed(app: Flask, petition_id: int) -> None:
    newcomer, repeat = app.test_client(), app.test_client()
    sign(app.test_client(), "the-ban", email="someone@example.org")
    first = sign(newcomer, "the-ban", email="new@example.org")
    second = sign(repeat, "the-ban", email="someone@example.org")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    new_page = newcomer.get(first.headers["Location"]).get_data(as_text=True).replace("new@example.org", "EMAIL")
    repeat_page = repeat.get(second.headers["Location"]).get_data(as_text=True).replace("someone@example.org", "EMAIL")
    assert new_page == repeat_page


def test_gmail_variants_are_one_person(client: FlaskClient, app: Flask, petition_id: int) -> None:
    sign(client, "the-ban", email="jo.bloggs@gmail.com")
    sign(client, "the-ban", email="JoBloggs+petition@googlemail.com")
    assert len(signatures(app)) == 1


def confirm_all(app: Flask) -> list[tuple[str, str]]:
    """Confirm every pending signature by its link; (name, outcome) for each."""
    from campaign.signing.confirming import confirm_signature
    from campaign.signing.service import HouseholdFull
    from campaign.tokens import TokenPurpose, make_token

    outcomes = []
    with app.test_request_context():
        for signature in signatures(app):
            if signature.state != "pending":
                continue
            token = make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": signature.id, "n": signature.confirmation_nonce})
            try:
                confirm_signature(token)
                outcomes.append((signature.name, "confirmed"))
            except HouseholdFull:
                outcomes.append((signature.name, "refused"))
    return outcomes


def test_household_second_person_same_postcode_different_name(
    client: FlaskClient, app: Flask, petition_id: int
) -> None:
    sign(client, "the-ban", name="Jo Bloggs", email="family@example.org", postcode="YO1 7HH")
    sign(client, "the-ban", name="Sam Bloggs", email="family@example.org", postcode="yo17hh")
    assert [(s.name, s.household_slot) for s in signatures(app)] == [("Jo Bloggs", None), ("Sam Bloggs", None)]
    assert confirm_all(app) == [("Jo Bloggs", "confirmed"), ("Sam Bloggs", "confirmed")]
    assert [(s.name, s.household_slot) for s in signatures(app)] == [("Jo Bloggs", 1), ("Sam Bloggs", 2)]
    # A third person is told by email; nothing is stored, nothing counted.
    sign(client, "the-ban", name="Alex Bloggs", email="family@example.org", postcode="YO1 7HH")
    assert len(signatures(app)) == 2
    assert outbox(app)[-1].kind == "address_used"


def test_second_person_at_another_postcode_is_not_a_household(
    client: FlaskClient, app: Flask, petition_id: int
) -> None:
    sign(client, "the-ban", name="Jo Bloggs", email="shared@example.org", postcode="YO1 7HH")
    confirm_all(app)
    sign(client, "the-ban", name="Sam Bloggs", email="shared@example.org", postcode="HG1 1AA")
    assert len(signatures(app)) == 1
    assert [m.kind for m in outbox(app)] == ["confirm_signature", "address_used"]


def test_someone_else_typing_your_address_cannot_lock_you_out(
    client: FlaskClient, app: Flask, petition_id: int
) -> None:
    """An unconfirmed name at another postcode takes no slot; only the mailbox's owner can confirm."""
    attacker = app.test_client()
    for n in range(3):
        sign(attacker, "the-ban", name=f"Mallory {n}", email="victim@example.org", postcode="HG1 1AA")
    response = sign(client, "the-ban", name="Victor Owner", email="victim@example.org", postcode="YO1 7HH")
    assert response.headers["Location"] == "/petitions/the-ban/check-email"
    victim = next(s for s in signatures(app) if s.name == "Victor Owner")
    assert victim.emails_sent == 1, "the owner gets their own link; others' names use their own caps"
    # The owner follows their own link (the others' links also went to the owner, who ignores them).
    from campaign.signing.confirming import confirm_signature
    from campaign.tokens import TokenPurpose, make_token

    with app.test_request_context():
        assert confirm_signature(
            make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": victim.id, "n": victim.confirmation_nonce})
        )
    assert [(s.name, s.household_slot) for s in signatures(app) if s.state == "confirmed"] == [("Victor Owner", 1)]


def test_names_per_mailbox_are_capped(client: FlaskClient, app: Flask, petition_id: int) -> None:
    for n in range(8):
        sign(client, "the-ban", name=f"Person {n}", email="many@example.org", postcode="YO1 7HH")
    assert len(signatures(app)) == 5


def test_a_new_link_after_the_old_one_expired_despite_the_cap(app: Flask, petition_id: int) -> None:
    with app.app_context():
        request = SignatureRequest(name="Jo Bloggs", email="jo@example.org", postcode="YO1 7HH")
        sign_petition("the-ban", request)
        for _ in range(6):
            sign_petition("the-ban", request)
        assert sign_petition("the-ban", request) == SignOutcome.NOTHING_SENT
        from datetime import timedelta

        from campaign.db import utcnow

        later = utcnow() + timedelta(days=8)
        assert sign_petition("the-ban", request, now=later) == SignOutcome.CONFIRMATION_RESENT


def test_same_name_spelled_differently_is_the_same_person(client: FlaskClient, app: Flask, petition_id: int) -> None:
    sign(client, "the-ban", name="Zoë O'Brien", email="zoe@example.org")
    sign(client, "the-ban", name="zoe obrien", email="zoe@example.org")
    assert len(signatures(app)) == 1


def test_concurrent_submissions_end_with_one_signature(app: Flask, petition_id: int) -> None:
    """Double clicks, two tabs, a script: many submissions of the same person at once."""
    clients = [app.test_client() for _ in range(8)]
    tokens = [c.get("/petitions/the-ban") for c in clients]
    from tests.helpers import csrf_token

    def send(index: int) -> int:
        data = {"csrf_token": csrf_token(tokens[index].data), "name": "Jo Bloggs", "email": "race@example.org",
                "postcode": "YO1 7HH"}  # fmt: skip
        return clients[index].post("/petitions/the-ban/sign", data=data).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(send, range(8)))
    assert statuses == [302] * 8
    assert len(signatures(app)) == 1
