"""The widget in a real Chromium, framed by a page on another site (localhost framing 127.0.0.1)."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.browser import host_site
from tests.conftest import base_config
from tests.mailbox import confirmation_link
from tests.servers import free_port, running_server, server_environment

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from campaign import create_app
    from campaign.extensions import db
    from tests.conftest import _migrate
    from tests.helpers import make_organiser, make_petition
    from tests.mailbox import SmtpServer as Smtp

    folder = tmp_path_factory.mktemp("widget")
    database_url = f"sqlite:///{folder / 'campaign.db'}"
    _migrate(database_url, folder / "setup")
    setup = create_app(base_config(folder / "setup", database_url))
    organiser = make_organiser(setup)
    for slug in ("the-ban", "listed-only", "sandboxed"):
        make_petition(setup, organiser, state="open", slug=slug)
    with setup.app_context():
        db.session.execute(text("UPDATE petitions SET embed_origins = 'https://allowed.example' "
                                "WHERE slug = 'listed-only'"))  # fmt: skip
        db.session.commit()
        db.engine.dispose()
    smtp = Smtp()
    smtp.start()
    port = free_port()
    env = server_environment(folder / "instance", database_url, MAIL_URL=smtp.url, BASE_URL=f"http://127.0.0.1:{port}",
                             SECRET_KEY="widget-secret-key-0123456789-abcdefghijkl", COUNT_REFRESH_SECONDS="2",
                             HOT_CACHE_SECONDS="0", RATELIMIT_ENABLED="false")  # fmt: skip
    pages = folder / "host"
    pages.mkdir()
    try:
        # Threads: a browser opens spare connections ahead of need, which would hold a lone sync worker.
        with running_server(env, worker=True, port=port, workers=2, threads=4) as server, host_site(pages) as host:
            yield {"app": server.url, "host": host, "pages": pages, "smtp": smtp, "database_url": database_url}
    finally:
        smtp.stop()


def host_page(site: dict[str, Any], name: str, body: str) -> str:
    (site["pages"] / name).write_text(
        f"<!doctype html><html><head><title>Host</title></head><body>{body}</body></html>"
    )
    return f"{site['host']}/{name}"


def signatures(site: dict[str, Any]) -> list[tuple[str, str]]:
    engine = create_engine(site["database_url"])
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT email, state FROM signatures ORDER BY id")).all()
    engine.dispose()
    return [(email, state) for email, state in rows]


def widget_snippet(site: dict[str, Any], slug: str) -> str:
    return f'<div data-campaign-petition="{slug}"></div><script async src="{site["app"]}/widget.js"></script>'


def test_a_visitor_signs_inside_the_widget_without_cookies_and_the_count_updates(
    browser: Any,
    site: dict[str, Any],
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_requests: list[dict[str, str]] = []
    page.on("request", lambda request: sign_requests.append(request.all_headers())
            if request.method == "POST" and "/sign" in request.url else None)  # fmt: skip
    page.goto(host_page(site, "sign.html", "<h1>A candidate's site</h1>" + widget_snippet(site, "the-ban")))
    frame = page.frame_locator("iframe")
    frame.get_by_label("Full name").fill("Jo Bloggs")
    frame.get_by_label("Email address").fill("jo@example.org")
    frame.get_by_label("UK postcode").fill("yo1 7hh")
    frame.get_by_role("button", name="Sign this petition").click()
    frame.get_by_text("Now check your email").wait_for(timeout=10_000)
    assert sign_requests and all("cookie" not in headers for headers in sign_requests), sign_requests
    assert sign_requests[0]["sec-fetch-site"] == "same-origin"
    assert page.locator("iframe").get_attribute("title") in {"Petition", "Petition: Reverse the social media ban"}
    assert signatures(site) == [("jo@example.org", "pending")]

    (message,) = site["smtp"].mailbox.wait_for(1, timeout=20)
    main_site = context.new_page()
    main_site.goto(confirmation_link(message))  # the link opens the main site, not the widget
    assert main_site.url.startswith(site["app"] + "/confirm/")
    main_site.get_by_role("button", name="Confirm my signature").click()
    main_site.wait_for_load_state()
    assert signatures(site) == [("jo@example.org", "confirmed")]
    frame.locator("[data-count]").filter(has_text=re.compile(r"^1$")).wait_for(timeout=20_000)
    context.close()


def test_a_forged_cross_site_post_is_refused(browser: Any, site: dict[str, Any]) -> None:
    with urllib.request.urlopen(f"{site['app']}/embed/petitions/the-ban", timeout=10) as response:  # noqa: S310
        token = re.search(r'name="form_token" value="([^"]+)"', response.read().decode()).group(1)  # type: ignore[union-attr]
    before = signatures(site)
    page = browser.new_page()
    page.goto(host_page(site, "forge.html", "<p>Innocent page</p>"))
    status = page.evaluate("""async ([url, token]) => {
        const body = new URLSearchParams({form_token: token, name: "Forged Person", email: "forged@example.org",
                                          postcode: "YO1 7HH"});
        await fetch(url, {method: "POST", mode: "no-cors", body});
        const form = document.createElement("form");
        form.method = "POST"; form.action = url; form.target = "result";
        for (const [name, value] of body) { const input = document.createElement("input");
          input.name = name; input.value = value; form.appendChild(input); }
        const frame = document.createElement("iframe"); frame.name = "result"; document.body.appendChild(frame);
        document.body.appendChild(form); form.submit();
        return "sent";
    }""", [f"{site['app']}/embed/petitions/the-ban/sign", token])  # fmt: skip
    assert status == "sent"
    page.frame_locator("iframe[name=result]").get_by_text("This form was not sent").wait_for(timeout=10_000)
    assert signatures(site) == before, "nothing was stored"
    page.close()


def test_a_site_not_on_the_list_cannot_frame_the_widget(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "frame-ancestors" in message.text else None)
    page.goto(host_page(site, "unlisted.html", widget_snippet(site, "listed-only")))
    page.wait_for_selector("iframe")
    deadline = time.monotonic() + 10
    while not refused and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert refused, "Chromium refused to show the frame"
    frame = page.frames[-1]
    assert "verified signature" not in (frame.content() if frame.url.startswith("http") else "")
    page.close()


def test_resize_messages_count_only_from_the_widgets_own_frame(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(host_page(site, "resize.html", widget_snippet(site, "the-ban")))
    widget = page.locator("iframe").first
    page.frame_locator("iframe").get_by_role("button", name="Sign this petition").wait_for()
    page.wait_for_timeout(500)
    settled = widget.evaluate("frame => frame.style.height")
    assert settled != "640px", "the widget told its real height"
    page.evaluate("""() => {
        window.postMessage({type: "campaign-widget:resize", height: 1234}, "*");
        const other = document.createElement("iframe");
        other.srcdoc = "<script>parent.postMessage({type: 'campaign-widget:resize', height: 2345}, '*')<\\/script>";
        document.body.appendChild(other);
    }""")
    page.wait_for_timeout(800)
    assert widget.evaluate("frame => frame.style.height") == settled
    page.close()


def test_in_a_frame_that_cannot_send_forms_the_widget_offers_a_link(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page()
    src = f"{site['app']}/embed/petitions/sandboxed"
    page.goto(host_page(site, "sandboxed.html",
                        f'<iframe sandbox="allow-scripts" src="{src}" width="400" height="600" title="Petition"></iframe>'))  # fmt: skip
    frame = page.frame_locator("iframe")
    link = frame.get_by_role("link", name=re.compile("Sign the petition"))
    link.wait_for(timeout=10_000)
    assert link.get_attribute("href") == f"{site['app']}/petitions/sandboxed#sign"
    assert not frame.get_by_role("button", name="Sign this petition").is_visible()
    page.close()


def test_the_count_endpoint_is_readable_from_any_site(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(host_page(site, "count.html", "<p>A counter</p>"))
    count = page.evaluate("async url => (await (await fetch(url)).json()).signature_count",
                          f"{site['app']}/api/v1/petitions/the-ban/count")  # fmt: skip
    assert isinstance(count, int)
    body = json.loads(urllib.request.urlopen(f"{site['app']}/api/v1/petitions/the-ban/count", timeout=5).read())  # noqa: S310
    assert body["signature_count"] == count
    page.close()
