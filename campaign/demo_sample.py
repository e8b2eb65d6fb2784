"""Fictional people for the demo: signatures and consultation responses to make summaries worth reading.

Everything here is made up (addresses at example.org) and generated from a fixed seed, so every
demo looks the same. It is written straight to the tables, as if each person had confirmed by
email, because sending thousands of demo emails would help nobody.
"""

from __future__ import annotations

import json
import random
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from campaign.consultations.definition import Definition
from campaign.consultations.models import ConsultationResponse
from campaign.extensions import db
from campaign.identity import name_key
from campaign.petitions.models import Petition
from campaign.signing.models import Signature

FIRST_NAMES = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Ivy", "Arthur", "Freya", "Leo", "Florence", "Oscar",
    "Evie", "Harry", "Sophia", "Jack", "Grace", "Thomas", "Alice", "Alfie", "Ruby", "Charlie", "Ella", "Henry",
    "Rosie", "Jacob", "Poppy", "Alfie", "Mia", "William", "Daisy", "James", "Elsie", "Priya", "Mohammed", "Aisha",
    "Tomasz", "Agnieszka", "Niamh", "Ciarán", "Siân", "Dafydd",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Johnson", "Robinson", "Wood", "Thompson", "Wright", "Walker",
    "White", "Hall", "Green", "Harrison", "Clarke", "Lewis", "Jackson", "Atkinson", "Hill", "Shaw", "Dixon", "Ward",
    "Scott", "Turner", "Khan", "Patel", "Kowalski", "Murphy", "Evans", "Hughes", "Bell", "Metcalfe", "Pickersgill",
    "Thwaite", "Dobson",
)  # fmt: skip
# Postcode districts and how often the demo's signers live there: mostly North Yorkshire and York.
DISTRICTS = {
    "YO1": 40, "YO10": 55, "YO23": 30, "YO24": 35, "YO26": 30, "YO30": 35, "YO31": 40, "YO32": 30, "YO19": 10,
    "HG1": 40, "HG2": 30, "HG3": 15, "HG4": 15, "HG5": 20, "YO11": 30, "YO12": 30, "YO14": 8, "YO21": 12,
    "YO22": 12, "YO8": 25, "LS24": 12, "DL6": 15, "DL7": 12, "YO7": 15, "TS9": 8, "DL8": 8, "DL9": 10, "DL10": 10,
    "DL11": 3, "YO17": 15, "YO18": 10, "YO62": 6, "BD23": 15, "BD24": 4, "LA2": 2, "LS1": 6, "LS6": 4, "M1": 2,
    "SW1A": 1, "NE1": 2,
}  # fmt: skip
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
CONSENTS = (("named", 20), ("anonymous", 45), ("none", 35))

MISSED = [
    "The road closure updates from the roads policing sergeant: I knew about crashes on the A64 before the radio.",
    "Scam warnings for older neighbours; my mum shared them with her friends every week.",
    "Knowing the names of our neighbourhood officers and seeing what they actually do on a shift.",
    "Lost dogs being reunited with owners, and missing people appeals shared locally within minutes.",
    "Rural crime alerts about quad bike and machinery thefts on farms round here.",
    "Being able to ask a question and get a straight answer from someone local.",
    "Updates about road closures and response times after incidents in town.",
    "Photos of stolen bikes recovered, it made me feel something was being done.",
]
MESSAGES = [
    "Bring back officer accounts with proper training and guidance. Local information matters.",
    "Reverse the ban. The district accounts feel like a press office, not a conversation with local officers.",
    "More neighbourhood officers and PCSOs first, then let them post about what they do.",
    "Keep the front counters open and let officers talk to residents online as well.",
    "Clear social media guidance for officers, not a blanket ban. Other forces manage it fine.",
    "Please reverse the ban on local accounts: scam warnings and missing people appeals reached far more people.",
    "Focus on rural crime and road safety; the officer accounts were a good way to hear about both.",
    "Call me on 07700 900123 if you want to know more about what happened in our village.",
    "Local information, fast, from people we know. That is what we lost. See www.example.org/petition for more.",
]


