"""Benchmark summarising a consultation: 100,000 responses to 12 questions, on SQLite.

    .venv/bin/python bench/summaries.py [--responses 100000] [--database-url URL]

Builds a 12-question consultation (every kind of question, two free-text ones, one shown only
after a "yes") with RESPONSES submitted responses, then times, three times each: the summary
alone (every count, average, rank score, area and the themes of both free-text questions), and
the organiser's whole summary page (the summary, the charts and the HTML) through the app.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from themes import make_corpus

SECRET_KEY = "benchmark-secret-key-0123456789-abcdefghijkl"
SLUG = "summary-bench"
PASSWORD = "benchmark password 1"
OPTIONS = [{"code": c, "label": c.replace("_", " ").title()} for c in ("road_closures", "scams", "missing_people",
                                                                       "rural_crime", "events", "other_news")]  # fmt: skip


def definition() -> dict[str, Any]:
    return {"schema": "campaign/consultation-definition/1", "sections": [
        {"key": "hearing", "title": "Hearing", "questions": [
            {"key": "hear", "type": "multiple_choice", "label": "Where do you hear?", "options": OPTIONS, "other": True},
            {"key": "followed", "type": "yes_no", "label": "Did you follow?"},
            {"key": "missed", "type": "long_text", "label": "What do you miss?",
             "condition": {"question": "followed", "operator": "equals", "values": ["yes"]}},
            {"key": "main", "type": "single_choice", "label": "Main source?", "options": OPTIONS},
        ]},
        {"key": "views", "title": "Views", "questions": [
            {"key": "importance", "type": "likert", "label": "How important?"},
            {"key": "trust", "type": "likert", "label": "How much trust?"},
            {"key": "statements", "type": "matrix", "label": "Agree?",
             "statements": [{"code": f"s{n}", "label": f"Statement {n}"} for n in range(1, 5)]},
            {"key": "priorities", "type": "ranking", "label": "Priorities?", "options": OPTIONS, "top": 3},
            {"key": "message", "type": "long_text", "label": "Your message?"},
        ]},
        {"key": "you", "title": "You", "questions": [
            {"key": "postcode", "type": "postcode", "label": "Postcode?"},
            {"key": "years", "type": "number", "label": "Years here?", "minimum": 0, "maximum": 100},
            {"key": "age", "type": "single_choice", "label": "Age?", "options": OPTIONS[:4]},
        ]},
    ]}  # fmt: skip


def answers(rng: random.Random, codes: list[str], postcodes: list[str], texts: Iterator[str]) -> dict[str, Any]:
    followed = rng.random() < 0.6
    result: dict[str, Any] = {
        "hear": rng.sample(codes, k=rng.randint(1, 3)), "followed": "yes" if followed else "no",
        "main": rng.choice(codes), "importance": rng.randint(1, 5), "trust": rng.randint(1, 5),
        "statements": {f"s{n}": rng.randint(1, 5) for n in range(1, 5)}, "priorities": rng.sample(codes, k=3),
        "years": rng.randint(0, 80), "age": rng.choice(codes[:4]),
    }  # fmt: skip
    if followed and rng.random() < 0.8:
        result["missed"] = next(texts)
    if rng.random() < 0.6:
        result["message"] = next(texts)
    if rng.random() < 0.8:
        result["postcode"] = rng.choice(postcodes)
    return result


def prepare(database_url: str, instance: Path, count: int) -> Any:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from campaign import create_app
    from campaign.accounts.service import NewOrganiser, create_organiser
    from campaign.areas.service import parse_mapping_csv, replace_mapping
    from campaign.consultations import builder, service
    from campaign.consultations.definition import parse_definition
    from campaign.consultations.models import ConsultationResponse
    from campaign.demo_sample import DISTRICTS, _postcode
    from campaign.extensions import db

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                      "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})  # fmt: skip
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        organiser = create_organiser(NewOrganiser("bench@example.org", "Bench", PASSWORD))
        mapping = Path(__file__).resolve().parent.parent / "campaign" / "demo_data" / "north-yorkshire-areas.csv"
        replace_mapping(organiser, parse_mapping_csv(mapping.read_text()))
        consultation = service.create_consultation(organiser, service.ConsultationDraft("Bench", "Twelve.", slug=SLUG))
        builder.save_definition(organiser, consultation.id, parse_definition(definition()))
        service.open_consultation(organiser, consultation.id)
        codes = [o["code"] for o in OPTIONS]
        texts = itertools.cycle(make_corpus(20_000, seed=11))  # written answers like residents' (see bench/themes.py)
        postcodes = [_postcode(rng, district) for district in DISTRICTS for _ in range(30)]
        now = datetime.now(UTC)
        rows = []
        for n in range(count):
            document = json.dumps(
                {"answers": answers(rng, codes, postcodes, texts), "other": {}}, separators=(",", ":")
            )
            moment = now - timedelta(minutes=n)
            rows.append({"consultation_id": consultation.id, "name": f"R {n}", "email": f"r{n}@example.org",
                         "canonical_email": f"r{n}@example.org", "nonce": f"n{n}", "state": "submitted",
                         "working": document, "answers": document, "consent": rng.choice(["named", "anonymous", "none"]),
                         "postcode": json.loads(document)["answers"].get("postcode"), "verified_at": moment,
                         "submitted_at": moment, "changed_at": moment, "emails_sent": 1, "created_at": moment})  # fmt: skip
            if len(rows) == 10_000:
                db.session.execute(insert(ConsultationResponse), rows)
                db.session.commit()
                rows = []
        if rows:
            db.session.execute(insert(ConsultationResponse), rows)
            db.session.commit()
        return app, consultation.id


def timed(run: Any, times: int = 3) -> list[float]:
    results = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        results.append(time.perf_counter() - started)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="campaign-summary-bench-"))
    instance = workdir / "instance"
    instance.mkdir()
    database_url = args.database_url or f"sqlite:///{instance / 'campaign.db'}"
    started = time.perf_counter()
    app, consultation_id = prepare(database_url, instance, args.responses)
    print(f"prepared {args.responses:,} responses in {time.perf_counter() - started:.0f}s")

    from campaign.areas.service import lookup_for
    from campaign.consultations.models import Consultation
    from campaign.consultations.service import definition_of
    from campaign.extensions import db
    from campaign.summaries.consultations import summarise_consultation

    with app.app_context():
        consultation = db.session.get_one(Consultation, consultation_id)
        definition, organisation_id = definition_of(consultation), consultation.organisation_id
        summary = summarise_consultation(consultation_id, definition, lookup_for(organisation_id))
        assert summary.total == args.responses
        alone = timed(lambda: summarise_consultation(consultation_id, definition, lookup_for(organisation_id)))
        themes = [theme.label for theme in summary.question("message").themes][:6]  # type: ignore[union-attr]

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"csrf_token": token, "email": "bench@example.org", "password": PASSWORD})

    def whole_page() -> None:
        response = client.get(f"/console/consultations/{consultation_id}/summary")
        assert response.status_code == 200

    page_times = timed(whole_page)
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(f"\n{backend}, {args.responses:,} responses, 12 questions (3 runs each; target: at most 3 s)")
    print(f"  summary alone:       best {min(alone):.2f} s, median {statistics.median(alone):.2f} s")
    print(f"  whole summary page:  best {min(page_times):.2f} s, median {statistics.median(page_times):.2f} s")
    print(f"  top themes in the free-text question: {', '.join(themes)}")


if __name__ == "__main__":
    main()
