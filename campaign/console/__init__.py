"""The organiser console: every route under /console requires a signed-in organiser."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import Blueprint, abort, current_app
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from campaign.accounts.models import Organiser


def current_organiser() -> Organiser:
    """The signed-in organiser (console views only run when there is one)."""
    return cast("Organiser", current_user._get_current_object())


def _require_organiser() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        # The login page, remembering where the organiser was going.
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    return None


def make_console_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint whose every route requires a signed-in organiser."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.before_request(_require_organiser)
    return blueprint


def with_raw_values(message: str, **values: object) -> Markup:
    """A translated message whose %(name)s values are raw data (an address, a domain) marked translate="no"."""
    return escape(message) % {
        name: Markup('<span translate="no">{}</span>').format(value) for name, value in values.items()
    }


def require_admin() -> None:
    if not current_organiser().is_admin:
        abort(403)
