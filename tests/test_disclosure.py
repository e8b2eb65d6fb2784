"""What a briefing must never let anyone work out, and odd input around summaries (from the second review)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from campaign.accounts.models import Organiser
from campaign.areas.lookup import AreaLookup
from campaign.areas.service import parse_mapping_csv, replace_mapping
from campaign.config import ConfigError, load_config
from campaign.consultations.definition import SCHEMA
from campaign.consultations.models import Consultation
from campaign.consultations.service import definition_of
from campaign.exports.csvstream import LocalTimes
from campaign.extensions import db
from campaign.outcomes.models import PetitionUpdate
from campaign.outcomes.service import fan_out_update_emails
from campaign.petitions import service as petitions
from campaign.summaries.consultations import summarise_consultation
from campaign.summaries.present import question_figure
from campaign.summaries.suppression import THRESHOLD, hidden_cells, hidden_table_cells
from tests.briefing_helpers import definition, make_briefing
from tests.consultation_helpers import make_consultation
from tests.helpers import csrf_token, make_organiser, make_petition, sign_in, text_of
from tests.signing_helpers import outbox
from tests.summary_helpers import add_response, add_signature


@pytest.mark.parametrize("counts", [[1, 1, 50], [3, 9, 50], [2, 2, 2, 40], [4, 0, 30, 31], [1, 60]])
def test_hidden_cells_are_never_alone_and_never_add_up_to_a_small_number(counts: list[int]) -> None:
    hidden = hidden_cells(counts)
    assert all(i in hidden for i, c in enumerate(counts) if 0 < c < THRESHOLD)
    assert len(hidden) != 1 and (not hidden or sum(counts[i] for i in hidden) >= THRESHOLD)


def test_cross_tabulations_hide_enough_along_every_line() -> None:
    table = [[1, 1, 30], [20, 25, 9], [30, 40, 50]]
    hidden = hidden_table_cells(table)
    lines = [[(r, c) for c in range(3)] for r in range(3)] + [[(r, c) for r in range(3)] for c in range(3)]
    for line in lines:
        in_line = [cell for cell in line if cell in hidden]
        assert len(in_line) != 1 and (not in_line or sum(table[r][c] for r, c in in_line) >= THRESHOLD)


def briefing_text(app: Flask, client: FlaskClient, *, petitions_: list[int] = (), consultations: list[int] = ()) -> str:  # type: ignore[assignment]
    page = client.get("/console/briefings/new")
    response = client.post("/console/briefings/new", data={
        "csrf_token": csrf_token(page.data), "title": "T", "audience": "A",
        "petitions": [str(p) for p in petitions_], "consultations": [str(c) for c in consultations]})  # fmt: skip
    assert response.status_code == 302, text_of(response)
    detail = response.headers["Location"]
    client.post(detail + "/share", data={"csrf_token": csrf_token(client.get(detail).data), "expires_at": ""})
    link = re.search(r'value="https?://[^/"]+(/briefings/[^"]+)"', client.get(detail).get_data(as_text=True))
    assert link
    return app.test_client().get(link.group(1)).get_data(as_text=True)


def test_a_small_week_cannot_be_worked_out_from_the_total(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", slug="weeks")
    for _ in range(10):
        add_signature(app, petition_id)
    for _ in range(3):
        add_signature(app, petition_id, confirmed_at=datetime.now(UTC) - timedelta(days=15))
    sign_in(client)
    html = briefing_text(app, client, petitions_=[petition_id])
    weeks = dict(re.findall(r'<th scope="row">(Week of [^<]+)</th><td class="numeric">([^<]+)</td>', html))
    assert "13 verified signatures" in text_of_html(html)
    assert sorted(value for value in weeks.values() if value != "0") == ["fewer than 5", "withheld"], weeks


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_numbers_show_no_single_answer(app: Flask, client: FlaskClient, briefing_parts: dict[str, int]) -> None:
    _, link = make_briefing(client, briefing_parts)
    html = re.sub(r"<svg.*?</svg>", "", app.test_client().get(link).get_data(as_text=True), flags=re.S)
    # years answered by 7 people: 10 to 15, and one 97
    assert "Median" not in html.split("Years lived here?")[1].split("</section>")[0], "not from 7 answers"
    assert re.search(r"<th scope=\"row\">(\d+)–(\d+)</th>", html) is None or "80–99" not in html
    assert "or more</th>" in html and "under " in html, "end ranges widened until each holds 5 people"


def test_rank_scores_need_five_rankings(app: Flask) -> None:
    organiser_id = make_organiser(app)
    definition = {"schema": SCHEMA, "sections": [{"key": "s", "title": "S", "questions": [
        {"key": "rank", "type": "ranking", "label": "Rank?", "top": 1,
         "options": [{"code": c, "label": c.upper()} for c in "pqr"]}]}]}  # fmt: skip
    consultation_id = make_consultation(app, organiser_id, definition=definition, slug="rank")
    for _ in range(9):
        add_response(app, consultation_id, {"rank": ["p"]})
    add_response(app, consultation_id, {"rank": ["q"]})
    with app.test_request_context():
        consultation = db.session.get_one(Consultation, consultation_id)
        summary = summarise_consultation(consultation_id, definition_of(consultation), AreaLookup({}))
        rows = {row[0]: row for row in question_figure(summary.question("rank"), suppress=True).table.rows}  # type: ignore[union-attr]
        assert rows["Q"][1] == "—" and rows["P"][1] == "0.90"
        console = {row[0]: row for row in question_figure(summary.question("rank"), suppress=False).table.rows}  # type: ignore[union-attr]
        assert console["Q"][1] == "0.10", "the organiser sees every figure"


def test_taken_down_petitions_leave_the_briefing(
    app: Flask, client: FlaskClient, briefing_parts: dict[str, int]
) -> None:
    _, link = make_briefing(client, briefing_parts)
    with app.app_context():
        organiser = db.session.scalar(select(Organiser))
        petitions.hide_petition(organiser, briefing_parts["petition"], "Defamatory content")
    text = text_of(app.test_client().get(link))
    assert "Reverse the social media ban" not in text
    assert "1 petition or consultation is left out because it is no longer public" in text


def test_one_postcode_breakdown_only(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        replace_mapping(organiser, parse_mapping_csv("YO1,York\nYO11,Scarborough\nHG,Harrogate\n"))
    consultation_id = make_consultation(app, organiser_id, definition=definition(), slug="xfig")
    for postcode, n in (("YO1 7HH", 20), ("YO11 2AB", 9), ("HG1 1AA", 3)):
        for _ in range(n):
            add_response(app, consultation_id, {"agree": "yes", "where": postcode})
    for _ in range(6):
        add_response(app, consultation_id, {"agree": "yes"})
    sign_in(client)
    html = briefing_text(app, client, consultations=[consultation_id])
    assert "Where respondents live is shown once" in text_of_html(html)
    assert html.count('<th scope="row">Scarborough</th>') == 1, "one breakdown of where people live, not two"


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01", "start=1999-12-31", "end=" + "9" * 200])
def test_dates_far_away_are_refused_not_a_500(app: Flask, client: FlaskClient, query: str) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", slug="dates")
    consultation_id = make_consultation(app, organiser_id, slug="dates-c")
    sign_in(client)
    page = client.get(f"/console/petitions/{petition_id}/summary?{query}")
    assert page.status_code == 200 and ("Enter a date between 2000 and next year" in text_of(page)
                                        or "Enter a real date" in text_of(page))  # fmt: skip
    assert client.get(f"/console/petitions/{petition_id}/signatures.csv?{query}").status_code == 400
    assert client.get(f"/console/consultations/{consultation_id}/summary?{query}").status_code == 200


def test_a_huge_response_number_in_the_quote_form(
    app: Flask, client: FlaskClient, briefing_parts: dict[str, int]
) -> None:
    url = f"/console/consultations/{briefing_parts['consultation']}/quotes/why"
    response = client.post(url, data={"csrf_token": csrf_token(client.get(url).data), "response": "9" * 30,
                                      "featured": "yes", "text": "x"})  # fmt: skip
    assert response.status_code == 200 and "could not be found" in text_of(response)


def test_publishing_twice_emails_once_and_late_confirmers_are_not_half_included(
    app: Flask, client: FlaskClient
) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", slug="upd")
    for n in range(3):
        add_signature(app, petition_id, notify=True, email=f"early{n}@example.org")
    sign_in(client)
    url = f"/console/petitions/{petition_id}/updates"
    data = {"csrf_token": csrf_token(client.get(url).data), "title": "We did it", "body": "Handed in.",
            "email_signers": "y"}  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302  # the second click of a double click
    add_signature(app, petition_id, notify=True, email="late@example.org",
                  confirmed_at=datetime.now(UTC) + timedelta(minutes=5))  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PetitionUpdate)) == 1
        assert fan_out_update_emails(batch_size=2) == 3
    assert sorted(m.to_address for m in outbox(app)) == ["early0@example.org", "early1@example.org",
                                                         "early2@example.org"]  # fmt: skip


def test_local_times_in_any_zone_and_only_whole_hour_zones_configured() -> None:
    for name in ("Asia/Kolkata", "America/St_Johns", "Europe/London"):
        zone = ZoneInfo(name)
        moment = datetime(2026, 11, 21, 10, 45, 12, tzinfo=UTC)
        expected = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        assert LocalTimes(zone).format(moment) == expected
        assert LocalTimes(zone).format_sqlite_text("2026-11-21 10:45:12.5") == expected
    with pytest.raises(ConfigError, match="part of an hour"):
        load_config({"TIMEZONE": "Asia/Kolkata"}, Path("/nonexistent"))


def test_candidates_removed_can_be_invited_again(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", slug="c")
    sign_in(client)
    url = f"/console/petitions/{petition_id}/candidates"
    data: dict[str, Any] = {"name": "Ruth", "email": "ruth@example.org"}
    assert client.post(url, data={"csrf_token": csrf_token(client.get(url).data), **data}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    remove = re.findall(r'action="(/console/petitions/\d+/candidates/\d+/remove)"', page)[0]
    client.post(remove, data={"csrf_token": csrf_token(page)})
    again = client.post(url, data={"csrf_token": csrf_token(client.get(url).data), **data, "name": "Ruth Okafor"})
    assert again.status_code == 302
    assert "Ruth Okafor" in text_of(client.get(url))
