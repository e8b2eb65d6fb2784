"""Accessibility in a real Chromium: axe-core on every page people see, the keyboard, narrow screens, calm motion."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import itsdangerous
import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from campaign.demo import DEMO_CONSULTATION_SLUG, DEMO_PETITION_SLUG
from tests.browser import IN_CI
from tests.conftest import TEST_SECRET_KEY, base_config
from tests.mailbox import confirmation_link, text_part
from tests.servers import free_port, running_server, server_environment

pytestmark = pytest.mark.browser

# npm installs axe-core here once; the folder is ignored by git (tests/.cache/).
AXE_FOLDER = Path(__file__).parent / ".cache" / "axe"
AXE_SCRIPT = AXE_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
ORGANISER_PASSWORD = "correct horse battery staple 42"
TWO_FACTOR_EMAIL = "two@example.org"  # an organiser of their own, so turning two-factor on changes no other test


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from the npm registry (never a CDN), installed on first use."""
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT
    npm = shutil.which("npm")
    problem = "accessibility test: needs npm to install axe-core (apt-get install npm)"
    if npm is not None:
        AXE_FOLDER.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(AXE_FOLDER), "--no-audit", "--no-fund", "--no-save", "axe-core@4"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if done.returncode == 0 and AXE_SCRIPT.exists():
            return AXE_SCRIPT
        problem = f"accessibility test: npm could not install axe-core: {done.stderr.strip()[-500:]}"
    if IN_CI:
        pytest.fail(problem)
    pytest.skip(problem)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from campaign import create_app
    from campaign.accounts.models import Organiser, Role
    from campaign.briefings import service as briefings
    from campaign.candidates.service import invite_candidate
    from campaign.consultations import results
    from campaign.demo import load_demo
    from campaign.extensions import db
    from campaign.petitions.models import Petition
    from tests.conftest import _migrate
    from tests.consultation_helpers import make_consultation
    from tests.helpers import make_organiser, make_petition
    from tests.mailbox import SmtpServer
    from tests.summary_helpers import add_response, add_signature

    folder = tmp_path_factory.mktemp("a11y")
    database_url = f"sqlite:///{folder / 'campaign.db'}"
    _migrate(database_url, folder / "setup")
    setup = create_app(base_config(folder / "setup", database_url))
    organiser_id = make_organiser(setup, password=ORGANISER_PASSWORD, role=Role.ADMIN)  # admins see every page
    make_organiser(setup, TWO_FACTOR_EMAIL, password=ORGANISER_PASSWORD, name="Tess Twofactor")
    petition_id = make_petition(setup, organiser_id, state="open", slug="the-ban")
    make_petition(setup, organiser_id, state="draft", slug="a-draft", title="Keep the library open")
    for n in range(6):
        add_signature(setup, petition_id, postcode="YO1 7HH", name=f"Signer {n}", share_name=True,
                      email=f"signer{n}@example.org")  # fmt: skip
    open_id = make_consultation(setup, organiser_id, slug="views")
    closed_id = make_consultation(setup, organiser_id, slug="closed-views", petition_id=petition_id)
    for n in range(6):
        closed_response = add_response(setup, closed_id, {"followed": "yes", "importance": "agree", "where": "YO1 7HH"},
                                       consent="none", name=f"Respondent {n}")  # fmt: skip
    with setup.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        from campaign.consultations import service as consultations

        consultations.close_consultation(organiser, closed_id)
        results.publish_results(organiser, closed_id)
        briefing = briefings.save_briefing(organiser, None, "What residents think", "PFCC candidates",
                                           "Read this **first**.", [petition_id], [closed_id])  # fmt: skip
        briefing_id = briefing.id
        shared = briefings.share(organiser, briefing_id, None, new_link=True)
        briefing_path = "/" + (briefings.share_link(shared) or "").split("/", 3)[3]
        candidate = invite_candidate(organiser, petition_id, "Cara Candidate", "Independent", "cara@example.org")
        links = emailed_link_pages(setup, organiser, petition_id, open_id, closed_response, candidate.id)
        load_demo()  # the example campaign: long text, updates, candidates and thousands of signatures
        demo_id = db.session.execute(select(Petition.id).where(Petition.slug == DEMO_PETITION_SLUG)).scalar_one()
        db.engine.dispose()
    smtp = SmtpServer()
    smtp.start()
    port = free_port()
    env = server_environment(folder / "instance", database_url, MAIL_URL=smtp.url, BASE_URL=f"http://127.0.0.1:{port}",
                             SECRET_KEY=TEST_SECRET_KEY, HOT_CACHE_SECONDS="0", RATELIMIT_ENABLED="false")  # fmt: skip
    try:
        with running_server(env, worker=True, port=port, workers=2, threads=4) as server:
            yield {"url": server.url, "smtp": smtp, "petition": petition_id, "consultation": open_id,
                   "closed": closed_id, "briefing": briefing_id, "briefing_path": briefing_path, "demo": demo_id,
                   "links": links}  # fmt: skip
    finally:
        smtp.stop()


