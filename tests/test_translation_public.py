"""Every page and email the public sees speaks the site's language: nothing English is left behind.

The site runs in the pseudo-translation (tests/pseudo_locale.py) and every text typed by people is Greek, so a
run of Latin letters on a page is interface text that never went through gettext. Pages that extend base.html
are checked inside <main> only (base.html's own header and footer are checked elsewhere); pages and emails with
their own layout are checked whole.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from campaign.accounts.models import Organiser
from campaign.areas.service import parse_mapping_csv, replace_mapping
from campaign.candidates import service as candidates
from campaign.consultations import builder
from campaign.consultations import service as consultations
from campaign.consultations.definition import SCHEMA, parse_definition
from campaign.consultations.models import ConsultationResponse
from campaign.consultations.results import publish_results
from campaign.extensions import db
from campaign.mail.rendering import render_email
from campaign.outcomes import service as outcomes
from campaign.petitions import service as petitions
from campaign.privacy.links import delete_response_url, unsubscribe_url, withdraw_url
from campaign.tokens import TokenPurpose, make_token
from tests.helpers import csrf_token, make_organiser
from tests.pseudo_locale import pseudo_config, untranslated, untranslated_text
from tests.signing_helpers import outbox, signatures
from tests.summary_helpers import add_response, add_signature


@pytest.fixture
def config_overrides(pseudo_catalogue: Path) -> dict[str, object]:
    return pseudo_config(pseudo_catalogue)


def fw(text: str) -> str:
    """English as the pseudo-translation writes it: what a page shows when the string went through gettext."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in text)


TITLE = "Να ανοίξουν ξανά οι λογαριασμοί"
CONSULTATION = "Αστυνόμευση και κοινωνικά δίκτυα"


def _element(html: str, tag: str, **attributes: str) -> str:
    """The HTML of the first ``tag`` element with these attributes (nested tags of the same name allowed)."""

    class Cut(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=False)
            self.depth, self.start, self.end = 0, -1, -1

        def _offset(self) -> int:
            line, column = self.getpos()
            return sum(len(row) for row in html.splitlines(keepends=True)[: line - 1]) + column

        def handle_starttag(self, name: str, attrs: list[tuple[str, str | None]]) -> None:
            if name != tag or self.end >= 0:
                return
            if self.depth:
                self.depth += 1
            elif all(dict(attrs).get(k, "").split().count(v) or dict(attrs).get(k) == v for k, v in attributes.items()):
                self.depth, self.start = 1, self._offset()

        def handle_endtag(self, name: str) -> None:
            if name == tag and self.depth:
                self.depth -= 1
                if not self.depth:
                    self.end = self._offset() + len(f"</{tag}>")

    cut = Cut()
    cut.feed(html)
    assert cut.start >= 0 and cut.end > cut.start, f"no <{tag} {attributes}> on the page"
    return html[cut.start : cut.end]


def check(
    response: TestResponse,
    url: str,
    heading: str,
    *,
    status: int = 200,
) -> str:
    """The page rendered (status, a pseudo-translated heading) and has no untranslated words."""
    page = response.get_data(as_text=True)
    assert response.status_code == status, f"{url}: status {response.status_code}, wanted {status}"
    part = page  # the whole page: header, navigation and footer included
    assert fw(heading) in part, f"{url}: the heading {heading!r} is not on the page (pseudo-translated)"
    found = untranslated(part)
    assert found == [], f"{url} has untranslated words:\n  " + "\n  ".join(found)
    return page


