"""Administrators disable and enable organiser accounts; disabling signs the organiser out at once."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts.models import Organiser, Role
from campaign.audit.models import AuditEvent
from campaign.extensions import db
from tests.helpers import DEFAULT_PASSWORD, assert_well_formed, csrf_token, make_organiser, sign_in, submit, text_of


def setup_people(app: Flask) -> tuple[int, int]:
    admin_id = make_organiser(app, "admin@example.org", name="Ada Admin", role=Role.ADMIN, organisation="Head Office")
    organiser_id = make_organiser(app)
    return admin_id, organiser_id


def change(client: FlaskClient, organiser_id: int, action: str):  # type: ignore[no-untyped-def]
    page = client.get("/console/organisers/")
    return client.post(f"/console/organisers/{organiser_id}/{action}", data={"csrf_token": csrf_token(page.data)})


def is_disabled(app: Flask, organiser_id: int) -> bool:
    with app.app_context():
        return db.session.get_one(Organiser, organiser_id).disabled


def test_admins_see_every_organiser(app: Flask, client: FlaskClient) -> None:
    setup_people(app)
    sign_in(client, "admin@example.org")
    page = client.get("/console/organisers")
    assert page.status_code == 200
    assert_well_formed(page.get_data(as_text=True))
    text = text_of(page)
    assert "Olive Organiser" in text and "Residents Group" in text and "Ada Admin" in text and "Head Office" in text
    assert "(you)" in text and "Disable Olive Organiser" in text
    assert "Organisers" in text_of(client.get("/console/")), "linked from the console for admins"


def test_organisers_cannot_manage_accounts(app: Flask, client: FlaskClient) -> None:
    admin_id, _ = setup_people(app)
    sign_in(client)
    assert client.get("/console/organisers/").status_code == 403
    token = csrf_token(client.get("/console/").data)
    assert client.post(f"/console/organisers/{admin_id}/disable", data={"csrf_token": token}).status_code == 403
    assert not is_disabled(app, admin_id)


def test_disabling_signs_them_out_at_once_and_keeps_them_out(app: Flask, client: FlaskClient) -> None:
    _, organiser_id = setup_people(app)
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    sign_in(client, "admin@example.org")
    response = change(client, organiser_id, "disable")
    assert response.status_code == 302
    assert "Olive Organiser's account is disabled" in text_of(client.get("/console/organisers/"))
    assert is_disabled(app, organiser_id)
    assert laptop.get("/console/").status_code == 302 and phone.get("/console/").status_code == 302
    refused = submit(app.test_client(), "/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 403 and "This account has been disabled" in text_of(refused)
    with app.app_context():
        ended = db.session.scalar(sa.text("SELECT count(*) FROM organiser_sessions WHERE organiser_id = :o "
                                          "AND ended_at IS NULL"), {"o": organiser_id})  # fmt: skip
        assert ended == 0, "their sessions are ended in the database too"
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organiser.disable")).one()
        assert (event.actor_label, event.target_id, event.before, event.after) == (
            "Ada Admin", str(organiser_id), {"disabled": False}, {"disabled": True})  # fmt: skip


def test_enabling_lets_them_sign_in_again(app: Flask, client: FlaskClient) -> None:
    _, organiser_id = setup_people(app)
    sign_in(client, "admin@example.org")
    change(client, organiser_id, "disable")
    page = text_of(client.get("/console/organisers/"))
    assert "Disabled" in page and "Enable Olive Organiser" in page
    change(client, organiser_id, "enable")
    assert not is_disabled(app, organiser_id)
    sign_in(app.test_client())
    with app.app_context():
        found = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "organiser",
                                                                            AuditEvent.action.like("organiser.%able"))))  # fmt: skip
    assert found == ["organiser.disable", "organiser.enable"]


def test_an_admin_cannot_disable_themselves(app: Flask, client: FlaskClient) -> None:
    admin_id, _ = setup_people(app)
    sign_in(client, "admin@example.org")
    assert not re.search(rf"/console/organisers/{admin_id}/disable", client.get("/console/organisers/").get_data(True))
    response = change(client, admin_id, "disable")
    assert response.status_code == 302
    assert "You cannot disable your own account" in text_of(client.get("/console/organisers/"))
    assert not is_disabled(app, admin_id)
    assert client.get("/console/").status_code == 200


def test_unknown_organisers_are_not_found(app: Flask, client: FlaskClient) -> None:
    setup_people(app)
    sign_in(client, "admin@example.org")
    assert change(client, 999, "disable").status_code == 404
