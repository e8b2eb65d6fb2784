"""Organisations and the organisers who sign in to run their campaigns."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.db import Base, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Said wherever people are counted by area, e.g. "Approximate: districts follow postcodes, not council boundaries".
    area_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisers: Mapped[list[Organiser]] = relationship(back_populates="organisation")

    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)


class Organiser(UserMixin, Base):
    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    # Stored lower-cased so uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default=Role.ORGANISER.value)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two-factor authentication: the TOTP secret, encrypted with a key derived from SECRET_KEY (see
    # accounts.twofactor), when it was turned on, and the last time step used, so no code works twice.
    # (Set and cleared together by accounts.twofactor. No CHECK ties them: adding one would make SQLite
    # rebuild this table, and dropping it would cascade to every table that refers to organisers.)
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    organisation: Mapped[Organisation] = relationship(back_populates="organisers", lazy="joined")

    __table_args__ = (
        CheckConstraint("role IN ('admin', 'organiser')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_active(self) -> bool:
        return not self.disabled

    # The signed-in session this object was loaded for (see OrganiserSession); not a column.
    __allow_unmapped__ = True
    login_id: str | None = None

    def get_id(self) -> str:
        if not self.login_id:
            raise RuntimeError("an organiser is only signed in through accounts.service.start_session")
        return self.login_id


class OrganiserSession(Base):
    """One signed-in browser. The cookie holds the id and a secret; the database only its hash,
    so signing out (or changing the password) ends a session even if its cookie is replayed."""

    __tablename__ = "organiser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    organiser: Mapped[Organiser] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_creation"),)


class RecoveryCode(Base):
    """A single-use code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "organiser_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("organiser_id", "code_hash"),)


class LoginThrottle(Base):
    """Failed sign-ins per email address, network address or account's two-factor codes (see
    accounts.throttle). ``email_hash`` holds a keyed hash of whichever it is: nothing is stored
    readably, and unknown addresses are counted like known ones."""

    __tablename__ = "login_throttles"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)
