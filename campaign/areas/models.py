"""An organisation's areas and the postcode prefixes that place people in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.db import Base, utcnow

AREA_NAME_MAX = 80
PREFIX_MAX = 6  # a postcode sector such as "SW1A 1"


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(AREA_NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    prefixes: Mapped[list[AreaPrefix]] = relationship(
        back_populates="area", cascade="all, delete-orphan", order_by="AreaPrefix.prefix"
    )

    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )


class AreaPrefix(Base):
    """A postcode area (``YO``), district (``YO1``) or sector (``YO1 7``); the longest match wins."""

    __tablename__ = "area_prefixes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Repeated from the area so that one prefix can only mean one area in an organisation.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(PREFIX_MAX))

    area: Mapped[Area] = relationship(back_populates="prefixes")

    __table_args__ = (
        UniqueConstraint("organisation_id", "prefix"),
        CheckConstraint("length(prefix) BETWEEN 1 AND 6", name="prefix_length"),
    )
