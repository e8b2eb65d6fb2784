"""Demo data for the example campaign: a police force's ban on officers' social media accounts.

Loading is idempotent: anything that already exists (matched by email or slug) is
left exactly as it is, so an organiser's edits to the demo survive a second run.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from campaign.accounts.models import Organisation, Organiser, Role
from campaign.accounts.service import hash_password
from campaign.consultations.models import Consultation
from campaign.db import transaction, utcnow
from campaign.extensions import db
from campaign.petitions.models import Petition, PetitionState
from campaign.petitions.service import PetitionDraft, create_petition

DEMO_ORGANISATION = "North Yorkshire Residents' Forum"
DEMO_ORGANISER_EMAIL = "organiser@example.org"
DEMO_ORGANISER_NAME = "Alex Morgan"
DEMO_PETITION_SLUG = "reverse-the-social-media-ban"

BAN_PETITION_BODY = """\
Until this year, many of our neighbourhood officers, PCSOs and roads-policing teams ran their own
social media accounts. They posted about burglaries on our streets, road closures, lost dogs found
and scams doing the rounds, and they answered our questions in plain language. One roads-policing
sergeant alone had more than 14,000 followers.

Following national guidance, the force has now stopped officers running personal or area-based
accounts. All contact on social media goes through a handful of official district accounts instead.

## Why this matters

- **Trust is built by people, not logos.** Officer-run accounts showed the human side of policing
  at a time when local stations and front counters are closing.
- **Local information, fast.** A post from the officer who patrols your village reaches the people
  it affects in minutes, not after it has been approved and rewritten for a whole district.
- **A conversation, not a noticeboard.** Residents could reply, ask and report. Eight district
  accounts cannot hold that many conversations.
- **Other forces manage it.** Neighbouring forces, Northamptonshire among them, have kept
  individual accounts with sensible training and guidance.

## What we are asking for

We ask the Chief Constable to reverse the ban and let trained officers run accounts for their
neighbourhoods again, with clear guidance and support, and we ask every candidate for Police,
Fire and Crime Commissioner to say where they stand.

The force has said it will keep the policy under review. Every verified signature here tells it,
and the next Commissioner, how many residents want that review to happen now.
"""

OTHER_PETITIONS = [
    {
        "slug": "restore-harrogate-front-counter-hours",
        "title": "Restore full opening hours at the Harrogate police front counter",
        "summary": "The front counter now opens three mornings a week. We ask for it to open every weekday again.",
        "body": "Since the spring, the front counter has opened only on Monday, Wednesday and Friday mornings.\n\n"
        "Older residents and people without internet access rely on it to report crime, hand in lost "
        "property and get advice face to face. We ask the force to restore weekday opening.",
        "target": 2000,
        "state": PetitionState.CLOSED,
        "days_open": 120,
        "days_closed": 20,
    },
    {
        "slug": "publish-neighbourhood-priorities-online",
        "title": "Publish neighbourhood policing priorities and meeting notes online",
        "summary": "Ask each neighbourhood team to publish its current priorities and the notes of public meetings.",
        "body": "Neighbourhood teams set local priorities at public meetings, but few people can attend.\n\n"
        "Publishing the priorities and short notes of each meeting would let every resident see what "
        "their team is working on and hold it to account.",
        "target": 1000,
        "state": PetitionState.DRAFT,
    },
    {
        "slug": "speed-cameras-on-the-a64-at-malton",
        "title": "Install average speed cameras on the A64 near Malton",
        "summary": "Residents along the A64 ask for average speed cameras after a run of serious collisions.",
        "body": "A stretch of the A64 near Malton has seen several serious collisions in two years.\n\n"
        "Average speed cameras have reduced collisions on similar roads. We asked the safety camera "
        "partnership to assess the route.",
        "target": 500,
        "state": PetitionState.ARCHIVED,
        "days_open": 400,
        "days_closed": 300,
    },
]


@dataclass
class DemoReport:
    lines: list[str] = field(default_factory=list)


def _demo_password_file() -> Path:
    return Path(current_app.instance_path) / "demo-organiser-password"


def _write_private(path: Path, text: str) -> None:
    """Create a file only the owner can read (never briefly readable by others)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def _ensure_organiser(report: DemoReport) -> Organiser:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    if organisation is None:
        organisation = Organisation(name=DEMO_ORGANISATION)
        db.session.add(organisation)
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == DEMO_ORGANISER_EMAIL))
    password_file = _demo_password_file()
    if organiser is None:
        # A password generated for this installation, never one written in code.
        password = secrets.token_urlsafe(12)
        organiser = Organiser(
            email=DEMO_ORGANISER_EMAIL,
            name=DEMO_ORGANISER_NAME,
            role=Role.ORGANISER.value,
            password_hash=hash_password(password),
            organisation=organisation,
        )
        db.session.add(organiser)
        password_file.unlink(missing_ok=True)
        _write_private(password_file, password)
        report.lines.append(f"Created demo organiser {DEMO_ORGANISER_EMAIL}.")
    if password_file.exists():
        password = password_file.read_text().strip()
        report.lines.append(f"Organiser login: {DEMO_ORGANISER_EMAIL}  password: {password} (as first set)")
    else:
        report.lines.append(f"Organiser login: {DEMO_ORGANISER_EMAIL} (password unchanged since it was first set)")
    return organiser


