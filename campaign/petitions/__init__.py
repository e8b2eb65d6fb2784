"""Petitions: public pages and the organiser console."""

from flask import Blueprint

from campaign.console import make_console_blueprint

bp = Blueprint("petitions", __name__)
console_bp = make_console_blueprint("petitions_console", __name__, "/console/petitions")

from campaign.petitions import console_views, views  # noqa: E402,F401
