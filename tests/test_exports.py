"""Exports read back: CSV parsed, XLSX opened with openpyxl, JSON loaded; safe in a spreadsheet; from the CLI too."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from campaign.accounts.models import Organiser
from campaign.areas.service import parse_mapping_csv, replace_mapping
from campaign.consultations.definition import SCHEMA
from campaign.extensions import db
from tests.consultation_helpers import make_consultation
from tests.helpers import make_organiser, make_petition, sign_in
from tests.summary_helpers import add_response, add_signature

HOSTILE = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture
def organiser_id(app: Flask, client: FlaskClient) -> int:
    organiser_id = make_organiser(app)
    with app.app_context():
        replace_mapping(db.session.get_one(Organiser, organiser_id), parse_mapping_csv("YO1,York\n"))
    sign_in(client)
    return organiser_id


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "a byte order mark, so Excel reads accents right"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_signatures_csv_holds_only_what_signers_agreed_to_share(
    app: Flask, client: FlaskClient, organiser_id: int
) -> None:
    petition_id = make_petition(app, organiser_id, state="open", slug="the-ban")
    add_signature(app, petition_id, name="Shared Name", share_name=True, postcode="YO1 7HH", email="shared@example.org")
    add_signature(app, petition_id, name="Private Person", share_name=False, postcode="HG1 1AA")
    add_signature(app, petition_id, name=HOSTILE, share_name=True, country="FR")
    add_signature(app, petition_id, name="Not Confirmed", share_name=True, state="pending")
    response = client.get(f"/console/petitions/{petition_id}/signatures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="the-ban-signatures-' in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert rows[0] == ["Confirmed (Europe/London)", "Name (when the signer agreed to share it)", "Area"]
    body = rows[1:]
    assert [row[1:] for row in body] == [["Shared Name", "York"], ["", "Elsewhere in the UK"],
                                         ["'" + HOSTILE, "Outside the UK"]]  # fmt: skip
    assert all(len(row[0]) == 19 and row[0][4] == "-" for row in body), "local date and time"
    text = response.get_data(as_text=True)
    for secret in ("Private Person", "shared@example.org", "YO1 7HH", "HG1 1AA", "Not Confirmed"):
        assert secret not in text


def survey() -> dict[str, Any]:
    return {"schema": SCHEMA, "sections": [{"key": "s", "title": "S", "questions": [
        {"key": "colour", "type": "single_choice", "label": "Colour?", "other": True,
         "options": [{"code": "red", "label": "Red"}, {"code": "blue", "label": "Blue"}]},
        {"key": "channels", "type": "multiple_choice", "label": "Channels?",
         "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]},
        {"key": "agree", "type": "likert", "label": "Agree?"},
        {"key": "rank", "type": "ranking", "label": "Rank?", "options": [{"code": "p", "label": "P"},
                                                                      {"code": "q", "label": "Q"}]},
        {"key": "years", "type": "number", "label": "Years?", "integer": False},
        {"key": "follow", "type": "yes_no", "label": "Follow?"},
        {"key": "why", "type": "long_text", "label": "Why?",
         "condition": {"question": "follow", "operator": "equals", "values": ["yes"]}},
        {"key": "where", "type": "postcode", "label": "Postcode?"},
    ]}]}  # fmt: skip


@pytest.fixture
def consultation_id(app: Flask, organiser_id: int) -> int:
    consultation_id = make_consultation(app, organiser_id, definition=survey(), slug="views")
    add_response(app, consultation_id, {"colour": "other", "channels": ["b"], "agree": 4, "rank": ["q", "p"],
                                        "years": 2.5, "follow": "yes", "why": HOSTILE, "where": "YO1 7HH"},
                 other={"colour": "@purple"}, consent="named", name="Named Person")  # fmt: skip
    add_response(app, consultation_id, {"colour": "red", "agree": 2, "follow": "no"}, consent="anonymous",
                 name="Anonymous Person", email="anon@example.org")  # fmt: skip
    return consultation_id


def test_wide_csv_tells_not_asked_from_not_answered(app: Flask, client: FlaskClient, consultation_id: int) -> None:
    response = client.get(f"/console/consultations/{consultation_id}/responses/csv")
    assert response.status_code == 200
    rows = read_csv(response.data)
    header = rows[0]
    assert header[:5] == ["response", "submitted", "area", "consent", "name"]
    assert header[5:] == ["colour", "colour__other_text", "channels__a", "channels__b", "agree", "rank__p", "rank__q",
                          "years", "follow", "why", "where", "where__area"]  # fmt: skip
    first, second = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert (first["area"], first["consent"], first["name"]) == ("York", "named", "Named Person")
    assert (first["colour"], first["colour__other_text"], first["channels__a"], first["channels__b"]) == (
        "other", "'@purple", "0", "1")  # fmt: skip
    assert (first["rank__p"], first["rank__q"], first["years"], first["why"]) == ("2", "1", "2.5", "'" + HOSTILE)
    assert (first["where"], first["where__area"]) == ("YO1", "York"), "the district, never the whole postcode"
    assert second["name"] == "", "named only when they agreed to be quoted by name"
    assert second["why"] == "(not asked)" and second["channels__a"] == "" and second["years"] == ""
    text = response.get_data(as_text=True)
    assert "anon@example.org" not in text and "Anonymous Person" not in text and "7HH" not in text


def test_long_csv_has_a_row_per_answer(app: Flask, client: FlaskClient, consultation_id: int) -> None:
    rows = read_csv(client.get(f"/console/consultations/{consultation_id}/responses/long-csv").data)
    assert rows[0] == ["response", "submitted", "area", "question", "item", "status", "value", "label"]
    first = [row[3:] for row in rows[1:] if row[0] == rows[1][0]]
    assert ["rank", "q", "answered", "1", "Q"] in first and ["rank", "p", "answered", "2", "P"] in first
    assert ["colour", "other_text", "answered", "'@purple", ""] in first
    second = [row[3:] for row in rows[1:] if row[0] != rows[1][0]]
    assert ["why", "", "not asked", "", ""] in second and ["channels", "", "not answered", "", ""] in second


def test_xlsx_has_responses_a_codebook_and_no_formulas(app: Flask, client: FlaskClient, consultation_id: int) -> None:
    response = client.get(f"/console/consultations/{consultation_id}/responses/xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Responses", "Codebook", "About"]
    sheet = workbook["Responses"]
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, sheet[2], strict=True))
    assert first["why"].value == HOSTILE and first["why"].data_type == "s", "text, never a formula"
    assert first["colour__other_text"].value == "@purple"
    assert first["years"].value == 2.5 and first["agree"].value == 4, "numbers stay numbers"
    second = {name: cell.value for name, cell in zip(header, sheet[3], strict=True)}
    assert second["why"] == "(not asked)" and second["channels__a"] is None
    codebook = {row[0]: row for row in workbook["Codebook"].iter_rows(values_only=True) if row and row[0]}
    assert codebook["channels__b"][1] == "channels" and codebook["channels__b"][3] == "1 = chosen; 0 = not chosen"
    assert codebook["colour"][3] == "red = Red; blue = Blue; other = Other"
    about = dict(row for row in workbook["About"].iter_rows(values_only=True))
    assert about["Responses"] == "2"


def test_json_holds_the_definition_and_every_response(app: Flask, client: FlaskClient, consultation_id: int) -> None:
    document = json.loads(client.get(f"/console/consultations/{consultation_id}/responses/json").data)
    assert document["format"] == "campaign/consultation-responses/1"
    assert [q["key"] for q in document["definition"]["sections"][0]["questions"]][:2] == ["colour", "channels"]
    first, second = document["responses"]
    assert first["answers"]["where"] == "YO1" and first["name"] == "Named Person" and first["other"] == {
        "colour": "@purple"}  # fmt: skip
    assert second["not_asked"] == ["why"] and "channels" in second["not_answered"] and "name" not in second


def test_the_cli_exports_with_a_progress_bar(app: Flask, consultation_id: int, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    output = tmp_path / "responses.xlsx"
    result = runner.invoke(args=["export", "consultation", "views", "--format", "xlsx", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 responses" in result.output
    assert load_workbook(output)["Responses"].max_row == 3
    assert os.stat(output).st_mode & 0o777 == 0o600, "personal data: readable by the owner only"
    assert not list(tmp_path.glob(".*partial"))
    petition_file = tmp_path / "signatures.csv"
    make_petition(app, 1, state="open", slug="the-ban")
    result = runner.invoke(args=["export", "petition", "the-ban", "-o", str(petition_file)])
    assert result.exit_code == 0 and "Wrote 0 signatures" in result.output
    assert read_csv(petition_file.read_bytes()) == [["Confirmed (Europe/London)",
                                                    "Name (when the signer agreed to share it)", "Area"]]  # fmt: skip
    missing = runner.invoke(args=["export", "consultation", "no-such-thing", "-o", str(tmp_path / "x.csv")])
    assert missing.exit_code != 0 and "There is no consultation" in missing.output
    bad_dates = runner.invoke(args=["export", "petition", "the-ban", "--from", "soon", "-o", str(tmp_path / "y")])
    assert bad_dates.exit_code != 0 and "Enter a real date" in bad_dates.output
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y").exists()
