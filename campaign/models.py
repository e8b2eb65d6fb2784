"""Every table, imported in one place so the metadata (and so Alembic) always sees the whole schema."""

from __future__ import annotations

from campaign.accounts.models import LoginThrottle, Organisation, Organiser, OrganiserSession, RecoveryCode
from campaign.areas.models import Area, AreaPrefix
from campaign.audit.models import AuditEvent
from campaign.briefings.models import Briefing, BriefingItem
from campaign.candidates.models import Candidate, CandidateStatement
from campaign.consultations.models import Consultation, ConsultationResponse, WordingChange
from campaign.integrity.models import BlockedAddress, EmailDomainRule, Invalidation
from campaign.mail.models import OutboxMessage
from campaign.outcomes.models import PetitionUpdate
from campaign.petitions.models import Petition
from campaign.signing.models import Signature, SignatureCountDelta
from campaign.summaries.models import QuoteChoice

__all__ = [
    "Area",
    "AreaPrefix",
    "AuditEvent",
    "BlockedAddress",
    "Briefing",
    "BriefingItem",
    "Candidate",
    "CandidateStatement",
    "Consultation",
    "ConsultationResponse",
    "EmailDomainRule",
    "Invalidation",
    "LoginThrottle",
    "Organisation",
    "Organiser",
    "OrganiserSession",
    "OutboxMessage",
    "Petition",
    "PetitionUpdate",
    "QuoteChoice",
    "RecoveryCode",
    "Signature",
    "SignatureCountDelta",
    "WordingChange",
]  # fmt: skip
