from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from campaign.extensions import db
from campaign.petitions.models import Petition
from tests.helpers import assert_well_formed, in_days, make_organiser, make_petition, sign_in, text_of


def test_home_lists_open_petitions_with_counts(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    open_id = make_petition(app, organiser_id, title="Open and listed", state="open", target=1000)
    make_petition(app, organiser_id, title="Still a draft")
    make_petition(app, organiser_id, title="Already closed", state="closed")
    make_petition(app, organiser_id, title="Archived one", state="archived")
    make_petition(app, organiser_id, title="Taken down", state="hidden")
    with app.app_context():
        db.session.get_one(Petition, open_id).signature_count = 1234
        db.session.commit()
    text = text_of(client.get("/"))
    assert "Open and listed" in text and "1,234 signatures" in text
    assert "Still a draft" not in text and "Taken down" not in text and "Archived one" not in text
    assert "Recently closed" in text and "Already closed" in text


def test_petition_page_shows_what_a_signer_needs(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app, organisation="North Yorkshire Residents' Forum")
    petition_id = make_petition(app, organiser_id, state="open", target=200, closes_at=in_days(30), slug="the-ban")
    with app.app_context():
        db.session.get_one(Petition, petition_id).signature_count = 50
        db.session.commit()
    response = client.get("/petitions/the-ban")
    page = response.get_data(as_text=True)
    text = text_of(response)
    assert "Reverse the social media ban" in text
    assert "50 signatures" in text and "25% of the target of 200" in text
    assert '<progress class="progress__bar" max="200" value="50"' in page
    assert "Open until" in text
    assert "North Yorkshire Residents' Forum" in text
    assert '<meta property="og:title" content="Reverse the social media ban">' in page
    assert '<meta property="og:url" content="http://localhost/petitions/the-ban">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<meta property="og:image" content="http://localhost/petitions/the-ban/preview.png?n=50">' in page
    assert "https://wa.me/?text=" in page and "mailto:?subject=" in page
    assert '<script src="http' not in page, "no third-party scripts"


def test_target_reached_is_marked(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", target=10, slug="met")
    with app.app_context():
        db.session.get_one(Petition, petition_id).signature_count = 12
        db.session.commit()
    text = text_of(client.get("/petitions/met"))
    assert "Target of 10 reached" in text
    assert "12 signatures" in text


def test_closed_petition_says_so(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    make_petition(app, organiser_id, state="closed", slug="done")
    text = text_of(client.get("/petitions/done"))
    assert "This petition closed on" in text and "no longer accepts signatures" in text


def test_hostile_petition_text_is_escaped_everywhere(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    make_petition(
        app, organiser_id, state="open", slug="hostile",
        title='"><script>alert(1)</script>', body="<img src=x onerror=alert(1)> [a](javascript:alert(1))",
    )  # fmt: skip
    for url in ("/", "/petitions/hostile"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "<img" not in page and 'href="javascript:' not in page
        assert "&lt;script&gt;" in page


def test_every_page_is_well_formed(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    open_id = make_petition(app, organiser_id, state="open", slug="open-one", closes_at=in_days(9))
    draft_id = make_petition(app, organiser_id, title="Draft one")
    closed_id = make_petition(app, organiser_id, state="closed", slug="closed-one")
    hidden_id = make_petition(app, organiser_id, state="hidden", slug="hidden-one")
    public_pages = [
        "/",
        "/?page=2",
        "/petitions/open-one",
        "/petitions/closed-one",
        "/login",
        "/nope",
        "/petitions/hidden-one",
    ]
    for url in public_pages:
        assert_well_formed(client.get(url).get_data(as_text=True))
    sign_in(client)
    console_pages = ["/console/", "/console/?status=open", "/console/petitions/new", "/console/account/password"]
    for petition_id in (open_id, draft_id, closed_id, hidden_id):
        console_pages += [f"/console/petitions/{petition_id}", f"/console/petitions/{petition_id}/preview"]
    console_pages += [
        f"/console/petitions/{draft_id}/edit", f"/console/petitions/{open_id}/edit", f"/console/petitions/{draft_id}/open",
        f"/console/petitions/{open_id}/close", f"/console/petitions/{open_id}/hide", f"/console/petitions/{closed_id}/archive",
        f"/console/petitions/{hidden_id}/restore",
    ]  # fmt: skip
    for url in console_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_well_formed(response.get_data(as_text=True))
