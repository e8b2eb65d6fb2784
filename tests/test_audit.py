"""The audit log: console changes recorded with their values, append-only in the database, admins only."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DBAPIError

from campaign.accounts.models import Organiser, Role
from campaign.areas.service import parse_mapping_csv, replace_mapping
from campaign.audit.models import AuditEvent
from campaign.audit.service import record_action
from campaign.db import utcnow
from campaign.extensions import db
from tests.consultation_helpers import make_consultation
from tests.helpers import (
    assert_well_formed,
    csrf_token,
    hidden_value,
    make_organiser,
    make_petition,
    sign_in,
    submit,
    text_of,
)


def events(app: Flask, action: str | None = None) -> list[dict[str, Any]]:
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action.like(action.replace("*", "%")))
        return [
            {column.key: getattr(event, column.key) for column in AuditEvent.__table__.columns}
            for event in db.session.scalars(query)
        ]


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> dict[str, int]:
    """An organiser signed in, with an open petition, a draft petition, a draft consultation and an area."""
    organiser_id = make_organiser(app)
    open_id = make_petition(app, organiser_id, state="open", slug="the-ban")
    draft_id = make_petition(app, organiser_id, slug="draft-one", title="A draft")
    consultation_id = make_consultation(app, organiser_id, state="draft")
    sign_in(client)
    assert submit(client, "/console/areas/", {"name": "York", "prefixes": "YO1, YO10"}).status_code == 302
    with app.app_context():
        area_id = db.session.scalar(sa.text("SELECT id FROM areas"))
    return {"organiser": organiser_id, "open": open_id, "draft": draft_id, "consultation": consultation_id,
            "area": area_id}  # fmt: skip


def _create_petition(client: FlaskClient, ids: dict[str, int]) -> None:
    page = client.get("/console/petitions/new")
    client.post("/console/petitions/new", data={
        "csrf_token": csrf_token(page.data), "submission_id": hidden_value(page.data, "submission_id"),
        "title": "Keep the library open", "summary": "Short.", "body": "Body.", "slug": "", "target": "500",
        "opens_at": "", "closes_at": ""})  # fmt: skip


def _briefing(client: FlaskClient, ids: dict[str, int]) -> None:
    page = client.get("/console/briefings/new")
    client.post("/console/briefings/new", data={"csrf_token": csrf_token(page.data), "title": "For candidates",
                "audience": "Candidates", "intro": "", "petitions": str(ids["open"])})  # fmt: skip


def _share_briefing(client: FlaskClient, ids: dict[str, int]) -> None:
    _briefing(client, ids)
    detail = re.search(r'href="(/console/briefings/\d+)"', client.get("/console/briefings/").get_data(as_text=True))
    assert detail
    submit(client, f"{detail.group(1)}/share", {"expires_at": ""}, form_url=detail.group(1))


def _invite(client: FlaskClient, ids: dict[str, int]) -> None:
    submit(client, f"/console/petitions/{ids['open']}/candidates",
           {"name": "Cal Candidate", "affiliation": "Independent", "email": "cal.candidate@example.org"})  # fmt: skip


def _remove_candidate(client: FlaskClient, ids: dict[str, int]) -> None:
    _invite(client, ids)
    page = client.get(f"/console/petitions/{ids['open']}/candidates")
    action = re.search(r'action="(/console/petitions/\d+/candidates/\d+/remove)"', page.get_data(as_text=True))
    assert action
    client.post(action.group(1), data={"csrf_token": csrf_token(page.data)})


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[FlaskClient, dict[str, int]], Any]
    action: str
    check: Callable[[dict[str, Any], dict[str, int]], bool]


def _post(url: str, data: dict[str, str] | None = None, form_url: str | None = None) -> Callable[..., Any]:
    def run(client: FlaskClient, ids: dict[str, int]) -> Any:
        return submit(client, url.format(**ids), data or {}, form_url=form_url.format(**ids) if form_url else None)

    return run


CASES = [
    Case("create petition", _create_petition, "petition.create",
         lambda e, ids: e["before"] is None and e["after"]["title"] == "Keep the library open"
         and e["after"]["state"] == "draft"),
    Case("edit petition", _post("/console/petitions/{draft}/edit", {
        "title": "A better title", "summary": "A short summary.", "body": "Officers should be able to talk.",
        "slug": "draft-one", "target": "200", "opens_at": "", "closes_at": ""}), "petition.update",
         lambda e, ids: e["before"]["title"] == "A draft" and e["after"]["title"] == "A better title"
         and e["before"]["target"] == 100 and e["after"]["target"] == 200 and "body_html" not in e["after"]),
    Case("open petition", _post("/console/petitions/{draft}/open"), "petition.open",
         lambda e, ids: e["before"]["state"] == "draft" and e["after"]["state"] == "open"),
    Case("close petition", _post("/console/petitions/{open}/close"), "petition.close",
         lambda e, ids: e["before"]["state"] == "open" and e["after"]["state"] == "closed"),
    Case("take down petition", _post("/console/petitions/{open}/hide", {"reason": "Defamatory"}), "petition.hide",
         lambda e, ids: e["after"]["hidden_reason"] == "Defamatory" and e["after"]["state"] == "hidden"),
    Case("embedding sites", _post("/console/petitions/{open}/embedding", {"embed_origins": "https://news.example"}),
         "petition.embedding_update", lambda e, ids: e["after"]["embed_origins"] == "https://news.example"),
    Case("create consultation", _post("/console/consultations/new", {
        "title": "Have your say", "summary": "Tell us.", "intro": "", "slug": "", "petition_id": ""}),
         "consultation.create", lambda e, ids: e["after"]["title"] == "Have your say"),
    Case("add section", _post("/console/consultations/{consultation}/sections/new", {
        "key": "about", "title": "About you", "description": "", "condition_question": "",
        "condition_operator": "equals", "condition_values": ""}), "consultation.questions_update",
         lambda e, ids: e["before"]["definition"] == {"sections[about]": None}
         and e["after"]["definition"]["sections[about]"]["title"] == "About you"),
    Case("move question", _post("/console/consultations/{consultation}/questions/where/up",
                                form_url="/console/consultations/{consultation}"), "consultation.questions_update",
         lambda e, ids: e["before"]["definition"] == {"sections[views].questions (order)": ["importance", "where"]}
         and e["after"]["definition"] == {"sections[views].questions (order)": ["where", "importance"]}),
    Case("edit question wording", _post("/console/consultations/{consultation}/questions/followed/edit", {
        "type": "yes_no", "key": "followed", "label": "Did you follow them?", "help": "", "required": "y",
        "condition_question": "", "condition_operator": "equals", "condition_values": ""}),
         "consultation.questions_update",
         lambda e, ids: e["after"]["definition"] == {"sections[start].questions[followed].label": "Did you follow them?"}),
    Case("delete question", _post("/console/consultations/{consultation}/questions/missed/delete"),
         "consultation.questions_update",
         lambda e, ids: e["before"]["definition"]["sections[start].questions[missed]"]["label"] == "What do you miss?"
         and e["after"]["definition"] == {"sections[start].questions[missed]": None}),
    Case("copy to a new version", _post("/console/consultations/{consultation}/copy",
                                        form_url="/console/consultations/{consultation}"), "consultation.create",
         lambda e, ids: e["after"]["version"] == 2 and e["after"]["previous_version_id"] == ids["consultation"]
         and e["after"]["definition"]["sections"][0]["key"] == "start"),
    Case("open consultation", _post("/console/consultations/{consultation}/open"), "consultation.open",
         lambda e, ids: e["after"]["state"] == "open"),
    Case("add area", _post("/console/areas/", {"name": "Harrogate", "prefixes": "HG1, HG2"}), "area.create",
         lambda e, ids: e["after"]["name"] == "Harrogate" and e["after"]["prefixes"] == ["HG1", "HG2"]),
    Case("edit area", _post("/console/areas/{area}", {"name": "City of York", "prefixes": "YO1, YO24"}),
         "area.update", lambda e, ids: e["before"] == {"name": "York", "prefixes": ["YO1", "YO10"]}
         and e["after"] == {"name": "City of York", "prefixes": ["YO1", "YO24"]}),
    Case("delete area", _post("/console/areas/{area}/delete", form_url="/console/areas/{area}"), "area.delete",
         lambda e, ids: e["before"]["name"] == "York" and e["before"]["prefixes"] == ["YO1", "YO10"]
         and e["after"] is None),
    Case("area note", _post("/console/areas/", {"action": "note", "note": "Districts, not wards."}),
         "organisation.update", lambda e, ids: e["after"] == {"area_note": "Districts, not wards."}),
    Case("upload areas", _post("/console/areas/upload", {"document": "prefix,area\nLS1,Leeds\nLS2,Leeds\n"}),
         "areas.replace", lambda e, ids: e["before"] == {"areas": {"York": ["YO1", "YO10"]}}
         and e["after"] == {"areas": {"Leeds": ["LS1", "LS2"]}}),
    Case("invite candidate", _invite, "candidate.create",
         lambda e, ids: e["after"]["name"] == "Cal Candidate" and e["after"]["email"] == "c***@example.org"
         and "link_nonce" not in e["after"]),
    Case("remove candidate", _remove_candidate, "candidate.remove",
         lambda e, ids: e["before"]["removed_at"] is None and e["after"]["removed_at"] is not None),
    Case("publish update", _post("/console/petitions/{open}/updates", {"title": "We met them", "body": "Good."}),
         "petition_update.create", lambda e, ids: e["after"]["title"] == "We met them"),
    Case("create briefing", _briefing, "briefing.create",
         lambda e, ids: e["after"]["title"] == "For candidates" and e["after"]["items"] == [f"petition {ids['open']}"]),
    Case("share briefing", _share_briefing, "briefing.share",
         lambda e, ids: "share_nonce" not in e["after"] and e["after"]["shared_at"] is not None),
    Case("change password", _post("/console/account/password", {
        "current_password": "correct horse battery staple", "new_password": "a new long passphrase",
        "confirm_password": "a new long passphrase"}), "account.password_change",
         lambda e, ids: "password_hash" not in str(e["after"])),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_console_changes_are_recorded_with_their_values(
    app: Flask, client: FlaskClient, world: dict[str, int], case: Case
) -> None:
    before = {event["id"] for event in events(app)}
    case.run(client, world)
    found = [event for event in events(app) if event["id"] not in before and event["action"] == case.action]
    assert len(found) == 1, [(e["action"], e["before"], e["after"]) for e in events(app) if e["id"] not in before]
    event = found[0]
    assert case.check(event, world), (event["before"], event["after"])
    assert (event["actor_organiser_id"], event["actor_label"]) == (world["organiser"], "Olive Organiser")
    assert event["organisation_id"] is not None
    assert event["target_id"] and event["ip_hash"] and len(event["ip_hash"]) == 32
    assert "127.0.0.1" not in str(event)


def test_looking_around_the_console_records_nothing(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    count = len(events(app))
    for url in ("/console/", f"/console/petitions/{world['open']}", f"/console/consultations/{world['consultation']}",
                "/console/areas/", "/console/account/two-factor"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    assert len(events(app)) == count


def test_a_refused_change_records_nothing(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    count = len(events(app))
    response = submit(client, "/console/areas/", {"name": "Clash", "prefixes": "YO1"})
    assert "Each prefix can be in one area only" in text_of(response)
    assert len(events(app)) == count


def test_downloading_personal_data_is_recorded(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    response = client.get(f"/console/petitions/{world['open']}/signatures.csv?start=2026-01-01")
    assert response.status_code == 200
    response.close()
    (event,) = events(app, "petition.export")
    assert event["target_id"] == str(world["open"]) and event["after"]["rows"] == 0
    assert event["after"]["start"] == "2026-01-01"


def test_commands_and_services_outside_a_request_are_the_command_line(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["organiser", "create", "chair@example.org", "--name", "Pat Chair", "--password-stdin"],
        input="correct horse battery staple\n",
    )
    assert result.exit_code == 0, result.output
    (event,) = events(app, "organiser.create")
    assert (event["actor_organiser_id"], event["actor_label"], event["ip_hash"]) == (None, "command line", None)
    assert event["after"] == {"name": "Pat Chair", "role": "organiser", "organisation": "Default organisation"}
    with app.app_context():
        organiser = db.session.get_one(Organiser, 1)
        replace_mapping(organiser, parse_mapping_csv("prefix,area\nYO1,York\n"))
    (replaced,) = events(app, "areas.replace")
    assert replaced["actor_label"] == "Pat Chair", "an explicit actor is named, wherever the call comes from"


# --- Append-only, in the database ------------------------------------------------------------


def _one_event(app: Flask) -> int:
    organiser_id = make_organiser(app)
    with app.app_context():
        record_action("test.thing", target_type="thing", target_id=1, before={"a": 1}, after={"a": 2},
                      actor_id=organiser_id)  # fmt: skip
        db.session.commit()
        return int(db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "test.thing")) or 0)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'test.other'",
        "UPDATE audit_events SET after = NULL",
        "UPDATE audit_events SET actor_label = 'Someone else'",
        "UPDATE audit_events SET occurred_at = occurred_at",  # even a no-op rewrite of a row is refused
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(app: Flask, statement: str) -> None:
    _one_event(app)
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        (event,) = events(app, "test.*")
        assert (event["action"], event["after"], event["actor_label"]) == ("test.thing", {"a": 2}, "Olive Organiser")


def test_the_orm_cannot_change_an_event_either(app: Flask) -> None:
    event_id = _one_event(app)
    with app.app_context():
        db.session.get_one(AuditEvent, event_id).after = {"a": 3}
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get_one(AuditEvent, event_id))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()


def test_deleting_an_organiser_keeps_their_events_by_name(app: Flask) -> None:
    """The one change the triggers allow: the database's own ON DELETE SET NULL."""
    _one_event(app)
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM organiser_sessions"))
        db.session.execute(sa.text("DELETE FROM organisers"))
        db.session.commit()
    (event,) = events(app, "test.*")
    assert (event["actor_organiser_id"], event["actor_label"], event["after"]) == (None, "Olive Organiser", {"a": 2})


