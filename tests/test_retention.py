"""Retention: people in long-closed petitions and consultations become anonymous, and every total,
area count and question's figures stay exactly as they were. On both backends."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import insert, select, update

from campaign.accounts.models import Organiser
from campaign.areas.service import lookup_for, parse_mapping_csv, replace_mapping
from campaign.consultations.models import Consultation, ConsultationResponse
from campaign.consultations.service import definition_of
from campaign.db import utcnow
from campaign.exports.responses import answered_rows
from campaign.exports.signatures import signature_rows
from campaign.extensions import db
from campaign.mail.models import OutboxMessage
from campaign.mail.service import outbox_row
from campaign.petitions.models import Petition
from campaign.privacy.links import withdraw_url
from campaign.privacy.retention import anonymised_postcode, run_retention
from campaign.signing.counts import reconcile_counts
from campaign.signing.models import Signature
from campaign.summaries.consultations import summarise_consultation
from campaign.summaries.models import QuoteChoice
from campaign.summaries.petitions import DateRange, summarise_petition
from campaign.summaries.quotes import quotes, source_hash
from campaign.worker import default_jobs
from tests.consultation_helpers import make_consultation
from tests.helpers import make_organiser, make_petition, text_of
from tests.signing_helpers import signatures
from tests.summary_helpers import add_response, add_signature
from tests.test_summaries import RESPONSES, all_types

LONDON = ZoneInfo("Europe/London")
LONG_AGO = utcnow() - timedelta(days=200)


@pytest.fixture
def organiser_id(app: Flask) -> int:
    organiser_id = make_organiser(app)
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        # A sector-level area: retention must keep postcodes down to their sector for this to hold.
        replace_mapping(organiser, parse_mapping_csv("YO1 7,York centre\nYO1,York\nHG,Harrogate\n"))
    return organiser_id


def closed_on(app: Flask, model: type[Petition] | type[Consultation], row_id: int, when: datetime) -> None:
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(closed_at=when))
        db.session.commit()


def petition_with_signers(app: Flask, organiser_id: int, slug: str) -> int:
    petition_id = make_petition(app, organiser_id, state="closed", slug=slug)
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    for n, postcode in enumerate(["YO1 7HH", "YO1 7JJ", "YO1 8AB", "HG1 2AA", "LS1 4AP", "YO1 7HH"]):
        add_signature(app, petition_id, postcode=postcode, confirmed_at=start + timedelta(days=n % 3, hours=n),
                      name=f"Signer {n}", share_name=n % 2 == 0, notify=True)  # fmt: skip
    add_signature(app, petition_id, country="FR", confirmed_at=start)
    add_signature(app, petition_id, state="pending", email="never@example.org")
    with app.app_context():
        ids = list(db.session.scalars(select(Signature.id).where(Signature.petition_id == petition_id)))
        db.session.execute(insert(OutboxMessage), [
            outbox_row("confirm_signature", "signer@example.org", {"name": "Signer", "confirm_url": "x"},
                       signature_id=signature_id)
            for signature_id in ids
        ])  # fmt: skip
        db.session.commit()
    return petition_id


def petition_figures(app: Flask, petition_id: int) -> dict[str, Any]:
    with app.test_request_context():
        petition = db.session.get_one(Petition, petition_id)
        summary = summarise_petition(petition, DateRange(), LONDON, utcnow())
        lookup = lookup_for(petition.organisation_id)
        exported = list(signature_rows(petition_id, lookup, LONDON))
        return {
            "total": summary.confirmed_all_time,
            "by_area": summary.by_area,
            "daily": summary.daily,
            "milestones": summary.milestones,
            "exported": len(exported),
            "exported_areas": Counter(area for _, _, area in exported),
            "exported_times": [when for when, _, _ in exported],
        }


def test_closed_petitions_are_anonymised_and_every_figure_stays_the_same(app: Flask, organiser_id: int) -> None:
    old = petition_with_signers(app, organiser_id, "old-one")
    recent = petition_with_signers(app, organiser_id, "recent-one")
    open_id = make_petition(app, organiser_id, state="open", slug="still-open")
    add_signature(app, open_id, email="open@example.org")
    closed_on(app, Petition, old, LONG_AGO)
    closed_on(app, Petition, recent, utcnow() - timedelta(days=10))
    with app.test_request_context():
        reconcile_counts()  # the factory writes rows without count deltas
        old_link = withdraw_url(signatures(app)[0].id, signatures(app)[0].confirmation_nonce)
    before = petition_figures(app, old)
    assert before["total"] == 7 and ("York centre", 3) in before["by_area"]
    untouched = [(s.id, s.email, s.postcode) for s in signatures(app) if s.petition_id != old]

    with app.test_request_context():
        dry = run_retention(dry_run=True)
    assert dry.petitions == [("old-one", 7, 1)] and dry.mails == 8
    assert [s.anonymised_at for s in signatures(app)] == [None] * len(signatures(app)), "a dry run changes nothing"

    with app.test_request_context():
        report = run_retention(batch_size=3)  # several batches
    assert report.petitions == [("old-one", 7, 1)] and report.mails == 7
    assert petition_figures(app, old) == before
    with app.test_request_context():
        assert reconcile_counts(repair=False) == [], "the counted rows are all still there"

    kept = [s for s in signatures(app) if s.petition_id == old]
    assert len(kept) == 7, "the unconfirmed signature was deleted"
    for signature in kept:
        assert signature.anonymised_at is not None and signature.email == "" and signature.name == "Anonymised"
        assert signature.canonical_email == f"anonymised-{signature.id}"
        assert not signature.share_name and not signature.notify_progress
        assert signature.postcode is None or signature.postcode.endswith("**")
    assert sorted(s.postcode for s in kept if s.postcode) == ["HG1 2**", "LS1 4**", "YO1 7**", "YO1 7**", "YO1 7**",
                                                              "YO1 8**"]  # fmt: skip
    assert [(s.id, s.email, s.postcode) for s in signatures(app) if s.petition_id != old] == untouched
    with app.app_context():
        mail = db.session.execute(
            select(OutboxMessage.to_address, OutboxMessage.context, OutboxMessage.status)
            .join(Signature, Signature.id == OutboxMessage.signature_id)
            .where(Signature.petition_id == old)
        ).all()
    assert mail and all(row == ("", "{}", "failed") for row in mail), "addresses gone; nothing left to send"
    assert "already been withdrawn" in text_of(app.test_client().get(old_link.removeprefix("http://localhost")))

    with app.test_request_context():
        again = run_retention()
    assert again.changed == 0 and again.petitions == [], "idempotent: nothing left to do"
    assert petition_figures(app, old) == before


def consultation_with_respondents(app: Flask, organiser_id: int) -> int:
    consultation_id = make_consultation(app, organiser_id, definition=all_types(), state="closed")
    for n, answers in enumerate(RESPONSES):
        add_response(app, consultation_id, answers, other={"colour": "Purple, ring 07700 900123"} if n == 3 else None,
                     consent="named" if n < 2 else "none", name=f"Rae {n}", email=f"rae{n}@example.org")  # fmt: skip
    loud = dict(RESPONSES[0], why="The road closure posts. Email me at rae@example.org or call 07700 900123")
    response_id = add_response(app, consultation_id, loud, consent="named", name="Rae Loud")
    with app.app_context():
        db.session.add(QuoteChoice(consultation_id=consultation_id, response_id=response_id, question_key="why",
                                   source_hash=source_hash(loud["why"]), featured=True))  # fmt: skip
        draft = ConsultationResponse(consultation_id=consultation_id, name="Dee Draft", email="dee@example.org",
                                     canonical_email="dee@example.org", working='{"answers":{},"other":{}}')  # fmt: skip
        db.session.add(draft)
        db.session.flush()
        db.session.execute(insert(OutboxMessage), [
            outbox_row("respond_link", "dee@example.org", {"link": "x"}, response_id=draft.id),
            outbox_row("respond_link", "Rae1@example.org", {"link": "x"}),  # queued before outbox rows had response_id
        ])  # fmt: skip
        db.session.commit()
    closed_on(app, Consultation, consultation_id, LONG_AGO)
    return consultation_id


def consultation_figures(app: Flask, consultation_id: int) -> dict[str, Any]:
    with app.test_request_context():
        consultation = db.session.get_one(Consultation, consultation_id)
        definition = definition_of(consultation)
        lookup = lookup_for(consultation.organisation_id)
        summary = summarise_consultation(consultation_id, definition, lookup)
        exported = list(answered_rows(consultation_id, definition, lookup, LONDON))
        figures: dict[str, Any] = {"total": summary.total, "by_area": summary.by_area, "consent": summary.consent,
                                   "exported_areas": Counter(row.area for row in exported)}  # fmt: skip
        for question in summary.questions:
            figures[question.question.key] = (
                question.asked, question.answered, [(c.code, c.count) for c in question.counts],
                [(r.code, r.counts) for r in question.matrix], [(r.code, r.score) for r in question.ranking],
                question.mean, question.histogram, [(t.label, t.count) for t in question.themes],
            )  # fmt: skip
        figures["quotes"] = [(q.attribution, q.text, q.featured) for q in quotes(consultation_id, definition, "why",
                                                                                  lookup)]  # fmt: skip
        return figures


def test_closed_consultations_keep_their_figures_without_the_people(app: Flask, organiser_id: int) -> None:
    consultation_id = consultation_with_respondents(app, organiser_id)
    before = consultation_figures(app, consultation_id)
    assert before["total"] == 7

    with app.test_request_context():
        report = run_retention(batch_size=2)
    assert report.consultations == [("the-consultation", 7, 1)] and report.mails == 1
    after = consultation_figures(app, consultation_id)
    quotes_before, quotes_after = before.pop("quotes"), after.pop("quotes")
    assert after == before, "totals, areas, consent and every question's figures are unchanged"
    # Named quotes now read as anonymous ones; the featured choice follows its (redacted) text.
    assert [who for who, _, _ in quotes_before] == ["Rae 0, York centre", "Rae 1, York", "Rae Loud, York centre"]
    assert [who for who, _, _ in quotes_after] == ["A respondent, York centre", "A respondent, York",
                                                  "A respondent, York centre"]  # fmt: skip
    assert [(text, featured) for _, text, featured in quotes_after] == [
        (text, featured) for _, text, featured in quotes_before]  # fmt: skip

    with app.app_context():
        rows = list(db.session.scalars(select(ConsultationResponse).order_by(ConsultationResponse.id)))
        mail = db.session.execute(select(OutboxMessage.to_address, OutboxMessage.status)).all()
    assert len(rows) == 7, "the unfinished response was deleted"
    assert all(r.email == "" and r.name == "A respondent" and r.anonymised_at is not None for r in rows)
    loud = json.loads(rows[-1].answers or "{}")["answers"]
    assert loud["why"] == "The road closure posts. Email me at [email removed] or call [phone number removed]"
    assert loud["where"] == anonymised_postcode("YO1 7HH") == "YO1 7**" and rows[-1].postcode == "YO1 7**"
    assert rows[-1].working == rows[-1].answers
    assert json.loads(rows[3].answers or "{}")["other"] == {"colour": "Purple, ring [phone number removed]"}
    assert mail == [("", "failed")], "the old link's address is gone; the draft's mail went with it"
    with app.test_request_context():
        assert run_retention().changed == 0


def test_nothing_recent_or_open_is_touched(app: Flask, organiser_id: int) -> None:
    consultation_id = make_consultation(app, organiser_id, definition=all_types(), state="closed")
    add_response(app, consultation_id, RESPONSES[0])
    closed_on(app, Consultation, consultation_id, utcnow() - timedelta(days=179))
    petition_id = make_petition(app, organiser_id, state="open", slug="open-one")
    add_signature(app, petition_id)
    with app.test_request_context():
        assert run_retention().changed == 0
        app.config["RETENTION_DAYS"] = 30
        assert run_retention().consultations == [("the-consultation", 1, 0)]


def test_the_command_reports_and_the_worker_runs_it_daily(app: Flask, organiser_id: int) -> None:
    petition_id = make_petition(app, organiser_id, state="closed", slug="old-one")
    add_signature(app, petition_id)
    closed_on(app, Petition, petition_id, LONG_AGO)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "petition old-one: 1 signatures would be anonymised, 0 unconfirmed would be deleted" in dry.output
    assert signatures(app)[0].anonymised_at is None
    done = runner.invoke(args=["retention", "run"])
    assert "petition old-one: 1 signatures anonymised" in done.output and signatures(app)[0].email == ""
    assert "Nothing to do" in runner.invoke(args=["retention", "run"]).output

    assert "apply the retention policy" in [job.name for job in default_jobs(app)]
    app.config["RETENTION_SCHEDULE"] = "off"
    assert "apply the retention policy" not in [job.name for job in default_jobs(app)]
