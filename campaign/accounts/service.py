"""Organiser accounts: creation, sign-in, sessions and passwords."""

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
from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from campaign.accounts import throttle
from campaign.accounts.models import Organisation, Organiser, OrganiserSession, Role
from campaign.accounts.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, password_problem
from campaign.accounts.throttle import SignInLocked
from campaign.audit.capture import automatic_capture_off
from campaign.audit.service import record_action
from campaign.db import transaction, utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.extensions import db
from campaign.text import clean_line

__all__ = ["PASSWORD_MAX_LENGTH", "PASSWORD_MIN_LENGTH", "SignInLocked", "password_problem"]

logger = logging.getLogger(__name__)

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


def normalise_login_email(raw: str) -> str:
    """Organiser emails are compared lower-cased (and IDNA-normalised)."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        message = "Enter an email address in the correct format, like name@example.org"
        raise ValidationFailed({"email": message}) from None


class AccountDisabled(DomainError):
    """Said only after the right password: a wrong one gets the usual answer."""

    status_code = 403
    title = "This account has been disabled"


def authenticate(email: str, password: str, *, address: str | None = None) -> Organiser | None:
    """The organiser with these credentials, or None.

    Raises SignInLocked after too many failures for the email address or (given ``address``) from
    that network address, and AccountDisabled for the right password to a disabled account.
    Unknown emails take as long, and lock the same way, as wrong passwords.
    """
    now = utcnow()
    counters = [throttle.for_email(email)] + ([throttle.for_address(address)] if address else [])
    throttle.check_not_locked(counters, now)
    organiser = _verified(email, password)
    if organiser is None:
        throttle.record_failure(counters, now)
        return None
    # Only the email's count starts again: one good account must not reset a network's failures.
    throttle.clear(counters[0])
    if organiser.disabled:
        raise AccountDisabled("This account has been disabled. Ask an administrator if you need it again.")
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
    return organiser


def locked_organiser(organiser_id: int) -> Organiser | None:
    """Within a transaction: the organiser, its row locked (only its row: FOR UPDATE cannot lock
    the outer-joined organisation that is loaded with it)."""
    query = select(Organiser).where(Organiser.id == organiser_id).with_for_update(of=Organiser)
    return db.session.scalar(query.execution_options(populate_existing=True))


def password_fingerprint(organiser: Organiser) -> str:
    """Changes whenever the password does: ties a half-finished sign-in to the password it checked."""
    return hashlib.sha256(f"campaign.password:{organiser.password_hash}".encode()).hexdigest()[:24]


def upgrade_password_hash(organiser_id: int, password: str) -> None:
    """Re-hash with today's parameters if the stored hash is out of date (after a correct password)."""
    # Hashing is slow: never inside a transaction (which holds the SQLite write lock).
    current_hash = db.session.get_one(Organiser, organiser_id).password_hash
    if not _hasher.check_needs_rehash(current_hash):
        return
    upgraded = hash_password(password)
    with transaction():
        organiser = locked_organiser(organiser_id)
        if organiser is not None and organiser.password_hash == current_hash:
            organiser.password_hash = upgraded


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


def signed_in(organiser: Organiser, now: datetime, *, second_factor: str | None = None) -> str:
    """Within a transaction: record the sign-in and start a new session; returns its login id."""
    organiser.last_login_at = now
    login_id = _new_session(organiser, now)
    record_action("account.sign_in", target_type="organiser", target_id=organiser.id, actor_id=organiser.id,
                  after={"second_factor": second_factor} if second_factor else None)  # fmt: skip
    return login_id


def start_session(organiser_id: int, password: str) -> Organiser:
    """Sign an organiser in (after ``authenticate``): a new session, the sign-in time, and the password
    hash upgraded if its parameters are out of date. The returned organiser's ``get_id()`` is the
    new login id, different on every sign-in, so nothing set before signing in can carry over."""
    upgrade_password_hash(organiser_id, password)
    now = utcnow()
    with automatic_capture_off(), transaction():
        organiser = db.session.get_one(Organiser, organiser_id)
        login_id = signed_in(organiser, now)
    organiser.login_id = login_id
    logger.info("organiser signed in", extra={"organiser_id": organiser_id})
    return organiser


def end_sessions(organiser_id: int, now: datetime, *, except_id: int | None = None) -> None:
    """Within a transaction: sign the organiser out everywhere (but ``except_id``)."""
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
    organiser_id = session_row.organiser_id
    with automatic_capture_off(), transaction():
        db.session.execute(
            update(OrganiserSession)
            .where(OrganiserSession.id == session_row.id)
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        record_action("account.sign_out", target_type="organiser", target_id=organiser_id, actor_id=organiser_id)
    logger.info("organiser signed out", extra={"organiser_id": organiser_id})


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
        with automatic_capture_off(), transaction():
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
            db.session.flush()
            record_action(
                "organiser.create",
                target_type="organiser",
                target_id=organiser.id,
                organisation_id=organiser.organisation_id,
                after={"name": name, "role": organiser.role, "organisation": organiser.organisation.name},
            )
    except IntegrityError:
        raise ValidationFailed({"email": "An organiser with that email address already exists"}) from None
    logger.info("organiser created", extra={"organiser_id": organiser.id, "role": organiser.role})
    return organiser


def check_password(organiser_id: int, password: str, field: str = "password") -> Organiser:
    """The organiser, if ``password`` is theirs (throttled like signing in); for confirming a change."""
    organiser = db.session.get_one(Organiser, organiser_id)
    if authenticate(organiser.email, password) is None:
        raise ValidationFailed({field: gettext("Your password is not correct") if field == "password"
                                else gettext("Your current password is not correct")})  # fmt: skip
    return organiser


def change_password(organiser_id: int, current_password: str, new_password: str) -> Organiser:
    """Change a password after checking the current one; every session ends and a new one starts.

    The returned organiser's ``get_id()`` is the new session's login id."""
    organiser = check_password(organiser_id, current_password, "current_password")
    email = organiser.email
    problem = password_problem(new_password, email)
    if problem:
        raise ValidationFailed({"new_password": problem})
    now = utcnow()
    password_hash = hash_password(new_password)  # slow: before the transaction, not inside it
    with automatic_capture_off(), transaction():
        organiser = db.session.get_one(Organiser, organiser_id)
        organiser.password_hash = password_hash
        end_sessions(organiser_id, now)
        login_id = _new_session(organiser, now)
        record_action("account.password_change", target_type="organiser", target_id=organiser_id,
                      after={"other_sessions_ended": True})  # fmt: skip
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
