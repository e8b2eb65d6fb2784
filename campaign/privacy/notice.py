"""The privacy notice's facts: the operator's settings, and what the code itself collects and shares.

What organisers receive is read from the exporters' own column lists, and every period and limit from
the settings in force, so the notice cannot drift from what the software does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from campaign.areas.lookup import AreaLookup
from campaign.consultations.definition import Definition
from campaign.exports.responses import columns_for
from campaign.exports.signatures import signature_header
from campaign.i18n import N_
from campaign.i18n import gettext as _
from campaign.summaries import redaction
from campaign.summaries.suppression import THRESHOLD
from campaign.timeutil import site_zone

UNSET_CONTROLLER = N_("the operator of this site")


@dataclass(frozen=True)
class PrivacyNotice:
    controller: str | None  # None: the operator has not said who they are
    contact_email: str | None
    contact_address: str | None
    retention_days: int
    retention_automatic: bool
    ip_hash_retention_days: int
    confirmation_link_days: int
    response_link_days: int
    signature_email_cap: int
    update_email_cap: int
    suppression_threshold: int
    signature_columns: tuple[str, ...]
    response_columns: tuple[tuple[str, str], ...]  # (column, what it holds)
    removed_from_quotes: tuple[str, ...]

    @property
    def controller_name(self) -> str:
        return self.controller or _(UNSET_CONTROLLER)


def _removed_details() -> tuple[str, ...]:
    # What each of redaction's placeholders ("[email removed]", ...) stands for, in the order it lists them.
    names = {redaction.EMAIL: _("email"), redaction.PHONE: _("phone number"), redaction.POSTCODE: _("postcode"),
             redaction.LINK: _("link"), redaction.HANDLE: _("handle")}  # fmt: skip
    return tuple(names.values())


def privacy_notice(config: dict[str, Any] | None = None) -> PrivacyNotice:
    """The notice as this site is configured now."""
    config = dict(config or current_app.config)
    zone = site_zone()
    # An empty questionnaire leaves the columns every response export has, whatever the questions.
    fixed_columns = columns_for(Definition(), AreaLookup({}), zone)
    return PrivacyNotice(
        controller=config.get("PRIVACY_CONTROLLER"),
        contact_email=config.get("PRIVACY_CONTACT_EMAIL"),
        contact_address=config.get("PRIVACY_CONTACT_ADDRESS"),
        retention_days=int(config["RETENTION_DAYS"]),
        retention_automatic=config.get("RETENTION_SCHEDULE", "daily") != "off",
        ip_hash_retention_days=int(config["IP_HASH_RETENTION_DAYS"]),
        confirmation_link_days=int(config["CONFIRMATION_TOKEN_MAX_AGE_SECONDS"]) // 86_400,
        response_link_days=int(config["RESPONSE_LINK_DAYS"]),
        signature_email_cap=int(config["SIGNATURE_EMAIL_CAP"]),
        update_email_cap=int(config["SIGNATURE_UPDATE_EMAIL_CAP"]),
        suppression_threshold=THRESHOLD,
        signature_columns=tuple(signature_header(zone)),
        response_columns=tuple((column.name, column.meaning) for column in fixed_columns),
        removed_from_quotes=_removed_details(),
    )
