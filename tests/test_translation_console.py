"""Every word of the organiser console goes through the catalogue.

The site runs in the pseudo-locale (tests/pseudo_locale.py) and everything people typed is Greek, so a
Latin-letter word left on a console page is interface text a translator could not reach.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from campaign.accounts.models import Organiser, Role
from campaign.areas.service import parse_mapping_csv, replace_mapping
from campaign.briefings import service as briefings
from campaign.candidates.service import invite_candidate
from campaign.consultations import builder
from campaign.consultations import service as consultations
from campaign.consultations.definition import SCHEMA, parse_definition
from campaign.extensions import db
from campaign.integrity import invalidations
from campaign.integrity.criteria import Criteria
from campaign.outcomes.service import publish_update
from campaign.petitions import service as petitions
from tests.helpers import DEFAULT_PASSWORD, csrf_token, hidden_value, make_organiser
from tests.pseudo_locale import pseudo, pseudo_config, untranslated
from tests.summary_helpers import add_response, add_signature

ADMIN_EMAIL = "olga@example.org"


# Parts of console pages that come from templates this change does not own: the site header, skip link and
# footer of base.html, and the status tag of macros/petitions.html. They are cut out before the check, each by
# an exact pattern; delete a pattern once its template goes through the catalogue.
@pytest.fixture
def config_overrides(pseudo_catalogue: Path) -> dict[str, object]:
    return pseudo_config(pseudo_catalogue)


def greek_definition() -> dict[str, Any]:
    return {"schema": SCHEMA, "sections": [
        {"key": "arxi", "title": "Αρχή", "questions": [
            {"key": "akolouthisate", "type": "yes_no", "label": "Ακολουθήσατε τους λογαριασμούς;", "required": True},
            {"key": "giati", "type": "long_text", "label": "Γιατί;"},
            {"key": "epilogi", "type": "single_choice", "label": "Ποιο προτιμάτε;", "other": True,
             "options": [{"code": "a", "label": "Πρώτο"}, {"code": "b", "label": "Δεύτερο"}]},
        ]},
        {"key": "apopseis", "title": "Απόψεις", "questions": [
            {"key": "simasia", "type": "likert", "label": "Πόσο σημαντικό είναι;"},
            {"key": "pou", "type": "postcode", "label": "Ταχυδρομικός κώδικας;"},
        ]},
    ]}  # fmt: skip


def seed(app: Flask) -> dict[str, int]:
    """An administrator's organisation with Greek petitions, a consultation, areas, a briefing and more."""
    admin_id = make_organiser(app, ADMIN_EMAIL, name="Όλγα Οργανώτρια", organisation="Ομάδα Κατοίκων", role=Role.ADMIN)
    make_organiser(app, "nikos@example.org", name="Νίκος Νικολάου", organisation="Σύλλογος Γειτονιάς")
    with app.app_context():
        admin = db.session.get_one(Organiser, admin_id)
        replace_mapping(admin, parse_mapping_csv("YO1,Κέντρο\nYO10,Ανατολή\n"))
        petition = petitions.create_petition(admin, petitions.PetitionDraft(
            title="Να ανοίξει ξανά η βιβλιοθήκη", summary="Σύντομη περίληψη.", body="Η βιβλιοθήκη μας χρειάζεται.",
            target=100, opens_at=None, closes_at=None, slug="vivliothiki",
        ))  # fmt: skip
        petition_id = petition.id
        petitions.open_petition(admin, petition_id)
        draft = petitions.create_petition(admin, petitions.PetitionDraft(
            title="Περισσότερα παγκάκια", summary="Περίληψη.", body="Κείμενο.", target=50, opens_at=None,
            closes_at=None, slug="pagkakia",
        ))  # fmt: skip
        draft_id = draft.id
        consultation = consultations.create_consultation(admin, consultations.ConsultationDraft(
            title="Αστυνόμευση και κοινωνικά δίκτυα", summary="Πείτε μας.", slug="diavoulefsi", petition_id=None,
        ))  # fmt: skip
        consultation_id = consultation.id
        builder.save_definition(admin, consultation_id, parse_definition(greek_definition()))
        consultations.open_consultation(admin, consultation_id)
        draft_consultation = consultations.create_consultation(admin, consultations.ConsultationDraft(
            title="Πάρκα και πλατείες", summary="Πείτε μας.", slug="parka", petition_id=None,
        ))  # fmt: skip
        draft_consultation_id = draft_consultation.id
        builder.save_definition(admin, draft_consultation_id, parse_definition(greek_definition()))
    for n in range(6):
        add_signature(app, petition_id, postcode="YO1 7HH", name=f"Υπογράφων {n}", share_name=True)
    add_signature(app, petition_id, postcode="HG1 1AA", name="Μαρία Παπά")
    for n in range(4):
        add_response(app, consultation_id, {"akolouthisate": "yes", "giati": f"Γιατί μου αρέσουν, {n}.",
                                            "epilogi": "a", "simasia": "agree", "pou": "YO1 7HH"},
                     consent="named", name=f"Ανταποκριτής {n}")  # fmt: skip
    with app.app_context():
        admin = db.session.get_one(Organiser, admin_id)
        briefing = briefings.save_briefing(admin, None, "Τι πιστεύουν οι κάτοικοι", "Υποψήφιοι",
                                           "Διαβάστε **πρώτα** αυτό.", [petition_id], [consultation_id])  # fmt: skip
        briefing_id = briefing.id
        briefings.share(admin, briefing_id, None, new_link=True)
        invite_candidate(admin, petition_id, "Καίτη Υποψήφια", "Ανεξάρτητη", "kaiti@example.org")
        update = publish_update(
            admin, petition_id, "Νέα από το δημοτικό συμβούλιο", "Συζητήθηκε χθες.", email_signers=False
        )
        update_id = update.id
        invalidation_id = invalidations.create_invalidation(
            petition_id, Criteria(postcode_prefixes=["HG1"]), "Ύποπτες υπογραφές", admin_id
        )
        invalidations.work_on(invalidation_id)
    return {"petition": petition_id, "draft": draft_id, "consultation": consultation_id,
            "draft_consultation": draft_consultation_id, "briefing": briefing_id,
            "update": update_id, "invalidation": invalidation_id}  # fmt: skip


