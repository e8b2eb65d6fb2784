"""Organiser accounts: sign in, sign out, passwords."""

from flask import Blueprint

from campaign.console import make_console_blueprint

bp = Blueprint("accounts", __name__)
console_bp = make_console_blueprint("account", __name__, "/console/account")

from campaign.accounts import views  # noqa: E402,F401
