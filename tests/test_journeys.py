"""Whole journeys in a real Chromium against a real server, worker and SMTP server: what people see.

Each journey runs on SQLite and on PostgreSQL (TEST_DATABASE_URL's server; skipped without it, except under
CI=true). The server is a process of its own, so on PostgreSQL it gets a new database, not the shared test one.

Screenshots of the key pages are written to docs/screenshots/ only with UPDATE_SCREENSHOTS=1, so that a
normal run (and CI) never rewrites tracked files.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import _migrate, base_config, own_postgres_database
from tests.helpers import DEFAULT_PASSWORD
from tests.mailbox import confirmation_link, text_part
from tests.servers import free_port, running_server, server_environment

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
UK = {"locale": "en-GB", "timezone_id": "Europe/London"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    **UK,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, **UK}
WAIT = 20_000  # ms: the worker sends mail and folds counts every couple of seconds


def screenshot(page: Any, name: str) -> None:
    """Keep a picture of what the person sees, for the README, when asked to."""
    if os.environ.get("UPDATE_SCREENSHOTS", "").strip() == "1":
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The journey server's own migrated database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    folder = tmp_path_factory.mktemp(f"journeys-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{folder / 'campaign.db'}"
        _migrate(database_url, folder)
        yield database_url
    else:
        with own_postgres_database("journeys") as database_url:
            _migrate(database_url, folder)
            yield database_url


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from campaign import create_app
    from campaign.extensions import db
    from tests.consultation_helpers import make_consultation
    from tests.helpers import make_organiser, make_petition
    from tests.mailbox import SmtpServer

    folder = tmp_path_factory.mktemp("journeys")
    database_url = server_database
    setup = create_app(base_config(folder / "setup", database_url))
    organiser = make_organiser(setup)
    petitions = {}
    for slug in ("the-ban", "no-script"):
        petitions[slug] = make_petition(setup, organiser, state="open", slug=slug)
        make_consultation(setup, organiser, slug=f"{slug}-questions", petition_id=petitions[slug])
    with setup.app_context():
        db.engine.dispose()
    smtp = SmtpServer()
    smtp.start()
    port = free_port()
    env = server_environment(folder / "instance", database_url, MAIL_URL=smtp.url, BASE_URL=f"http://127.0.0.1:{port}",
                             SECRET_KEY="journeys-secret-key-0123456789-abcdefghijkl", COUNT_REFRESH_SECONDS="2",
                             HOT_CACHE_SECONDS="0", RATELIMIT_ENABLED="false", TRENDING_THRESHOLD="2")  # fmt: skip
    try:
        # Threads: a browser opens spare connections ahead of need, which would hold a lone sync worker.
        with running_server(env, worker=True, port=port, workers=2, threads=4) as server:
            yield {
                "app": server.url,
                "smtp": smtp,
                "database_url": database_url,
                "petitions": petitions,
            }
    finally:
        smtp.stop()


def query(site: dict[str, Any], sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(site["database_url"])
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql), params).all()]
    engine.dispose()
    return rows


def mail_to(site: dict[str, Any], address: str, count: int = 1) -> EmailMessage:
    """The ``count``-th message to ``address``, waiting for the worker to send it."""
    mailbox = site["smtp"].mailbox
    for _ in range(200):
        received = mailbox.to(address)
        if len(received) >= count:
            return received[count - 1]  # type: ignore[no-any-return]
        mailbox.wait_for(len(mailbox.messages) + 1, timeout=WAIT / 1000)
    raise AssertionError(f"no message {count} to {address}")


def link_in(message: EmailMessage, pattern: str) -> str:
    links = [line.strip() for line in text_part(message).splitlines() if re.fullmatch(pattern, line.strip())]
    assert len(links) == 1, text_part(message)
    return links[0]


def sign(page: Any, name: str, email: str) -> None:
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("UK postcode").fill("YO1 7HH")
    page.get_by_role("button", name="Sign this petition").click()
    page.get_by_role("heading", name="Now check your email").wait_for()


def confirm(page: Any, message: EmailMessage) -> None:
    page.goto(confirmation_link(message))
    page.get_by_role("button", name="Confirm my signature").click()
    page.get_by_role("heading", name="Thank you, your signature is confirmed").wait_for()


def count_on_petition_page(page: Any, site: dict[str, Any], slug: str, expected: int) -> None:
    """Reload the petition page until the folded count shows ``expected`` (the worker folds every two seconds)."""
    for _ in range(WAIT // 500):
        page.goto(f"{site['app']}/petitions/{slug}")
        if page.locator("[data-signature-count]").first.inner_text().strip() == str(expected):
            return
        page.wait_for_timeout(500)
    assert page.locator("[data-signature-count]").first.inner_text().strip() == str(expected)


def sign_in(page: Any, site: dict[str, Any]) -> None:
    page.goto(f"{site['app']}/login")
    page.get_by_label("Email address").fill("organiser@example.org")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console"))


def answer_first_page(page: Any) -> None:
    """The first page: a yes that reveals the follow-up question, which is then answered."""
    page.get_by_role("heading", name="Start").wait_for()
    page.locator("#q-followed-yes").check()
    page.get_by_label("What do you miss?").fill("Hearing about road closures from the local officer.")


def test_a_resident_on_a_phone_signs_confirms_and_answers_the_consultation_across_two_visits(
    browser: Any,
    site: dict[str, Any],
) -> None:
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(f"{site['app']}/petitions/the-ban")
    before = int(page.locator("[data-signature-count]").first.inner_text())
    screenshot(page, "phone-petition")
    sign(page, "Rita Resident", "rita@example.org")
    screenshot(page, "check-email")

    confirm(page, mail_to(site, "rita@example.org"))
    screenshot(page, "confirmed")
    offer = page.get_by_role("link", name="Answer the consultation").get_attribute("href")
    count_on_petition_page(page, site, "the-ban", before + 1)

    # Straight on to the linked consultation: the confirmed address lets her start without another email.
    page.goto(f"{site['app']}{offer}")
    page.get_by_label("Your name").fill("Rita Resident")
    page.get_by_label("Email address").fill("rita@example.org")
    page.get_by_role("button", name="Start").click()
    follow_up = page.get_by_label("What do you miss?")
    page.get_by_role("heading", name="Start").wait_for()
    assert not follow_up.is_visible(), "the follow-up waits for its condition"
    answer_first_page(page)
    screenshot(page, "consultation-question")
    page.get_by_role("button", name="Save and finish later").click()
    page.get_by_text("Your answers are saved").wait_for()
    phone.close()

    # Days later, on the same phone with a fresh browser: back in by the emailed link.
    later = browser.new_context(**PHONE)
    page = later.new_page()
    page.goto(f"{site['app']}/consultations/the-ban-questions")
    page.get_by_label("Your name").fill("Rita Resident")
    page.get_by_label("Email address").fill("rita@example.org")
    page.get_by_role("button", name="Email me the link").click()
    page.get_by_role("heading", name="Now check your email").wait_for()
    page.goto(link_in(mail_to(site, "rita@example.org", 2), r"https?://\S+/consultations/respond/\S+"))
    page.get_by_role("button", name="Continue to the questions").click()
    page.get_by_role("heading", name="Views").wait_for()  # carries on where she left off
    page.locator("input[name='q-importance']").first.check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Hearing about road closures from the local officer.").wait_for()  # the review keeps page one
    page.get_by_label("Yes, without my name").check()
    page.get_by_role("button", name="Send my response").click()
    page.get_by_role("heading", name="Thank you, your response has been sent").wait_for()
    assert page.url.endswith("/consultations/the-ban-questions/done")
    assert query(site, "SELECT state, consent FROM consultation_responses WHERE email = 'rita@example.org'") == [
        ("submitted", "anonymous")
    ]
    later.close()


def test_a_candidate_publishes_a_response_from_the_invitation_that_appears_on_the_petition(
    browser: Any,
    site: dict[str, Any],
) -> None:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site['app']}/console/petitions/{site['petitions']['the-ban']}/candidates")
    page.get_by_label("Candidate's name").fill("Casey Candidate")
    page.get_by_label("Party or affiliation (optional)").fill("Independent")
    page.get_by_label("Email address").fill("casey@example.org")
    page.get_by_role("button", name="Invite and email the link").click()
    page.get_by_role("cell", name=re.compile("Casey Candidate")).wait_for()
    context.close()

    # The candidate, in their own browser, with nothing but the email.
    invitation = mail_to(site, "casey@example.org")
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(link_in(invitation, r"https?://\S+/candidates/respond/\S+"))
    page.get_by_label("Supports").check()
    page.get_by_label("Your statement").fill("Residents deserve to hear from their local officers.")
    page.get_by_label("A pledge (optional)").fill("I will restore the accounts in my first month.")
    page.get_by_role("button", name="Publish my response").click()
    page.get_by_text("Your response is published on the petition's page.").wait_for()
    page.goto(f"{site['app']}/petitions/the-ban")
    statement = page.get_by_text("Residents deserve to hear from their local officers.")
    statement.wait_for()
    assert statement.is_visible()
    assert page.get_by_text("Casey Candidate").first.is_visible()
    context.close()


def test_without_javascript_a_resident_signs_confirms_and_answers(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(java_script_enabled=False, **DESKTOP)
    page = context.new_page()
    page.goto(f"{site['app']}/petitions/no-script")
    sign(page, "Nora Noscript", "nora@example.org")
    confirm(page, mail_to(site, "nora@example.org"))
    count_on_petition_page(page, site, "no-script", 1)

    page.goto(f"{site['app']}/consultations/no-script-questions")
    page.get_by_label("Your name").fill("Nora Noscript")
    page.get_by_label("Email address").fill("nora@example.org")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("heading", name="Start").wait_for()
    assert page.get_by_label("What do you miss?").is_visible(), "without scripts the follow-up is always shown"
    answer_first_page(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Views").wait_for()
    page.locator("input[name='q-importance']").first.check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("No, do not quote me").check()
    page.get_by_role("button", name="Send my response").click()
    page.get_by_role("heading", name="Thank you, your response has been sent").wait_for()
    assert query(site, "SELECT state FROM consultation_responses WHERE email = 'nora@example.org'") == [("submitted",)]
    context.close()


def test_an_organiser_opens_a_petition_watches_it_invalidates_one_and_downloads_a_briefing(
    browser: Any,
    site: dict[str, Any],
) -> None:
    context = browser.new_context(accept_downloads=True, **DESKTOP)
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site['app']}/console/petitions/new")
    page.get_by_label("Title").fill("Bring back the number 10 bus")
    page.get_by_label("Summary").fill("The village lost its only bus.")
    page.get_by_label("Text of the petition").fill("Residents without cars cannot reach the surgery.")
    page.get_by_label("Signature target").fill("50")
    page.get_by_label("Web address (optional)").fill("number-10-bus")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("link", name="Open petition", exact=True).click()
    page.get_by_role("button", name=re.compile("Open")).click()
    page.get_by_role("link", name="Close now").wait_for()  # offered only once it is open
    console_url = page.url

    # Residents sign and confirm, each in their own browser.
    public = browser.new_context(**DESKTOP)
    resident = public.new_page()
    signers = ["ann@example.org", "bob@example.org", "spam@example.net"]
    for email in signers:
        resident.goto(f"{site['app']}/petitions/number-10-bus")
        sign(resident, email.split("@")[0].title() + " Resident", email)
    for email in signers:
        confirm(resident, mail_to(site, email))
    public.close()
    count_on_petition_page(page, site, "number-10-bus", 3)
    page.goto(console_url)
    assert page.locator(".progress__number").inner_text().strip() == "3"
    screenshot(page, "console-petition")
    page.get_by_role("link", name="Summary and export").click()
    assert confirmed_in_summary(page) == "3"

    page.goto(console_url)
    page.get_by_role("link", name="Trending signers").click()
    page.get_by_role("heading", name="Trending signers").wait_for()
    assert page.get_by_text("example.org", exact=True).is_visible(), "two signers share a domain (threshold 2 here)"
    screenshot(page, "trending")

    page.goto(console_url)
    page.get_by_role("link", name="Invalidations").click()
    page.get_by_role("link", name="Invalidate signatures").click()
    page.get_by_label("Email addresses").fill("spam@example.net")
    page.get_by_label("Reason").fill("Signed by a test account")
    page.get_by_role("button", name="See how many match").click()
    page.get_by_text("1 signature match").wait_for()
    page.get_by_role("button", name="Invalidate 1 signature").click()
    page.get_by_role("button", name="Revert this invalidation").wait_for()
    count_on_petition_page(page, site, "number-10-bus", 2)
    assert query(site, "SELECT email, state FROM signatures WHERE email LIKE 'spam%'") == [
        ("spam@example.net", "invalidated")
    ]

    # The counted signatures as CSV: the invalidated one is gone from the summary and the file.
    page.goto(console_url)
    page.get_by_role("link", name="Summary and export").click()
    assert confirmed_in_summary(page) == "2"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download signatures (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][1:] == ["Name (when the signer agreed to share it)", "Area"]
    assert len(rows) == 3, rows

    # The linked consultation's answers as a spreadsheet.
    consultation = query(site, "SELECT id FROM consultations WHERE slug = 'the-ban-questions'")[0][0]
    page.goto(f"{site['app']}/console/consultations/{consultation}/summary")
    with page.expect_download() as download:
        page.get_by_role("link", name="Spreadsheet (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    sheet = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert sheet and all(isinstance(cell, str) for cell in sheet[0]), sheet  # a header row of column names
    submitted = query(site, "SELECT count(*) FROM consultation_responses WHERE consultation_id = :id "
                      "AND state = 'submitted'", id=consultation)[0][0]  # fmt: skip
    assert len(sheet) - 1 == submitted, sheet
    workbook.close()

    # A briefing of the new petition, as a PDF.
    page.goto(f"{site['app']}/console/briefings/new")
    page.get_by_label("Title").fill("What residents think about the bus")
    page.get_by_label("Who it is for").fill("Candidates for the county council")
    page.get_by_label("Petition: Bring back the number 10 bus").check()
    page.get_by_role("button", name="Save briefing").click()
    page.get_by_role("link", name="Preview and print").click()
    page.get_by_role("heading", name="What residents think about the bus").wait_for()
    assert page.get_by_text("Bring back the number 10 bus").first.is_visible()
    screenshot(page, "briefing")
    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    context.close()


def confirmed_in_summary(page: Any) -> str:
    figure = page.locator(".key-figure").filter(has_text="confirmed signatures")
    return str(figure.locator(".key-figure__number").inner_text()).strip()
