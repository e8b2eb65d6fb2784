"""Two-factor sign-in: setting it up, codes that work once, recovery codes, turning it off, limits."""

from __future__ import annotations

import html
import re

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts import twofactor
from campaign.accounts.models import Organiser, RecoveryCode
from campaign.audit.models import AuditEvent
from campaign.db import utcnow
from campaign.extensions import db
from tests.helpers import (
    DEFAULT_PASSWORD,
    assert_well_formed,
    csrf_token,
    hidden_value,
    make_organiser,
    sign_in,
    submit,
    text_of,
)

SETUP = "/console/account/two-factor"


def shown_secret(page: str) -> str:
    match = re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', page)
    assert match, "no secret on the page"
    return match.group(1).replace(" ", "")


def code_at(secret: str, step_offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()) + step_offset)


def turn_on(client: FlaskClient) -> tuple[str, list[str]]:
    """Set up two-factor sign-in through the console; returns the secret and the recovery codes."""
    page = client.get(SETUP)
    secret = shown_secret(page.get_data(as_text=True))
    response = client.post(SETUP, data={"csrf_token": csrf_token(page.data), "token": hidden_value(page.data, "token"),
                                        "code": code_at(secret), "password": DEFAULT_PASSWORD})  # fmt: skip
    assert response.status_code == 200, text_of(response)
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def password_step(client: FlaskClient, email: str = "organiser@example.org") -> None:
    response = submit(client, "/login", {"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/code"), text_of(response)


def enter_code(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    return submit(client, "/login/code", {"code": code})


@pytest.fixture
def enrolled(app: Flask, client: FlaskClient) -> tuple[str, list[str]]:
    make_organiser(app)
    sign_in(client)
    secret, codes = turn_on(client)
    submit(client, "/logout", {}, form_url="/console/")
    return secret, codes


def organiser(app: Flask) -> Organiser:
    with app.app_context():
        found = db.session.get_one(Organiser, 1)
        db.session.expunge(found)
        return found


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_setting_up_shows_a_qr_code_drawn_here_and_the_key_once(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    sign_in(client)
    page = client.get(SETUP)
    assert page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert_well_formed(body)
    svg = re.search(r"<svg (?![^>]*site-header__mark)[^>]*>.*?</svg>", body, re.S)  # the QR code, not the header mark
    assert svg and 'role="img"' in svg.group(0) and "<path" in svg.group(0)
    assert not re.search(r"\sstyle=|<script|https?://(?!www\.w3\.org)", svg.group(0)), "nothing from elsewhere"
    secret = shown_secret(body)
    assert len(secret) == 32, "160 bits, shown in groups of four"

    _, codes = turn_on(client)
    stored = organiser(app)
    assert stored.totp_enabled_at is not None and stored.totp_secret and secret not in stored.totp_secret
    with app.app_context():
        hashes = list(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    after = client.get(SETUP).get_data(as_text=True)
    assert "Two-factor sign-in is on" in after and secret not in after and "secret-key" not in after
    assert "10 unused recovery codes" in html.unescape(after)
    assert "account.two_factor_enable" in actions(app)


def test_a_wrong_code_or_password_turns_nothing_on_and_keeps_the_same_key(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    sign_in(client)
    page = client.get(SETUP)
    secret = shown_secret(page.get_data(as_text=True))
    token = hidden_value(page.data, "token")
    wrong_code = "000000" if code_at(secret) != "000000" else "111111"
    for code, password, message in [(wrong_code, DEFAULT_PASSWORD, "That code is not right"),
                                    (code_at(secret), "not my password", "Your password is not correct")]:  # fmt: skip
        response = client.post(SETUP, data={"csrf_token": csrf_token(page.data), "token": token, "code": code,
                                            "password": password})  # fmt: skip
        assert response.status_code == 200 and message in text_of(response)
        assert shown_secret(response.get_data(as_text=True)) == secret, "the app need not be set up again"
    tampered = client.post(SETUP, data={"csrf_token": csrf_token(page.data), "token": token[:-3] + "abc",
                                        "code": code_at(secret), "password": DEFAULT_PASSWORD})  # fmt: skip
    assert "The set-up took too long" in text_of(tampered)
    assert organiser(app).totp_enabled_at is None


def test_signing_in_needs_the_code_after_the_password(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    secret, _ = enrolled
    password_step(client)
    assert client.get("/console/").status_code == 302, "not signed in after the password alone"
    page = client.get("/login/code")
    assert page.status_code == 200 and "Enter your code" in text_of(page)
    assert_well_formed(page.get_data(as_text=True))
    wrong = enter_code(client, "12345" + ("6" if code_at(secret) != "123456" else "7"))
    assert "That code is not right" in text_of(wrong)
    response = enter_code(client, code_at(secret, +1))
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    with client.session_transaction() as session:
        assert "second_step" not in session, "the half-way token goes with the fresh session"
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.sign_in")
                                   .order_by(AuditEvent.id.desc())).first()  # fmt: skip
        assert event is not None and event.after == {"second_factor": "app"}


def test_a_code_works_once(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    secret, _ = enrolled
    code = code_at(secret, +1)
    password_step(client)
    assert enter_code(client, code).status_code == 302
    submit(client, "/logout", {}, form_url="/console/")
    other = app.test_client()
    password_step(other)
    replayed = enter_code(other, code)
    assert replayed.status_code == 200 and "That code has already been used" in text_of(replayed)
    earlier = enter_code(other, code_at(secret))
    assert "already been used" in text_of(earlier), "nor an earlier one, whatever the order"
    assert other.get("/console/").status_code == 302


def test_the_setup_code_cannot_sign_in(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    sign_in(client)
    page = client.get(SETUP)
    secret = shown_secret(page.get_data(as_text=True))
    code = code_at(secret)
    client.post(SETUP, data={"csrf_token": csrf_token(page.data), "token": hidden_value(page.data, "token"),
                             "code": code, "password": DEFAULT_PASSWORD})  # fmt: skip
    other = app.test_client()
    password_step(other)
    assert "already been used" in text_of(enter_code(other, code))


def test_recovery_codes_work_once_each(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    _, codes = enrolled
    password_step(client)
    response = enter_code(client, codes[0].upper().replace("-", " "))
    assert response.status_code == 302, "typed in capitals with spaces, it still works"
    assert "9 unused recovery codes" in text_of(client.get(SETUP))
    submit(client, "/logout", {}, form_url="/console/")
    password_step(client)
    again = enter_code(client, codes[0])
    assert "not one of your recovery codes, or it has been used" in text_of(again)
    assert "account.recovery_code_use" in actions(app)


def test_making_new_recovery_codes_cancels_the_old_ones(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    secret, old = enrolled
    password_step(client)
    enter_code(client, code_at(secret, +1))
    refused = submit(client, f"{SETUP}/recovery-codes", {"password": "wrong password"}, form_url=SETUP)
    assert refused.status_code == 302 and "Your password is not correct" in text_of(client.get(SETUP))
    page = submit(client, f"{SETUP}/recovery-codes", {"password": DEFAULT_PASSWORD}, form_url=SETUP)
    new = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    submit(client, "/logout", {}, form_url="/console/")
    password_step(client)
    assert "not one of your recovery codes" in text_of(enter_code(client, old[1]))
    assert enter_code(client, new[1]).status_code == 302


def test_wrong_codes_lock_the_account_s_codes(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    secret, _ = enrolled
    password_step(client)
    right = code_at(secret, +1)
    wrong = [f"{n:06d}" for n in range(1000) if f"{n:06d}" not in {code_at(secret, k) for k in (-1, 0, 1, 2)}][:5]
    for code in wrong:
        assert enter_code(client, code).status_code == 200
    locked = enter_code(client, right)
    assert locked.status_code == 429 and "too many wrong codes for this account" in text_of(locked)
    # The lock is on the account, not the browser: signing in again elsewhere does not get round it.
    other = app.test_client()
    password_step(other)
    assert enter_code(other, right).status_code == 429


def test_the_code_page_needs_a_recent_correct_password(
    app: Flask,
    client: FlaskClient,
    enrolled,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Sign in with your email address and password first" in text_of(client.get("/login"))
    password_step(client)
    monkeypatch.setattr(twofactor, "SIGN_IN_STEP_SECONDS", -1)
    response = client.get("/login/code")
    assert response.status_code == 302
    assert "That took too long. Sign in again." in text_of(client.get("/login"))
    monkeypatch.setattr(twofactor, "SIGN_IN_STEP_SECONDS", 300)
    assert client.get("/login/code").status_code == 302, "the expired step was forgotten"


def test_changing_the_password_cancels_a_half_finished_sign_in(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    secret, _ = enrolled
    password_step(client)
    owner = app.test_client()
    password_step(owner)
    enter_code(owner, code_at(secret, +1))
    submit(owner, "/console/account/password", {"current_password": DEFAULT_PASSWORD,
           "new_password": "a new long passphrase", "confirm_password": "a new long passphrase"})  # fmt: skip
    response = client.get("/login/code")
    assert response.status_code == 302 and "Sign in again" in text_of(client.get("/login"))


def test_turning_it_off_needs_the_password(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    secret, _ = enrolled
    password_step(client)
    enter_code(client, code_at(secret, +1))
    submit(client, f"{SETUP}/disable", {"password": "not my password"}, form_url=SETUP)
    assert organiser(app).totp_enabled_at is not None
    response = submit(client, f"{SETUP}/disable", {"password": DEFAULT_PASSWORD}, form_url=SETUP)
    assert response.status_code == 302 and "Two-factor sign-in is off" in text_of(client.get(SETUP))
    stored = organiser(app)
    assert (stored.totp_secret, stored.totp_enabled_at, stored.totp_last_step) == (None, None, None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    submit(client, "/logout", {}, form_url="/console/")
    sign_in(client)  # the password alone again
    assert "account.two_factor_disable" in actions(app)


def test_a_disabled_account_stops_at_the_code_page(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    password_step(client)
    with app.app_context():
        db.session.get_one(Organiser, 1).disabled = True
        db.session.commit()
    response = client.get("/login/code")
    assert response.status_code == 302
    assert "This account has been disabled" in text_of(client.get("/login"))


def test_the_command_line_can_turn_it_off_for_someone_locked_out(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["organiser", "reset-two-factor", "Organiser@example.org"])
    assert result.exit_code == 0, result.output
    assert organiser(app).totp_enabled_at is None
    sign_in(client)
    again = runner.invoke(args=["organiser", "reset-two-factor", "organiser@example.org"])
    assert again.exit_code == 1 and "No organiser" in again.output
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.two_factor_reset")).one()
        assert (event.actor_label, event.target_id) == ("command line", "1")


def test_a_changed_secret_key_leaves_recovery_codes_working(app: Flask, client: FlaskClient, enrolled) -> None:  # type: ignore[no-untyped-def]
    secret, codes = enrolled
    app.config["SECRET_KEY"] = "a-completely-different-secret-key-0123456789"
    password_step(client)
    assert "That code is not right" in text_of(enter_code(client, code_at(secret, +1)))
    assert enter_code(client, codes[2]).status_code == 302
