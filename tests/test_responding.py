"""Answering a consultation through the real pages, with real mail on loopback."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from campaign.accounts.models import Organiser
from campaign.consultations import builder, responding, service
from campaign.consultations.definition import parse_definition
from campaign.consultations.models import Consultation
from campaign.consultations.responding import Respondent
from campaign.db import utcnow
from campaign.extensions import db
from tests.consultation_helpers import load_consultation, make_consultation, responses, simple_definition
from tests.helpers import csrf_token, make_organiser, make_petition, submit, text_of
from tests.mailbox import SmtpServer, text_part
from tests.signing_helpers import deliver, fold, sign, signatures, stored_count


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"MAIL_URL": smtp_server.url, "RESEND_MIN_INTERVAL_SECONDS": 0}


@pytest.fixture
def consultation_id(app: Flask) -> int:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", slug="the-ban")
    return make_consultation(app, organiser_id, petition_id=petition_id)


BASE = "/consultations/the-consultation"


def request_link(app: Flask, client: FlaskClient, smtp_server: SmtpServer, email: str = "jo@example.org") -> str:
    before = len(smtp_server.mailbox.messages)
    response = submit(client, f"{BASE}/start", {"name": "Jo Bloggs", "email": email}, form_url=BASE)
    assert response.headers["Location"] == f"{BASE}/check-email"
    deliver(app)
    message = smtp_server.mailbox.wait_for(before + 1)[-1]
    lines = [line.strip() for line in text_part(message).splitlines()]
    link = next(line for line in lines if re.fullmatch(r"https?://\S+/consultations/respond/\S+", line))
    return urlsplit(link).path


def follow(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path, data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 302
    return str(response.headers["Location"])


def answer(client: FlaskClient, section: str, action: str = "next", **fields: str):  # type: ignore[no-untyped-def]
    url = f"{BASE}/answer/{section}"
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(page.data), "action": action, **fields})


def working(app: Flask) -> dict[str, object]:
    (response,) = responses(app)
    return dict(json.loads(response.working).get("answers", {}))


def test_the_whole_journey(client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer) -> None:
    intro = text_of(client.get(BASE))
    assert "Policing and social media" in intro and "4 on 2 pages" in intro
    path = request_link(app, client, smtp_server)
    assert "Now check your email" in text_of(client.get(f"{BASE}/check-email"))
    assert "Continue to the questions" in text_of(client.get(path))
    assert responses(app)[0].verified_at is None, "following the link changes nothing until the button"
    assert follow(client, path) == f"{BASE}/answer/start"

    page = client.get(f"{BASE}/answer/start")
    assert "page 1 of 3" in text_of(page)
    response = answer(client, "start")
    assert "Choose yes or no" in text_of(response)
    assert responses(app)[0].changed_at is None, "nothing stored from a page with problems"
    response = answer(client, "start", **{"q-followed": "yes", "q-missed": "The roads updates"})
    assert response.headers["Location"] == f"{BASE}/answer/views"
    response = answer(client, "views", **{"q-importance": "5", "q-where": "yo1 7hh"})
    assert response.headers["Location"] == f"{BASE}/review"

    review = text_of(client.get(f"{BASE}/review"))
    assert "The roads updates" in review and "Strongly agree" in review and "YO1 7HH" in review
    response = submit(client, f"{BASE}/review", {})
    assert "Choose whether we may quote your words" in text_of(response)
    response = submit(client, f"{BASE}/review", {"consent": "anonymous"})
    assert response.headers["Location"] == f"{BASE}/done"
    (stored,) = responses(app)
    assert stored.state == "submitted" and stored.consent == "anonymous" and stored.postcode == "YO1 7HH"
    assert json.loads(stored.answers or "{}")["answers"] == {"followed": "yes", "missed": "The roads updates",
                                                             "importance": 5, "where": "YO1 7HH"}  # fmt: skip
    done = text_of(client.get(f"{BASE}/done"))
    assert "Thank you, your response has been sent" in done and "Sign the petition" in done


def test_save_and_come_back_later_through_the_link(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    path = request_link(app, client, smtp_server)
    follow(client, path)
    response = answer(client, "start", action="save", **{"q-followed": "no"})
    assert response.headers["Location"] == BASE
    assert "Your answers are saved" in text_of(client.get(BASE))
    # Another day, another browser: the same link brings them back where they left off.
    phone = app.test_client()
    assert follow(phone, path) == f"{BASE}/answer/views"
    page = phone.get(f"{BASE}/answer/start")
    assert re.search(r'value="no"\s+checked', page.get_data(as_text=True))


def test_changing_a_submitted_response(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    path = request_link(app, client, smtp_server)
    follow(client, path)
    answer(client, "start", **{"q-followed": "yes", "q-missed": "Updates"})
    answer(client, "views", **{"q-importance": "4"})
    submit(client, f"{BASE}/review", {"consent": "named"})
    (first,) = responses(app)
    assert first.submitted_at is not None and first.changed_at is not None
    # Changing an answer hides the follow-up; until "Update my response" the submitted answers stand.
    follow(client, path)
    answer(client, "start", **{"q-followed": "no"})
    (stored,) = responses(app)
    assert json.loads(stored.answers or "{}")["answers"]["followed"] == "yes"
    assert "You have changed some answers" in text_of(client.get(f"{BASE}/review"))
    submit(client, f"{BASE}/review", {"consent": "none"})
    (stored,) = responses(app)
    assert json.loads(stored.answers or "{}")["answers"] == {"followed": "no", "importance": 4}
    assert stored.consent == "none"
    assert stored.submitted_at == first.submitted_at, "first submitted when it was first submitted"
    assert stored.changed_at is not None and stored.changed_at > first.changed_at


def test_one_response_per_mailbox_and_the_same_page_either_way(
    app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    first, second = app.test_client(), app.test_client()
    request_link(app, first, smtp_server, "Jo.Bloggs@gmail.com")
    request_link(app, second, smtp_server, "jobloggs+consult@googlemail.com")
    assert len(responses(app)) == 1
    from campaign.tokens import TokenPurpose, read_token

    tokens = [re.search(r"/consultations/respond/(\S+)", text_part(m)).group(1) for m in smtp_server.mailbox.messages]  # type: ignore[union-attr]
    with app.app_context():
        payloads = [read_token(TokenPurpose.RESPOND_TO_CONSULTATION, t, max_age_seconds=60) for t in tokens]
    assert payloads[0] == payloads[1], "both links open the same response"


def test_a_gets_never_verify_and_tampered_links_change_nothing(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    path = request_link(app, client, smtp_server)
    for _ in range(3):
        app.test_client().get(path)
    assert responses(app)[0].verified_at is None
    assert client.get(path[:-3] + "xyz").status_code == 404
    assert client.get(f"{BASE}/answer/start").headers["Location"] == BASE, "no link followed, no answering"


def test_bad_answers_are_refused_and_nothing_stored(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    follow(client, request_link(app, client, smtp_server))
    for fields, message in [
        ({"q-followed": "maybe"}, "Choose one of the options"),
        ({"q-followed": "yes", "q-missed": "x" * 201}, "must be 200 characters or fewer"),
        ({"q-followed": "yes", "q-forged": "1"}, "not on this page"),
        ({"q-followed": "yes", "q-importance": "5"}, "not on this page"),
    ]:
        response = answer(client, "start", **fields)
        assert response.status_code == 200
        assert message in text_of(response)
    assert working(app) == {}
    response = answer(client, "views", **{"q-importance": "9"})
    assert "Choose one of the options" in text_of(response)
    assert working(app) == {}


def test_the_follow_up_typed_beside_a_no_is_discarded(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    follow(client, request_link(app, client, smtp_server))
    answer(client, "start", **{"q-followed": "no", "q-missed": "should not be kept"})
    assert working(app) == {"followed": "no"}


def test_closed_consultations_take_no_answers(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    path = request_link(app, client, smtp_server)
    follow(client, path)
    answer(client, "start", **{"q-followed": "no"})
    with app.app_context():
        db.session.get_one(Consultation, consultation_id).closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    token = csrf_token(client.get("/login").data)
    response = client.post(f"{BASE}/answer/views", data={"csrf_token": token, "action": "next", "q-importance": "3"})
    assert response.headers["Location"] == BASE
    assert "closed" in text_of(client.get(BASE))
    assert working(app) == {"followed": "no"}
    response = client.post(path, data={"csrf_token": csrf_token(client.get("/login").data)})
    assert response.status_code == 409
    start = submit(app.test_client(), f"{BASE}/start", {"name": "Late", "email": "late@example.org"}, form_url="/login")
    assert "closed" in text_of(start)
    assert len(responses(app)) == 1


def test_closing_between_showing_a_page_and_saving_it_keeps_nothing(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    follow(client, request_link(app, client, smtp_server))
    (stored,) = responses(app)
    respondent = Respondent(stored.id, stored.nonce)
    with app.test_request_context():
        consultation = service.answering_facts("the-consultation", utcnow())
        assert responding.accepts_answers(consultation, utcnow())  # what the page saw
        with db.engine.begin() as organiser:  # the organiser closes it meanwhile
            organiser.execute(update(Consultation).where(Consultation.id == consultation_id).values(closes_at=utcnow()))
        with pytest.raises(responding.NotAcceptingAnswers):
            responding.save_page(consultation, respondent, "start", MultiDict({"q-followed": "no"}), require=True)
    assert working(app) == {}


def test_questions_changed_between_showing_a_page_and_saving_it_keeps_nothing(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    follow(client, request_link(app, client, smtp_server))
    (stored,) = responses(app)
    respondent = Respondent(stored.id, stored.nonce)
    changed = simple_definition()
    changed["sections"][0]["questions"][0]["type"] = "single_choice"
    changed["sections"][0]["questions"][0]["options"] = [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}]
    with app.test_request_context():
        consultation = service.answering_facts("the-consultation", utcnow())  # what the page was built from
        organiser = db.session.get_one(Organiser, load_consultation(app, consultation_id).created_by_id)
        builder.save_definition(organiser, consultation_id, parse_definition(changed))  # no answers yet: allowed
        with pytest.raises(responding.QuestionsChanged):
            responding.save_page(consultation, respondent, "start", MultiDict({"q-followed": "no"}), require=True)
    assert working(app) == {}
    response = answer(client, "start", **{"q-followed": "no"})  # the page as it is now takes the answer
    assert response.status_code == 302
    assert working(app) == {"followed": "no"}


def test_start_form_problems(client: FlaskClient, app: Flask, consultation_id: int) -> None:
    response = submit(client, f"{BASE}/start", {"name": "", "email": "nope"}, form_url=BASE)
    text = text_of(response)
    assert "Enter your name" in text and "Enter an email address in the correct format" in text
    assert responses(app) == []


def test_from_signing_to_answering_without_typing_details_again(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    sign(client, "the-ban", email="jo@example.org", name="Jo Bloggs")
    deliver(app)
    link = urlsplit(re.search(r"https?://\S+/confirm/\S+", text_part(smtp_server.mailbox.wait_for(1)[0])).group(0)).path  # type: ignore[union-attr]
    page = client.get(link)
    client.post(link, data={"csrf_token": csrf_token(page.data)})
    thanks = text_of(client.get(link))
    assert "Answer the consultation" in thanks
    intro = client.get(BASE).get_data(as_text=True)
    assert 'value="jo@example.org"' in intro and "you can start straight away" in intro
    response = submit(client, f"{BASE}/start", {"name": "Jo Bloggs", "email": "jo@example.org"}, form_url=BASE)
    assert response.headers["Location"] == f"{BASE}/answer/start", "no second email needed"
    assert len(smtp_server.mailbox.messages) == 1


def test_from_answering_to_signing_counts_at_once(
    client: FlaskClient, app: Flask, consultation_id: int, smtp_server: SmtpServer
) -> None:
    follow(client, request_link(app, client, smtp_server))
    answer(client, "start", **{"q-followed": "no"})
    answer(client, "views", **{"q-importance": "3", "q-where": "YO1 7HH"})
    submit(client, f"{BASE}/review", {"consent": "none"})
    petition_page = client.get("/petitions/the-ban").get_data(as_text=True)
    assert 'value="jo@example.org"' in petition_page and 'value="YO1 7HH"' in petition_page
    assert "your signature counts straight away" in petition_page
    response = sign(client, "the-ban", email="jo@example.org", name="Jo Bloggs", postcode="YO1 7HH")
    assert response.headers["Location"] == "/petitions/the-ban/signed"
    assert "Thank you, your signature counts" in text_of(client.get("/petitions/the-ban/signed"))
    (signature,) = signatures(app)
    assert signature.state == "confirmed"
    fold(app)
    assert stored_count(app, 1) == 1
    # Someone else's address is not covered by this person's proof.
    response = sign(client, "the-ban", email="other@example.org", name="Other Person")
    assert response.headers["Location"] == "/petitions/the-ban/check-email"
    assert [s.state for s in signatures(app)] == ["confirmed", "pending"]
    # Without the session, the thank-you page says nothing.
    assert app.test_client().get("/petitions/the-ban/signed").headers["Location"] == "/petitions/the-ban"