def _ensure_petition(organiser: Organiser, spec: dict[str, object], report: DemoReport) -> Petition | None:
    """Create a petition through the service (so its text is cleaned and rendered like any
    other), then put it in the story's state with dates in the past."""
    slug = str(spec["slug"])
    if db.session.scalar(select(Petition.id).where(Petition.slug == slug)) is not None:
        return None
    now = utcnow()
    state = PetitionState(str(spec["state"]))
    petition = create_petition(
        organiser,
        PetitionDraft(
            title=str(spec["title"]),
            summary=str(spec["summary"]),
            body=str(spec["body"]),
            target=int(str(spec["target"])),
            slug=slug,
        ),
        now=now,
    )
    petition.state = state.value
    if state != PetitionState.DRAFT:
        petition.opened_at = now - timedelta(days=int(str(spec.get("days_open", 14))))
    if state == PetitionState.OPEN:
        petition.closes_at = now + timedelta(days=int(str(spec.get("days_left", 90))))
    if state in {PetitionState.CLOSED, PetitionState.ARCHIVED}:
        petition.closed_at = now - timedelta(days=int(str(spec.get("days_closed", 10))))
        petition.closes_at = petition.closed_at
    report.lines.append(f"Created {state} petition /petitions/{slug}")
    return petition


DEMO_CONSULTATION_SLUG = "policing-and-social-media"


def _ensure_consultation(organiser: Organiser, report: DemoReport) -> Consultation | None:
    """The demo consultation, linked to the demo petition, open for a fortnight already."""
    from campaign.consultations.definition import parse_definition_json
    from campaign.consultations.documents import definition_json
    from campaign.consultations.service import ConsultationDraft, create_consultation

    if db.session.scalar(select(Consultation.id).where(Consultation.slug == DEMO_CONSULTATION_SLUG)) is not None:
        return None
    now = utcnow()
    petition_id = db.session.scalar(select(Petition.id).where(Petition.slug == DEMO_PETITION_SLUG))
    consultation = create_consultation(
        organiser,
        ConsultationDraft(
            title="Policing and social media in North Yorkshire",
            summary="Tell us how you hear about local policing, what officer-run accounts meant to you, and what "
            "the next Police, Fire and Crime Commissioner should do.",
            intro="The force has stopped officers running their own social media accounts. Before the Police, Fire "
            "and Crime Commissioner election, we want to hand every candidate an honest picture of what "
            "residents think.\n\nIt takes about five minutes. Your answers are summarised by area; your words "
            "are only quoted if you say so.",
            slug=DEMO_CONSULTATION_SLUG,
            petition_id=petition_id,
        ),
        now=now,
    )
    questions = (Path(__file__).parent / "demo_data" / f"{DEMO_CONSULTATION_SLUG}.json").read_text()
    consultation.definition = definition_json(parse_definition_json(questions))
    consultation.state, consultation.opened_at = "open", now - timedelta(days=12)
    consultation.closes_at = now + timedelta(days=78)
    report.lines.append(f"Created open consultation /consultations/{DEMO_CONSULTATION_SLUG}")
    return consultation


DEMO_AREA_NOTE = (
    "Approximate demo data: areas are the former North Yorkshire districts and York, matched by postcode "
    "district, which do not follow council boundaries exactly."
)


def _ensure_areas(organiser: Organiser, report: DemoReport) -> None:
    """North Yorkshire's former districts and York by postcode prefix, unless the organisation has areas."""
    from campaign.areas.models import Area
    from campaign.areas.service import parse_mapping_csv, replace_mapping

    if db.session.scalar(select(Area.id).where(Area.organisation_id == organiser.organisation_id).limit(1)):
        return
    rows = parse_mapping_csv((Path(__file__).parent / "demo_data" / "north-yorkshire-areas.csv").read_text())
    count = replace_mapping(organiser, rows)
    organiser.organisation.area_note = DEMO_AREA_NOTE
    report.lines.append(f"Created {count} demo areas from {len(rows)} postcode prefixes (approximate)")


