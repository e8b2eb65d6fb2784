"""Factories for consultation tests."""

from __future__ import annotations

from typing import Any

from flask import Flask

from campaign.accounts.models import Organiser
from campaign.consultations import builder, service
from campaign.consultations.definition import parse_definition
from campaign.consultations.models import Consultation, ConsultationResponse
from campaign.extensions import db
from tests.test_consultation_definition import every_type


def simple_definition() -> dict[str, Any]:
    """Two pages: a required yes/no with a same-page follow-up, then a required scale and a postcode."""
    return {
        "schema": every_type()["schema"],
        "sections": [
            {"key": "start", "title": "Start", "questions": [
                {"key": "followed", "type": "yes_no", "label": "Did you follow officer accounts?", "required": True},
                {"key": "missed", "type": "long_text", "label": "What do you miss?", "max_length": 200,
                 "condition": {"question": "followed", "operator": "equals", "values": ["yes"]}},
            ]},
            {"key": "views", "title": "Views", "questions": [
                {"key": "importance", "type": "likert", "label": "How much does it matter?", "required": True},
                {"key": "where", "type": "postcode", "label": "Postcode?"},
            ]},
        ],
    }  # fmt: skip


def make_consultation(
    app: Flask,
    organiser_id: int,
    *,
    slug: str = "the-consultation",
    definition: dict[str, Any] | None = None,
    state: str = "open",
    petition_id: int | None = None,
) -> int:
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        consultation = service.create_consultation(
            organiser,
            service.ConsultationDraft(
                title="Policing and social media", summary="Tell us.", slug=slug, petition_id=petition_id
            ),
        )
        consultation_id = consultation.id
        builder.save_definition(organiser, consultation_id, parse_definition(definition or simple_definition()))
        if state in {"open", "closed"}:
            service.open_consultation(organiser, consultation_id)
        if state == "closed":
            service.close_consultation(organiser, consultation_id)
        return consultation_id


def load_consultation(app: Flask, consultation_id: int) -> Consultation:
    with app.app_context():
        consultation = db.session.get_one(Consultation, consultation_id)
        db.session.expunge(consultation)
        return consultation


def responses(app: Flask) -> list[ConsultationResponse]:
    with app.app_context():
        rows = list(db.session.query(ConsultationResponse).order_by(ConsultationResponse.id))
        db.session.expunge_all()
        return rows
