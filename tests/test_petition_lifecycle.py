"""The petition lifecycle through the service: states, dates, and the rules between them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from campaign.accounts.models import Organiser
from campaign.db import utcnow
from campaign.errors import InvalidTransition, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.petitions import service
from campaign.petitions.models import Petition, PublicStatus
from campaign.petitions.service import PetitionDraft, PetitionGone
from tests.helpers import in_days, load_petition, make_organiser, make_petition


def organiser(app: Flask, organiser_id: int) -> Organiser:
    return db.session.get_one(Organiser, organiser_id)


def test_draft_is_private_until_opened(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, title="Keep officers online")
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        assert petition.slug == "keep-officers-online"
        with pytest.raises(NotFound):
            service.get_public_petition("keep-officers-online", utcnow())
        service.open_petition(organiser(app, organiser_id), petition_id)
        assert service.get_public_petition("keep-officers-online", utcnow()).id == petition_id
        petition = db.session.get_one(Petition, petition_id)
        assert petition.opened_at is not None
        assert petition.public_status(utcnow()) == PublicStatus.OPEN


def test_full_lifecycle_open_close_archive_hide_restore(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open")
    with app.app_context():
        who = organiser(app, organiser_id)
        with pytest.raises(InvalidTransition):
            service.open_petition(who, petition_id)
        with pytest.raises(InvalidTransition):
            service.archive_petition(who, petition_id)
        service.close_petition(who, petition_id)
        petition = db.session.get_one(Petition, petition_id)
        assert petition.state == "closed" and petition.closed_at is not None
        with pytest.raises(InvalidTransition):
            service.close_petition(who, petition_id)
        service.archive_petition(who, petition_id)
        assert service.get_public_petition(petition.slug, utcnow()).state == "archived"
        service.hide_petition(who, petition_id, "  Contains personal data about an officer  ")
        petition = db.session.get_one(Petition, petition_id)
        assert petition.hidden_reason == "Contains personal data about an officer"
        with pytest.raises(PetitionGone):
            service.get_public_petition(petition.slug, utcnow())
        with pytest.raises(InvalidTransition):
            service.hide_petition(who, petition_id, "again")
        service.restore_petition(who, petition_id)
        petition = db.session.get_one(Petition, petition_id)
        assert (petition.state, petition.hidden_reason, petition.state_before_hidden) == ("archived", None, None)


def test_hiding_needs_a_reason(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open")
    with app.app_context():
        for reason in ("", "   ", "x" * 1001):
            with pytest.raises(ValidationFailed):
                service.hide_petition(organiser(app, organiser_id), petition_id, reason)
        assert db.session.get_one(Petition, petition_id).state == "open"


def test_drafts_cannot_be_hidden_or_restored(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id)
    with app.app_context():
        with pytest.raises(InvalidTransition):
            service.hide_petition(organiser(app, organiser_id), petition_id, "reason")
        with pytest.raises(InvalidTransition):
            service.restore_petition(organiser(app, organiser_id), petition_id)


def test_closing_date_closes_without_anyone_acting(app: Flask) -> None:
    organiser_id = make_organiser(app)
    closes_at = in_days(1)
    petition_id = make_petition(app, organiser_id, state="open", closes_at=closes_at)
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        just_before, just_after = closes_at - timedelta(seconds=1), closes_at + timedelta(seconds=1)
        assert petition.public_status(just_before) == PublicStatus.OPEN
        assert petition.public_status(just_after) == PublicStatus.CLOSED
        assert petition.closed_time(just_after) == closes_at
        assert [p.id for p in service.open_petitions(just_before)[0]] == [petition_id]
        assert service.open_petitions(just_after)[0] == []
        # The worker's job then records it; running it twice changes nothing more.
        assert service.close_due_petitions(just_after) == 1
        assert service.close_due_petitions(just_after) == 0
    petition = load_petition(app, petition_id)
    assert petition.state == "closed"
    assert petition.closed_at == closes_at


def test_opening_date_in_the_future_schedules_the_petition(app: Flask) -> None:
    organiser_id = make_organiser(app)
    opens_at = in_days(2)
    petition_id = make_petition(app, organiser_id, state="open", opens_at=opens_at, closes_at=in_days(30))
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        assert petition.public_status(utcnow()) == PublicStatus.SCHEDULED
        with pytest.raises(NotFound):
            service.get_public_petition(petition.slug, utcnow())
        assert service.get_public_petition(petition.slug, opens_at + timedelta(seconds=1)).id == petition_id
        assert petition.public_opened_at == opens_at


def test_closing_before_opening_is_refused(app: Flask) -> None:
    organiser_id = make_organiser(app)
    with app.app_context():
        with pytest.raises(ValidationFailed) as error:
            service.create_petition(
                organiser(app, organiser_id),
                PetitionDraft(title="T", summary="S", body="B", target=10, opens_at=in_days(5), closes_at=in_days(4)),
            )
        assert error.value.errors == {"closes_at": "Closing date must be after the opening date"}
        with pytest.raises(ValidationFailed) as error:
            service.create_petition(
                organiser(app, organiser_id),
                PetitionDraft(title="T", summary="S", body="B", target=10, closes_at=in_days(-1)),
            )
        assert "closes_at" in error.value.errors
        assert db.session.query(Petition).count() == 0


def test_wording_is_locked_once_open_but_target_and_closing_date_can_change(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", target=100)
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        original = PetitionDraft(
            title=petition.title, summary=petition.summary, body=petition.body_markdown, target=petition.target,
            slug=petition.slug,
        )  # fmt: skip
        for change in ({"title": "Something else"}, {"body": "New text"}, {"slug": "new-address"}):
            with pytest.raises(ValidationFailed) as error:
                service.update_petition(
                    organiser(app, organiser_id), petition_id, PetitionDraft(**{**original.__dict__, **change})
                )
            assert "people have signed this wording" in next(iter(error.value.errors.values()))
        closes_at = in_days(10)
        service.update_petition(
            organiser(app, organiser_id),
            petition_id,
            PetitionDraft(**{**original.__dict__, "target": 500, "closes_at": closes_at}),
        )
    petition = load_petition(app, petition_id)
    assert (petition.target, petition.closes_at, petition.title) == (500, closes_at, "Reverse the social media ban")


def test_closed_petitions_cannot_be_edited(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="closed")
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        draft = PetitionDraft(title=petition.title, summary=petition.summary, body=petition.body_markdown, target=5)
        with pytest.raises(InvalidTransition):
            service.update_petition(organiser(app, organiser_id), petition_id, draft)
    assert load_petition(app, petition_id).target == 100


def test_slugs_are_unique_and_made_from_titles(app: Flask) -> None:
    organiser_id = make_organiser(app)
    first = make_petition(app, organiser_id, title="Save our station")
    second = make_petition(app, organiser_id, title="Save our station!")
    assert load_petition(app, first).slug == "save-our-station"
    assert load_petition(app, second).slug == "save-our-station-2"
    with app.app_context():
        with pytest.raises(ValidationFailed) as error:
            service.create_petition(
                organiser(app, organiser_id),
                PetitionDraft(title="Other", summary="S", body="B", target=1, slug="save-our-station"),
            )
        assert "already uses that web address" in error.value.errors["slug"]
        typed_in_capitals = service.create_petition(
            organiser(app, organiser_id),
            PetitionDraft(title="Other", summary="S", body="B", target=1, slug="Keep-Local-Accounts"),
        )
        assert typed_in_capitals.slug == "keep-local-accounts"
        for bad in ("has spaces", "trailing-", "double--hyphen", "emoji-😀", "new", "x" * 81):
            with pytest.raises(ValidationFailed):
                service.create_petition(
                    organiser(app, organiser_id),
                    PetitionDraft(title="Other", summary="S", body="B", target=1, slug=bad),
                )


def test_slug_can_change_while_draft(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id)
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        draft = PetitionDraft(
            title=petition.title,
            summary=petition.summary,
            body=petition.body_markdown,
            target=10,
            slug="better-address",
        )
        service.update_petition(organiser(app, organiser_id), petition_id, draft)
    assert load_petition(app, petition_id).slug == "better-address"


def test_same_form_sent_twice_creates_one_petition(app: Flask) -> None:
    organiser_id = make_organiser(app)
    draft = PetitionDraft(title="Double click", summary="S", body="B", target=10)
    with app.app_context():
        first = service.create_petition(organiser(app, organiser_id), draft, submission_id="form-123")
        second = service.create_petition(organiser(app, organiser_id), draft, submission_id="form-123")
        assert first.id == second.id
        assert db.session.query(Petition).count() == 1


def test_body_is_stored_sanitised(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, body="Hello <script>alert(1)</script> [x](javascript:alert(1))")
    petition = load_petition(app, petition_id)
    assert "<script" not in petition.body_html
    assert "href" not in petition.body_html
    assert "<script>" in petition.body_markdown, "the organiser's source is kept as typed"


def test_open_petitions_are_ordered_by_signatures(app: Flask) -> None:
    organiser_id = make_organiser(app)
    quiet = make_petition(app, organiser_id, title="Quiet", state="open")
    busy = make_petition(app, organiser_id, title="Busy", state="open")
    make_petition(app, organiser_id, title="Draft")
    make_petition(app, organiser_id, title="Closed", state="closed")
    with app.app_context():
        db.session.get_one(Petition, busy).signature_count = 50
        db.session.commit()
        petitions, total, _ = service.open_petitions(utcnow())
        assert [p.id for p in petitions] == [busy, quiet]
        assert total == 2
        assert [p.title for p in service.recently_closed_petitions(utcnow())] == ["Closed"]
