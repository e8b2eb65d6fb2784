"""Organisations and the organisers who sign in to run their campaigns."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.db import Base, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
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
    # Part of the login id kept in the session cookie: changing it (on password
    # change) signs the account out everywhere else.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="organisers", lazy="joined")

    __table_args__ = (
        CheckConstraint("role IN ('admin', 'organiser')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_active(self) -> bool:
        return not self.disabled

    def get_id(self) -> str:
        return f"{self.id}.{self.session_nonce}"