def emailed_link_pages(app: Flask, organiser: Any, petition_id: int, consultation_id: int, closed_response_id: int,
                       candidate_id: int) -> dict[str, str]:  # fmt: skip
    """Paths of pages reached only from emailed links, each made by the service that puts it in the email.

    These are never pressed, so every test can open them; the tests that press buttons use links from real mail.
    Expired links carry a timestamp from long ago, made the way the expiry tests make theirs.
    """
    from campaign.candidates.models import Candidate
    from campaign.consultations.models import ConsultationResponse
    from campaign.extensions import db
    from campaign.outcomes.service import fan_out_update_emails, publish_update
    from campaign.privacy.links import delete_response_url, unsubscribe_url, withdraw_url
    from campaign.signing.models import Signature
    from campaign.tokens import TokenPurpose, make_token
    from tests.summary_helpers import add_response, add_signature

    def signature(email: str) -> Signature:
        return db.session.execute(select(Signature).where(Signature.email == email)).scalar_one()

    for email, state in [("una@example.org", "confirmed"), ("old@example.org", "confirmed"),
                         ("pat@example.org", "pending"), ("wanda@example.org", "confirmed")]:  # fmt: skip
        add_signature(app, petition_id, email=email, state=state, notify=True, name=email.split("@")[0].title())
    response_id = add_response(app, consultation_id, {"followed": "no"}, email="dee@example.org")
    # Wanda's update email arrives by the test SMTP server once the worker runs; its unsubscribe link is pressed.
    publish_update(organiser, petition_id, "We met the Chief Constable", "They will review it.", email_signers=True)
    fan_out_update_emails()
    una, old, pat = signature("una@example.org"), signature("old@example.org"), signature("pat@example.org")
    response = db.session.get_one(ConsultationResponse, response_id)
    candidate = db.session.get_one(Candidate, candidate_id)
    closed = db.session.get_one(ConsultationResponse, closed_response_id)
    with app.test_request_context():
        paths = {
            "withdraw": urlsplit(withdraw_url(una.id, una.confirmation_nonce)).path,
            "delete response": urlsplit(delete_response_url(response.id, response.nonce)).path,
            "unsubscribe": urlsplit(unsubscribe_url(una.id, una.confirmation_nonce)).path,
            "stop emails (older links)": f"/updates/stop/{make_token(TokenPurpose.STOP_PROGRESS_EMAILS, {'s': old.id})}",
            "confirm": f"/confirm/{make_token(TokenPurpose.CONFIRM_SIGNATURE, {'s': pat.id, 'n': pat.confirmation_nonce})}",
            "closed consultation link": "/consultations/respond/"
            + make_token(TokenPurpose.RESPOND_TO_CONSULTATION, {"r": closed.id, "n": closed.nonce}),
        }
        long_ago = int(time.time()) - 400 * 86_400
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: long_ago)
            expired = {
                "expired confirm": ("/confirm/", TokenPurpose.CONFIRM_SIGNATURE,
                                    {"s": pat.id, "n": pat.confirmation_nonce}),
                "expired consultation link": ("/consultations/respond/", TokenPurpose.RESPOND_TO_CONSULTATION,
                                              {"r": response.id, "n": response.nonce}),
                "expired candidate link": ("/candidates/respond/", TokenPurpose.CANDIDATE_RESPONSE,
                                           {"c": candidate.id, "n": candidate.link_nonce}),
            }  # fmt: skip
            for name, (prefix, purpose, payload) in expired.items():
                paths[name] = prefix + make_token(purpose, payload)
    paths["tampered withdraw"] = paths["withdraw"][:-5] + "AAAAA"
    return paths


