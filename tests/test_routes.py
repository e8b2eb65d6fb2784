"""Every route makes an auth decision; errors are pages (JSON under /api/); headers on everything."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, IntegerConverter

from campaign.security import is_public
from tests.helpers import csrf_token, make_organiser, make_petition, text_of

# Reviewed: these may be reached without signing in. Adding a public route means
# adding it here, on purpose.
PUBLIC_ENDPOINTS = {
    "static",
    "branding.favicon",
    "branding.touch_icon",
    "branding.petition_preview",
    "petitions.index",
    "petitions.show",
    "accounts.login",
    "accounts.login_code",
    "accounts.logout",
    "signing.sign",
    "signing.check_email",
    "signing.confirm",
    "signing.signed",
    "consultations.show",
    "consultations.start",
    "consultations.check_email",
    "consultations.respond",
    "consultations.page",
    "consultations.review",
    "consultations.done",
    "candidates.respond",
    "candidates.history",
    "outcomes.stop_emails",
    "briefings.show",
    "briefings.pdf",
    "consultations.results",
    "embed.petition",
    "embed.sign",
    "embed.sent",
    "embed.widget_js",
    "embed.oembed",
    "embed.builder",
    "api_docs.docs",
    "api.petitions",
    "api.consultations",
    "api.consultation_detail",
    "api.openapi",
    "api.petition_count",
    "api.petition_detail",
    "privacy.notice",
    "privacy.withdraw",
    "privacy.delete_response",
    "privacy.unsubscribe",
    "health.healthz",
    "health.readyz",
    # Off unless METRICS=on, then only for the METRICS_TOKEN bearer token or METRICS_ALLOW_IPS (test_metrics.py).
    "metrics.metrics",
}


def _example_values(app: Flask, endpoint: str) -> list[dict[str, object]]:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    choices: dict[str, list[object]] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices[name] = sorted(converter.items)
        elif isinstance(converter, IntegerConverter):
            choices[name] = [1]
        else:
            choices[name] = ["example"]
    combinations: list[dict[str, object]] = [{}]
    for name, options in choices.items():
        combinations = [{**combo, name: option} for combo in combinations for option in options]
    return combinations


def test_every_route_is_public_on_purpose_or_requires_sign_in(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client.get("/login").data)
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or is_public(view):
            assert rule.endpoint in PUBLIC_ENDPOINTS, f"{rule.endpoint} is public but not reviewed as such"
            continue
        adapter = app.url_map.bind("localhost")
        for values in _example_values(app, rule.endpoint):
            url = adapter.build(rule.endpoint, values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 302, f"{method} {url} answered {response.status_code} when signed out"
                assert response.headers["Location"].startswith("/login?next="), f"{method} {url}"
                checked += 1
    assert checked >= 10


def test_not_found_is_a_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in text_of(response)


def test_bad_slugs_are_404_before_any_query(client: FlaskClient) -> None:
    for slug in ("UPPER", "has%20space", "a" * 81, "-leading", "%F0%9F%98%80"):
        assert client.get(f"/petitions/{slug}").status_code == 404, slug


def test_method_not_allowed_is_a_page_with_allow(client: FlaskClient) -> None:
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "That action is not allowed here" in text_of(response)


def test_errors_under_api_are_json_with_a_stable_shape(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"status", "title", "message"}
    assert (error["status"], error["title"]) == (404, "Page not found")
    assert error["message"].startswith("If you typed the web address")


def test_unexpected_errors_are_a_page_without_a_traceback(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in text_of(response)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_security_headers_on_pages_errors_and_static(client: FlaskClient) -> None:
    for url in ("/", "/login", "/no-such-page", "/static/css/campaign.css"):
        response = client.get(url)
        response.close()
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp, url
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", url
        assert response.headers["X-Frame-Options"] == "DENY", url


def test_pages_have_no_inline_scripts_or_styles(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    make_petition(app, organiser_id, state="open", slug="open-one")
    for url in ("/", "/petitions/open-one", "/login"):
        page = client.get(url).get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts, url
        assert all(re.search(r'\ssrc="/static/', tag) for tag in scripts), (url, scripts)
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", page), url
