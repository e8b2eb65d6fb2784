"""The organiser console, driven through its forms (CSRF on)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts.models import Role
from campaign.db import utcnow
from campaign.extensions import db
from campaign.petitions.models import Petition
from tests.helpers import hidden_value, load_petition, make_organiser, make_petition, sign_in, submit, text_of

GOOD_FORM = {
    "title": "Reverse the social media ban",
    "summary": "Let officers run local accounts again.",
    "body": "## Why\n\nOfficers talking to residents builds **trust**.",
    "slug": "",
    "target": "10,000",
    "opens_at": "",
    "closes_at": "2027-03-31T17:00",
}


def petition_count(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Petition).count()


@pytest.fixture
def organiser_client(client: FlaskClient, app: Flask) -> FlaskClient:
    make_organiser(app)
    sign_in(client)
    return client


def create_via_form(client: FlaskClient, data: dict[str, str]):  # type: ignore[no-untyped-def]
    page = client.get("/console/petitions/new")
    form = {
        "csrf_token": hidden_value(page.data, "csrf_token"),
        "submission_id": hidden_value(page.data, "submission_id"),
    }
    return client.post("/console/petitions/new", data={**form, **data})


def test_create_preview_open_and_see_it_public(organiser_client: FlaskClient, app: Flask) -> None:
    response = create_via_form(organiser_client, GOOD_FORM)
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    petition_id = int(re.search(r"/console/petitions/(\d+)", detail_url).group(1))  # type: ignore[union-attr]
    petition = load_petition(app, petition_id)
    assert petition.target == 10_000
    assert petition.slug == "reverse-the-social-media-ban"
    assert petition.closes_at is not None and petition.closes_at.isoformat() == "2027-03-31T16:00:00+00:00"  # BST
    assert organiser_client.get("/petitions/reverse-the-social-media-ban").status_code == 404, "draft is private"

    preview = organiser_client.get(f"/console/petitions/{petition_id}/preview")
    assert "Preview." in text_of(preview)
    assert "<h2>Why</h2>" in preview.get_data(as_text=True)

    response = submit(organiser_client, f"/console/petitions/{petition_id}/open", {})
    assert response.status_code == 302
    assert "The petition is open." in text_of(organiser_client.get(detail_url))
    public = organiser_client.get("/petitions/reverse-the-social-media-ban")
    assert public.status_code == 200
    assert "Reverse the social media ban" in text_of(public)


def test_form_errors_keep_what_was_typed_and_save_nothing(organiser_client: FlaskClient, app: Flask) -> None:
    hostile_title = '<script>alert("x")</script>' + "t" * 120
    response = create_via_form(
        organiser_client,
        {**GOOD_FORM, "title": hostile_title, "summary": "", "target": "lots", "opens_at": "2027-04-01T09:00",
         "closes_at": "2027-03-31T17:00"},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(response)
    assert "There is a problem" in text
    assert "Title must be 100 characters or fewer" in text
    assert "Enter a summary" in text
    assert "Enter a whole number, like 10000" in text
    assert '<a href="#title">' in page, "the summary links to the field"
    assert "&lt;script&gt;" in page and "<script>alert" not in page, "typed input is kept, escaped"
    assert "Officers talking to residents" in page
    assert petition_count(app) == 0


def test_closing_before_opening_is_reported_next_to_the_field(organiser_client: FlaskClient, app: Flask) -> None:
    response = create_via_form(
        organiser_client, {**GOOD_FORM, "opens_at": "2027-04-01T09:00", "closes_at": "2027-03-31T17:00"}
    )
    assert "Closing date must be after the opening date" in text_of(response)
    assert 'id="closes_at-error"' in response.get_data(as_text=True)
    assert petition_count(app) == 0


def test_all_problems_are_reported_at_once(organiser_client: FlaskClient, app: Flask) -> None:
    response = create_via_form(organiser_client, {**GOOD_FORM, "summary": "", "closes_at": "2020-01-01T10:00"})
    text = text_of(response)
    assert "Enter a summary" in text
    assert "Closing date must be in the future" in text, "the date rule is reported alongside the missing summary"
    assert petition_count(app) == 0


def test_nonsense_dates_are_refused_clearly(organiser_client: FlaskClient, app: Flask) -> None:
    response = create_via_form(organiser_client, {**GOOD_FORM, "closes_at": "31st of never"})
    assert "Enter a real date and time" in text_of(response)
    assert petition_count(app) == 0


def test_duplicate_slug_is_refused_next_to_the_field(organiser_client: FlaskClient, app: Flask) -> None:
    assert create_via_form(organiser_client, GOOD_FORM).status_code == 302
    response = create_via_form(organiser_client, {**GOOD_FORM, "slug": "reverse-the-social-media-ban"})
    assert "Another petition already uses that web address" in text_of(response)
    assert petition_count(app) == 1


def test_double_submit_creates_one_petition(organiser_client: FlaskClient, app: Flask) -> None:
    page = organiser_client.get("/console/petitions/new")
    form = {
        "csrf_token": hidden_value(page.data, "csrf_token"),
        "submission_id": hidden_value(page.data, "submission_id"),
        **GOOD_FORM,
    }
    first = organiser_client.post("/console/petitions/new", data=form)
    second = organiser_client.post("/console/petitions/new", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert petition_count(app) == 1


def test_odd_unicode_is_cleaned(organiser_client: FlaskClient, app: Flask) -> None:
    response = create_via_form(organiser_client, {**GOOD_FORM, "title": "Reverse\u202e the   ban\u0007", "slug": ""})
    assert response.status_code == 302
    with app.app_context():
        petition = db.session.query(Petition).one()
        assert petition.title == "Reverse the ban"


def test_nul_bytes_are_refused_before_reaching_the_database(organiser_client: FlaskClient, app: Flask) -> None:
    page = organiser_client.get("/console/petitions/new")
    response = organiser_client.post(
        "/console/petitions/new",
        data={**GOOD_FORM, "csrf_token": hidden_value(page.data, "csrf_token"), "title": "bad\x00title"},
    )
    assert response.status_code == 400
    assert petition_count(app) == 0


def test_huge_bodies_are_refused(organiser_client: FlaskClient, app: Flask) -> None:
    response = create_via_form(organiser_client, {**GOOD_FORM, "body": "x" * 20_001})
    assert "The text must be 20,000 characters or fewer" in text_of(response)
    response = create_via_form(organiser_client, {**GOOD_FORM, "body": "x" * 3_000_000})
    assert response.status_code == 413
    assert petition_count(app) == 0


def test_edit_after_opening_only_offers_target_and_closing_date(organiser_client: FlaskClient, app: Flask) -> None:
    organiser_id = 1
    petition_id = make_petition(app, organiser_id, state="open", target=100)
    page = organiser_client.get(f"/console/petitions/{petition_id}/edit")
    html = page.get_data(as_text=True)
    assert 'name="title"' not in html and 'name="opens_at"' not in html
    assert "its wording is fixed" in text_of(page)
    response = submit(
        organiser_client, f"/console/petitions/{petition_id}/edit", {"target": "250", "closes_at": "2027-09-01T12:00"}
    )
    assert response.status_code == 302
    petition = load_petition(app, petition_id)
    assert petition.target == 250 and petition.title == "Reverse the social media ban"


def test_hide_needs_a_reason_then_shows_gone(organiser_client: FlaskClient, app: Flask) -> None:
    petition_id = make_petition(app, 1, state="open")
    slug = load_petition(app, petition_id).slug
    response = submit(organiser_client, f"/console/petitions/{petition_id}/hide", {"reason": ""})
    assert "Enter the reason for taking the petition down" in text_of(response)
    assert load_petition(app, petition_id).state == "open"
    response = submit(organiser_client, f"/console/petitions/{petition_id}/hide", {"reason": "Names a private person"})
    assert response.status_code == 302
    gone = organiser_client.get(f"/petitions/{slug}")
    assert gone.status_code == 410
    assert "taken down" in text_of(gone)
    assert "Names a private person" not in text_of(gone), "the reason is for organisers only"
    submit(organiser_client, f"/console/petitions/{petition_id}/restore", {})
    assert organiser_client.get(f"/petitions/{slug}").status_code == 200


def test_impossible_state_change_is_explained_not_an_error_page(organiser_client: FlaskClient, app: Flask) -> None:
    petition_id = make_petition(app, 1, state="closed")
    detail = f"/console/petitions/{petition_id}"
    # Opening the confirmation page for a change that is no longer possible explains why.
    response = organiser_client.get(f"{detail}/close")
    assert response.headers["Location"] == detail
    assert "Only an open petition can be closed." in text_of(organiser_client.get(detail))
    # So does pressing the button on a page opened before it became impossible (a second tab).
    response = submit(organiser_client, f"{detail}/close", {}, form_url=detail)
    assert response.headers["Location"] == detail
    assert "Only an open petition can be closed." in text_of(organiser_client.get(detail))


def test_state_change_needs_csrf(organiser_client: FlaskClient, app: Flask) -> None:
    petition_id = make_petition(app, 1)
    response = organiser_client.post(f"/console/petitions/{petition_id}/open")
    assert response.status_code == 400
    assert load_petition(app, petition_id).state == "draft"


# --- permissions ---------------------------------------------------------------------


def test_organisers_only_see_their_organisations_petitions(client: FlaskClient, app: Flask) -> None:
    ours = make_organiser(app, "ours@example.org", organisation="Residents Group")
    theirs = make_organiser(app, "theirs@example.org", organisation="Other Campaign")
    our_petition = make_petition(app, ours, title="Our petition", state="open")
    their_petition = make_petition(app, theirs, title="Their petition", state="open")
    sign_in(client, "ours@example.org")
    dashboard = text_of(client.get("/console/"))
    assert "Our petition" in dashboard and "Their petition" not in dashboard
    for path in ("", "/edit", "/preview", "/close", "/hide", "/archive"):
        assert client.get(f"/console/petitions/{their_petition}{path}").status_code == 404, path
    # Changing it is refused the same way, and changes nothing.
    token_page = client.get(f"/console/petitions/{our_petition}/close")
    from tests.helpers import csrf_token

    token = csrf_token(token_page.data)
    assert client.post(f"/console/petitions/{their_petition}/close", data={"csrf_token": token}).status_code == 404
    assert (
        client.post(f"/console/petitions/{their_petition}/edit", data={"csrf_token": token, "target": "5"}).status_code
        == 404
    )
    assert load_petition(app, their_petition).state == "open"
    assert load_petition(app, their_petition).target == 100


def test_admins_see_every_organisations_petitions(client: FlaskClient, app: Flask) -> None:
    organiser_id = make_organiser(app, "ours@example.org", organisation="Residents Group")
    make_organiser(app, "admin@example.org", organisation="Site team", role=Role.ADMIN)
    petition_id = make_petition(app, organiser_id, title="Their petition")
    sign_in(client, "admin@example.org")
    assert "Their petition" in text_of(client.get("/console/"))
    assert client.get(f"/console/petitions/{petition_id}").status_code == 200


# --- regressions found in review -----------------------------------------------------------


def test_the_demo_petition_can_be_saved_unchanged(client: FlaskClient, app: Flask) -> None:
    app.test_cli_runner().invoke(args=["demo"])
    with app.app_context():
        demo_id = db.session.query(Petition.id).filter_by(slug="reverse-the-social-media-ban").scalar()
    password = (Path(app.instance_path) / "demo-organiser-password").read_text().strip()
    sign_in(client, "organiser@example.org", password)
    page = client.get(f"/console/petitions/{demo_id}/edit").get_data(as_text=True)
    closes_at = re.search(r'name="closes_at"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="closes_at"', page
    )
    assert closes_at, page
    response = submit(
        client, f"/console/petitions/{demo_id}/edit", {"target": "10000", "closes_at": closes_at.group(1)}
    )
    assert response.status_code == 302, text_of(response)


def test_a_form_opened_before_the_petition_opened_cannot_change_its_wording(
    organiser_client: FlaskClient, app: Flask
) -> None:
    petition_id = make_petition(app, 1)
    stale = organiser_client.get(f"/console/petitions/{petition_id}/edit")
    submit(organiser_client, f"/console/petitions/{petition_id}/open", {})
    response = organiser_client.post(
        f"/console/petitions/{petition_id}/edit",
        data={**GOOD_FORM, "csrf_token": hidden_value(stale.data, "csrf_token"), "title": "A different title"},
    )
    assert response.status_code == 200
    assert "This cannot change now the petition is open" in text_of(response)
    assert load_petition(app, petition_id).title == "Reverse the social media ban"


def test_a_scheduled_petition_goes_back_to_draft_and_cannot_be_closed_or_hidden(
    organiser_client: FlaskClient, app: Flask
) -> None:
    from tests.helpers import in_days

    petition_id = make_petition(app, 1, state="open", opens_at=in_days(10), closes_at=in_days(40), slug="later")
    detail = text_of(organiser_client.get(f"/console/petitions/{petition_id}"))
    assert "Return to draft" in detail and "Close now" not in detail and "Take down" not in detail
    assert organiser_client.get(f"/console/petitions/{petition_id}/close").status_code == 302
    assert organiser_client.get(f"/console/petitions/{petition_id}/hide").status_code == 302
    submit(organiser_client, f"/console/petitions/{petition_id}/unschedule", {})
    petition = load_petition(app, petition_id)
    assert (petition.state, petition.opened_at) == ("draft", None)
    assert organiser_client.get("/petitions/later").status_code == 404
    assert "later" not in organiser_client.get("/").get_data(as_text=True)


def test_a_scheduled_petition_can_still_be_reworded(organiser_client: FlaskClient, app: Flask) -> None:
    from tests.helpers import in_days

    petition_id = make_petition(app, 1, state="open", opens_at=in_days(10), closes_at=in_days(40))
    page = organiser_client.get(f"/console/petitions/{petition_id}/edit")
    assert 'name="title"' in page.get_data(as_text=True)


def test_editing_a_closed_petition_explains_instead_of_showing_a_form(
    organiser_client: FlaskClient, app: Flask
) -> None:
    petition_id = make_petition(app, 1, state="archived")
    response = organiser_client.get(f"/console/petitions/{petition_id}/edit")
    assert response.status_code == 302
    assert "cannot be edited" in text_of(organiser_client.get(response.headers["Location"]))


def test_huge_ids_and_pages_are_not_errors(organiser_client: FlaskClient, app: Flask) -> None:
    make_petition(app, 1, state="open", slug="only-one")
    assert organiser_client.get("/console/petitions/99999999999999999999999").status_code == 404
    assert organiser_client.get("/console/petitions/0").status_code == 404
    page = organiser_client.get("/?page=9223372036854775807")
    assert page.status_code == 200
    assert "only-one" in page.get_data(as_text=True), "past the end shows the last real page"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"closes_at": "9999-12-31T23:59"}, "Enter a date between the years 2000 and 2099"),
        ({"closes_at": "2099-12-31T23:59"}, "Closing date must be within two years of opening"),
        ({"opens_at": "2028-12-01T09:00", "closes_at": ""}, "Opening date must be within a year from now"),
        ({"closes_at": "2027-03-28T01:30"}, "That time does not exist in Europe/London time"),
        ({"target": "²"}, "Enter a whole number, like 10000"),
        ({"title": "\u200b\u200b"}, "Enter a title"),
    ],
)
def test_odd_input_is_refused_clearly(
    organiser_client: FlaskClient, app: Flask, fields: dict[str, str], message: str
) -> None:
    response = create_via_form(organiser_client, {**GOOD_FORM, **fields})
    assert message in text_of(response)
    assert petition_count(app) == 0


def test_dates_typed_without_a_picker_are_understood(organiser_client: FlaskClient, app: Flask) -> None:
    response = create_via_form(organiser_client, {**GOOD_FORM, "closes_at": "31/03/2027 17:00"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Petition).one().closes_at.isoformat() == "2027-03-31T16:00:00+00:00"


def test_a_resent_form_with_changed_content_is_a_new_petition(organiser_client: FlaskClient, app: Flask) -> None:
    page = organiser_client.get("/console/petitions/new")
    form = {
        "csrf_token": hidden_value(page.data, "csrf_token"),
        "submission_id": hidden_value(page.data, "submission_id"),
    }
    first = organiser_client.post("/console/petitions/new", data={**form, **GOOD_FORM})
    second = organiser_client.post("/console/petitions/new", data={**form, **GOOD_FORM, "title": "Another ask"})
    assert first.headers["Location"] != second.headers["Location"]
    assert petition_count(app) == 2


def test_messages_never_show_internal_field_names(organiser_client: FlaskClient, app: Flask) -> None:
    petition_id = make_petition(app, 1)
    with app.app_context():
        db.session.get_one(Petition, petition_id).closes_at = utcnow() - timedelta(days=1)
        db.session.commit()
    response = submit(organiser_client, f"/console/petitions/{petition_id}/open", {})
    text = text_of(organiser_client.get(response.headers["Location"]))
    assert "The closing date has passed" in text
    assert "closes_at" not in text
