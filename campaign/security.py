"""Response headers, request hygiene and who may reach which view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, abort, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

F = TypeVar("F", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


def public(view: F) -> F:
    """Mark a view as reachable without signing in.

    Every route must make an auth decision: either this marker or a login
    requirement. A test walks the route table and fails on any route with neither.
    """
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, "is_public", False))


class SessionInterface(SecureCookieSessionInterface):
    """Cookie sessions, without ``Vary: Cookie`` on responses that never depend on one.

    Flask-Login looks at the session on every request, which would otherwise mark static
    files and public API answers as varying by cookie and split every shared cache.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        endpoint = request.endpoint or ""
        if (endpoint == "static" or endpoint.startswith("api.")) and not session.modified:
            response.vary.discard("Cookie")


def _reject_nul_bytes() -> None:
    # NUL has no business in any text we accept, and PostgreSQL refuses it in
    # strings: refusing it here turns a database error into a clear 400.
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)
    if "\x00" in request.path:
        abort(400)


def _set_security_headers(response: Response) -> Response:
    headers = response.headers
    # Embed routes set their own frame-ancestors; everything else refuses framing.
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_security(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.before_request(_reject_nul_bytes)
    app.after_request(_set_security_headers)
