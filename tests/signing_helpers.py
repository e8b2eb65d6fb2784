"""Helpers for signing tests: sign through the real form, deliver mail, fold counts."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from campaign.extensions import db
from campaign.mail.models import OutboxMessage
from campaign.mail.service import DeliveryReport, deliver_all_due_mail
from campaign.petitions.models import Petition
from campaign.signing.counts import fold_count_deltas
from campaign.signing.models import Signature
from tests.helpers import submit

SIGNER = {"name": "Jo Bloggs", "email": "jo@example.org", "postcode": "yo1 7hh"}


def sign(client: FlaskClient, slug: str, **fields: str) -> TestResponse:
    """Fill in and send the sign form on the petition page."""
    return submit(client, f"/petitions/{slug}/sign", {**SIGNER, **fields}, form_url=f"/petitions/{slug}")


def deliver(app: Flask) -> DeliveryReport:
    with app.app_context():
        return deliver_all_due_mail()


def fold(app: Flask) -> int:
    with app.app_context():
        return fold_count_deltas()


def signatures(app: Flask) -> list[Signature]:
    with app.app_context():
        rows = list(db.session.scalars(select(Signature).order_by(Signature.id)))
        db.session.expunge_all()
        return rows


def outbox(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def stored_count(app: Flask, petition_id: int) -> int:
    with app.app_context():
        return db.session.get_one(Petition, petition_id).signature_count
