"""Someone who proved their mailbox a moment ago, remembered in their session for a while.

Confirming a signature or following a consultation link proves it; for VERIFIED_IDENTITY_MINUTES
the person can sign the linked petition or answer the linked consultation without proving it again.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, session

from campaign.identity import VerifiedIdentity

SESSION_KEY = "verified_identity"


def verified_identity(now: datetime) -> VerifiedIdentity | None:
    return VerifiedIdentity.from_session(session.get(SESSION_KEY), now, current_app.config["VERIFIED_IDENTITY_MINUTES"])


def remember_identity(identity: VerifiedIdentity) -> None:
    session[SESSION_KEY] = identity.to_session()
