"""Publishing a consultation's results: aggregates with small numbers hidden, for anyone to read."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from campaign.accounts.models import Organiser
from campaign.areas.service import lookup_for
from campaign.consultations.models import Consultation
from campaign.consultations.service import definition_of, get_for_organiser
from campaign.db import transaction, utcnow
from campaign.errors import InvalidTransition, NotFound
from campaign.hotcache import hot_cache
from campaign.i18n import gettext as _
from campaign.petitions.models import PublicStatus
from campaign.summaries.consultations import ConsultationSummary, summarise_consultation

logger = logging.getLogger(__name__)


def publish_results(organiser: Organiser, consultation_id: int, *, now: datetime | None = None) -> Consultation:
    now = now or utcnow()
    with transaction():
        consultation = get_for_organiser(organiser, consultation_id, for_update=True)
        if consultation.public_status(now) not in {PublicStatus.OPEN, PublicStatus.CLOSED, PublicStatus.ARCHIVED}:
            raise InvalidTransition(_("Results can be published once the consultation is open."))
        consultation.results_published_at = now
    logger.info("consultation results published", extra={"consultation_id": consultation_id})
    return consultation


def withdraw_results(organiser: Organiser, consultation_id: int) -> Consultation:
    with transaction():
        consultation = get_for_organiser(organiser, consultation_id, for_update=True)
        consultation.results_published_at = None
    logger.info("consultation results withdrawn", extra={"consultation_id": consultation_id})
    return consultation


def published_summary(consultation: Consultation) -> ConsultationSummary:
    """The summary behind the published results, kept per process a while: it reads every response."""
    if consultation.results_published_at is None:
        raise NotFound(_("The results of this consultation have not been published."))
    key = (consultation.id, consultation.results_published_at.isoformat())
    seconds = float(current_app.config["BRIEFING_CACHE_SECONDS"])
    lookup = lookup_for(consultation.organisation_id)
    definition = definition_of(consultation)
    summary = hot_cache("published-results").get_or_set(
        key, seconds, lambda: summarise_consultation(consultation.id, definition, lookup)
    )
    assert isinstance(summary, ConsultationSummary)
    return summary
