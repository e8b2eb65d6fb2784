"""Response headers, request hygiene and who may reach which view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, Response, abort, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

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


# Paths whose responses never depend on who is asking: no session is opened for them, so
# they cost less and carry no ``Vary: Cookie`` that would split every shared cache.
SESSIONLESS_PREFIXES = ("/api/", "/static/", "/embed/", "/oembed", "/widget.js", "/healthz", "/readyz", "/metrics")


class SessionInterface(SecureCookieSessionInterface):
    """Cookie sessions, except on sessionless paths (public API, static files)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return None  # Flask then uses a null session, which is never saved
        return super().open_session(app, request)


def _reject_nul_bytes() -> None:
    # NUL has no business in any text we accept, and PostgreSQL refuses it in
    # strings: refusing it here turns a database error into a clear 400.
    sources = []
    if request.query_string:
        sources.append(request.args)
    if request.method in {"POST", "PUT", "PATCH"}:
        sources.append(request.form)
    for values in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)
    if "\x00" in request.path:
        abort(400)


_COMMON_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


def _set_security_headers(response: Response) -> Response:
    headers = response.headers
    # Embed routes set their own frame-ancestors; everything else refuses framing.
    if "Content-Security-Policy" not in headers:
        headers.extend((("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Frame-Options", "DENY")))
    for name, value in _COMMON_HEADERS:
        headers.setdefault(name, value)  # a view's own choice (a briefing's no-referrer, say) stands
    if "Cache-Control" not in headers and session.accessed:
        # Anything that looked at the session may be someone's own: never for a shared cache.
        headers["Cache-Control"] = "private"
    if request.is_secure:
        headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_security(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.before_request(_reject_nul_bytes)
    app.after_request(_set_security_headers)
