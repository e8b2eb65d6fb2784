"""Organiser accounts: creation, sign-in and passwords."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import LoginThrottle, Organisation, Organiser, OrganiserSession, Role
from campaign.db import transaction, utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.extensions import db
from campaign.text import clean_line

logger = logging.getLogger(__name__)

PASSWORD_MIN_LENGTH = 12
# Long enough for any passphrase, short enough that hashing cannot be used to tie up a worker.
PASSWORD_MAX_LENGTH = 256
NAME_MAX_LENGTH = 120

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email takes as long as a wrong password.

    Made on first use: hashing takes a moment and 64 MiB, which commands and workers never need.
    """
    return _hasher.hash("not a real password, used to equalise timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Use at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Use at most {PASSWORD_MAX_LENGTH} characters"
    if password.strip() != password or not password.strip():
        return "Do not start or end your password with spaces"
    if email and password.lower() == email.lower():
        return "Your password must not be your email address"
    if len(set(password)) < 4:
        return "Use a less repetitive password"
    return None


def normalise_login_email(raw: str) -> str:
    """Organiser emails are compared lower-cased (and IDNA-normalised)."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        message = "Enter an email address in the correct format, like name@example.org"
        raise ValidationFailed({"email": message}) from None


class SignInLocked(DomainError):
    status_code = 429
    title = "Too many failed attempts"


def _email_hash(email: str) -> str:
    return hashlib.sha256(f"login:{email.strip().lower()}".encode()).hexdigest()


def _check_not_locked(email: str, now: datetime) -> None:
    throttle = db.session.get(LoginThrottle, _email_hash(email))
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        raise SignInLocked(
            f"There have been too many failed attempts to sign in with this email address. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


def _record_failure(email: str, now: datetime) -> None:
    """Count a failure; enough of them within the window lock the address for a while."""
    window = timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    for attempt in (1, 2):
        try:
            with transaction():
                throttle = db.session.get(LoginThrottle, _email_hash(email), with_for_update=True)
                if throttle is None:
                    throttle = LoginThrottle(email_hash=_email_hash(email), failures=0, window_started_at=now)
                    db.session.add(throttle)
                if now - throttle.window_started_at > window:
                    throttle.failures, throttle.window_started_at = 0, now
                throttle.failures += 1
                if throttle.failures >= current_app.config["LOGIN_MAX_FAILURES"]:
                    throttle.locked_until = now + window
            return
        except IntegrityError:
            if attempt == 2:
                raise  # two first failures raced; the second pass finds the row


def _clear_failures(email: str) -> None:
    with transaction():
        throttle = db.session.get(LoginThrottle, _email_hash(email))
        if throttle is not None:
            db.session.delete(throttle)


def authenticate(email: str, password: str) -> Organiser | None:
    """The organiser with these credentials, or None; SignInLocked after too many failures.

    Unknown emails take as long, and lock the same way, as wrong passwords."""
    now = utcnow()
    _check_not_locked(email, now)
    organiser = _verified(email, password)
    if organiser is None:
        _record_failure(email, now)
        return None
    _clear_failures(email)
    return organiser


def _verified(email: str, password: str) -> Organiser | None:
    if len(password) > PASSWORD_MAX_LENGTH:
        return None
    organiser: Organiser | None = db.session.scalar(select(Organiser).where(Organiser.email == email.strip().lower()))
    if organiser is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return None
    try:
        _hasher.verify(organiser.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if organiser.disabled:
        return None
    return organiser


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_session(organiser: Organiser, now: datetime) -> str:
    """Record a signed-in browser; returns the login id for its cookie ("<id>.<secret>")."""
    secret = secrets.token_urlsafe(32)
    lifetime = timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])
    session_row = OrganiserSession(
        organiser=organiser, secret_hash=_secret_hash(secret), created_at=now, expires_at=now + lifetime
    )
    db.session.add(session_row)
    db.session.flush()
    organiser.login_id = f"{session_row.id}.{secret}"
    return organiser.login_id


def start_session(organiser_id: int, password: str) -> Organiser:
    """Sign an organiser in: a new session, the sign-in time, and the password hash upgraded if
    its parameters are out of date. The returned organiser's ``get_id()`` is the new login id."""
    now = utcnow()
    # Hashing is slow: never inside a transaction (which holds the SQLite write lock).
    current_hash = db.session.get_one(Organiser, organiser_id).password_hash
    upgraded = hash_password(password) if _hasher.check_needs_rehash(current_hash) else None
    with transaction():
        organiser = db.session.get_one(Organiser, organiser_id)
        organiser.last_login_at = now
        if upgraded is not None:
            organiser.password_hash = upgraded
        login_id = _new_session(organiser, now)
    organiser.login_id = login_id
    logger.info("organiser signed in", extra={"organiser_id": organiser_id})
    return organiser


def _end_sessions(organiser_id: int, now: datetime, *, except_id: int | None = None) -> None:
    query = update(OrganiserSession).where(
        OrganiserSession.organiser_id == organiser_id, OrganiserSession.ended_at.is_(None)
    )
    if except_id is not None:
        query = query.where(OrganiserSession.id != except_id)
    db.session.execute(query.values(ended_at=now).execution_options(synchronize_session=False))


def end_session(login_id: str | None) -> None:
    """Sign out: the session's cookie no longer works, even if someone kept a copy."""
    session_row = _session_for(login_id)
    if session_row is None:
        return
    with transaction():
        db.session.execute(
            update(OrganiserSession)
            .where(OrganiserSession.id == session_row.id)
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    logger.info("organiser signed out", extra={"organiser_id": session_row.organiser_id})


@dataclass(frozen=True)
class NewOrganiser:
    email: str
    name: str
    password: str
    role: Role = Role.ORGANISER
    organisation_name: str | None = None


def _organisation_for(name: str | None) -> Organisation:
    if name:
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if organisation is None:
            organisation = Organisation(name=name)
            db.session.add(organisation)
        return organisation
    organisations = db.session.scalars(select(Organisation).limit(2)).all()
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        organisation = Organisation(name="Default organisation")
        db.session.add(organisation)
        return organisation
    raise ValidationFailed({"organisation": "There are several organisations; say which one with --organisation"})


def create_organiser(new: NewOrganiser) -> Organiser:
    """Create an organiser account, and its organisation if it does not exist yet."""
    errors: dict[str, str] = {}
    email = ""
    try:
        email = normalise_login_email(new.email)
    except ValidationFailed as error:
        errors.update(error.errors)
    name = clean_line(new.name)
    if not name:
        errors["name"] = "Enter a name"
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Name must be {NAME_MAX_LENGTH} characters or fewer"
    organisation_name = clean_line(new.organisation_name) if new.organisation_name else None
    if organisation_name is not None and not 0 < len(organisation_name) <= 120:
        errors["organisation"] = "Organisation name must be between 1 and 120 characters"
    problem = password_problem(new.password, email)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(new.password)  # slow: before the transaction, not inside it
    try:
        with transaction():
            if db.session.scalar(select(func.count()).where(Organiser.email == email)):
                raise ValidationFailed({"email": "An organiser with that email address already exists"})
            organiser = Organiser(
                email=email,
                name=name,
                role=new.role.value,
                password_hash=password_hash,
                organisation=_organisation_for(organisation_name),
            )
            db.session.add(organiser)
    except IntegrityError:
        raise ValidationFailed({"email": "An organiser with that email address already exists"}) from None
    logger.info("organiser created", extra={"organiser_id": organiser.id, "role": organiser.role})
    return organiser


def change_password(organiser_id: int, current_password: str, new_password: str) -> Organiser:
    """Change a password after checking the current one; every session ends and a new one starts.

    The returned organiser's ``get_id()`` is the new session's login id."""
    organiser = db.session.get_one(Organiser, organiser_id)
    email = organiser.email
    if authenticate(email, current_password) is None:
        raise ValidationFailed({"current_password": "Your current password is not correct"})
    problem = password_problem(new_password, email)
    if problem:
        raise ValidationFailed({"new_password": problem})
    now = utcnow()
    password_hash = hash_password(new_password)  # slow: before the transaction, not inside it
    with transaction():
        organiser = db.session.get_one(Organiser, organiser_id)
        organiser.password_hash = password_hash
        _end_sessions(organiser_id, now)
        login_id = _new_session(organiser, now)
    organiser.login_id = login_id
    logger.info("organiser changed password", extra={"organiser_id": organiser_id})
    return organiser


def _session_for(login_id: str | None) -> OrganiserSession | None:
    session_id, _, secret = (login_id or "").partition(".")
    if not session_id.isdigit() or len(session_id) > 12 or not secret:
        return None
    session_row = db.session.get(OrganiserSession, int(session_id))
    if session_row is None or not hmac.compare_digest(session_row.secret_hash, _secret_hash(secret)):
        return None
    return session_row


def load_organiser(login_id: str) -> Organiser | None:
    """Flask-Login's user loader: only a live session of an enabled account signs anyone in."""
    session_row = _session_for(login_id)
    if session_row is None or session_row.ended_at is not None or session_row.expires_at <= utcnow():
        return None
    organiser = session_row.organiser
    if organiser.disabled:
        return None
    organiser.login_id = login_id
    return organiser
