"""The widget without a browser: framing rules, the cookieless form's proofs, oEmbed, the builder, the loader."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.tokens import TokenPurpose, make_token
from tests.helpers import make_organiser, make_petition, sign_in, submit, text_of
from tests.signing_helpers import signatures

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
SIGNER = {"name": "Jo Bloggs", "email": "jo@example.org", "postcode": "yo1 7hh"}


@pytest.fixture
def petition_id(app: Flask) -> int:
    return make_petition(app, make_organiser(app), state="open", slug="the-ban")


def form_token(page: bytes) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', page.decode())
    assert match
    return match.group(1)


def test_the_widget_may_be_framed_and_nothing_else_may(client: FlaskClient, petition_id: int) -> None:
    widget = client.get("/embed/petitions/the-ban")
    assert widget.status_code == 200
    policy = widget.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "X-Frame-Options" not in widget.headers
    assert "Set-Cookie" not in widget.headers and "csrf_token" not in widget.get_data(as_text=True)
    page = client.get("/petitions/the-ban")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_organisers_choose_which_sites_may_frame_it(app: Flask, client: FlaskClient, petition_id: int) -> None:
    sign_in(client)
    url = f"/console/petitions/{petition_id}/embedding"
    response = submit(client, url, {"embed_origins": "https://example.org\nhttps://*.news.example\nftp://nope"})
    assert "Enter each site as an address like https://example.org: “ftp://nope”" in text_of(response)
    response = submit(client, url, {"embed_origins": "https://example.org/\nhttps://*.news.example\n"})
    assert response.status_code == 302
    policy = client.get("/embed/petitions/the-ban").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://example.org https://*.news.example" in policy
    make_organiser(app, "other@example.org", organisation="Other")
    other = app.test_client()
    sign_in(other, "other@example.org")
    assert other.get(url).status_code == 404


def test_signing_in_the_widget_needs_no_cookie(app: Flask, client: FlaskClient, petition_id: int) -> None:
    token = form_token(client.get("/embed/petitions/the-ban").data)
    client.delete_cookie("campaign_session")
    response = client.post("/embed/petitions/the-ban/sign", data={"form_token": token, **SIGNER}, headers=SAME_SITE)
    assert response.status_code == 302 and response.headers["Location"] == "/embed/petitions/the-ban/sent"
    assert "Set-Cookie" not in response.headers
    assert [s.email for s in signatures(app)] == ["jo@example.org"]
    assert "Now check your email" in text_of(client.get(response.headers["Location"]))


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "https://evil.example"}, {"Origin": "null"}])  # fmt: skip
def test_a_post_from_another_site_is_refused(app: Flask, client: FlaskClient, petition_id: int,
                                             headers: dict[str, str]) -> None:  # fmt: skip
    token = form_token(client.get("/embed/petitions/the-ban").data)
    response = client.post("/embed/petitions/the-ban/sign", data={"form_token": token, **SIGNER}, headers=headers)
    assert response.status_code == 403 and "Nothing was stored" in text_of(response)
    assert signatures(app) == []


def test_the_form_token_must_be_ours_recent_and_for_this_petition(
    app: Flask, client: FlaskClient, petition_id: int
) -> None:
    other = make_petition(app, 1, state="open", slug="other")
    with app.test_request_context():
        wrong_petition = make_token(TokenPurpose.EMBEDDED_SIGN_FORM, {"p": other})
        wrong_purpose = make_token(TokenPurpose.CONFIRM_SIGNATURE, {"p": petition_id})
    for token in (wrong_petition, wrong_purpose, "forged", ""):
        response = client.post("/embed/petitions/the-ban/sign", data={"form_token": token, **SIGNER},
                               headers=SAME_SITE)  # fmt: skip
        assert response.status_code == 200 and "This form had expired" in text_of(response)
        assert 'value="Jo Bloggs"' in response.get_data(as_text=True), "what was typed is kept"
    assert signatures(app) == []


def test_problems_are_shown_in_the_frame(client: FlaskClient, petition_id: int) -> None:
    token = form_token(client.get("/embed/petitions/the-ban").data)
    response = client.post("/embed/petitions/the-ban/sign", headers=SAME_SITE,
                           data={"form_token": token, "name": "<b>x</b>", "email": "nope", "postcode": "zz"})  # fmt: skip
    text = text_of(response)
    assert response.status_code == 200 and "There is a problem" in text and "email address" in text.lower()
    assert "&lt;b&gt;x&lt;/b&gt;" in response.get_data(as_text=True)


def test_options_come_from_an_allow_list(client: FlaskClient, petition_id: int) -> None:
    hostile = client.get("/embed/petitions/the-ban?accent=red;}body{display:none")
    assert "<style>" not in hostile.get_data(as_text=True)
    coloured = client.get("/embed/petitions/the-ban?accent=0B5394")
    style = ":root { --accent: #0b5394; }"
    assert f"<style>{style}</style>" in coloured.get_data(as_text=True)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}'" in coloured.headers["Content-Security-Policy"]
    compact = client.get("/embed/petitions/the-ban?compact=1").get_data(as_text=True)
    assert "form_token" not in compact and 'href="http://localhost/petitions/the-ban#sign"' in compact


def test_oembed(client: FlaskClient, petition_id: int) -> None:
    page = client.get("/petitions/the-ban").get_data(as_text=True)
    discovery = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page)
    assert discovery and discovery.group(1).startswith("http://localhost/oembed?url=")
    response = client.get(discovery.group(1).replace("&amp;", "&").removeprefix("http://localhost"))
    embed = json.loads(response.data)
    assert response.status_code == 200 and embed["type"] == "rich" and embed["version"] == "1.0"
    assert embed["width"] == 560 and 'src="http://localhost/embed/petitions/the-ban"' in embed["html"]
    small = json.loads(client.get("/oembed?url=http://localhost/petitions/the-ban&maxwidth=300&maxheight=150").data)
    assert (small["width"], small["height"]) == (300, 150) and "compact=1" in small["html"]
    assert client.get("/oembed?url=http://localhost/petitions/the-ban&format=xml").status_code == 501
    assert client.get("/oembed?url=http://localhost/petitions/no-such").status_code == 404
    assert client.get("/oembed?url=https://evil.example/petitions/the-ban").status_code == 404
    assert client.get("/oembed?url=http://localhost/petitions/the-ban&maxwidth=wide").status_code == 400
    assert client.get("/oembed").status_code == 400


def test_the_builder_gives_safe_snippets(app: Flask, client: FlaskClient) -> None:
    make_petition(app, make_organiser(app), state="open", slug="quotes", title='Say "no" & <mean> it')
    page = client.get("/petitions/quotes/embed?accent=%23112233&compact=1").get_data(as_text=True)
    assert "data-campaign-petition=&#34;quotes&#34; data-accent=&#34;112233&#34; data-compact=&#34;1&#34;" in page
    assert "title=&#34;Petition: Say &amp;#34;no&amp;#34; &amp;amp; &amp;lt;mean&amp;gt; it&#34;" in page


def test_the_loader_script(client: FlaskClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    script = response.get_data(as_text=True)
    assert "event.origin !== origin" in script and "contentWindow === event.source" in script
