"""Administrators managing organiser accounts: who there is, and turning accounts off and on again."""

from __future__ import annotations

import logging

from sqlalchemy import select

from campaign.accounts.models import Organisation, Organiser
from campaign.accounts.service import end_sessions, locked_organiser
from campaign.audit.capture import automatic_capture_off
from campaign.audit.service import record_action
from campaign.db import transaction, utcnow
from campaign.errors import Forbidden, InvalidTransition, NotFound
from campaign.extensions import db

logger = logging.getLogger(__name__)


def organisers_for(admin: Organiser) -> list[Organiser]:
    """Every organiser account, by organisation then name (administrators manage the whole site)."""
    if not admin.is_admin:
        raise Forbidden("Only administrators can manage organiser accounts.")
    query = select(Organiser).join(Organisation).order_by(Organisation.name, Organiser.name, Organiser.id)
    return list(db.session.scalars(query))


def set_disabled(admin: Organiser, organiser_id: int, disabled: bool) -> Organiser:
    """Disable an account (ending its sessions at once) or enable it again."""
    if not admin.is_admin:
        raise Forbidden("Only administrators can manage organiser accounts.")
    if disabled and organiser_id == admin.id:
        raise InvalidTransition("You cannot disable your own account. Ask another administrator.")
    now = utcnow()
    with automatic_capture_off(), transaction():
        organiser = locked_organiser(organiser_id)
        if organiser is None:
            raise NotFound("There is no organiser with that number.")
        if organiser.disabled != disabled:
            organiser.disabled = disabled
            if disabled:
                end_sessions(organiser_id, now)
            record_action("organiser.disable" if disabled else "organiser.enable", target_type="organiser",
                          target_id=organiser_id, organisation_id=organiser.organisation_id,
                          before={"disabled": not disabled}, after={"disabled": disabled})  # fmt: skip
    logger.info("organiser %s", "disabled" if disabled else "enabled",
                extra={"organiser_id": organiser_id, "admin_id": admin.id})  # fmt: skip
    return organiser