# --- Reading and exporting it ----------------------------------------------------------------


def test_only_admins_see_the_audit_log(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    make_organiser(app, "admin@example.org", name="Ada Admin", role=Role.ADMIN)
    sign_in(client)
    assert client.get("/console/audit/").status_code == 403
    assert client.get("/console/audit/audit-log.csv").status_code == 403
    assert "Audit log" not in text_of(client.get("/console/"))
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    page = admin.get("/console/audit")
    assert page.status_code == 200
    assert_well_formed(page.get_data(as_text=True))
    assert "account.sign_in" in text_of(page) and "Olive Organiser" in text_of(page)


def test_filters_and_pages(app: Flask, client: FlaskClient) -> None:
    admin_id = make_organiser(app, "admin@example.org", name="Ada Admin", role=Role.ADMIN)
    other_id = make_organiser(app, "other@example.org", name="Oscar Other")
    with app.app_context():
        for n in range(55):
            record_action("test.many", target_type="thing", target_id=n, actor_id=other_id)
        db.session.add(AuditEvent(occurred_at=utcnow() - timedelta(days=40), actor_label="command line",
                                  action="test.old", target_type="thing", target_id="old"))  # fmt: skip
        db.session.commit()
    sign_in(client, "admin@example.org")
    first = text_of(client.get("/console/audit/?action=test.many"))
    assert "55 events match" in first and "Page 1 of 2" in first
    second = client.get("/console/audit/?action=test.many&page=2")
    assert second.get_data(as_text=True).count("<code>test.many</code>") == 5
    assert "55 events match" in text_of(client.get(f"/console/audit/?actor={other_id}"))
    assert (
        "Ada Admin" not in text_of(client.get(f"/console/audit/?actor={other_id}")).split("Page")[0].split("match")[1]
    )
    assert "1 event matches" in text_of(client.get("/console/audit/?actor=none&action=test.old"))
    recent = (utcnow() - timedelta(days=7)).date().isoformat()
    assert "test.old" not in text_of(client.get(f"/console/audit/?start={recent}")).split("match")[1]
    bad = client.get("/console/audit/?start=yesterday")
    assert bad.status_code == 200 and "Enter a real date" in text_of(bad)
    assert client.get("/console/audit/audit-log.csv?start=yesterday").status_code == 400
    assert admin_id


def test_csv_export_is_streamed_and_safe_in_a_spreadsheet(app: Flask, client: FlaskClient) -> None:
    make_organiser(app, "admin@example.org", name='=HYPERLINK("http://evil.example","x")', role=Role.ADMIN)
    with app.app_context():
        record_action("test.formula", target_type="+thing", target_id="-1+2", after={"title": "=1+1"}, actor_id=1)
        db.session.commit()
    sign_in(client, "admin@example.org")
    response = client.get("/console/audit/audit-log.csv?action=test.formula")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["When (Europe/London)", "Event", "Actor"]
    (row,) = rows[1:]
    assert row[2] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[6:9] == ["'+thing", "'-1+2", ""]
    assert row[9] == '{"title": "=1+1"}'
    for cell in row:
        assert not cell or cell[0] not in "=+-@", cell
    (export,) = events(app, "audit.export")
    assert export["after"] == {"action": "test.formula"}


def test_quotes_are_recorded_without_the_respondent_s_words(
    app: Flask, client: FlaskClient, briefing_parts: dict[str, int]
) -> None:
    from tests.test_briefings import feature_quote

    feature_quote(client, briefing_parts["consultation"], "Nadia Named")
    feature_quote(client, briefing_parts["consultation"], "Nadia Named", "Call […] about road closures.")
    created, edited = events(app, "quote.*")
    assert (created["action"], edited["action"]) == ("quote.create", "quote.update")
    assert created["after"]["featured"] is True and created["after"]["question_key"] == "why"
    assert edited["before"] == {"text": None} and edited["after"] == {"text": "(not recorded)"}, "edited by hand"
    assert "road closures" not in str(events(app)).lower()
