"""Invalidations in the console: criteria, preview, apply, revert, progress; trending; blocklists."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts.models import Role
from campaign.extensions import db
from campaign.integrity import invalidations
from campaign.integrity.models import Invalidation
from campaign.signing import service as signing
from campaign.signing.models import Signature
from tests.helpers import csrf_token, make_organiser, make_petition, sign_in, text_of
from tests.mailbox import SmtpServer, confirmation_link
from tests.signing_helpers import deliver, fold, signatures, stored_count

PEOPLE = [
    # name, email, postcode, client address
    ("Ann Able", "ann@bots.example", "YO1 7HH", "10.1.2.3"),
    ("Bob Bot", "bob@bots.example", "YO1 7HH", "10.1.2.4"),
    ("Cat Test", "cat@example.org", "YO10 3DD", "10.1.9.9"),
    ("Dan Doe", "dan@example.org", "LS1 4AP", "2001:db8:1:2::5"),
    ("Eve Test", "eve@sub.bots.example", "YO1 9QQ", "192.0.2.8"),
]


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"MAIL_URL": smtp_server.url, "SIGN_LIMIT_PER_IP": "1000 per minute",
            "SIGN_LIMIT_PER_DOMAIN": "1000 per minute"}  # fmt: skip


@pytest.fixture
def petition_id(app: Flask, client: FlaskClient) -> int:
    organiser = make_organiser(app)
    petition = make_petition(app, organiser, state="open", slug="the-ban", target=100)
    with app.test_request_context():
        for name, email, postcode, address in PEOPLE:
            request = signing.SignatureRequest(name=name, email=email, postcode=postcode)
            signing.sign_petition("the-ban", request, verified_email=email, client_ip=address)
    fold(app)
    assert stored_count(app, petition) == 5
    sign_in(client)
    return petition


def preview_page(client: FlaskClient, petition_id: int, **criteria: str) -> str:
    url = f"/console/petitions/{petition_id}/invalidations/new"
    page = client.get(url)
    response = client.post(url, data={"csrf_token": csrf_token(page.data), "reason": "Bots", **criteria})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def apply(client: FlaskClient, petition_id: int, **criteria: str) -> int:
    preview = preview_page(client, petition_id, **criteria)
    previewed = re.search(r'name="previewed"[^>]*value="([^"]*)"', preview)
    assert previewed and 'value="apply"' in preview, preview
    response = client.post(
        f"/console/petitions/{petition_id}/invalidations/new",
        data={"csrf_token": csrf_token(preview), "reason": "Bots", "action": "apply", "previewed": previewed.group(1),
              **criteria},
    )  # fmt: skip
    assert response.status_code == 302, text_of(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize(
    ("criteria", "matched"),
    [
        ({"domains": "bots.example"}, {"Ann Able", "Bob Bot", "Eve Test"}),
        ({"addresses": "10.1.2.3"}, {"Ann Able"}),
        ({"addresses": "10.1.2.0/24"}, {"Ann Able", "Bob Bot"}),
        ({"addresses": "10.1.0.0/16"}, {"Ann Able", "Bob Bot", "Cat Test"}),
        ({"addresses": "2001:db8:1::/48"}, {"Dan Doe"}),
        ({"name_pattern": "*TEST"}, {"Cat Test", "Eve Test"}),
        ({"postcode_prefixes": "YO1"}, {"Ann Able", "Bob Bot", "Eve Test"}),  # not YO10
        ({"postcode_prefixes": "YO"}, {"Ann Able", "Bob Bot", "Cat Test", "Eve Test"}),
        ({"emails": "DAN@example.org"}, {"Dan Doe"}),
        ({"domains": "bots.example", "name_pattern": "*test*"}, {"Eve Test"}),  # all criteria must hold
    ],
)
def test_criteria_preview_then_apply_match_exactly(
    app: Flask, client: FlaskClient, petition_id: int, criteria: dict[str, str], matched: set[str]
) -> None:
    page = preview_page(client, petition_id, **criteria)
    assert f"{len(matched)} signature{'' if len(matched) == 1 else 's'} match" in text_of_html(page)
    assert {s.state for s in signatures(app)} == {"confirmed"}, "previewing changes nothing"
    apply(client, petition_id, **criteria)
    assert {s.name for s in signatures(app) if s.state == "invalidated"} == matched
    fold(app)
    assert stored_count(app, petition_id) == 5 - len(matched)


def text_of_html(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({}, "Give at least one criterion"),
        ({"addresses": "10.1.2.0/28"}, "narrower than /24"),
        ({"addresses": "not-an-ip"}, "is not an IP address or range"),
        ({"domains": "=HYPERLINK(1)"}, "is not an email domain"),
        ({"name_pattern": "**"}, "needs some letters"),
        ({"postcode_prefixes": "12345"}, "is not the start of a UK postcode"),
        ({"since": "2026-11-21T10:00", "until": "2026-11-21T09:00"}, "must be after its start"),
    ],
)
def test_bad_criteria_get_a_clear_message_and_change_nothing(
    app: Flask, client: FlaskClient, petition_id: int, criteria: dict[str, str], message: str
) -> None:
    page = preview_page(client, petition_id, **criteria)
    assert "There is a problem" in page and message in text_of_html(page)
    with app.app_context():
        assert db.session.query(Invalidation).count() == 0
    assert {s.state for s in signatures(app)} == {"confirmed"}


def test_applying_criteria_changed_since_the_preview_previews_them_first(
    app: Flask, client: FlaskClient, petition_id: int
) -> None:
    preview = preview_page(client, petition_id, domains="bots.example")
    previewed = re.search(r'name="previewed"[^>]*value="([^"]*)"', preview)
    assert previewed
    response = client.post(
        f"/console/petitions/{petition_id}/invalidations/new",
        data={"csrf_token": csrf_token(preview), "reason": "Bots", "action": "apply", "previewed": previewed.group(1),
              "domains": "example.org"},
    )  # fmt: skip
    assert response.status_code == 200 and "2 signatures match" in text_of(response)
    assert {s.state for s in signatures(app)} == {"confirmed"}


def test_revert_restores_every_state_and_the_count(
    app: Flask, client: FlaskClient, petition_id: int, smtp_server: SmtpServer
) -> None:
    # One more signature that is only pending, matched too.
    from tests.signing_helpers import sign

    public = app.test_client()
    sign(public, "the-ban", name="Fay Pending", email="fay@bots.example", postcode="YO1 7HH")
    invalidation_id = apply(client, petition_id, domains="bots.example")
    fold(app)
    assert stored_count(app, petition_id) == 2
    states = {s.name: (s.state, s.invalidated_from) for s in signatures(app)}
    assert states["Fay Pending"] == ("invalidated", "pending")
    assert states["Ann Able"] == ("invalidated", "confirmed")
    # The pending one's emailed link now says it was removed; nothing is counted.
    deliver(app)
    link = confirmation_link(smtp_server.mailbox.wait_for(1)[-1])
    path = link.split("localhost", 1)[1]
    assert "removed" in text_of(public.get(path))
    public.post(path, data={"csrf_token": csrf_token(public.get("/login").data)})
    # Signing again changes nothing either.
    sign(public, "the-ban", name="Ann Able", email="ann@bots.example", postcode="YO1 7HH")
    assert {s.name: s.state for s in signatures(app)}["Ann Able"] == "invalidated"

    page = client.get(f"/console/petitions/{petition_id}/invalidations/{invalidation_id}")
    assert "Revert this invalidation" in text_of(page)
    response = client.post(page.request.path, data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 302
    fold(app)
    assert stored_count(app, petition_id) == 5
    states = {s.name: (s.state, s.invalidated_from, s.invalidation_id) for s in signatures(app)}
    assert states["Fay Pending"] == ("pending", None, None)
    assert states["Ann Able"] == ("confirmed", None, None)
    with app.app_context():
        record = db.session.get_one(Invalidation, invalidation_id)
        assert record.state == "reverted" and record.reverted_at is not None
        assert "fay@bots.example" not in record.criteria
    # Reverting twice is refused with a message, and changes nothing.
    again = client.post(page.request.path, data={"csrf_token": csrf_token(page.data)}, follow_redirects=True)
    assert "already been reverted" in text_of(again)
    fold(app)
    assert stored_count(app, petition_id) == 5


def test_large_invalidations_show_progress_and_the_worker_finishes_them(
    app: Flask, client: FlaskClient, petition_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invalidations, "BATCH", 1)
    monkeypatch.setattr(invalidations, "REQUEST_BUDGET_SECONDS", 0.0)
    invalidation_id = apply(client, petition_id, postcode_prefixes="YO")
    page = client.get(f"/console/petitions/{petition_id}/invalidations/{invalidation_id}")
    assert "Invalidating: 0 of about 4 done" in text_of(page)
    assert 'http-equiv="refresh"' in page.get_data(as_text=True)
    with app.app_context():
        assert invalidations.continue_unfinished() == 1
    page = client.get(f"/console/petitions/{petition_id}/invalidations/{invalidation_id}")
    assert "Applied" in text_of(page) and "Invalidating" not in text_of(page)
    fold(app)
    assert stored_count(app, petition_id) == 1


def test_trending_lists_busy_addresses_and_domains_and_prefills_a_selection(
    app: Flask, client: FlaskClient, petition_id: int
) -> None:
    app.config["TRENDING_THRESHOLD"] = 2
    page = client.get(f"/console/petitions/{petition_id}/trending")
    body = text_of(page)
    domains = body.split("Email domains", 1)[1].split("Postcodes")[0]
    assert "bots.example" in domains and "example.org" in domains and "sub.bots.example" not in domains
    assert "No address has signed unusually often" in body
    assert "10.1.2.3" not in page.get_data(as_text=True), "addresses are never shown"
    assert "YO1 7HH" in body.split("Postcodes", 1)[1] and "LS1 4AP" not in body
    selection = client.get(f"/console/petitions/{petition_id}/invalidations/new?domain=bots.example")
    assert "bots.example</textarea>" in selection.get_data(as_text=True)


def test_trending_groups_by_address(app: Flask, client: FlaskClient, petition_id: int) -> None:
    app.config["TRENDING_THRESHOLD"] = 2
    with app.test_request_context():
        for n in range(2):
            request = signing.SignatureRequest(name=f"Same Place {n}", email=f"p{n}@else.example", postcode="LS1 4AP")
            signing.sign_petition("the-ban", request, client_ip="10.1.2.3")
    page = client.get(f"/console/petitions/{petition_id}/trending").get_data(as_text=True)
    assert "10.1.2.x" in page
    hashes = re.findall(r'name="address" value="([0-9a-f]{32})"', page)
    assert len(hashes) == 1
    invalidation_id = apply(client, petition_id, address_hashes=hashes[0])
    assert invalidation_id
    assert {s.name for s in signatures(app) if s.state == "invalidated"} == {"Ann Able", "Same Place 0", "Same Place 1"}


def test_other_organisations_cannot_see_or_invalidate(app: Flask, petition_id: int) -> None:
    make_organiser(app, "other@example.org", organisation="Another Group")
    other = app.test_client()
    sign_in(other, "other@example.org")
    for path in ("trending", "invalidations", "invalidations/new"):
        assert other.get(f"/console/petitions/{petition_id}/{path}").status_code == 404


def test_blocklists_are_for_admins_and_apply_to_signing(app: Flask, client: FlaskClient, petition_id: int) -> None:
    assert client.get("/console/blocklists").status_code == 403
    make_organiser(app, "admin@example.org", role=Role.ADMIN)
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    page = admin.get("/console/blocklists")
    response = admin.post("/console/blocklists", data={
        "csrf_token": csrf_token(page.data), "kind": "domain", "domain-domain": "Evil.Example", "domain-rule": "block",
        "domain-note": "=cmd|' /C calc'!A0"})  # fmt: skip
    assert response.status_code == 302
    response = admin.post("/console/blocklists", data={
        "csrf_token": csrf_token(page.data), "kind": "address", "address-address": "spammer@example.net"})  # fmt: skip
    assert response.status_code == 302
    listing = admin.get("/console/blocklists").get_data(as_text=True)
    assert "evil.example" in listing and "s***@example.net" in listing and "spammer@" not in listing
    bad = admin.post("/console/blocklists", data={"csrf_token": csrf_token(page.data), "kind": "domain",
                                                  "domain-domain": "not a domain", "domain-rule": "block"})  # fmt: skip
    assert bad.status_code == 200 and "Enter an email domain" in text_of(bad)

    from tests.signing_helpers import sign

    sign(app.test_client(), "the-ban", name="Zed", email="zed@evil.example", postcode="YO1 7HH")
    sign(app.test_client(), "the-ban", name="Spam Person", email="spammer@example.net", postcode="YO1 7HH")
    reasons = {s.name: s.fraud_reason for s in signatures(app)}
    assert reasons["Zed"] == "blocked-domain" and reasons["Spam Person"] == "blocked-address"
    with app.app_context():
        assert db.session.query(Signature).filter_by(state="fraudulent").count() == 2


def test_postcode_areas_districts_sectors_and_whole_postcodes(
    app: Flask, client: FlaskClient, petition_id: int
) -> None:
    with app.test_request_context():
        for name, postcode in (("Bea B", "B1 1AA"), ("Bas Bath", "BA1 1AA"), ("Bob Bristol", "BS1 1AA")):
            request = signing.SignatureRequest(
                name=name, email=f"{name.split()[0].lower()}@x.example", postcode=postcode
            )
            signing.sign_petition("the-ban", request, client_ip="203.0.113.50")
    assert "1 signature match" in text_of_html(preview_page(client, petition_id, postcode_prefixes="b"))
    assert "2 signatures match" in text_of_html(preview_page(client, petition_id, postcode_prefixes="YO1 7HH"))
    assert "2 signatures match" in text_of_html(preview_page(client, petition_id, postcode_prefixes="yo17hh"))
    assert "3 signatures match" in text_of_html(preview_page(client, petition_id, postcode_prefixes="YO1 7, YO1 9"))
    # A postcode picked in the trending view (arriving with its space) can be invalidated.
    selection = client.get(f"/console/petitions/{petition_id}/invalidations/new?postcode=YO1+7HH&postcode=LS1+4AP")
    assert 'value="YO1 7HH, LS1 4AP"' in selection.get_data(as_text=True)
    apply(client, petition_id, postcode_prefixes="YO1 7HH, LS1 4AP")
    assert {s.name for s in signatures(app) if s.state == "invalidated"} == {"Ann Able", "Bob Bot", "Dan Doe"}


def test_ipv4_mapped_addresses_match_what_signing_stored(app: Flask, client: FlaskClient, petition_id: int) -> None:
    assert "1 signature match" in text_of_html(preview_page(client, petition_id, addresses="::ffff:10.1.2.3"))
    assert "2 signatures match" in text_of_html(preview_page(client, petition_id, addresses="::ffff:10.1.2.0/120"))


def test_name_patterns_fold_case_and_accents_on_every_database(
    app: Flask, client: FlaskClient, petition_id: int
) -> None:
    with app.test_request_context():
        request = signing.SignatureRequest(name="Émile Zola", email="emile@x.example", postcode="YO1 7HH")
        signing.sign_petition("the-ban", request, client_ip="203.0.113.51")
    assert "1 signature match" in text_of_html(preview_page(client, petition_id, name_pattern="émile*"))
    assert "1 signature match" in text_of_html(preview_page(client, petition_id, name_pattern="EMILE Z*"))


def test_invalidations_and_blocklist_changes_are_audited(app: Flask, client: FlaskClient, petition_id: int) -> None:
    from sqlalchemy import select

    from campaign.audit.models import AuditEvent
    from campaign.integrity import service as integrity

    invalidation_id = apply(client, petition_id, emails="dan@example.org")
    page = client.get(f"/console/petitions/{petition_id}/invalidations/{invalidation_id}")
    client.post(page.request.path, data={"csrf_token": csrf_token(page.data)})
    with app.test_request_context():
        integrity.set_domain_rule("evil.example", "block", "seen in trending")
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    by_action = {event.action: event for event in events}
    created = by_action["invalidation.create"]
    assert created.actor_label and "Olive" in created.actor_label
    assert created.after is not None and created.after["reason"] == "Bots" and created.after["matched"] == 1
    assert "dan@example.org" not in str(created.after) and "d***@example.org" in str(created.after)
    assert by_action["invalidation.revert"].target_id == str(invalidation_id)
    assert by_action["email-rule.set"].after == {"rule": "block", "note": "seen in trending"}
