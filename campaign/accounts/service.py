"""Organiser accounts: creation, sign-in and passwords."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Organisation, Organiser, Role, new_session_nonce
from campaign.db import transaction, utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import db
from campaign.text import clean_line

logger = logging.getLogger(__name__)

PASSWORD_MIN_LENGTH = 12
# Long enough for any passphrase, short enough that hashing cannot be used to tie up a worker.
PASSWORD_MAX_LENGTH = 256
NAME_MAX_LENGTH = 120

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, used to equalise timing")


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


def authenticate(email: str, password: str) -> Organiser | None:
    """The organiser with these credentials, or None. Same time taken for unknown emails."""
    if len(password) > PASSWORD_MAX_LENGTH:
        return None
    organiser: Organiser | None = db.session.scalar(select(Organiser).where(Organiser.email == email.strip().lower()))
    if organiser is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(organiser.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if organiser.disabled:
        return None
    return organiser


def record_login(organiser_id: int, password: str) -> Organiser:
    """Note the sign-in time and upgrade the password hash if its parameters are out of date."""
    with transaction():
        organiser = db.session.get_one(Organiser, organiser_id)
        organiser.last_login_at = utcnow()
        if _hasher.check_needs_rehash(organiser.password_hash):
            organiser.password_hash = hash_password(password)
    logger.info("organiser signed in", extra={"organiser_id": organiser_id})
    return organiser


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
    try:
        with transaction():
            if db.session.scalar(select(func.count()).where(Organiser.email == email)):
                raise ValidationFailed({"email": "An organiser with that email address already exists"})
            organiser = Organiser(
                email=email,
                name=name,
                role=new.role.value,
                password_hash=hash_password(new.password),
                organisation=_organisation_for(organisation_name),
            )
            db.session.add(organiser)
    except IntegrityError:
        raise ValidationFailed({"email": "An organiser with that email address already exists"}) from None
    logger.info("organiser created", extra={"organiser_id": organiser.id, "role": organiser.role})
    return organiser


def change_password(organiser_id: int, current_password: str, new_password: str) -> Organiser:
    """Change a password after checking the current one; signs out other sessions."""
    organiser = db.session.get_one(Organiser, organiser_id)
    try:
        _hasher.verify(organiser.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed({"current_password": "Your current password is not correct"}) from None
    problem = password_problem(new_password, organiser.email)
    if problem:
        raise ValidationFailed({"new_password": problem})
    with transaction():
        organiser = db.session.get_one(Organiser, organiser_id)
        organiser.password_hash = hash_password(new_password)
        organiser.session_nonce = new_session_nonce()
    logger.info("organiser changed password", extra={"organiser_id": organiser_id})
    return organiser


def load_organiser(login_id: str) -> Organiser | None:
    """Flask-Login's user loader: the id must carry the current session nonce."""
    organiser_id, _, nonce = login_id.partition(".")
    if not organiser_id.isdigit() or not nonce:
        return None
    organiser = db.session.get(Organiser, int(organiser_id))
    if organiser is None or organiser.session_nonce != nonce or organiser.disabled:
        return None
    return organiser
