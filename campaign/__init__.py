"""campaign: petitions and consultations with email-verified signatures."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, IntegerConverter

from campaign.config import (
    PROJECT_ROOT,
    apply_fixed_settings,
    default_instance_path,
    load_config,
    load_or_create_secret_key,
)
from campaign.text import SLUG_MAX_LENGTH


class SlugConverter(BaseConverter):
    """Petition and consultation slugs: anything else is a 404 before any query runs."""

    regex = rf"[a-z0-9](?:[a-z0-9-]{{0,{SLUG_MAX_LENGTH - 2}}}[a-z0-9])?"


class IdConverter(IntegerConverter):
    """Database ids: positive and within a 32-bit integer, so a huge number is a 404, not an overflow."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from the environment, with ``test_config`` on top."""
    overrides = dict(test_config or {})
    instance_path = Path(
        overrides.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH") or default_instance_path()
    ).resolve()
    instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    environ = dict(os.environ)
    for key in ("DATABASE_URL", "BASE_URL", "MAIL_URL", "SECRET_KEY"):
        if key in overrides:
            environ[key] = str(overrides.pop(key))
    app.config.update(load_config(environ, instance_path))
    apply_fixed_settings(app.config)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(instance_path)

    _configure_logging(app)
    from campaign.api.fastpath import CountFastPath

    app.wsgi_app = CountFastPath(app.wsgi_app, lambda: float(app.config["HOT_CACHE_SECONDS"]))  # type: ignore[method-assign]
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = False

    _init_extensions(app)
    import campaign.audit.capture  # the session hooks that record console changes
    import campaign.models  # noqa: F401 - every table in the metadata, whatever the blueprints import

    _register_blueprints(app)
    _register_template_helpers(app)

    from campaign.cli import register_commands
    from campaign.errors import register_error_handlers
    from campaign.metrics.views import init_metrics
    from campaign.security import init_security

    init_security(app)
    register_error_handlers(app)
    init_metrics(app)  # last: its timing wraps every other layer
    register_commands(app)
    return app


def _configure_logging(app: Flask) -> None:
    from campaign.logs import configure_logging

    # Libraries stay at WARNING; our own loggers at LOG_LEVEL.
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def _init_extensions(app: Flask) -> None:
    from campaign.accounts.service import load_organiser
    from campaign.config import apply_limit_storage_defaults
    from campaign.extensions import csrf, db, limiter, login_manager, migrate
    from campaign.i18n import N_, gettext, init_i18n

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    apply_limit_storage_defaults(app.config)  # after the test's overrides, which may name a Redis
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = N_("Sign in to use the organiser console.")
    login_manager.localize_callback = gettext  # the message is flashed into the session, so not a lazy string
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_organiser)
    init_i18n(app)


def _register_blueprints(app: Flask) -> None:
    from campaign.accounts import admin_views as organisers_console
    from campaign.accounts import views as accounts
    from campaign.api import docs as api_docs
    from campaign.api import views as api
    from campaign.areas import console_views as areas_console
    from campaign.audit import console_views as audit_console
    from campaign.branding import views as branding
    from campaign.briefings import console_views as briefings_console
    from campaign.briefings import views as briefings
    from campaign.candidates import console_views as candidates_console
    from campaign.candidates import views as candidates
    from campaign.console import views as console
    from campaign.consultations import console_views as consultations_console
    from campaign.consultations import views as consultations
    from campaign.embed import console_views as embed_console
    from campaign.embed import views as embed
    from campaign.health import bp as health
    from campaign.integrity import console_views as integrity_console
    from campaign.outcomes import console_views as outcomes_console
    from campaign.outcomes import views as outcomes
    from campaign.petitions import console_views as petitions_console
    from campaign.petitions import views as petitions
    from campaign.privacy import console_views as privacy_console
    from campaign.privacy import views as privacy
    from campaign.signing import views as signing
    from campaign.summaries import console_views as summaries_console

    for blueprint in (
        petitions.bp,
        petitions_console.console_bp,
        signing.bp,
        consultations.bp,
        consultations_console.console_bp,
        areas_console.console_bp,
        candidates.bp,
        candidates_console.console_bp,
        outcomes.bp,
        outcomes_console.console_bp,
        summaries_console.console_bp,
        briefings.bp,
        briefings_console.console_bp,
        embed.bp,
        embed_console.console_bp,
        integrity_console.console_bp,
        api.bp,
        api_docs.bp,
        accounts.bp,
        accounts.console_bp,
        organisers_console.console_bp,
        audit_console.console_bp,
        console.bp,
        privacy.bp,
        privacy_console.console_bp,
        health,
        branding.bp,
    ):
        app.register_blueprint(blueprint)


def _register_template_helpers(app: Flask) -> None:
    from campaign.identity import country_options_html
    from campaign.timeutil import format_date, format_datetime

    static_versions: dict[str, str] = {}

    def static_url(filename: str) -> str:
        # A content hash in the URL lets browsers and proxies cache static files for a long time.
        if filename not in static_versions:
            path = Path(app.static_folder or "") / filename
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"
            static_versions[filename] = digest
        return url_for("static", filename=filename, v=static_versions[filename])

    def number(value: int | None) -> str:
        return f"{value or 0:,}"

    app.jinja_env.globals.update(
        static_url=static_url,
        site_name=app.config["SITE_NAME"],
        timezone_name=app.config["TIMEZONE"],
        country_options=country_options_html,
    )
    app.jinja_env.filters.update(datetime=format_datetime, date=format_date, number=number)

    @app.after_request
    def cache_static_files(response: Response) -> Response:
        # static_url() puts a content hash in the address, so that address never changes content.
        if request.endpoint == "static" and response.status_code == 200:
            max_age = 31_536_000 if request.args.get("v") else 3600
            response.cache_control.public = True
            response.cache_control.max_age = max_age
            response.cache_control.no_cache = None
            if request.args.get("v"):
                response.cache_control.immutable = True
        return response