def _definition() -> dict[str, Any]:
    """Every question type, with a question that depends on another on the same page; all in Greek."""
    options = [{"code": "a", "label": "Πρώτο"}, {"code": "b", "label": "Δεύτερο"}, {"code": "c", "label": "Τρίτο"}]
    return {"schema": SCHEMA, "sections": [
        {"key": "first", "title": "Πρώτη σελίδα", "questions": [
            {"key": "one", "type": "single_choice", "label": "Ένα;", "required": True, "other": True, "options": options},
            {"key": "many", "type": "multiple_choice", "label": "Πολλά;", "min_choices": 1, "max_choices": 2,
             "options": options},
            {"key": "yn", "type": "yes_no", "label": "Ναι ή όχι;", "required": True},
            {"key": "why", "type": "long_text", "label": "Γιατί;",
             "condition": {"question": "yn", "operator": "equals", "values": ["yes"]}},
            {"key": "agree", "type": "likert", "label": "Συμφωνείτε;", "scale": ["Καθόλου", "Λίγο", "Πολύ"]},
            {"key": "grid", "type": "matrix", "label": "Πίνακας;", "scale": ["Χαμηλά", "Ψηλά"],
             "statements": [{"code": "s1", "label": "Δήλωση ένα"}, {"code": "s2", "label": "Δήλωση δύο"}]},
        ]},
        {"key": "second", "title": "Δεύτερη σελίδα", "questions": [
            {"key": "rank", "type": "ranking", "label": "Κατάταξη;", "top": 2, "options": options},
            {"key": "short", "type": "short_text", "label": "Σύντομα;", "max_length": 50},
            {"key": "count", "type": "number", "label": "Πόσα;", "minimum": 0, "maximum": 10, "integer": True},
            {"key": "where", "type": "postcode", "label": "Ταχυδρομικός κώδικας;"},
        ]},
    ]}  # fmt: skip


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """A petition, a consultation with results, areas, a candidate's response and an update, all in Greek."""
    organiser_id = make_organiser(app, name="Όλγα Οργανώτρια", organisation="Ομάδα Κατοίκων")
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        replace_mapping(organiser, parse_mapping_csv("YO1,Υόρκη\nYO11,Σκάρμπορο\n"))
        petition = petitions.create_petition(organiser, petitions.PetitionDraft(
            title=TITLE, summary="Σύντομη περίληψη.", body="Οι αστυνομικοί να μιλούν με τους κατοίκους.",
            target=40, slug="the-ban"))  # fmt: skip
        petition_id = petition.id
        petitions.open_petition(organiser, petition_id)
        consultation = consultations.create_consultation(organiser, consultations.ConsultationDraft(
            title=CONSULTATION, summary="Πείτε μας.", slug="views", petition_id=petition_id))  # fmt: skip
        consultation_id = consultation.id
        builder.save_definition(organiser, consultation_id, parse_definition(_definition()))
        consultations.open_consultation(organiser, consultation_id)
        closed = consultations.create_consultation(organiser, consultations.ConsultationDraft(
            title="Κλειστή διαβούλευση", summary="Τέλος.", slug="closed-one"))  # fmt: skip
        builder.save_definition(organiser, closed.id, parse_definition(_definition()))
        consultations.open_consultation(organiser, closed.id)
        consultations.close_consultation(organiser, closed.id)
        candidate = candidates.invite_candidate(organiser, petition_id, "Νίκος Υποψήφιος", "Ανεξάρτητος",
                                                "nikos@example.org")  # fmt: skip
        candidate_id = candidate.id
        candidate_token = make_token(TokenPurpose.CANDIDATE_RESPONSE, {"c": candidate.id, "n": candidate.link_nonce})
    for n in range(12):
        add_signature(app, petition_id, postcode="YO1 7HH" if n % 2 else "YO11 2AB", name="Σάββας Υπογράφων",
                      notify=True)  # fmt: skip
    for n in range(7):
        add_response(app, consultation_id, {
            "one": "a", "many": ["a", "b"], "yn": "yes", "why": "Γιατί έτσι πρέπει να γίνει.", "agree": 2,
            "grid": {"s1": 1, "s2": 2}, "rank": ["a", "b"], "short": "Δρόμοι κλειστοί", "count": n, "where": "YO1 7HH",
        }, consent="named", name="Ραλλού Απαντά")  # fmt: skip
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        publish_results(organiser, consultation_id)
        candidates.publish_statement(candidate_token, "supports", "Υποστηρίζω το αίτημα.", "Θα το φέρω στη βουλή.")
        candidates.publish_statement(candidate_token, "supports", "Υποστηρίζω το αίτημα, πλήρως.", "")
        outcomes.publish_update(
            organiser, petition_id, "Νέα από την ομάδα", "Μιλήσαμε με τον **επίτροπο**.", email_signers=False
        )
        db.session.commit()
    return {"petition_id": petition_id, "consultation_id": consultation_id, "organiser_id": organiser_id,
            "candidate_id": candidate_id, "candidate_token": candidate_token}  # fmt: skip


