"""Signed, expiring tokens for emailed links: one salt per purpose, so a token only opens its own door."""

from __future__ import annotations

import enum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from campaign.errors import DomainError
from campaign.i18n import gettext as _
from campaign.i18n import lazy_gettext as _l


class TokenPurpose(enum.StrEnum):
    CONFIRM_SIGNATURE = "confirm-signature"
    RESPOND_TO_CONSULTATION = "respond-to-consultation"
    CANDIDATE_RESPONSE = "candidate-response"
    STOP_PROGRESS_EMAILS = "stop-progress-emails"
    READ_BRIEFING = "read-briefing"
    EMBEDDED_SIGN_FORM = "embedded-sign-form"
    WITHDRAW_SIGNATURE = "withdraw-signature"
    DELETE_RESPONSE = "delete-response"
    UNSUBSCRIBE = "unsubscribe"
    # The step between a correct password and a correct two-factor code (kept in the session).
    SECOND_FACTOR_SIGN_IN = "second-factor-sign-in"
    # A new two-factor secret between showing it and its first code being confirmed.
    TWO_FACTOR_ENROLMENT = "two-factor-enrolment"


class TokenInvalid(DomainError):
    """Tampered, truncated, for another purpose, or no longer matching what it was made for."""

    title = _l("This link is not valid")


class TokenExpired(TokenInvalid):
    title = _l("This link has expired")


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"campaign.{purpose.value}")


def make_token(purpose: TokenPurpose, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: TokenPurpose, token: str, *, max_age_seconds: int) -> Any:
    """The payload of a token made for ``purpose``; raises TokenExpired or TokenInvalid."""
    if not token or len(token) > 512:
        raise TokenInvalid(_("The link is incomplete or has been changed. Copy the whole link from your email."))
    try:
        return _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenExpired(_("This link has expired.")) from None
    except BadSignature:
        raise TokenInvalid(
            _("The link is incomplete or has been changed. Copy the whole link from your email.")
        ) from None


def read_token_ignoring_age(purpose: TokenPurpose, token: str) -> Any:
    """The payload of a genuine token however old it is (to help someone whose link expired)."""
    try:
        return _serializer(purpose).loads(token)
    except BadSignature:
        raise TokenInvalid(_("The link is incomplete or has been changed.")) from None
