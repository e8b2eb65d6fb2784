"""Abuse controls: silent holding back, limits, proxies, blocklists, and limit storage being down."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from campaign.db import utcnow
from campaign.extensions import db
from campaign.integrity import service as integrity
from campaign.integrity.screening import keyed_hash
from campaign.signing.models import Signature
from tests.helpers import csrf_token, make_organiser, make_petition, text_of
from tests.mailbox import SmtpServer, confirmation_link
from tests.signing_helpers import deliver, fold, sign, signatures, stored_count


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {
        "MAIL_URL": smtp_server.url,
        "RESEND_MIN_INTERVAL_SECONDS": 0,
        "SIGN_LIMIT_PER_IP": "2 per minute",
        "SIGN_LIMIT_PER_DOMAIN": "3 per minute",
        "SIGN_LIMIT_PER_PETITION": "1000 per minute",
    }


@pytest.fixture
def petition_id(app: Flask) -> int:
    return make_petition(app, make_organiser(app), state="open", slug="the-ban", target=100)


def person(n: int, domain: str = "example.org") -> dict[str, str]:
    return {"name": f"Person {n}", "email": f"person{n}@{domain}", "postcode": "YO1 7HH"}


def confirm_by_email(app: Flask, client: FlaskClient, smtp_server: SmtpServer, address: str) -> str:
    deliver(app)
    message = next(m for m in reversed(smtp_server.mailbox.messages) if m["To"] == address)
    path = urlsplit(confirmation_link(message)).path
    client.get(path)
    response = client.post(path, data={"csrf_token": csrf_token(client.get("/login").data)})
    assert response.status_code == 302
    return text_of(client.get(path))


def test_over_the_address_limit_is_held_back_silently_end_to_end(
    client: FlaskClient, app: Flask, petition_id: int, smtp_server: SmtpServer
) -> None:
    pages = []
    for n in range(3):
        response = sign(client, "the-ban", **person(n))
        assert response.status_code == 302
        pages.append(text_of(client.get(response.headers["Location"])).replace(f"person{n}@example.org", "ADDRESS"))
    # The third signer (over 2 a minute from one address) sees exactly what the others saw...
    assert pages[0] == pages[1] == pages[2]
    states = {s.email: (s.state, s.fraud_reason) for s in signatures(app)}
    assert states["person2@example.org"] == ("fraudulent", "ip-rate")
    assert states["person0@example.org"] == ("pending", None)
    # ...gets the normal email, and confirming looks the same...
    thanks = [confirm_by_email(app, client, smtp_server, f"person{n}@example.org") for n in range(3)]
    assert all("Thank you, your signature is confirmed" in page for page in thanks)
    # ...but it never counts.
    fold(app)
    assert stored_count(app, petition_id) == 2
    assert client.get("/api/v1/petitions/the-ban/count").get_json()["signature_count"] == 2
    held = next(s for s in signatures(app) if s.email == "person2@example.org")
    assert held.state == "fraudulent" and held.confirmed_at is not None and held.household_slot is None
    # Confirming again is the same "already confirmed" page, and still nothing counts.
    assert "Thank you" in confirm_by_email(app, client, smtp_server, "person2@example.org")
    fold(app)
    assert stored_count(app, petition_id) == 2


def test_addresses_are_kept_only_as_keyed_hashes(client: FlaskClient, app: Flask, petition_id: int) -> None:
    sign(client, "the-ban", **person(1))
    (signature,) = signatures(app)
    assert signature.ip_hash and len(signature.ip_hash) == 32 and "127.0.0.1" not in signature.ip_hash
    assert signature.ip_version == 4 and signature.ip_block == (127 << 16)  # 127.0.0.x
    with app.app_context():
        assert signature.ip_hash == keyed_hash("client-ip", "127.0.0.1")
    other = Flask("other")
    other.config["SECRET_KEY"] = "another-secret-key-entirely-0123456789abcdef"
    with other.app_context():
        assert keyed_hash("client-ip", "127.0.0.1") != signature.ip_hash


def test_addresses_are_forgotten_after_the_retention_period(client: FlaskClient, app: Flask, petition_id: int) -> None:
    for n in range(2):
        sign(client, "the-ban", **person(n))
    with app.app_context():
        db.session.execute(update(Signature).where(Signature.email == "person0@example.org")
                           .values(created_at=utcnow() - timedelta(days=31)))  # fmt: skip
        db.session.commit()
        assert integrity.purge_expired_ip_hashes() == 1
        assert integrity.purge_expired_ip_hashes() == 0
    kept = {s.email: (s.ip_hash, s.ip_version, s.ip_block) for s in signatures(app)}
    assert kept["person0@example.org"] == (None, None, None)
    assert kept["person1@example.org"][0] is not None


def test_a_small_domain_over_its_limit_is_held_back_but_large_providers_are_exempt(
    app: Flask, petition_id: int
) -> None:
    for n in range(4):
        small = app.test_client()
        small.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        sign(small, "the-ban", **person(n, "smallco.example"))
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        sign(client, "the-ban", **person(n, "gmail.com"))
    by_email = {s.email: (s.state, s.fraud_reason) for s in signatures(app)}
    assert by_email["person3@smallco.example"] == ("fraudulent", "domain-rate")
    assert [by_email[f"person{n}@gmail.com"][0] for n in range(4)] == ["pending"] * 4


def test_the_petition_limit_holds_back_a_flood(app: Flask, petition_id: int) -> None:
    app.config["SIGN_LIMIT_PER_PETITION"] = "3 per minute"
    for n in range(4):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        sign(client, "the-ban", **person(n, f"d{n}.example"))
    assert [s.fraud_reason for s in signatures(app)] == [None, None, None, "petition-rate"]


def test_gross_abuse_gets_a_429_page_and_stores_nothing(app: Flask, client: FlaskClient, petition_id: int) -> None:
    app.config["SIGN_RATE_LIMIT"] = "3 per minute"
    statuses = [sign(client, "the-ban", **person(n)).status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    page = sign(client, "the-ban", **person(9))
    assert "Too many requests" in text_of(page) and "Traceback" not in page.get_data(as_text=True)
    assert len(signatures(app)) == 3


@pytest.mark.parametrize("hops", [0, 1])
def test_a_forged_forwarded_for_header_only_counts_behind_declared_proxies(
    database_url: str, instance_path: object, hops: int, tmp_path: object
) -> None:
    from campaign import create_app
    from tests.conftest import base_config

    app = create_app({**base_config(tmp_path, database_url), "PROXY_HOPS": hops,  # type: ignore[arg-type]
                      "SIGN_LIMIT_PER_IP": "2 per minute"})  # fmt: skip
    make_petition(app, make_organiser(app), state="open", slug="the-ban")
    for n in range(3):
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{n + 10}"
        sign(client, "the-ban", **person(n))
    reasons = [s.fraud_reason for s in signatures(app)]
    # Without declared proxies the header is ignored: all three come from one address.
    assert reasons == ([None, None, "ip-rate"] if hops == 0 else [None, None, None])
    with app.app_context():
        db.engine.dispose()


def test_blocked_domains_and_addresses_are_held_back(app: Flask, petition_id: int) -> None:
    with app.app_context():
        integrity.set_domain_rule("Spam.Example", "block")
        integrity.block_address("Bad.Actor+petitions@Example.org")
    for n, email in enumerate(
        ["a@spam.example", "b@mail.spam.example", "BAD.Actor+petitions@example.ORG", "ok@example.org"]
    ):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        sign(client, "the-ban", name=f"Person {n}", email=email)
    reasons = {s.canonical_email: s.fraud_reason for s in signatures(app)}
    assert reasons == {"a@spam.example": "blocked-domain", "b@mail.spam.example": "blocked-domain",
                       "bad.actor+petitions@example.org": "blocked-address", "ok@example.org": None}  # fmt: skip


def test_a_held_back_signer_who_signs_again_without_suspicion_gets_a_fresh_chance(
    app: Flask, client: FlaskClient, petition_id: int, smtp_server: SmtpServer
) -> None:
    for n in range(3):
        sign(client, "the-ban", **person(n))
    assert signatures(app)[2].state == "fraudulent"
    app.config["SIGN_LIMIT_PER_DOMAIN"] = "100 per minute"
    later = app.test_client()
    later.environ_base["REMOTE_ADDR"] = "198.51.100.77"
    sign(later, "the-ban", **person(2))
    assert signatures(app)[2].state == "pending" and signatures(app)[2].fraud_reason is None
    confirm_by_email(app, later, smtp_server, "person2@example.org")
    fold(app)
    assert stored_count(app, petition_id) == 1


def test_signing_keeps_working_when_the_limit_storage_is_down(database_url: str, tmp_path: object) -> None:
    """Documented behaviour: limits fall back to each process's memory; nothing fails, nothing is lost."""
    from campaign import create_app
    from tests.conftest import base_config

    app = create_app({**base_config(tmp_path, database_url), "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",  # type: ignore[arg-type]
                      "SIGN_LIMIT_PER_IP": "2 per minute", "SIGN_RATE_LIMIT": "5 per minute"})  # fmt: skip
    make_petition(app, make_organiser(app), state="open", slug="the-ban")
    client = app.test_client()
    statuses = [sign(client, "the-ban", **person(n)).status_code for n in range(6)]
    assert statuses == [302, 302, 302, 302, 302, 429]
    assert [s.state for s in signatures(app)] == ["pending", "pending"] + ["fraudulent"] * 3
    with app.app_context():
        db.engine.dispose()


