"""Many requests for one mailbox or one petition at once: rules hold, nothing errors, nothing is lost."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from campaign.extensions import db
from campaign.signing.confirming import confirm_signature
from campaign.signing.counts import fold_count_deltas, reconcile_counts
from campaign.signing.models import Signature
from campaign.signing.service import SignatureRequest, sign_petition
from campaign.tokens import TokenPurpose, make_token
from tests.helpers import make_organiser, make_petition
from tests.signing_helpers import signatures, stored_count


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"RESEND_MIN_INTERVAL_SECONDS": 0}


@pytest.fixture
def petition_id(app: Flask) -> int:
    return make_petition(app, make_organiser(app), state="open", slug="busy")


def in_parallel(app: Flask, count: int, work: object) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        with app.test_request_context():
            try:
                work(index)  # type: ignore[operator]
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(run, range(count)))
    return errors


def test_one_mailbox_many_names_at_once(app: Flask, petition_id: int) -> None:
    errors = in_parallel(app, 12, lambda i: sign_petition(
        "busy", SignatureRequest(name=f"Person {i}", email="shared@example.org", postcode="YO1 7HH")))  # fmt: skip
    assert errors == []
    assert len(signatures(app)) == 5, "at most five names wait on one mailbox"


def test_mail_caps_hold_under_concurrent_resends(app: Flask, petition_id: int) -> None:
    request = SignatureRequest(name="Jo Bloggs", email="jo@example.org", postcode="YO1 7HH")
    with app.test_request_context():
        sign_petition("busy", request)
    errors = in_parallel(app, 16, lambda i: sign_petition("busy", request))
    assert errors == []
    (signature,) = signatures(app)
    assert signature.emails_sent == 5


def test_two_households_confirming_at_once_get_two_slots(app: Flask, petition_id: int) -> None:
    with app.test_request_context():
        for name in ("Jo Bloggs", "Sam Bloggs", "Alex Bloggs"):
            sign_petition("busy", SignatureRequest(name=name, email="family@example.org", postcode="YO1 7HH"))
        tokens = [
            make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": s.id, "n": s.confirmation_nonce}) for s in signatures(app)
        ]
    outcomes: list[str] = []
    errors = in_parallel(app, 3, lambda i: outcomes.append(str(confirm_signature(tokens[i]))))
    assert len(errors) == 1 and type(errors[0]).__name__ == "HouseholdFull"
    assert sorted(s.household_slot for s in signatures(app) if s.state == "confirmed") == [1, 2]


def test_reconcile_and_folding_alongside_confirmations(app: Flask, petition_id: int) -> None:
    with app.app_context():
        for n in range(40):
            db.session.add(Signature(petition_id=petition_id, name=f"P {n}", name_key=f"p{n}", email=f"p{n}@example.org",
                                     canonical_email=f"p{n}@example.org", postcode="YO1 7HH"))  # fmt: skip
        db.session.commit()
        tokens = [make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": s.id, "n": s.confirmation_nonce})
                  for s in db.session.query(Signature)]  # fmt: skip

    def work(index: int) -> None:
        if index % 4 == 0:
            reconcile_counts()
        elif index % 4 == 1:
            fold_count_deltas()
        confirm_signature(tokens[index])

    assert in_parallel(app, 40, work) == []
    with app.app_context():
        fold_count_deltas()
        assert reconcile_counts() == []
    assert stored_count(app, petition_id) == 40
