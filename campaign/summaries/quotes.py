"""Quotes: free-text answers from people who agreed to be quoted, with personal details removed.

Personal details (emails, phone numbers, postcodes, links) are removed automatically. The
organiser may remove more, but never add or change words: an edited quote must be the
automatic text with some parts replaced by "[…]". Which quotes go into briefings is the
organiser's choice ("featured").
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from campaign.accounts.models import Organiser
from campaign.areas.lookup import OTHER_PLACES, AreaLookup
from campaign.consultations.definition import Definition
from campaign.consultations.models import Consent, ConsultationResponse, ResponseState
from campaign.db import transaction, utcnow
from campaign.errors import NotFound, ValidationFailed
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.summaries.consultations import TEXT_TYPES, submitted_rows
from campaign.summaries.models import QuoteChoice
from campaign.summaries.redaction import redact
from campaign.text import clean_block

logger = logging.getLogger(__name__)

ELLIPSIS = "[…]"
_REMOVED_MARK = re.compile(r"\[(?:…|\.\.\.|removed)\]")


@dataclass(frozen=True)
class Quote:
    response_id: int
    question_key: str
    text: str  # what may be shown: the organiser's redaction, or the automatic one
    automatic: str  # the automatic redaction of the answer
    attribution: str
    featured: bool
    edited: bool
    submitted_at: datetime | None


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def is_further_redaction(automatic: str, edited: str) -> bool:
    """Whether ``edited`` is ``automatic`` with some parts replaced by "[…]" (and nothing else changed)."""
    pieces = _REMOVED_MARK.split(edited)
    if len(pieces) == 1:
        return edited.strip() == automatic.strip()
    pattern = r".*?".join(re.escape(piece.strip()) for piece in pieces)
    return re.fullmatch(r"\s*" + pattern + r"\s*", automatic, flags=re.DOTALL) is not None


def attribution(consent: str | None, name: str, area: str | None) -> str:
    place = f", {area}" if area and area not in OTHER_PLACES else ""
    return f"{name}{place}" if consent == Consent.NAMED.value else f"A respondent{place}"


def _area(lookup: AreaLookup, postcode: str | None, unnamed: frozenset[str] | set[str]) -> str | None:
    area = lookup.area_of(postcode) if postcode else None
    return None if area in unnamed else area


def text_questions(definition: Definition) -> list[str]:
    return [question.key for _, question in definition.questions() if question.type in TEXT_TYPES]


def quotes(
    consultation_id: int,
    definition: Definition,
    question_key: str,
    lookup: AreaLookup,
    *,
    featured_only: bool = False,
    unnamed_areas: frozenset[str] | set[str] = frozenset(),
) -> list[Quote]:
    """Every quotable answer to one text question, oldest first."""
    if question_key not in text_questions(definition):
        raise NotFound(_("That question has no written answers to quote."))
    choices = {
        choice.response_id: choice
        for choice in db.session.scalars(
            select(QuoteChoice).where(QuoteChoice.consultation_id == consultation_id,
                                      QuoteChoice.question_key == question_key)
        )
    }  # fmt: skip
    found: list[Quote] = []
    for response_id, answers, _working, consent, postcode, name, submitted_at in submitted_rows(consultation_id):
        text = answers.get(question_key)
        if consent not in {Consent.NAMED.value, Consent.ANONYMOUS.value} or not isinstance(text, str) or not text:
            continue
        choice = choices.get(response_id)
        current = choice is not None and choice.source_hash == source_hash(text)
        featured = current and choice is not None and choice.featured
        if featured_only and not featured:
            continue
        automatic = redact(text)
        edited = current and choice is not None and choice.text is not None
        found.append(Quote(
            response_id=response_id,
            question_key=question_key,
            text=choice.text if edited and choice is not None and choice.text is not None else automatic,
            automatic=automatic,
            attribution=attribution(consent, name, _area(lookup, postcode, unnamed_areas)),
            featured=featured,
            edited=edited,
            submitted_at=submitted_at,
        ))  # fmt: skip
    return found


def save_quote(
    organiser: Organiser, consultation_id: int, response_id: int, question_key: str, text: str | None, *,
    featured: bool,
) -> None:  # fmt: skip
    """Keep the organiser's redaction (None: the automatic one) and whether the quote is featured."""
    with transaction():
        row = db.session.execute(
            select(ConsultationResponse.answers, ConsultationResponse.consent)
            .where(
                ConsultationResponse.id == response_id,
                ConsultationResponse.consultation_id == consultation_id,
                ConsultationResponse.state == ResponseState.SUBMITTED.value,
            )
            .with_for_update()  # two saves of one quote at once: the second waits, then updates
        ).one_or_none()
        answer = json.loads(row.answers or "{}").get("answers", {}).get(question_key) if row else None
        if row is None or not isinstance(answer, str) or row.consent not in {Consent.NAMED, Consent.ANONYMOUS}:
            raise NotFound(_("That answer cannot be quoted: it has changed, or its author did not agree to be quoted."))
        cleaned = clean_block(text) if text is not None else None
        automatic = redact(answer)
        if cleaned is not None and (cleaned == automatic.strip() or not cleaned):
            cleaned = None
        if cleaned is not None and not is_further_redaction(automatic, cleaned):
            raise ValidationFailed({"text": _("You can only remove words, by replacing them with […]: "
                                              "quotes must stay in the respondent's own words")})  # fmt: skip
        choice = db.session.scalar(
            select(QuoteChoice).where(QuoteChoice.response_id == response_id, QuoteChoice.question_key == question_key)
        )
        if choice is None:
            choice = QuoteChoice(consultation_id=consultation_id, response_id=response_id, question_key=question_key)
            db.session.add(choice)
        choice.source_hash = source_hash(answer)
        choice.text = cleaned
        choice.featured = featured
        choice.updated_by_id = organiser.id
        choice.updated_at = utcnow()
    logger.info("quote choice saved", extra={"consultation_id": consultation_id, "response_id": response_id})