def test_confirming_is_rate_limited(app: Flask, client: FlaskClient, petition_id: int) -> None:
    app.config["CONFIRM_RATE_LIMIT"] = "2 per minute"
    sign(client, "the-ban", **person(1))
    with app.app_context():
        (signature,) = db.session.scalars(select(Signature)).all()
        from campaign.tokens import TokenPurpose, make_token

        path = "/confirm/" + make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": signature.id, "n": "wrong"})
    token = csrf_token(client.get("/login").data)
    statuses = [client.post(path, data={"csrf_token": token}).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_limits_cover_sub_domains_and_a_whole_ipv6_64(app: Flask, petition_id: int) -> None:
    app.config["SIGN_LIMIT_PER_DOMAIN"] = "2 per minute"
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        sign(client, "the-ban", name=f"Sub {n}", email=f"x@x{n}.evil.example")
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:aa:bb::{n + 1:x}"
        sign(client, "the-ban", name=f"Six {n}", email=f"six{n}@gmail.com")
    reasons = {s.name: s.fraud_reason for s in signatures(app)}
    assert [reasons[f"Sub {n}"] for n in range(3)] == [None, None, "domain-rate"]
    assert [reasons[f"Six {n}"] for n in range(3)] == [None, None, "ip-rate"]


def test_a_held_back_signer_who_confirmed_then_signs_again_cleanly_is_counted_and_told_as_anyone(
    app: Flask, client: FlaskClient, petition_id: int, smtp_server: SmtpServer
) -> None:
    for n in range(3):
        sign(client, "the-ban", **person(n))
    confirm_by_email(app, client, smtp_server, "person2@example.org")
    app.config["SIGN_LIMIT_PER_DOMAIN"] = "100 per minute"
    later = app.test_client()
    later.environ_base["REMOTE_ADDR"] = "198.51.100.77"
    before = len(smtp_server.mailbox.messages)
    sign(later, "the-ban", **person(2))
    deliver(app)
    message = smtp_server.mailbox.wait_for(before + 1)[-1]
    assert message["Subject"].strip().startswith("You have already signed")
    held = signatures(app)[2]
    assert (held.state, held.household_slot, held.fraud_reason) == ("confirmed", 1, None)
    fold(app)
    assert stored_count(app, petition_id) == 1


def test_a_held_back_confirmed_signature_takes_up_its_household_as_any_would(
    app: Flask, client: FlaskClient, petition_id: int, smtp_server: SmtpServer
) -> None:
    for n in range(2):
        sign(client, "the-ban", **person(n))
    sign(client, "the-ban", name="Held Back", email="shared@example.org", postcode="YO1 7HH")
    confirm_by_email(app, client, smtp_server, "shared@example.org")
    app.config["SIGN_LIMIT_PER_IP"] = "100 per minute"
    before = len(smtp_server.mailbox.messages)
    # Another name at another postcode on the same mailbox: told the address is used, as with anyone.
    sign(client, "the-ban", name="Someone Else", email="shared@example.org", postcode="LS1 4AP")
    deliver(app)
    assert (
        smtp_server.mailbox.wait_for(before + 1)[-1]["Subject"]
        .strip()
        .startswith("This email address has already been used")
    )
    assert "Someone Else" not in {s.name for s in signatures(app)}


def test_database_refuses_an_incomplete_invalidation(app: Flask, client: FlaskClient, petition_id: int) -> None:
    from sqlalchemy.exc import IntegrityError

    sign(client, "the-ban", **person(1))
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(update(Signature).values(invalidated_from="pending"))
        db.session.rollback()