def _postcode(rng: random.Random, district: str) -> str:
    sector = "7" if district == "LA2" else str(rng.randint(1, 9))
    return f"{district} {sector}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def _moments(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """Times between start and end, busier on a few days (when the local paper covered it, say)."""
    span = (end - start).total_seconds()
    surges = [0.12, 0.55]
    times = []
    for _ in range(count):
        fraction = rng.random() if rng.random() < 0.55 else min(max(rng.gauss(rng.choice(surges), 0.04), 0), 0.999)
        times.append(start + timedelta(seconds=fraction * span))
    return sorted(times)


def add_sample_signatures(petition: Petition, count: int, now: datetime, *, seed: int = 2026) -> int:
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, the same every time
    districts, weights = zip(*DISTRICTS.items(), strict=True)
    opened = petition.opened_at or now - timedelta(days=12)
    rows = []
    for n, confirmed_at in enumerate(_moments(rng, count, opened, now - timedelta(minutes=30)), start=1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        email = f"sample.signer.{n}@example.org"
        abroad = rng.random() < 0.015
        rows.append({
            "petition_id": petition.id, "state": "confirmed", "name": name, "name_key": name_key(name),
            "email": email, "canonical_email": email, "household_slot": 1,
            "postcode": None if abroad else _postcode(rng, rng.choices(districts, weights)[0]),
            "country": rng.choice(["IE", "FR", "ES", "AU"]) if abroad else None,
            "notify_progress": rng.random() < 0.45, "share_name": rng.random() < 0.35,
            "confirmation_nonce": secrets.token_urlsafe(12), "emails_sent": 1,
            "created_at": confirmed_at - timedelta(minutes=rng.randint(1, 90)), "confirmed_at": confirmed_at,
        })  # fmt: skip
    db.session.execute(insert(Signature), rows)
    db.session.execute(
        update(Petition).where(Petition.id == petition.id).values(signature_count=Petition.signature_count + count)
    )
    return count


def _answers(rng: random.Random, definition: Definition) -> dict[str, Any]:
    followed = rng.random() < 0.58
    answers: dict[str, Any] = {
        "hear_about": rng.sample(["force_accounts", "officer_accounts", "local_news", "community_groups",
                                  "police_website", "word_of_mouth"], k=rng.randint(1, 3)),
        "followed_officers": "yes" if followed else "no",
        "importance": rng.choices([1, 2, 3, 4, 5], [6, 9, 20, 33, 32])[0],
        "statements": {
            "human_side": rng.choices([1, 2, 3, 4, 5], [4, 8, 18, 40, 30])[0],
            "faster_info": rng.choices([1, 2, 3, 4, 5], [5, 10, 15, 38, 32])[0],
            "district_accounts": rng.choices([1, 2, 3, 4, 5], [22, 35, 25, 13, 5])[0],
            "two_way": rng.choices([1, 2, 3, 4, 5], [6, 12, 22, 35, 25])[0],
        },
        "priorities": rng.sample(["reverse_ban", "reverse_ban", "reverse_ban", "guidance", "more_pcsos", "more_pcsos",
                                  "front_counters", "rural_crime", "road_safety"], k=5),
    }  # fmt: skip
    answers["priorities"] = list(dict.fromkeys(answers["priorities"]))[:3]
    if followed and rng.random() < 0.8:
        answers["what_missed"] = rng.choice(MISSED)
    if rng.random() < 0.6:
        answers["message"] = rng.choice(MESSAGES)
    if rng.random() < 0.75:
        districts, weights = zip(*DISTRICTS.items(), strict=True)
        answers["postcode"] = _postcode(rng, rng.choices(districts, weights)[0])
    if rng.random() < 0.7:
        answers["years_here"] = rng.choice([1, 2, 3, 5, 8, 10, 12, 15, 20, 25, 30, 40, 52])
    answers["age_group"] = rng.choices(["under_25", "25_44", "45_64", "65_plus", "prefer_not"], [8, 28, 36, 24, 4])[0]
    known = {question.key for _, question in definition.questions()}
    return {key: value for key, value in answers.items() if key in known}


def add_sample_responses(
    consultation_id: int, definition: Definition, count: int, start: datetime, now: datetime, *, seed: int = 1984
) -> int:
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, the same every time
    rows = []
    for n, submitted_at in enumerate(_moments(rng, count, start, now - timedelta(hours=1)), start=1):
        answers = _answers(rng, definition)
        document = json.dumps({"answers": answers, "other": {}}, separators=(",", ":"))
        email = f"sample.respondent.{n}@example.org"
        rows.append({
            "consultation_id": consultation_id, "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            "email": email, "canonical_email": email, "nonce": secrets.token_urlsafe(12), "state": "submitted",
            "working": document, "answers": document,
            "consent": rng.choices([c for c, _ in CONSENTS], [w for _, w in CONSENTS])[0],
            "postcode": answers.get("postcode"), "verified_at": submitted_at - timedelta(minutes=20),
            "submitted_at": submitted_at, "changed_at": submitted_at, "emails_sent": 1,
            "created_at": submitted_at - timedelta(minutes=25),
        })  # fmt: skip
    db.session.execute(insert(ConsultationResponse), rows)
    return count