LINK_STATUS = {"expired confirm": 410, "expired consultation link": 410, "expired candidate link": 410,
               "tampered withdraw": 404, "closed consultation link": 200}  # fmt: skip


def axe_problems(page: Any, axe_script: Path) -> list[str]:
    """The serious and critical axe-core violations on the page as it is now, one line per element."""
    # Evaluated through the DevTools protocol, so the page's own Content-Security-Policy stays in force
    # (a script tag would need bypass_csp, which would also let inline styles through and change what axe sees).
    page.evaluate(axe_script.read_text() + "\n;0")
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    lines = []
    for violation in found:
        if violation["impact"] not in {"serious", "critical"}:
            continue
        for node in violation["nodes"]:
            lines.append(f"{page.url}: {violation['id']} ({violation['impact']}) at {json.dumps(node['target'])}: "
                         f"{node.get('failureSummary', '').splitlines()[-1].strip()} - {violation['helpUrl']}")  # fmt: skip
    return lines


def mail_to(site: dict[str, Any], address: str) -> Any:
    deadline = time.monotonic() + 20
    while not (messages := site["smtp"].mailbox.to(address)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert messages, f"no mail to {address}"
    return messages[-1]


class Audit:
    """Visits pages and collects every serious or critical problem, so one run reports them all."""

    def __init__(self, page: Any, axe_script: Path, base: str, *, narrow_too: bool = False) -> None:
        self.page, self.axe_script, self.base = page, axe_script, base
        self.narrow_too = narrow_too  # also look at each page on a 320px screen: pages behind a button are not in
        self.problems: list[str] = []  # NARROW_PAGES, whose links must open the same page every time
        self.seen: list[str] = []

    def visit(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, (path, response and response.status)
        self.check()

    def check(self) -> None:
        self.page.wait_for_load_state()
        self.seen.append(self.page.url)
        self.problems.extend(axe_problems(self.page, self.axe_script))
        if self.narrow_too:
            size = self.page.viewport_size
            self.page.set_viewport_size({"width": 320, "height": size["height"]})
            scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > 320:
                self.problems.append(f"{self.page.url}: {scroll_width}px wide on a 320px screen")
            self.page.set_viewport_size(size)

    def assert_clean(self) -> None:
        assert not self.problems, "serious or critical problems (axe-core, or sideways scrolling):\n" + "\n".join(
            self.problems
        )


def test_public_pages_have_no_serious_accessibility_problems(
    browser: Any, site: dict[str, Any], axe_script: Path
) -> None:
    context = browser.new_context()
    audit = Audit(context.new_page(), axe_script, site["url"])
    page = audit.page
    for path in ["/", "/petitions/the-ban", "/privacy", "/api", "/consultations/views",
                 "/consultations/closed-views/results", site["briefing_path"], "/embed/petitions/the-ban",
                 "/login", "/petitions/no-such-petition", f"/petitions/{DEMO_PETITION_SLUG}",
                 f"/consultations/{DEMO_CONSULTATION_SLUG}"]:  # fmt: skip
        audit.visit(path, status=404 if "no-such" in path else 200)

    audit.visit("/petitions/the-ban")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Sign this petition")).click()
    assert page.locator("[data-error-summary]").count() == 1, page.content()
    audit.check()  # the page with the errors
    page.get_by_label("Full name").fill("Jo Bloggs")
    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_label("UK postcode").fill("YO1 7HH")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Sign this petition")).click()
    assert "/check-email" in page.url
    audit.check()
    page.goto(confirmation_link(mail_to(site, "jo@example.org")))
    audit.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm my signature").click()
    audit.check()

    audit.visit("/consultations/views")
    page.get_by_label(re.compile("name", re.I)).first.fill("Rae Respondent")
    page.get_by_label(re.compile("email", re.I)).first.fill("rae@example.org")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert "/check-email" in page.url
    audit.check()
    link = re.search(r"https?://\S+/consultations/respond/\S+", text_part(mail_to(site, "rae@example.org")))
    assert link
    page.goto(link.group(0))
    audit.check()  # the emailed link's page, with its button
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert "/consultations/views/answer/" in page.url, page.url
    audit.check()  # the first question page
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()  # nothing answered
    assert page.locator("[data-error-summary]").count() == 1, page.content()
    audit.check()  # the question page with an error

    invitation = text_part(mail_to(site, "cara@example.org"))
    link = re.search(r"https?://\S+(/candidates/respond/\S+)", invitation)
    assert link, invitation
    audit.visit(link.group(1))  # a candidate's page for their response
    context.close()
    assert len(audit.seen) == 23, audit.seen  # every page above was checked
    audit.assert_clean()


def link_in(message: Any, pattern: str) -> str:
    """The path of the one link in the plain text matching ``pattern``."""
    links = [line.strip() for line in text_part(message).splitlines() if re.fullmatch(pattern, line.strip())]
    assert len(links) == 1, text_part(message)
    return urlsplit(links[0]).path


def press(page: Any, button: str, heading: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    page.get_by_role("heading", name=heading).wait_for()


def test_pages_reached_from_emailed_links_have_no_serious_accessibility_problems(
    browser: Any, site: dict[str, Any], axe_script: Path
) -> None:
    context = browser.new_context()
    audit = Audit(context.new_page(), axe_script, site["url"], narrow_too=True)
    page = audit.page

    # A signer confirms, then withdraws with the confirmation email's other link.
    page.goto(site["url"] + "/petitions/the-ban")
    page.get_by_label("Full name").fill("Wil Withdraw")
    page.get_by_label("Email address").fill("wil@example.org")
    page.get_by_label("UK postcode").fill("YO1 7HH")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Sign this petition")).click()
    message = mail_to(site, "wil@example.org")
    confirm, withdraw = (
        urlsplit(confirmation_link(message)).path,
        link_in(message, r"https?://\S+/signatures/withdraw/\S+"),
    )
    page.goto(site["url"] + confirm)
    press(page, "Confirm my signature", "Thank you, your signature is confirmed")
    audit.visit(confirm)  # the link again, once confirmed
    audit.visit(withdraw)
    press(page, "Withdraw my signature", "Your signature has been withdrawn")
    audit.check()
    audit.visit(withdraw)  # already withdrawn
    audit.visit(confirm, status=404)  # a used link whose signature is gone

    # A respondent deletes their response with the second link in the email that lets them answer.
    context.clear_cookies()
    page.goto(site["url"] + "/consultations/views")
    page.get_by_label(re.compile("name", re.I)).first.fill("Del Delete")
    page.get_by_label(re.compile("email", re.I)).first.fill("del@example.org")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    message = mail_to(site, "del@example.org")
    respond, delete = (
        link_in(message, rf"https?://\S+/{kind}/\S+") for kind in ("consultations/respond", "responses/delete")
    )
    audit.visit(delete)
    press(page, "Delete my response", "Your response has been deleted")
    audit.check()
    audit.visit(delete)  # already deleted
    audit.visit(respond, status=404)  # the answering link opens nothing now

    # Update emails: unsubscribing, and the older links that stop one petition's emails.
    audit.visit(link_in(mail_to(site, "wanda@example.org"), r"https?://\S+/unsubscribe/\S+"))
    press(page, "Stop the emails", "You will not get more updates")
    audit.check()
    audit.visit(site["links"]["stop emails (older links)"])
    press(page, "Stop the emails", "You will not get more updates")
    audit.check()

    # A candidate publishes from the invitation (whose page the public test checks) and sees it done.
    page.goto(site["url"] + link_in(mail_to(site, "cara@example.org"), r"https?://\S+/candidates/respond/\S+"))
    page.get_by_label("Supports").check()
    page.get_by_label("Your statement").fill("Residents deserve to hear from their local officers.")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.get_by_text("Your response is published on the petition's page.").wait_for()
    audit.check()

    for name, status in LINK_STATUS.items():  # expired and tampered links, and one to a closed consultation
        audit.visit(site["links"][name], status=status)
    context.close()
    assert len(audit.seen) == 19, audit.seen
    audit.assert_clean()


def test_two_factor_pages_have_no_serious_accessibility_problems(
    browser: Any, site: dict[str, Any], axe_script: Path
) -> None:
    context, page = signed_in(browser, site, TWO_FACTOR_EMAIL)
    audit = Audit(page, axe_script, site["url"], narrow_too=True)
    audit.visit("/console/account/two-factor")  # setting up: the QR code and the key to type
    for code in ["123", "app"]:
        secret = page.locator("code.secret-key").inner_text().replace(" ", "")
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now() if code == "app" else code)
        page.get_by_label("Your password").fill(ORGANISER_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Turn on two-factor sign-in").click()
        assert page.locator("[data-error-summary]").count() == (code != "app"), page.content()
        audit.check()  # the set-up page with an error, then the recovery codes
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10, codes
    audit.visit("/console/account/two-factor")  # on: new recovery codes, or turn it off

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.goto(site["url"] + "/login")
    page.get_by_label("Email address").fill(TWO_FACTOR_EMAIL)
    page.get_by_label("Password").fill(ORGANISER_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.wait_for_url(re.compile(r"/login/code"))
    audit.check()  # enter your code
    for wrong in ["123", "wxyz-wxyz-wxyz"]:  # too short, then a recovery code that is not one
        page.get_by_label("Code", exact=True).fill(wrong)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert page.locator("[data-error-summary]").count() == 1, page.content()
        audit.check()
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console/?$"))

    page.goto(site["url"] + "/console/account/two-factor")
    page.locator("#disable-password").fill(ORGANISER_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Turn off two-factor sign-in").click()
    page.get_by_text("Two-factor sign-in is off.").wait_for()
    audit.check()  # turned off, offering to set it up again
    context.close()
    assert len(audit.seen) == 8, audit.seen
    audit.assert_clean()


def test_the_check_finds_problems_when_there_are_some(browser: Any, site: dict[str, Any], axe_script: Path) -> None:
    page = browser.new_page()
    page.goto(site["url"] + "/privacy")
    assert axe_problems(page, axe_script) == []
    page.evaluate("""() => { const main = document.querySelector("main");
        main.insertAdjacentHTML("beforeend", '<input type="text"><a href="/x"></a>');
        main.querySelector("p").style.color = "#ccc"; }""")  # fmt: skip
    found = "\n".join(axe_problems(page, axe_script))
    assert "label (critical)" in found and "link-name (serious)" in found, found
    assert "color-contrast (serious)" in found and "https://dequeuniversity.com/rules/axe/4." in found, found
    page.close()


def signed_in(browser: Any, site: dict[str, Any], email: str = "organiser@example.org") -> tuple[Any, Any]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(site["url"] + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(ORGANISER_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.wait_for_url(re.compile(r"/console/?$"))
    return context, page


def test_organiser_console_has_no_serious_accessibility_problems(
    browser: Any, site: dict[str, Any], axe_script: Path
) -> None:
    context, page = signed_in(browser, site)
    audit = Audit(page, axe_script, site["url"])
    petition, consultation, closed = site["petition"], site["consultation"], site["closed"]
    for path in [
        "/console/", "/console/petitions/new", f"/console/petitions/{petition}", f"/console/petitions/{petition}/edit",
        f"/console/petitions/{petition}/summary", f"/console/petitions/{petition}/trending",
        f"/console/petitions/{petition}/invalidations", f"/console/petitions/{petition}/invalidations/new",
        f"/console/petitions/{petition}/candidates", f"/console/petitions/{petition}/updates",
        f"/console/petitions/{petition}/embedding", f"/console/petitions/{petition}/hide",
        "/console/consultations/", "/console/consultations/new", f"/console/consultations/{consultation}",
        f"/console/consultations/{consultation}/questions/new", f"/console/consultations/{consultation}/sections/new",
        f"/console/consultations/{consultation}/questions/followed/edit",
        f"/console/consultations/{consultation}/preview", f"/console/consultations/{closed}/summary",
        "/console/blocklists", "/console/audit/", "/console/account/password", "/console/account/two-factor",
        "/console/briefings/", "/console/briefings/new", f"/console/briefings/{site['briefing']}",
        "/console/areas/", "/console/areas/upload", "/console/privacy/", "/console/organisers/",
        f"/console/petitions/{site['demo']}", f"/console/petitions/{site['demo']}/summary",
        f"/console/petitions/{site['demo']}/updates", f"/console/petitions/{site['demo']}/candidates",
    ]:  # fmt: skip
        audit.visit(path)
    context.close()
    audit.assert_clean()


# What has focus, and whether it shows: an outline or box-shadow ring (buttons and links use both) in a colour with
# at least 3:1 contrast against the white page (WCAG 1.4.11); a yellow ring alone on white would not count.
FOCUSED = """() => { const el = document.activeElement; const s = getComputedStyle(el);
    const luminance = ([r, g, b]) => { const c = [r, g, b].map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
    const colours = text => [...text.matchAll(/rgba?\\(([^)]*)\\)/g)].map(m => m[1].split(",").map(Number))
        .filter(c => c.length < 4 || c[3] > 0);
    const rings = [];
    if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) rings.push(...colours(s.outlineColor));
    if (s.boxShadow !== "none") rings.push(...colours(s.boxShadow));
    const shown = rings.some(c => 1.05 / (luminance(c) + 0.05) >= 3);
    return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "", text: (el.textContent || "").trim().slice(0, 40),
            summary: el.hasAttribute("data-error-summary"), shown}; }"""


def tab_to(page: Any, field_id: str, limit: int = 80) -> list[dict[str, Any]]:
    """Press Tab until the field has focus, returning every element that had focus on the way (the field last)."""
    visited = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        visited.append(focused)
        if focused["id"] == field_id:
            return visited
    raise AssertionError(f"Tab never reached #{field_id}: {visited}")


def test_a_keyboard_user_signs_seeing_where_focus_is(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(site["url"] + "/petitions/the-ban")
    visited = tab_to(page, "name")
    assert visited[0]["text"].lower().startswith("skip"), visited[0]  # the skip link comes first
    hidden = [element for element in visited if not element["shown"]]
    assert not hidden, f"no visible focus indicator on {hidden}"
    assert all(element["name"] != "website" for element in visited), "the honeypot is out of the tab order"

    with page.expect_navigation():
        page.keyboard.press("Enter")  # an empty form, sent from the keyboard
    assert page.title().startswith("Error:")
    focused = page.evaluate(FOCUSED)
    assert focused["summary"] and focused["shown"], focused
    links = page.locator(".error-summary a").all_inner_texts()
    assert len(links) >= 3, links
    for position, wanted in enumerate(["name", "email", "postcode"]):
        page.locator("[data-error-summary]").focus()
        for _ in range(position + 1):
            page.keyboard.press("Tab")
        link = page.evaluate(FOCUSED)
        assert link["tag"] == "a" and link["shown"], link
        page.keyboard.press("Enter")
        field = page.evaluate(FOCUSED)
        assert field["id"] == wanted and field["shown"], (wanted, field)

    page.locator("[data-error-summary]").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.type("Kay Keys")
    for name, typed in [("email", "kay@example.org"), ("postcode", "YO1 7HH")]:
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["name"] == name and focused["shown"], focused
        page.keyboard.type(typed)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("check your email", exact=False).first.wait_for()
    assert "/check-email" in page.url
    page.close()


@pytest.mark.parametrize("path", ["/embed/petitions/the-ban", "/consultations/views", "/login", "/privacy"])
def test_every_control_shows_keyboard_focus(browser: Any, site: dict[str, Any], path: str) -> None:
    page = browser.new_page()
    page.goto(site["url"] + path)
    visited: list[dict[str, Any]] = []
    for _ in range(60):  # every focusable element once, until focus leaves the page or comes round again
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body" or (visited and focused == visited[0]):
            break
        visited.append(focused)
    page.close()
    assert len(visited) >= 3, visited
    hidden = [element for element in visited if not element["shown"]]
    assert not hidden, f"no visible focus indicator on {hidden}"


NARROW_PAGES = ["/", "/petitions/the-ban", "/consultations/views", "/consultations/closed-views/results", "/privacy",
                "/api", "/login", "/embed/petitions/the-ban", f"/petitions/{DEMO_PETITION_SLUG}",
                f"/consultations/{DEMO_CONSULTATION_SLUG}"]  # fmt: skip


@pytest.mark.parametrize(("width", "scale"), [(320, 1), (640, 2)], ids=["320px", "200%-zoom"])
def test_pages_fit_narrow_screens_and_zoom_without_sideways_scrolling(
    browser: Any, site: dict[str, Any], width: int, scale: int
) -> None:
    # 200% zoom of a 1280px window lays pages out as a 640 CSS pixel viewport drawn with twice the pixels.
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=scale)
    page = context.new_page()
    wide = {}
    for path in [*NARROW_PAGES, site["briefing_path"], *site["links"].values()]:
        page.goto(site["url"] + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide[path] = scroll_width
    context.close()
    assert not wide, f"pages wider than {width}px: {wide}"


def test_the_console_fits_a_320px_screen_and_stays_accessible_there(
    browser: Any, site: dict[str, Any], axe_script: Path
) -> None:
    context, page = signed_in(browser, site)
    page.set_viewport_size({"width": 320, "height": 800})
    audit = Audit(page, axe_script, site["url"])
    wide = {}
    for path in ["/console/", f"/console/petitions/{site['petition']}", "/console/petitions/new", "/console/audit/",
                 f"/console/petitions/{site['petition']}/summary", f"/console/consultations/{site['consultation']}",
                 f"/console/consultations/{site['closed']}/summary", "/console/account/two-factor",
                 "/consultations/closed-views/results", site["briefing_path"],
                 f"/console/petitions/{site['demo']}/summary"]:  # fmt: skip
        audit.visit(path)  # charts scroll sideways inside their box here, which must work from the keyboard too
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > 320:
            wide[path] = scroll_width
    context.close()
    assert not wide, f"pages wider than 320px: {wide}"
    audit.assert_clean()


MOVING = """() => [...document.querySelectorAll("*")].flatMap(el => { const s = getComputedStyle(el);
    const durations = [...s.transitionDuration.split(","), ...s.animationDuration.split(",")].map(d => parseFloat(d));
    return durations.some(d => d > 0) ? [el.tagName + "." + el.className] : []; })"""


def test_reduced_motion_turns_every_transition_and_animation_off(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    for path in ["/", "/petitions/the-ban", "/consultations/views", "/login"]:
        page.goto(site["url"] + path)
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        page.keyboard.press("Tab")  # focus styles are where motion usually hides
        assert page.evaluate(MOVING) == [], path
    context.close()
