"""Optional two-factor sign-in with an authenticator app (TOTP, RFC 6238), and recovery codes.

The secret is stored encrypted (Fernet, with a key derived from SECRET_KEY) and shown only while
it is being set up. Each code works once: the time step of the last code used is kept, and only a
later step is accepted. Recovery codes are stored as hashes and each works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select, update

from campaign.accounts import service, throttle
from campaign.accounts.models import Organiser, RecoveryCode
from campaign.audit.capture import automatic_capture_off
from campaign.audit.service import record_action
from campaign.db import transaction, utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import db
from campaign.tokens import TokenInvalid, TokenPurpose, make_token, read_token

logger = logging.getLogger(__name__)

SIGN_IN_STEP_SECONDS = 5 * 60
ENROLMENT_SECONDS = 30 * 60
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are copied by hand from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_TOTP_CODE = re.compile(r"[0-9]{6}")


def _fernet() -> Fernet:
    key = hashlib.sha256(f"campaign.totp-secret:{current_app.config['SECRET_KEY']}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(stored: str) -> str | None:
    """The secret, or None if it cannot be read (SECRET_KEY changed since it was set up)."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        return None


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is: now, or one step either side for clock drift."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _locked(organiser_id: int) -> Organiser:
    organiser = service.locked_organiser(organiser_id)
    if organiser is None:
        raise TokenInvalid("That account no longer exists.")
    return organiser


def _code_digits(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw)


# --- Setting it up -------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str
    token: str  # carries the secret from the page that shows it to the form that confirms it
    uri: str

    @property
    def grouped_secret(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_svg(self) -> Markup:
        """The otpauth address as a QR code, drawn here as inline SVG (no outside service sees the secret)."""
        svg = segno.make(self.uri, error="m").svg_inline(
            scale=4, dark="#0b0c0c", light="#ffffff", svgclass="qr-code", lineclass=None, omitsize=False
        )
        label = escape(gettext("QR code for your authenticator app"))
        labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
        return Markup(labelled)  # noqa: S704 - segno draws only paths: no text from the address is in the markup


def new_enrolment(organiser: Organiser) -> Enrolment:
    secret = pyotp.random_base32()
    return _enrolment(organiser, secret)


def _enrolment(organiser: Organiser, secret: str) -> Enrolment:
    token = make_token(TokenPurpose.TWO_FACTOR_ENROLMENT, {"o": organiser.id, "s": secret})
    uri = pyotp.TOTP(secret).provisioning_uri(name=organiser.email, issuer_name=current_app.config["SITE_NAME"])
    return Enrolment(secret, token, uri)


def enrolment_from_token(organiser: Organiser, token: str) -> Enrolment:
    """The enrolment a confirm form carries (so a mistyped code does not mean scanning a new QR code)."""
    payload = read_token(TokenPurpose.TWO_FACTOR_ENROLMENT, token, max_age_seconds=ENROLMENT_SECONDS)
    if not isinstance(payload, dict) or payload.get("o") != organiser.id or not isinstance(payload.get("s"), str):
        raise TokenInvalid("The set-up form has been changed. Start again.")
    return _enrolment(organiser, payload["s"])


def _new_recovery_codes(organiser_id: int, now: datetime) -> list[str]:
    """Within a transaction: replace the organiser's recovery codes; returns the new ones (shown once)."""
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(4))
             for _ in range(RECOVERY_CODE_COUNT)]  # fmt: skip
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.organiser_id == organiser_id))
    db.session.add_all(RecoveryCode(organiser_id=organiser_id, code_hash=_recovery_hash(code), created_at=now)
                       for code in codes)  # fmt: skip
    return codes


def _recovery_hash(code: str) -> str:
    normalised = _code_digits(code).lower()
    return hashlib.sha256(f"campaign.recovery-code:{normalised}".encode()).hexdigest()


def enable(organiser_id: int, token: str, password: str, code: str) -> list[str]:
    """Turn two-factor sign-in on after the password and a first code; returns the recovery codes."""
    organiser = db.session.get_one(Organiser, organiser_id)
    enrolment = enrolment_from_token(organiser, token)
    errors: dict[str, str] = {}
    try:
        service.check_password(organiser_id, password)
    except ValidationFailed as error:
        errors.update(error.errors)
    now = utcnow()
    step = _matching_step(enrolment.secret, _code_digits(code), now)
    if step is None:
        errors["code"] = gettext("That code is not right. Enter the 6-digit code your app shows now")
    if errors:
        raise ValidationFailed(errors)
    with automatic_capture_off(), transaction():
        organiser = _locked(organiser_id)
        if organiser.has_two_factor:
            raise ValidationFailed({"code": gettext("Two-factor sign-in is already on for your account")})
        organiser.totp_secret = _encrypt(enrolment.secret)
        organiser.totp_enabled_at = now
        organiser.totp_last_step = step  # the code just typed cannot then be used to sign in
        codes = _new_recovery_codes(organiser_id, now)
        record_action(
            "account.two_factor_enable",
            target_type="organiser",
            target_id=organiser_id,
            before={"two_factor": False},
            after={"two_factor": True, "recovery_codes": len(codes)},
        )
    logger.info("two-factor sign-in turned on", extra={"organiser_id": organiser_id})
    return codes