DEMO_SIGNATURES, DEMO_RESPONSES = 1_240, 180
DEMO_CANDIDATES = [
    # (name, affiliation, position or None for "not responded yet", statement, pledge)
    ("Dr Ruth Okafor", "Independent", "supports",
     "Officers who patrol our villages should be able to tell us what they are seeing, in their own words. "
     "With clear guidance and training, local accounts build trust; a ban builds distance.",
     "Within 100 days, restore local officer accounts with a published code of conduct."),
    ("Graham Pickering", "Yorkshire Community Party", "undecided",
     "I understand why residents valued these accounts. I also understand the force's worries about mistakes "
     "made in public. I want to see the evidence from forces that kept them before I decide.", ""),
    ("Sarah Lindqvist", "Independent", None, "", ""),
]  # fmt: skip
DEMO_UPDATE = (
    "We met the Chief Constable's office",
    "Thank you to everyone who has signed. On Tuesday we met the Chief Constable's staff officer and shared the "
    "early figures by district.\n\nThey told us the policy will be reviewed in the spring. We will keep collecting "
    "signatures and consultation answers until then, and we have invited every candidate for Commissioner to say "
    "where they stand.",
)


def _add_story(organiser: Organiser, petition: Petition, report: DemoReport) -> None:
    """The demo petition's fictional signers, candidates and an update, as if it had run for twelve days."""
    from campaign.candidates.models import Candidate, CandidateStatement
    from campaign.demo_sample import add_sample_signatures
    from campaign.markup import render_markdown
    from campaign.outcomes.models import PetitionUpdate

    now = utcnow()
    count = add_sample_signatures(petition, DEMO_SIGNATURES, now)
    report.lines.append(f"Added {count:,} fictional confirmed signatures (at example.org) to the demo petition")
    for n, (name, affiliation, position, statement, pledge) in enumerate(DEMO_CANDIDATES, start=1):
        candidate = Candidate(petition_id=petition.id, name=name, affiliation=affiliation,
                              email=f"candidate{n}@example.org", invited_at=now - timedelta(days=6), emails_sent=1,
                              created_by_id=organiser.id)  # fmt: skip
        if position:
            published = CandidateStatement(version=1, position=position, statement=statement, pledge=pledge,
                                           published_at=now - timedelta(days=4))  # fmt: skip
            candidate.statements.append(published)
        db.session.add(candidate)
    title, body = DEMO_UPDATE
    db.session.add(PetitionUpdate(petition_id=petition.id, title=title, body_markdown=body,
                                  body_html=render_markdown(body), published_at=now - timedelta(days=3),
                                  created_by_id=organiser.id))  # fmt: skip
    report.lines.append(f"Added {len(DEMO_CANDIDATES)} fictional candidates and an update")


def _add_responses(consultation: Consultation, report: DemoReport) -> None:
    from campaign.consultations.service import definition_of
    from campaign.demo_sample import add_sample_responses

    now = utcnow()
    start = consultation.opened_at or now - timedelta(days=12)
    count = add_sample_responses(consultation.id, definition_of(consultation), DEMO_RESPONSES, start, now)
    report.lines.append(f"Added {count} fictional consultation responses (at example.org)")


def load_demo() -> DemoReport:
    """Create the demo organisation, organiser and petitions that do not exist yet."""
    report = DemoReport()
    with transaction():
        organiser = _ensure_organiser(report)
        petition = _ensure_petition(
            organiser,
            {
                "slug": DEMO_PETITION_SLUG,
                "title": "Reverse the ban on police officers' local social media accounts",
                "summary": "Let trained neighbourhood and roads-policing officers run their own local accounts "
                "again, so residents get local news and a two-way conversation with the people who police them.",
                "body": BAN_PETITION_BODY,
                "target": 10_000,
                "state": PetitionState.OPEN,
                "days_open": 12,
                "days_left": 78,
            },
            report,
        )
        for spec in OTHER_PETITIONS:
            _ensure_petition(organiser, spec, report)
        db.session.flush()
        consultation = _ensure_consultation(organiser, report)
        _ensure_areas(organiser, report)
        db.session.flush()
        if petition is not None:
            _add_story(organiser, petition, report)
        if consultation is not None:
            _add_responses(consultation, report)
    base_url = current_app.config["BASE_URL"]
    report.lines.append(f"Demo petition: {base_url}/petitions/{DEMO_PETITION_SLUG}")
    report.lines.append(f"Demo consultation: {base_url}/consultations/{DEMO_CONSULTATION_SLUG}")
    report.lines.append(f"Organiser console: {base_url}/console/")
    return report
