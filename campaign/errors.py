"""Domain exceptions and the one place that turns errors into responses."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from campaign.db import database_unavailable
from campaign.extensions import login_manager
from campaign.i18n import lazy_gettext as _l

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the platform said no; the message is safe to show to the person."""

    status_code = 400
    title = _l("That could not be done")

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404
    title = _l("Page not found")


class Forbidden(DomainError):
    status_code = 403
    title = _l("You do not have permission to do that")


class InvalidTransition(DomainError):
    """A state change that the object's current state does not allow."""

    status_code = 409
    title = _l("That change is not possible now")


class ValidationFailed(DomainError):
    """Input broke a rule; ``errors`` maps field names to messages for the form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(message if message.endswith(".") else f"{message}." for message in errors.values()))
        self.errors = errors


ERROR_TITLES = {
    400: _l("Something was wrong with that request"),
    403: _l("You do not have permission to see this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    409: _l("That change is not possible now"),
    410: _l("This page has been removed"),
    413: _l("That was too much to send"),
    429: _l("Too many requests"),
    500: _l("Sorry, something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}

ERROR_MESSAGES = {
    400: _l("Please go back, check what you entered and try again."),
    403: _l("If you think you should have access, sign in with a different account."),
    404: _l("If you typed the web address, check it is correct. If you followed a link, it may be out of date."),
    405: _l("Go back to the page you came from and use the buttons on it."),
    410: _l("The page you were looking for is no longer available."),
    413: _l("Please send less text or a smaller file."),
    429: _l("You have tried that too many times in a short period. Please wait a few minutes and try again."),
    500: _l("We have been told about the problem. Please try again in a few minutes."),
    503: _l("Please try again in a few minutes."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: object = None, title: object = None) -> Response:
    """Render an error as a page, or as JSON with a stable shape under ``/api/``."""
    # Lazy strings become text here: in the site's language on pages, in English under /api/ (see i18n.py).
    title = str(title or ERROR_TITLES.get(status, _l("Error")))
    message = str(message or ERROR_MESSAGES.get(status, ""))
    if wants_json():
        response = jsonify({"error": {"status": status, "title": title, "message": message}})
    else:
        response = Response(
            render_template("errors/error.html", status=status, title=title, message=message),
            mimetype="text/html",
        )
    response.status_code = status
    return response


# How long to tell clients to wait when the database is out of reach (a restart or failover).
RETRY_AFTER_SECONDS = 30
_UNAVAILABLE_LOG_EVERY_SECONDS = 10.0
_last_unavailable_log = 0.0


def database_unavailable_response(error: BaseException) -> Response:
    """The 503 page for a request that needed the database while it was out of reach."""
    global _last_unavailable_log
    if time.monotonic() - _last_unavailable_log > _UNAVAILABLE_LOG_EVERY_SECONDS:
        # Once in a while, not once per request: an outage would otherwise flood the log.
        _last_unavailable_log = time.monotonic()
        cause = getattr(error, "orig", None) or error
        reason = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else ""
        logger.error("database unavailable, answering 503 (%s: %s)", type(cause).__name__, reason)
    # The page itself must not need the database: whoever was signed in is not looked up again.
    g._login_user = login_manager.anonymous_user()
    response = error_response(503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Response:
        return error_response(error.status_code, error.message, error.title)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError) -> Response:
        return error_response(
            400,
            _l(
                "The form you sent had expired or was not sent from this site. "
                "Please go back, reload the page and try again."
            ),
            _l("Your form has expired"),
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if status < 400:
            return error
        response = error_response(status)
        for name, value in error.get_headers():
            if name in ("Allow", "Retry-After"):
                response.headers[name] = value
        return response

    @app.errorhandler(SQLAlchemyError)
    def handle_database_error(error: SQLAlchemyError) -> Response:
        if database_unavailable(error):
            return database_unavailable_response(error)
        return handle_unexpected_error(error)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception) -> Response:
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return handle_http_error(error)  # type: ignore[no-any-return]
        logger.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
        return error_response(InternalServerError.code)