GREEK_SIGNER = {"name": "Γιάννης Παπαδόπουλος", "email": "giannis@example.org", "postcode": "yo1 7hh"}


def _sign(client: FlaskClient, **fields: str) -> TestResponse:
    page = client.get("/petitions/the-ban")
    return client.post("/petitions/the-ban/sign", data={"csrf_token": csrf_token(page.data), **GREEK_SIGNER, **fields})


def test_signing_pages(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    problems = _sign(client, name="", email="not an address", postcode="nowhere")
    page = problems.get_data(as_text=True)
    assert problems.status_code == 200
    form = _element(page, "form", **{"class": "sign-form"})
    assert fw("Enter your full name") in form
    assert untranslated(form) == []

    sent = _sign(client)
    assert sent.status_code == 302
    check(client.get(sent.headers["Location"]), "check-email", "Now check your email")
    confirm_url = json.loads(outbox(app)[-1].context)["confirm_url"]
    path = "/" + confirm_url.split("/", 3)[3]
    check(client.get(path), path, "Confirm your signature")
    posted = client.post(path, data={"csrf_token": csrf_token(client.get(path).data)})
    assert posted.status_code == 302
    check(client.get(path), "confirmed", "Thank you, your signature is confirmed")

    check(client.get("/confirm/not-a-real-token"), "tampered link", "This link is not valid", status=404)
    app.config["CONFIRMATION_TOKEN_MAX_AGE_SECONDS"] = -1
    check(client.get(path), "expired link", "This link has expired", status=410)


def test_consultation_pages(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    check(client.get("/consultations/views"), "consultation", "Take part")
    check(client.get("/consultations/closed-one"), "closed consultation",
          "This consultation is closed. Thank you to everyone who answered.")  # fmt: skip
    check(client.get("/consultations/views/results"), "results", "Respondents by area")
    page = client.get("/consultations/views")
    started = client.post(
        "/consultations/views/start", data={"csrf_token": csrf_token(page.data), "name": "", "email": ""}
    )
    check(started, "start with errors", "There is a problem")
    started = client.post("/consultations/views/start", data={
        "csrf_token": csrf_token(page.data), "name": "Ελένη Απαντά", "email": "eleni@example.org"})  # fmt: skip
    assert started.status_code == 302
    check(client.get(started.headers["Location"]), "check email", "Now check your email")
    link = json.loads(outbox(app)[-1].context)["link"]
    path = "/" + link.split("/", 3)[3]
    check(client.get(path), "response link", "Continue to the questions")
    followed = client.post(path, data={"csrf_token": csrf_token(client.get(path).data)})
    first = followed.headers["Location"]
    check(client.get(first), "first page", "Answer this only if your answer to")
    token = csrf_token(client.get(first).data)
    errors = client.post(first, data={"csrf_token": token, "action": "next"})
    check(errors, "first page with errors", "There is a problem")
    answered = client.post(first, data={
        "csrf_token": token, "action": "next", "q-one": "other", "q-one-other": "Κάτι άλλο", "q-many": ["a"],
        "q-yn": "yes", "q-why": "Επειδή.", "q-agree": "2", "q-grid-s1": "1", "q-grid-s2": "2"})  # fmt: skip
    second = answered.headers["Location"]
    wrong = client.post(second, data={"csrf_token": token, "action": "next", "q-rank-a": "1", "q-rank-b": "1",
                                      "q-count": "99", "q-where": "nowhere"})  # fmt: skip
    check(wrong, "second page with errors", ["Each rank can only be used once", "rank %(rank)s is given twice)"][0])
    done = client.post(second, data={"csrf_token": token, "action": "next", "q-rank-a": "1", "q-rank-b": "2",
                                     "q-count": "3", "q-where": "YO1 7HH"})  # fmt: skip
    review = done.headers["Location"]
    check(client.get(review), "review", "May we quote what you wrote?")
    refused = client.post(review, data={"csrf_token": token})
    check(refused, "review with errors", "Choose whether we may quote your words")
    sent = client.post(review, data={"csrf_token": token, "consent": "anonymous"})
    check(client.get(sent.headers["Location"]), "thank you", "Thank you, your response has been sent")


def test_privacy_pages(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    check(client.get("/privacy"), "privacy notice", "How we use your details")
    signer = next(s for s in signatures(app) if s.notify_progress)
    response_id = add_response(app, world["consultation_id"], {"one": "a"}, name="Ραλλού")
    with app.app_context():
        nonce = db.session.get_one(ConsultationResponse, response_id).nonce
        urls = {
            "withdraw": (withdraw_url(signer.id, signer.confirmation_nonce), "Withdraw your signature?",
                         "Your signature has been withdrawn"),
            "delete": (delete_response_url(response_id, nonce), "Delete your response?", "Your response has been deleted"),
            "unsubscribe": (unsubscribe_url(signer.id, signer.confirmation_nonce), "Stop update emails?",
                            "You will not get more updates"),
        }  # fmt: skip
    for name in ("unsubscribe", "delete", "withdraw"):
        url, before, after = urls[name]
        path = "/" + url.split("/", 3)[3]
        page = check(client.get(path), name, before)
        data = {"csrf_token": csrf_token(page)} if "csrf_token" in page else {}
        check(client.post(path, data=data), f"{name} done", after)
        check(client.get(path) if name != "unsubscribe" else client.post(path), f"{name} again", after
              if name == "unsubscribe" else f"This {'signature' if name == 'withdraw' else 'response'} has already been "
              f"{'withdrawn' if name == 'withdraw' else 'deleted'}")  # fmt: skip


def test_candidate_and_update_pages(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    path = f"/candidates/respond/{world['candidate_token']}"
    page = check(client.get(path), "candidate's page", "Saving changes publishes a new version")
    errors = client.post(path, data={"csrf_token": csrf_token(page), "position": "", "statement": ""})
    check(errors, "candidate's page with errors", "There is a problem")
    history = f"/petitions/the-ban/candidates/{world['candidate_id']}"
    check(client.get(history), "candidate's versions", "Candidates can update their response")
    signer = next(s for s in signatures(app) if s.notify_progress)
    with app.app_context():
        stop = "/updates/stop/" + make_token(TokenPurpose.STOP_PROGRESS_EMAILS, {"s": signer.id})
    page = check(client.get(stop), "stop progress emails", "Stop the emails")
    check(client.post(stop, data={"csrf_token": csrf_token(page)}), "stopped", "You will not get more updates")


def test_widget_pages(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    check(client.get("/embed/petitions/the-ban"), "widget", "Sign this petition")
    check(client.get("/embed/petitions/the-ban?compact=1"), "compact widget", "Sign the petition")
    check(client.get("/embed/petitions/the-ban/sent"), "widget sent", "Now check your email")
    page = client.get("/embed/petitions/the-ban").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token
    headers = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    errors = client.post("/embed/petitions/the-ban/sign", data={"form_token": token.group(1), "name": ""},
                         headers=headers)  # fmt: skip
    check(errors, "widget with errors", "There is a problem")
    expired = client.post("/embed/petitions/the-ban/sign", data={"form_token": "x"}, headers=headers)
    check(expired, "widget, form expired", "This form had expired")
    refused = client.post("/embed/petitions/the-ban/sign", data={}, headers={"Sec-Fetch-Site": "cross-site"})
    check(refused, "widget, refused", "This form was not sent", status=403)
    check(client.get("/petitions/the-ban/embed"), "widget builder", "Put this petition on your site")
    oembed = client.get("/oembed?url=http://localhost/petitions/the-ban")
    assert oembed.status_code == 200
    assert untranslated(oembed.get_json()["html"]) == []
    with app.app_context():
        organiser = db.session.get_one(Organiser, world["organiser_id"])
        petitions.close_petition(organiser, world["petition_id"])
    check(client.get("/embed/petitions/the-ban?accent=123456"), "closed widget",
          "This petition is closed and no longer accepts signatures.")  # fmt: skip


def test_briefing_and_api_docs(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    from campaign.briefings import service as briefings

    with app.app_context():
        organiser = db.session.get_one(Organiser, world["organiser_id"])
        briefing = briefings.save_briefing(
            organiser,
            None,
            "Τι σκέφτονται οι κάτοικοι",
            "τους υποψήφιους",
            "Διαβάστε το **πρώτα**.",
            [world["petition_id"]],
            [world["consultation_id"]],
        )
        briefing = briefings.share(organiser, briefing.id, None, new_link=True)
        link = briefings.share_link(briefing)
    assert link
    token = link.rsplit("/", 1)[1]
    check(
        client.get(f"/briefings/{token}"),
        "briefing",
        "How these figures were made",
    )
    check(client.get("/api"), "API docs", "What the answers hold")


@pytest.mark.parametrize(("url", "status", "heading"), [
    ("/no-such-page", 404, "Page not found"),
    ("/petitions/no-such-petition", 404, "Page not found"),
])  # fmt: skip
def test_error_pages(client: FlaskClient, url: str, status: int, heading: str) -> None:
    check(client.get(url), url, heading, status=status)


def test_expired_form_page(client: FlaskClient, world: dict[str, Any]) -> None:
    check(client.post("/consultations/views/start", data={"name": "x"}), "CSRF", "Your form has expired", status=400)


def test_api_errors_stay_english(client: FlaskClient) -> None:
    answer = client.get("/api/v1/petitions/no-such-petition")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["title"] == "Page not found"


def _emails(app: Flask) -> dict[str, dict[str, Any]]:
    link = "http://localhost/link/abc"
    common = {"name": "Γιάννης", "petition_title": TITLE, "petition_url": "http://localhost/petitions/the-ban"}
    return {
        "confirm_signature": {**common, "confirm_url": link, "withdraw_url": link, "link_days": 7},
        "already_signed": {**common, "withdraw_url": link},
        "address_used": dict(common),
        "candidate_invite": {**common, "organisation": "Ομάδα Κατοίκων", "link": link, "days": 30},
        "petition_update": {
            **common,
            "title": "Νέα",
            "body_text": "Κείμενο.",
            "body_html": "<p>Κείμενο.</p>",
            "unsubscribe_url": link,
        },
        "respond_link": {
            "name": "Γιάννης",
            "consultation_title": CONSULTATION,
            "link": link,
            "submitted": False,
            "closes": True,
            "delete_url": link,
        },
    }


def test_every_email_is_translated_outside_a_request(app: Flask, world: dict[str, Any]) -> None:
    with app.app_context():  # as the worker renders them: no request
        update_id = outcomes.updates_for(world["petition_id"])[0].id
        for kind, context in _emails(app).items():
            context = {**context, "update_id": update_id} if kind == "petition_update" else context
            for variant in ({}, {"submitted": True, "closes": False}) if kind == "respond_link" else ({},):
                email = render_email(kind, **{**context, **variant})
                assert untranslated_text(email.subject) == [], f"{kind} subject: {email.subject}"
                assert untranslated_text(email.text) == [], f"{kind} text: {untranslated_text(email.text)}"
                assert untranslated(email.html) == [], f"{kind} html: {untranslated(email.html)}"
                assert "ｈｔｔｐ" not in email.text and re.search(r"[Ａ-Ｚａ-ｚ]", email.text), f"{kind} not translated"
