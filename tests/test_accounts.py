from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts.models import LoginThrottle, Organiser, Role
from campaign.accounts.service import NewOrganiser, authenticate, create_organiser
from campaign.errors import ValidationFailed
from campaign.extensions import db
from tests.helpers import DEFAULT_PASSWORD, make_organiser, sign_in, submit, text_of


def test_passwords_are_stored_with_argon2(app: Flask) -> None:
    organiser_id = make_organiser(app)
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        assert organiser.password_hash.startswith("$argon2id$")
        assert DEFAULT_PASSWORD not in organiser.password_hash
        assert authenticate("ORGANISER@example.org ", DEFAULT_PASSWORD) is not None
        assert authenticate("organiser@example.org", "wrong password entirely") is None
        assert authenticate("nobody@example.org", DEFAULT_PASSWORD) is None
        assert "organiser@example.org" not in str(db.session.query(LoginThrottle.email_hash).all()), "no address stored"


def test_sign_in_and_out(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    response = submit(client, "/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    assert "Olive Organiser" in text_of(client.get("/console/"))
    page = client.get("/console/")
    response = submit(client, "/logout", {}, form_url="/console/")
    assert response.status_code == 302
    assert client.get("/console/").status_code == 302, "signed out"
    assert page.status_code == 200


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    response = submit(client, "/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD})
    set_cookie = response.headers["Set-Cookie"]
    cookie = SimpleCookie(set_cookie)
    assert "campaign_session" in cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    wrong = submit(client, "/login", {"email": "organiser@example.org", "password": "not the password"})
    unknown = submit(client, "/login", {"email": "stranger@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 200
    assert "Incorrect email address or password" in text_of(wrong)
    assert "Incorrect email address or password" in text_of(unknown)
    assert 'value="organiser@example.org"' in wrong.get_data(as_text=True), "what was typed is kept"


def test_sign_in_needs_a_csrf_token(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    response = client.post("/login", data={"email": "organiser@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "Your form has expired" in text_of(response)


def test_sign_in_is_throttled_per_account(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    statuses = [
        submit(client, "/login", {"email": "organiser@example.org", "password": f"guess number {n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [200] * 5
    # The address is now locked for a while: even the right password is refused, from any browser.
    blocked = submit(app.test_client(), "/login", {"email": "ORGANISER@example.org", "password": DEFAULT_PASSWORD})
    assert blocked.status_code == 429
    assert "too many failed attempts to sign in with this email address" in text_of(blocked)
    assert "Try again in 15 minutes" in text_of(blocked)


def test_unknown_addresses_lock_the_same_way(client: FlaskClient, app: Flask) -> None:
    """Otherwise the lock would reveal which addresses have accounts."""
    for n in range(5):
        submit(client, "/login", {"email": "nobody@example.org", "password": f"guess number {n}"})
    blocked = submit(client, "/login", {"email": "nobody@example.org", "password": "another guess"})
    assert blocked.status_code == 429


def test_a_successful_sign_in_clears_earlier_failures(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    for n in range(4):
        submit(client, "/login", {"email": "organiser@example.org", "password": f"guess number {n}"})
    sign_in(client)
    submit(client, "/logout", {}, form_url="/console/")
    for n in range(4):
        assert submit(client, "/login", {"email": "organiser@example.org", "password": f"wrong {n}"}).status_code == 200


def test_signing_out_ends_the_session_even_if_the_cookie_is_kept(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    sign_in(client)
    kept = client.get_cookie("campaign_session")
    assert kept is not None
    submit(client, "/logout", {}, form_url="/console/")
    thief = app.test_client()
    thief.set_cookie("campaign_session", kept.value)
    assert thief.get("/console/").status_code == 302


def test_sessions_expire(client: FlaskClient, app: Flask) -> None:
    from datetime import timedelta

    from campaign.accounts.models import OrganiserSession
    from campaign.db import utcnow

    make_organiser(app)
    sign_in(client)
    assert client.get("/console/").status_code == 200
    with app.app_context():
        for row in db.session.query(OrganiserSession).all():
            row.created_at, row.expires_at = utcnow() - timedelta(hours=13), utcnow() - timedelta(hours=1)
        db.session.commit()
    assert client.get("/console/").status_code == 302


def test_guessing_the_current_password_is_throttled(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    sign_in(client)
    for n in range(5):
        response = submit(
            client,
            "/console/account/password",
            {
                "current_password": f"guess {n}",
                "new_password": "a new long passphrase",
                "confirm_password": "a new long passphrase",
            },
        )
        assert response.status_code == 200
    response = submit(
        client,
        "/console/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a new long passphrase",
            "confirm_password": "a new long passphrase",
        },
    )
    assert response.status_code == 429
    other = app.test_client()
    assert submit(other, "/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD}).status_code == 429


def test_disabled_organisers_cannot_sign_in(client: FlaskClient, app: Flask) -> None:
    organiser_id = make_organiser(app)
    with app.app_context():
        db.session.get_one(Organiser, organiser_id).disabled = True
        db.session.commit()
    wrong = submit(client, "/login", {"email": "organiser@example.org", "password": "not the password"})
    assert "Incorrect email address or password" in text_of(wrong), "nothing said to someone guessing"
    assert "disabled" not in text_of(wrong)
    response = submit(client, "/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert "This account has been disabled. Ask an administrator if you need it again." in text_of(response)
    assert client.get("/console/").status_code == 302


def test_next_only_redirects_within_the_site(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    for target, expected in [
        ("/console/petitions/new", "/console/petitions/new"),
        ("https://evil.example/", "/console/"),
        ("//evil.example/", "/console/"),
        ("/\\evil.example", "/console/"),
    ]:
        client.get("/")  # fresh page for a token
        page = client.get("/login")
        from tests.helpers import csrf_token

        response = client.post(
            f"/login?next={target}",
            data={"csrf_token": csrf_token(page.data), "email": "organiser@example.org", "password": DEFAULT_PASSWORD},
        )
        assert response.headers["Location"] == expected, target
        submit(client, "/logout", {}, form_url="/console/")


def test_changing_password_signs_out_other_sessions(app: Flask) -> None:
    make_organiser(app)
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    response = submit(
        laptop,
        "/console/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a new long passphrase",
            "confirm_password": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/console/").status_code == 200, "the session that changed it stays signed in"
    assert phone.get("/console/").status_code == 302, "other sessions are signed out"
    sign_in(phone, password="a new long passphrase")


def test_password_change_errors_are_shown_next_to_fields(client: FlaskClient, app: Flask) -> None:
    make_organiser(app)
    sign_in(client)
    response = submit(
        client,
        "/console/account/password",
        {"current_password": "wrong", "new_password": "a new long passphrase", "confirm_password": "different thing!"},
    )
    text = text_of(response)
    assert "There is a problem" in text
    assert "The passwords do not match" in text
    response = submit(
        client,
        "/console/account/password",
        {
            "current_password": "wrong one",
            "new_password": "a new long passphrase",
            "confirm_password": "a new long passphrase",
        },
    )
    assert "Your current password is not correct" in text_of(response)


@pytest.mark.parametrize(
    ("email", "name", "password", "field"),
    [
        ("not-an-email", "Name", DEFAULT_PASSWORD, "email"),
        ("a@example.org", "", DEFAULT_PASSWORD, "name"),
        ("a@example.org", "x" * 121, DEFAULT_PASSWORD, "name"),
        ("a@example.org", "Name", "short", "password"),
        ("a@example.org", "Name", "a@example.org", "password"),
        ("a@example.org", "Name", "aaaaaaaaaaaaaaaa", "password"),
    ],
)
def test_create_organiser_refuses_bad_input(app: Flask, email: str, name: str, password: str, field: str) -> None:
    with app.app_context():
        with pytest.raises(ValidationFailed) as error:
            create_organiser(NewOrganiser(email=email, name=name, password=password))
        assert field in error.value.errors
        assert db.session.query(Organiser).count() == 0


def test_organiser_emails_are_unique_ignoring_case(app: Flask) -> None:
    make_organiser(app, "Someone@Example.org")
    with app.app_context():
        with pytest.raises(ValidationFailed) as error:
            create_organiser(NewOrganiser(email="someone@example.ORG", name="Again", password=DEFAULT_PASSWORD))
        assert "already exists" in error.value.errors["email"]


def test_admin_role_is_recorded(app: Flask) -> None:
    organiser_id = make_organiser(app, "admin@example.org", role=Role.ADMIN)
    with app.app_context():
        assert db.session.get_one(Organiser, organiser_id).is_admin
