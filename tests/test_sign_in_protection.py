"""Signing in: limits per account and per network address, a fresh session every time, password rules."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts.passwords import common_passwords, password_problem
from campaign.accounts.service import NewOrganiser, create_organiser
from campaign.errors import ValidationFailed
from tests.helpers import DEFAULT_PASSWORD, make_organiser, sign_in, submit, text_of


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"LOGIN_MAX_FAILURES_PER_IP": 3}


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client: FlaskClient, email: str, password: str) -> int:
    return submit(client, "/login", {"email": email, "password": password}).status_code


def test_failures_from_one_network_address_lock_it_for_every_account(app: Flask) -> None:
    make_organiser(app)
    attacker = from_address(app, "192.0.2.10")
    # Three different accounts, one wrong guess each: no account's own limit (5) is near.
    assert [attempt(attacker, f"person{n}@example.org", "wrong guess") for n in range(3)] == [200, 200, 200]
    blocked = submit(attacker, "/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD})
    assert blocked.status_code == 429
    assert "too many failed attempts to sign in from your network. Try again in 15 minutes." in text_of(blocked)
    # Elsewhere, the same account signs in: the lock is on the address, not the account.
    assert attempt(from_address(app, "198.51.100.7"), "organiser@example.org", DEFAULT_PASSWORD) == 302


def test_a_good_sign_in_does_not_reset_the_network_count(app: Flask) -> None:
    make_organiser(app)
    office = from_address(app, "192.0.2.20")
    assert attempt(office, "someone@example.org", "wrong guess") == 200
    assert attempt(office, "someone-else@example.org", "wrong guess") == 200
    assert attempt(office, "organiser@example.org", DEFAULT_PASSWORD) == 302
    submit(office, "/logout", {}, form_url="/console/")
    assert attempt(office, "third@example.org", "wrong guess") == 200
    assert attempt(office, "organiser@example.org", DEFAULT_PASSWORD) == 429


def test_the_per_account_limit_holds_whatever_the_address(app: Flask) -> None:
    make_organiser(app)
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 100
    for n in range(5):
        assert attempt(from_address(app, f"203.0.113.{n + 1}"), "organiser@example.org", f"guess {n}") == 200
    blocked = submit(from_address(app, "203.0.113.99"), "/login",
                     {"email": "organiser@example.org", "password": DEFAULT_PASSWORD})  # fmt: skip
    assert blocked.status_code == 429
    assert "too many failed attempts to sign in with this email address" in text_of(blocked)


def test_the_request_rate_limit_per_address_counts_every_attempt(app: Flask) -> None:
    """Flask-Limiter's limit (LOGIN_RATE_LIMIT_PER_IP) counts every sign-in request, right or wrong."""
    make_organiser(app)
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "2 per minute"
    busy = from_address(app, "192.0.2.30")
    assert attempt(busy, "organiser@example.org", DEFAULT_PASSWORD) == 302
    submit(busy, "/logout", {}, form_url="/console/")
    assert attempt(busy, "organiser@example.org", DEFAULT_PASSWORD) == 302
    submit(busy, "/logout", {}, form_url="/console/")
    limited = submit(busy, "/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD})
    assert limited.status_code == 429 and "Too many requests" in text_of(limited)
    assert attempt(from_address(app, "192.0.2.31"), "organiser@example.org", DEFAULT_PASSWORD) == 302


def _session_of(app: Flask, client: FlaskClient) -> dict[str, object]:
    cookie = client.get_cookie("campaign_session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return dict(serializer.loads(cookie.value))


def test_every_sign_in_starts_a_fresh_session(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    client.get("/login")
    with client.session_transaction() as session:
        # Whatever someone managed to put in this browser's session before sign-in (session fixation).
        session["_user_id"] = "1.planted-login-id"
        session["planted"] = "by someone else"
    planted_cookie = client.get_cookie("campaign_session")
    assert planted_cookie is not None
    sign_in(client)
    first = _session_of(app, client)
    assert "planted" not in first and first["_user_id"] != "1.planted-login-id"
    assert client.get_cookie("campaign_session").value != planted_cookie.value  # type: ignore[union-attr]
    submit(client, "/logout", {}, form_url="/console/")
    sign_in(client)
    second = _session_of(app, client)
    assert second["_user_id"] != first["_user_id"], "a new login id every time"
    # The first sign-in's cookie no longer signs anyone in.
    old = app.test_client()
    with old.session_transaction() as session:
        session.update(first)
    assert old.get("/console/").status_code == 302
    assert client.get("/console/").status_code == 200


def test_the_common_password_list_is_shipped_and_large() -> None:
    common = common_passwords()
    assert len(common) >= 10_000
    assert {"password", "qwerty", "iloveyou", "1q2w3e4r5t6y"} <= common
    assert all(entry == entry.lower() for entry in common)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1QAZ2WSX3EDC", "one of the most common passwords"),  # in the list, whatever the case
        ("qwerty123456", "one of the most common passwords"),
        ("Password2024!", "a common password with numbers or symbols added"),
        ("!!Sunshine1234", "a common password with numbers or symbols added"),
        ("monkeymonkey", "a common password repeated"),
        ("dragon dragon dragon", "a common password repeated"),
    ],
)
def test_common_passwords_are_refused_with_a_clear_reason(password: str, message: str) -> None:
    problem = password_problem(password)
    assert problem is not None and message in problem and problem.endswith("Choose something less predictable")


@pytest.mark.parametrize("password", [DEFAULT_PASSWORD, "violet kettle 1987 harbour", "Tr0ub4dor&3 horse"])
def test_uncommon_passwords_are_accepted(password: str) -> None:
    assert password_problem(password) is None


def test_common_passwords_are_refused_when_creating_and_changing(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), pytest.raises(ValidationFailed) as error:
        create_organiser(NewOrganiser(email="new@example.org", name="New", password="Qwerty123456"))
    assert "one of the most common passwords" in error.value.errors["password"]
    make_organiser(app)
    sign_in(client)
    response = submit(client, "/console/account/password", {"current_password": DEFAULT_PASSWORD,
                      "new_password": "Password2024!", "confirm_password": "Password2024!"})  # fmt: skip
    assert response.status_code == 200
    assert "a common password with numbers or symbols added" in text_of(response)
    sign_in(app.test_client())  # the old password still works: nothing changed