def regenerate_recovery_codes(organiser_id: int, password: str) -> list[str]:
    """New recovery codes (the old ones stop working), after the password."""
    service.check_password(organiser_id, password)
    with automatic_capture_off(), transaction():
        organiser = _locked(organiser_id)
        if not organiser.has_two_factor:
            raise ValidationFailed({"password": gettext("Two-factor sign-in is not on for your account")})
        codes = _new_recovery_codes(organiser_id, utcnow())
        record_action(
            "account.recovery_codes_replace",
            target_type="organiser",
            target_id=organiser_id,
            after={"recovery_codes": len(codes)},
        )
    return codes


def _turn_off(organiser: Organiser) -> None:
    organiser.totp_secret = None
    organiser.totp_enabled_at = None
    organiser.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.organiser_id == organiser.id))


def disable(organiser_id: int, password: str) -> None:
    """Turn two-factor sign-in off, after the password."""
    service.check_password(organiser_id, password)
    with automatic_capture_off(), transaction():
        organiser = _locked(organiser_id)
        if organiser.has_two_factor:
            _turn_off(organiser)
            record_action("account.two_factor_disable", target_type="organiser", target_id=organiser_id,
                          before={"two_factor": True}, after={"two_factor": False})  # fmt: skip
    logger.info("two-factor sign-in turned off", extra={"organiser_id": organiser_id})


def reset(email: str) -> bool:
    """Turn two-factor sign-in off for someone who lost their device and codes (from the command line)."""
    with automatic_capture_off(), transaction():
        organiser = db.session.scalar(
            select(Organiser).where(Organiser.email == email.strip().lower()).with_for_update(of=Organiser)
        )
        if organiser is None or not organiser.has_two_factor:
            return False
        _turn_off(organiser)
        record_action("account.two_factor_reset", target_type="organiser", target_id=organiser.id,
                      organisation_id=organiser.organisation_id,
                      before={"two_factor": True}, after={"two_factor": False})  # fmt: skip
    return True


def recovery_codes_left(organiser_id: int) -> int:
    query = select(func.count()).where(RecoveryCode.organiser_id == organiser_id, RecoveryCode.used_at.is_(None))
    return db.session.scalar(query) or 0


# --- Signing in with it --------------------------------------------------------------------


def second_step_token(organiser: Organiser, password: str) -> str:
    """After a correct password: a short-lived token for the code page, tied to this password."""
    service.upgrade_password_hash(organiser.id, password)
    organiser = db.session.get_one(Organiser, organiser.id)
    return make_token(TokenPurpose.SECOND_FACTOR_SIGN_IN,
                      {"o": organiser.id, "p": service.password_fingerprint(organiser)})  # fmt: skip


def _second_step(token: str) -> Organiser:
    payload = read_token(TokenPurpose.SECOND_FACTOR_SIGN_IN, token, max_age_seconds=SIGN_IN_STEP_SECONDS)
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), int) or not isinstance(payload.get("p"), str):
        raise TokenInvalid("Sign in again.")
    organiser = db.session.get(Organiser, payload["o"])
    if (organiser is None or not organiser.has_two_factor
            or not hmac.compare_digest(service.password_fingerprint(organiser), payload["p"])):  # fmt: skip
        raise TokenInvalid("Sign in again.")
    if organiser.disabled:
        raise service.AccountDisabled("This account has been disabled. Ask an administrator if you need it again.")
    return organiser


def check_second_step(token: str) -> None:
    """Raise TokenExpired or TokenInvalid if the code page should send the person back to sign in."""
    _second_step(token)


def complete_sign_in(token: str, code: str, *, address: str | None = None) -> Organiser:
    """Sign in with a code from the app (or a recovery code) after ``second_step_token``.

    Wrong codes count towards a lock on the account's codes and on the network address."""
    organiser = _second_step(token)
    now = utcnow()
    counters = [throttle.for_second_factor(organiser.id)] + ([throttle.for_address(address)] if address else [])
    throttle.check_not_locked(counters, now)
    digits = _code_digits(code)
    secret = _decrypt(organiser.totp_secret or "")
    problem: str | None = None
    with automatic_capture_off(), transaction():
        organiser = _locked(organiser.id)
        if _TOTP_CODE.fullmatch(digits):
            step = _matching_step(secret, digits, now) if secret else None
            if step is None:
                problem = gettext("That code is not right. Enter the 6-digit code your app shows now")
            elif organiser.totp_last_step is not None and step <= organiser.totp_last_step:
                problem = gettext("That code has already been used. Wait for your app to show a new one")
            else:
                organiser.totp_last_step = step
                login_id = service.signed_in(organiser, now, second_factor="app")
        else:
            used = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.organiser_id == organiser.id, RecoveryCode.code_hash == _recovery_hash(digits),
                       RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            if not getattr(used, "rowcount", 0):
                problem = gettext("That is not one of your recovery codes, or it has been used")
            else:
                login_id = service.signed_in(organiser, now, second_factor="recovery code")
                record_action("account.recovery_code_use", target_type="organiser", target_id=organiser.id,
                              actor_id=organiser.id)  # fmt: skip
    if problem is not None:
        throttle.record_failure(counters, now)
        raise ValidationFailed({"code": problem})
    throttle.clear(counters[0])
    organiser.login_id = login_id
    logger.info("organiser signed in with a second factor", extra={"organiser_id": organiser.id})
    return organiser