class Console:
    """Visits pages and collects every untranslated word, so one run reports them all."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.problems: list[str] = []
        self.visited = 0

    def check(self, label: str, response: TestResponse, heading: str, status: int = 200) -> str:
        page = response.get_data(as_text=True)
        self.visited += 1
        if response.status_code != status:
            self.problems.append(f"{label}: status {response.status_code}, expected {status}")
            return page
        if pseudo(heading) not in page:
            self.problems.append(f"{label}: the heading {heading!r} is not on the page in the pseudo-locale")
        found = untranslated(page)  # the whole page: header, navigation and footer too
        if found:
            self.problems.append(f"{label}:\n    " + "\n    ".join(found))
        return page

    def get(self, url: str, heading: str, status: int = 200) -> str:
        return self.check(f"GET {url}", self.client.get(url), heading, status)

    def post(self, url: str, data: dict[str, Any], heading: str, *, form_url: str | None = None,
             status: int = 200, follow: bool = False) -> str:  # fmt: skip
        form = self.client.get(form_url or url)
        if form.status_code != 200:
            self.problems.append(f"GET {form_url or url} (for its form): status {form.status_code}")
            return ""
        token = csrf_token(form.data)
        response = self.client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)
        return self.check(f"POST {url} {sorted(data)}", response, heading, status)

    def assert_clean(self) -> None:
        assert not self.problems, "untranslated interface text on console pages:\n" + "\n".join(self.problems)


def sign_in(client: FlaskClient) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token(page.data), "email": ADMIN_EMAIL,
                                           "password": DEFAULT_PASSWORD})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)


def test_every_console_page_is_translated(app: Flask, client: FlaskClient) -> None:
    ids = seed(app)
    console = Console(client)
    p, c, d, b = ids["petition"], ids["consultation"], ids["draft_consultation"], ids["briefing"]

    console.get("/login", "Sign in to the organiser console")
    console.post("/login", {"email": "", "password": ""}, "Sign in to the organiser console")
    console.post("/login", {"email": ADMIN_EMAIL, "password": "wrong password"}, "Sign in to the organiser console")
    sign_in(client)

    console.get("/console/", "Your petitions")
    console.get("/console/petitions/new", "Start a new petition")
    console.post(
        "/console/petitions/new", {"title": "", "summary": "", "body": "", "target": "x"}, "Start a new petition"
    )
    console.get(f"/console/petitions/{p}", "Summary")
    console.get(f"/console/petitions/{ids['draft']}", "Summary")
    console.get(f"/console/petitions/{p}/edit", "Edit petition")
    console.post(f"/console/petitions/{p}/edit", {"title": "", "target": "-1"}, "Edit petition")
    console.get(f"/console/petitions/{p}/hide", "Take down this petition")
    console.post(f"/console/petitions/{p}/hide", {"reason": ""}, "Take down this petition")
    console.get(f"/console/petitions/{p}/close", "Close")
    console.get(f"/console/petitions/{ids['draft']}/open", "Open")

    console.get("/console/consultations/", "Consultations")
    console.get("/console/consultations/new", "Start a new consultation")
    console.post("/console/consultations/new", {"title": "", "summary": ""}, "Start a new consultation")
    console.get(f"/console/consultations/{c}", "Questions")
    console.get(f"/console/consultations/{d}", "Questions")
    console.get(f"/console/consultations/{d}/edit", "Edit consultation details")
    console.post(f"/console/consultations/{d}/edit", {"title": "", "summary": ""}, "Edit consultation details")
    console.get(f"/console/consultations/{d}/open", "Open")
    console.get(f"/console/consultations/{d}/sections/new", "Add a section")
    console.post(f"/console/consultations/{d}/sections/new", {"title": ""}, "Add a section")
    console.get(f"/console/consultations/{d}/sections/arxi/edit", "Edit section")
    console.get(f"/console/consultations/{d}/questions/new?section=arxi", "What kind of question?")
    for kind in ("single_choice", "likert", "matrix", "ranking", "number", "short_text", "postcode"):
        console.get(f"/console/consultations/{d}/questions/new?section=arxi&type={kind}", "Add a question:")
    console.post(f"/console/consultations/{d}/questions/new?section=arxi&type=single_choice", {"label": "", "options": ""},
                 "Add a question:")  # fmt: skip
    console.get(f"/console/consultations/{d}/questions/giati/edit", "Edit question:")
    console.get(f"/console/consultations/{d}/questions/giati/delete", "Remove this question?")
    console.get(f"/console/consultations/{d}/import", "Import questions")
    console.post(f"/console/consultations/{d}/import", {"document": "{nonsense"}, "Import questions")
    console.post(f"/console/consultations/{d}/import", {"document": '{"schema": 7, "sections": "no"}'},
                 "Import questions")  # fmt: skip
    console.get(f"/console/consultations/{c}/preview", "Preview")
    console.get(f"/console/consultations/{c}/close", "Close")
    console.get(f"/console/consultations/{c}/summary", "Summary of responses")
    console.get(f"/console/consultations/{c}/summary?crosstab=epilogi&by=area", "Cross-tabulation")
    console.get(f"/console/consultations/{c}/summary?crosstab=epilogi&by=simasia", "Cross-tabulation")
    console.get(f"/console/consultations/{c}/summary?start=yesterday", "Summary of responses")
    quotes = console.get(f"/console/consultations/{c}/quotes/giati", "Quotes")
    response_id = re.search(r'name="response" value="(\d+)"', quotes)
    assert response_id, "no quote to change"
    console.post(f"/console/consultations/{c}/quotes/giati", {"response": response_id.group(1), "action": "save",
                                                               "text": "Καινούργιες λέξεις"}, "Quotes")  # fmt: skip

    console.get(f"/console/petitions/{p}/summary", "Summary")
    console.get(f"/console/petitions/{p}/summary?start=2026-13-45", "Summary")

    console.get("/console/areas/", "Areas")
    console.post("/console/areas/", {"name": "", "prefixes": "nonsense!"}, "Areas")
    console.post("/console/areas/", {"name": "Δύση", "prefixes": "YO24"}, "Areas", follow=True)
    areas = client.get("/console/areas/").get_data(as_text=True)
    area_id = re.search(r"/console/areas/(\d+)\"", areas)
    assert area_id, "no area to change"
    console.get(f"/console/areas/{area_id.group(1)}", "Change")
    console.post(f"/console/areas/{area_id.group(1)}", {"name": "", "prefixes": ""}, "Change")
    console.get("/console/areas/upload", "Upload areas")
    console.post("/console/areas/upload", {"document": "prefix,area\n123,Κέντρο\nYO1,\n"}, "Upload areas")

    console.get(f"/console/petitions/{p}/candidates", "Candidates")
    console.post(f"/console/petitions/{p}/candidates", {"name": "", "affiliation": "", "email": "nope"}, "Candidates")
    console.get(f"/console/petitions/{p}/updates", "Updates")
    console.post(f"/console/petitions/{p}/updates", {"title": "", "body": ""}, "Updates")
    console.get(f"/console/petitions/{p}/updates/{ids['update']}", "Change")
    console.post(f"/console/petitions/{p}/updates/{ids['update']}", {"title": "", "body": ""}, "Change")

    console.get("/console/briefings/", "Briefings")
    console.get("/console/briefings/new", "New briefing")
    console.post("/console/briefings/new", {"title": "", "audience": "", "intro": ""}, "New briefing")
    console.get(f"/console/briefings/{b}", "Τι πιστεύουν οι κάτοικοι")
    console.get(f"/console/briefings/{b}/edit", "Change briefing")
    console.post(f"/console/briefings/{b}/share", {"expires_at": "tomorrow"}, "Τι πιστεύουν οι κάτοικοι",
                 form_url=f"/console/briefings/{b}", follow=True)  # fmt: skip

    console.get(f"/console/petitions/{p}/embedding", "Widget and embedding")
    console.post(f"/console/petitions/{p}/embedding", {"embed_origins": "ftp://nope"}, "Widget and embedding")

    console.get(f"/console/petitions/{p}/trending", "Trending")
    console.get(f"/console/petitions/{p}/invalidations", "Invalidations")
    console.get(f"/console/petitions/{p}/invalidations/new", "Invalidate")
    console.post(f"/console/petitions/{p}/invalidations/new", {"reason": "", "postcode_prefixes": "12345"},
                 "Invalidate")  # fmt: skip
    console.post(f"/console/petitions/{p}/invalidations/new", {"reason": "Ρομπότ", "postcode_prefixes": "YO1",
                                                                "action": "preview"}, "Invalidate")  # fmt: skip
    console.get(f"/console/petitions/{p}/invalidations/{ids['invalidation']}", "Invalidation")
    console.get("/console/blocklists", "Blocklists")
    console.post("/console/blocklists", {"action": "domain", "domain": "not a domain", "rule": "block"}, "Blocklists")
    console.post("/console/blocklists", {"action": "domain", "domain": "spam.example", "rule": "block"},
                 "Blocklists", follow=True)  # fmt: skip
    console.post("/console/blocklists", {"action": "address", "address": "bad@spam.example"}, "Blocklists",
                 follow=True)  # fmt: skip

    console.get("/console/audit/", "Audit log")
    console.get("/console/audit/?start=nonsense&end=2026-02-30", "Audit log")
    console.get("/console/privacy/", "Personal data requests")
    console.post("/console/privacy/", {"action": "find", "email": ""}, "Personal data requests")
    console.post("/console/privacy/", {"action": "find", "email": "kaiti@example.org"}, "Personal data requests")
    console.get("/console/organisers/", "Organisers")
    console.post("/console/organisers/2/disable", {}, "Organisers", form_url="/console/organisers/", follow=True)

    console.get("/console/account/password", "Change your password")
    console.post("/console/account/password", {"current_password": "wrong", "new_password": "short",
                                               "confirm_password": "other"}, "Change your password")  # fmt: skip
    setup = console.get("/console/account/two-factor", "Two-factor sign-in")
    console.post("/console/account/two-factor", {"token": hidden_value(setup, "token"), "code": "000000",
                                                 "password": DEFAULT_PASSWORD}, "Two-factor sign-in")  # fmt: skip
    setup = client.get("/console/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', setup)
    assert secret, "no secret on the two-factor page"
    totp = pyotp.TOTP(secret.group(1).replace(" ", ""))
    console.post("/console/account/two-factor", {"token": hidden_value(setup, "token"), "code": totp.now(),
                                                 "password": DEFAULT_PASSWORD}, "Your recovery codes")  # fmt: skip
    console.get("/console/account/two-factor", "Two-factor sign-in")
    console.post("/console/account/two-factor/recovery-codes", {"password": "wrong"}, "Two-factor sign-in",
                 form_url="/console/account/two-factor", follow=True)  # fmt: skip

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console/").data)})
    console.post("/login", {"email": ADMIN_EMAIL, "password": DEFAULT_PASSWORD}, "Enter your code", follow=True)
    console.post("/login/code", {"code": "12"}, "Enter your code")

    assert console.visited > 90
    console.assert_clean()
