"""What a briefing says: aggregates with small numbers hidden, chosen quotes, candidates, and how it was made.

Nothing here reads or passes on anything personal: counts and shares, the words of people who
agreed to be quoted (with their name only if they agreed to that), and candidates' public
responses. Each figure is built with ``suppress=True`` (see summaries/present.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import func, select

from campaign.accounts.models import Organisation
from campaign.areas.service import area_note, lookup_for
from campaign.briefings.models import Briefing
from campaign.candidates.models import Candidate
from campaign.candidates.service import candidates_for
from campaign.consultations.models import Consultation, ConsultationResponse, ResponseState
from campaign.consultations.service import definition_of
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.outcomes.models import PetitionUpdate
from campaign.outcomes.service import updates_for
from campaign.petitions.models import Petition, PublicStatus
from campaign.signing.models import Signature, SignatureState
from campaign.summaries.charts import progress_chart
from campaign.summaries.consultations import TEXT_TYPES, QuestionSummary, summarise_consultation
from campaign.summaries.petitions import DateRange, summarise_petition
from campaign.summaries.present import Figure, counts_figure, over_time_figure, question_figure
from campaign.summaries.quotes import Quote, quotes
from campaign.summaries.suppression import THRESHOLD, is_small
from campaign.summaries.themes import Theme

QUOTES_PER_QUESTION = 8
PUBLIC = {PublicStatus.OPEN, PublicStatus.CLOSED, PublicStatus.ARCHIVED}


@dataclass
class PetitionPart:
    petition: Petition
    confirmed: int
    confirmed_text: str
    progress: Markup
    over_time: Figure
    areas: Figure
    candidates: list[Candidate]
    updates: list[PetitionUpdate]
    first: datetime | None
    last: datetime | None


@dataclass
class QuestionPart:
    summary: QuestionSummary
    figure: Figure
    themes: list[Theme]
    quotes: list[Quote]


@dataclass
class ConsultationPart:
    consultation: Consultation
    total: int
    total_text: str
    areas: Figure
    questions: list[QuestionPart]
    first: datetime | None
    last: datetime | None


@dataclass
class BriefingContent:
    briefing: Briefing
    generated_at: datetime
    organisation: str
    petitions: list[PetitionPart] = field(default_factory=list)
    consultations: list[ConsultationPart] = field(default_factory=list)
    hidden_figures: int = 0
    hidden_themes: int = 0
    left_out: int = 0  # petitions or consultations no longer public
    area_note: str = ""
    threshold: int = THRESHOLD


def _count_text(count: int) -> str:
    return f"fewer than {THRESHOLD}" if is_small(count) else f"{count:,}"


def _petition_part(petition: Petition, zone: ZoneInfo, now: datetime) -> PetitionPart:
    summary = summarise_petition(petition, DateRange(), zone, now)
    first, last = db.session.execute(
        select(func.min(Signature.confirmed_at), func.max(Signature.confirmed_at))
        .where(Signature.petition_id == petition.id, Signature.state == SignatureState.CONFIRMED.value)
    ).one()  # fmt: skip
    key = f"p{petition.id}-"
    shown = 0 if is_small(summary.confirmed_all_time) else summary.confirmed_all_time
    areas = counts_figure(_("Verified signatures by area"), summary.by_area, summary.confirmed_all_time,
                          key=f"{key}areas", suppress=True, label_head=_("Area"), count_head=_("Signatures"),
                          share_of=_("signatures"))  # fmt: skip
    return PetitionPart(
        petition=petition,
        confirmed=summary.confirmed_all_time,
        confirmed_text=_count_text(summary.confirmed_all_time),
        progress=progress_chart(
            _("Verified signatures against the target"), shown, summary.target, key=f"{key}progress"
        ),
        over_time=over_time_figure(_("Verified signatures each week"), summary.daily, key=f"{key}weeks", suppress=True),
        areas=areas,
        candidates=candidates_for(petition.id),
        updates=updates_for(petition.id),
        # The first and last dates of a handful of signatures would date those people.
        first=None if is_small(summary.confirmed_all_time) else first,
        last=None if is_small(summary.confirmed_all_time) else last,
    )


def _consultation_part(consultation: Consultation) -> tuple[ConsultationPart, int]:
    definition = definition_of(consultation)
    lookup = lookup_for(consultation.organisation_id)
    summary = summarise_consultation(consultation.id, definition, lookup)
    first, last = db.session.execute(
        select(func.min(ConsultationResponse.submitted_at), func.max(ConsultationResponse.submitted_at))
        .where(ConsultationResponse.consultation_id == consultation.id,
               ConsultationResponse.state == ResponseState.SUBMITTED.value)
    ).one()  # fmt: skip
    key = f"c{consultation.id}-"
    # A quote placed in an area where only a few people answered would point at one of them.
    small_areas = {area for area, count in summary.by_area if count < THRESHOLD}
    hidden_themes = 0
    parts = []
    for question in summary.questions:
        themes: list[Theme] = []
        chosen: list[Quote] = []
        if question.question.type in TEXT_TYPES:
            themes = [theme for theme in question.themes if theme.count >= THRESHOLD]
            hidden_themes += len(question.themes) - len(themes)
            featured = quotes(consultation.id, definition, question.question.key, lookup, featured_only=True,
                              unnamed_areas=small_areas)  # fmt: skip
            chosen = featured[:QUOTES_PER_QUESTION]
        figure = question_figure(question, suppress=True, key_prefix=key)
        parts.append(QuestionPart(question, figure, themes, chosen))
    areas = counts_figure(_("Respondents by area"), summary.by_area, summary.total, key=f"{key}areas", suppress=True,
                          label_head=_("Area"), share_of=_("respondents"))  # fmt: skip
    if is_small(summary.total):
        first = last = None
    part = ConsultationPart(consultation, summary.total, _count_text(summary.total), areas, parts, first, last)
    return part, hidden_themes


def build_briefing(briefing: Briefing, zone: ZoneInfo, now: datetime) -> BriefingContent:
    organisation = db.session.get_one(Organisation, briefing.organisation_id).name
    content = BriefingContent(briefing, now, organisation, area_note=area_note(briefing.organisation_id))
    for item in briefing.items:
        subject: Petition | Consultation = (
            db.session.get_one(Petition, item.petition_id)
            if item.petition_id is not None
            else db.session.get_one(Consultation, item.consultation_id)
        )
        if subject.public_status(now) not in PUBLIC:
            # Taken down, or back in draft since the briefing was made: not for the public any more.
            content.left_out += 1
            continue
        if isinstance(subject, Petition):
            part = _petition_part(subject, zone, now)
            content.petitions.append(part)
            content.hidden_figures += part.over_time.hidden + part.areas.hidden
        elif item.consultation_id is not None:
            consultation_part, hidden_themes = _consultation_part(
                db.session.get_one(Consultation, item.consultation_id)
            )
            content.consultations.append(consultation_part)
            content.hidden_themes += hidden_themes
            content.hidden_figures += consultation_part.areas.hidden + sum(
                question.figure.hidden for question in consultation_part.questions
            )
    return content
