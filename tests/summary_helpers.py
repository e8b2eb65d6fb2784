"""Factories for summary tests: confirmed signatures and submitted responses written straight to the tables."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert

from campaign.consultations.models import ConsultationResponse
from campaign.extensions import db
from campaign.identity import name_key
from campaign.signing.models import Signature

_counter = iter(range(1, 10_000_000))


def add_signature(
    app: Flask, petition_id: int, *, confirmed_at: datetime | None = None, postcode: str | None = "YO1 7HH",
    country: str | None = None, name: str = "Sam Signer", share_name: bool = False, notify: bool = False,
    state: str = "confirmed", email: str | None = None,
) -> None:  # fmt: skip
    n = next(_counter)
    email = email or f"signer{n}@example.org"
    moment = confirmed_at or datetime.now(UTC) - timedelta(hours=1)
    with app.app_context():
        db.session.execute(insert(Signature).values(
            petition_id=petition_id, state=state, name=name, name_key=name_key(name) + str(n), email=email,
            canonical_email=email, household_slot=1 if state == "confirmed" else None,
            postcode=None if country else postcode, country=country, notify_progress=notify, share_name=share_name,
            confirmation_nonce=secrets.token_urlsafe(12), emails_sent=1, created_at=moment - timedelta(minutes=5),
            confirmed_at=moment if state == "confirmed" else None,
        ))  # fmt: skip
        db.session.commit()


def add_response(
    app: Flask, consultation_id: int, answers: dict[str, Any], *, other: dict[str, str] | None = None,
    consent: str = "none", name: str = "Rae Respondent", submitted_at: datetime | None = None,
    email: str | None = None,
) -> int:  # fmt: skip
    n = next(_counter)
    email = email or f"respondent{n}@example.org"
    moment = submitted_at or datetime.now(UTC) - timedelta(hours=1)
    document = json.dumps({"answers": answers, "other": other or {}})
    postcode = next((v for k, v in answers.items() if k in {"where", "postcode"} and isinstance(v, str)), None)
    with app.app_context():
        result = db.session.execute(insert(ConsultationResponse).values(
            consultation_id=consultation_id, name=name, email=email, canonical_email=email,
            nonce=secrets.token_urlsafe(12), state="submitted", working=document, answers=document, consent=consent,
            postcode=postcode, verified_at=moment, submitted_at=moment, changed_at=moment, emails_sent=1,
            created_at=moment,
        ))  # fmt: skip
        db.session.commit()
        return int(result.inserted_primary_key[0])
