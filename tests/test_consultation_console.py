"""Building consultations in the console: forms, ordering, version rules, import and export."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.consultations import builder
from campaign.consultations.definition import load_definition, parse_definition
from campaign.consultations.models import ConsultationResponse, WordingChange
from campaign.db import utcnow
from campaign.errors import InvalidTransition
from campaign.extensions import db
from tests.consultation_helpers import load_consultation, make_consultation, simple_definition
from tests.helpers import csrf_token, make_organiser, sign_in, submit, text_of


@pytest.fixture
def organiser_client(client: FlaskClient, app: Flask) -> FlaskClient:
    make_organiser(app)
    sign_in(client)
    return client


def questions_of(app: Flask, consultation_id: int) -> list[str]:
    definition = load_definition(load_consultation(app, consultation_id).definition)
    return [question.key for _, question in definition.questions()]


def new_consultation(client: FlaskClient) -> int:
    response = submit(client, "/console/consultations/new", {"title": "Policing and social media",
                      "summary": "Tell us what you think.", "intro": "# Why\n\nBecause.", "slug": "", "petition_id": ""})  # fmt: skip
    assert response.status_code == 302, text_of(response)
    return int(re.search(r"/console/consultations/(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]


def test_build_a_questionnaire_through_the_console(organiser_client: FlaskClient, app: Flask) -> None:
    consultation_id = new_consultation(organiser_client)
    base = f"/console/consultations/{consultation_id}"
    assert "No questions yet" in text_of(organiser_client.get(base))
    response = submit(organiser_client, f"{base}/sections/new", {"key": "about", "title": "About you", "description": "",
                      "condition_question": "", "condition_operator": "equals", "condition_values": ""})  # fmt: skip
    assert response.status_code == 302, text_of(response)
    page = organiser_client.get(f"{base}/questions/new?section=about")
    assert "What kind of question?" in text_of(page)
    url = f"{base}/questions/new?section=about&type=single_choice"
    response = submit(organiser_client, url, {"type": "single_choice", "key": "hear", "label": "How do you hear?",
                      "help": "", "required": "y", "options": "Local radio\nnews | Newspapers\nLocal radio", "other": "y",
                      "condition_question": "", "condition_operator": "equals", "condition_values": ""})  # fmt: skip
    assert response.status_code == 302, text_of(response)
    url = f"{base}/questions/new?section=about&type=long_text"
    response = submit(organiser_client, url, {"type": "long_text", "key": "why", "label": "Why?", "help": "",
                      "max_length": "500", "condition_question": "hear", "condition_operator": "equals",
                      "condition_values": "news"})  # fmt: skip
    assert response.status_code == 302, text_of(response)
    definition = load_definition(load_consultation(app, consultation_id).definition)
    hear = definition.question("hear")
    assert hear is not None and [(o.code, o.label) for o in hear.options] == [
        ("local-radio", "Local radio"), ("news", "Newspapers"), ("local-radio-2", "Local radio")]  # fmt: skip
    assert hear.other and hear.required
    why = definition.question("why")
    assert why is not None and why.condition is not None and why.condition.values == ("news",)
    # Preview shows it as a resident sees it.
    preview = text_of(organiser_client.get(f"{base}/preview"))
    assert "How do you hear?" in preview and "Preview." in preview


def test_question_form_problems_are_shown_beside_the_fields(organiser_client: FlaskClient, app: Flask) -> None:
    organiser_id = 1
    consultation_id = make_consultation(app, organiser_id, state="draft")
    url = f"/console/consultations/{consultation_id}/questions/new?section=views&type=multiple_choice"
    response = submit(organiser_client, url, {"type": "multiple_choice", "key": "followed", "label": "Pick",
                      "options": "only one", "max_choices": "5", "condition_question": "", "condition_operator": "equals",
                      "condition_values": ""})  # fmt: skip
    text = text_of(response)
    assert response.status_code == 200
    assert "duplicate question key 'followed'" in text
    assert "must be a list of 2 to 50 options" in text
    assert questions_of(app, consultation_id) == ["followed", "missed", "importance", "where"], "nothing saved"


def test_condition_must_look_back(organiser_client: FlaskClient, app: Flask) -> None:
    consultation_id = make_consultation(app, 1, state="draft")
    url = f"/console/consultations/{consultation_id}/questions/followed/edit"
    page = organiser_client.get(url)
    assert 'value="followed"' in page.get_data(as_text=True)
    response = organiser_client.post(url, data={"csrf_token": csrf_token(page.data), "type": "yes_no", "key": "followed",
                                     "label": "Did you?", "condition_question": "importance",
                                     "condition_operator": "equals", "condition_values": "1"})  # fmt: skip
    assert "'importance' is not an earlier question" in text_of(response)


def test_reorder_and_remove(organiser_client: FlaskClient, app: Flask) -> None:
    consultation_id = make_consultation(app, 1, state="draft")
    base = f"/console/consultations/{consultation_id}"
    token = csrf_token(organiser_client.get(base).data)
    organiser_client.post(f"{base}/questions/where/up", data={"csrf_token": token})
    assert questions_of(app, consultation_id) == ["followed", "missed", "where", "importance"]
    organiser_client.post(f"{base}/questions/where/up", data={"csrf_token": token})
    assert questions_of(app, consultation_id) == ["followed", "missed", "where", "importance"], "into the page before"
    definition = load_definition(load_consultation(app, consultation_id).definition)
    assert [q.key for q in definition.sections[0].questions] == ["followed", "missed", "where"]
    # Moving a trigger below the question that depends on it is refused, with the reason.
    organiser_client.post(f"{base}/questions/followed/down", data={"csrf_token": token})
    assert "is not an earlier question" in text_of(organiser_client.get(base))
    assert questions_of(app, consultation_id) == ["followed", "missed", "where", "importance"]
    submit(organiser_client, f"{base}/questions/missed/delete", {})
    assert questions_of(app, consultation_id) == ["followed", "where", "importance"]
    submit(organiser_client, f"{base}/sections/views/delete", {})
    assert questions_of(app, consultation_id) == ["followed", "where"]


def test_export_and_import_round_trip(organiser_client: FlaskClient, app: Flask) -> None:
    source = make_consultation(app, 1, state="draft", slug="source")
    exported = organiser_client.get(f"/console/consultations/{source}/export.json")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="source-v1-questions.json"'
    target = make_consultation(app, 1, state="draft", slug="target", definition={**simple_definition(), "sections": []})
    response = submit(
        organiser_client, f"/console/consultations/{target}/import", {"document": exported.get_data(as_text=True)}
    )
    assert response.status_code == 302
    assert questions_of(app, target) == questions_of(app, source)


def test_an_invalid_import_lists_every_problem_and_imports_nothing(organiser_client: FlaskClient, app: Flask) -> None:
    target = make_consultation(app, 1, state="draft")
    before = questions_of(app, target)
    document = simple_definition()
    document["sections"][0]["questions"][0]["type"] = "essay"
    document["sections"][1]["questions"][0]["scale"] = ["one"]
    document["sections"][1]["key"] = "start"
    response = submit(organiser_client, f"/console/consultations/{target}/import", {"document": json.dumps(document)})
    text = text_of(response)
    assert "The file has 4 problems; nothing was imported" in text
    assert "$.sections[0].questions[1].condition.question 'followed' is not an earlier question" in text
    assert "$.sections[0].questions[0].type must be one of" in text
    assert "$.sections[1].questions[0].scale must be a list of 2 to 11 labels" in text
    assert "$.sections[1].key duplicate section key 'start'" in text
    assert questions_of(app, target) == before
    response = submit(organiser_client, f"/console/consultations/{target}/import", {"document": "{not json"})
    assert "is not valid JSON" in text_of(response)


def test_opening_needs_questions_on_every_page(organiser_client: FlaskClient, app: Flask) -> None:
    empty = make_consultation(app, 1, state="draft", slug="empty", definition={**simple_definition(), "sections": []})
    response = submit(organiser_client, f"/console/consultations/{empty}/open", {})
    assert "Add at least one question." in text_of(organiser_client.get(response.headers["Location"]))
    assert load_consultation(app, empty).state == "draft"


def answer_once(app: Flask, consultation_id: int) -> None:
    with app.app_context():
        db.session.add(ConsultationResponse(consultation_id=consultation_id, name="Jo", email="jo@example.org",
                                            canonical_email="jo@example.org", working='{"answers": {"followed": "no"}}',
                                            changed_at=utcnow(), verified_at=utcnow()))  # fmt: skip
        db.session.commit()


def test_once_answered_structure_is_fixed_but_wording_can_be_corrected(
    organiser_client: FlaskClient, app: Flask
) -> None:
    consultation_id = make_consultation(app, 1)
    answer_once(app, consultation_id)
    base = f"/console/consultations/{consultation_id}"
    detail = text_of(organiser_client.get(base))
    assert "questions, options and conditions are fixed" in detail
    assert "Add a section" not in detail and "Remove" not in detail
    url = f"{base}/questions/followed/edit"
    response = submit(organiser_client, url, {"type": "yes_no", "key": "followed", "label": "Did you follow any officer accounts?",
                      "help": "Before the change", "required": "y", "condition_question": "",
                      "condition_operator": "equals", "condition_values": ""})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        changes = [(c.path, c.before, c.after) for c in db.session.query(WordingChange).order_by(WordingChange.path)]
    assert changes == [
        ("$.sections[0].questions[0].help", "", "Before the change"),
        (
            "$.sections[0].questions[0].label",
            "Did you follow officer accounts?",
            "Did you follow any officer accounts?",
        ),
    ]
    assert "Did you follow officer accounts?" in text_of(organiser_client.get(base)), "the record is shown"
    # A structural change is refused with what to do instead.
    response = submit(organiser_client, url, {"type": "yes_no", "key": "followed", "label": "Did you?", "help": "",
                      "condition_question": "", "condition_operator": "equals", "condition_values": ""})  # fmt: skip
    assert "copy it to a new version" in text_of(response)
    with app.app_context():
        organiser = db.session.get_one(__import__("campaign.accounts.models", fromlist=["Organiser"]).Organiser, 1)
        with pytest.raises(InvalidTransition):
            builder.import_definition(organiser, consultation_id, json.dumps({**simple_definition(), "sections": []}))


def test_copy_to_a_new_version_keeps_keys_and_codes(organiser_client: FlaskClient, app: Flask) -> None:
    consultation_id = make_consultation(app, 1)
    answer_once(app, consultation_id)
    response = submit(organiser_client, f"/console/consultations/{consultation_id}/copy", {},
                      form_url=f"/console/consultations/{consultation_id}")  # fmt: skip
    copy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    copied = load_consultation(app, copy_id)
    assert (copied.version, copied.previous_version_id, copied.state) == (2, consultation_id, "draft")
    assert copied.slug == "the-consultation-v2"
    assert questions_of(app, copy_id) == questions_of(app, consultation_id)
    # The copy has no answers, so its structure can change.
    submit(organiser_client, f"/console/consultations/{copy_id}/questions/missed/delete", {})
    assert questions_of(app, copy_id) == ["followed", "importance", "where"]


def test_closed_consultations_cannot_change(organiser_client: FlaskClient, app: Flask) -> None:
    consultation_id = make_consultation(app, 1, state="closed")
    response = organiser_client.get(f"/console/consultations/{consultation_id}/edit")
    assert response.status_code == 200  # the details form still renders...
    response = submit(organiser_client, f"/console/consultations/{consultation_id}/edit",
                      {"title": "New", "summary": "S", "intro": "", "petition_id": ""})  # fmt: skip
    assert "cannot be edited" in text_of(organiser_client.get(response.headers["Location"]))
    assert load_consultation(app, consultation_id).title == "Policing and social media"


def test_closing_happens_on_time(app: Flask) -> None:
    from campaign.consultations.service import close_due_consultations

    consultation_id = make_consultation(app, make_organiser(app))
    with app.app_context():
        from campaign.consultations.models import Consultation

        db.session.get_one(Consultation, consultation_id).closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert close_due_consultations() == 1
    assert load_consultation(app, consultation_id).state == "closed"


def test_other_organisations_consultations_are_not_found(client: FlaskClient, app: Flask) -> None:
    theirs = make_organiser(app, "theirs@example.org", organisation="Other")
    consultation_id = make_consultation(app, theirs)
    make_organiser(app, "ours@example.org", organisation="Ours")
    sign_in(client, "ours@example.org")
    for path in ("", "/edit", "/preview", "/export.json", "/import", "/questions/followed/edit", "/close"):
        assert client.get(f"/console/consultations/{consultation_id}{path}").status_code == 404, path
    token = csrf_token(client.get("/console/consultations/").data)
    assert client.post(f"/console/consultations/{consultation_id}/questions/followed/delete",
                       data={"csrf_token": token}).status_code == 404  # fmt: skip
    assert questions_of(app, consultation_id) == ["followed", "missed", "importance", "where"]


def test_definition_survives_storage_exactly(app: Flask) -> None:
    consultation_id = make_consultation(app, make_organiser(app))
    stored = load_consultation(app, consultation_id).definition
    assert load_definition(stored) == parse_definition(simple_definition())
