"""The count endpoint, answered from memory without going through Flask, while its last answer is fresh.

When a petition goes viral, every widget and counter polls ``/api/v1/petitions/<slug>/count``. The
app answers it once per ``HOT_CACHE_SECONDS`` per process; this middleware keeps that answer (body,
ETag and every header the app set, security headers included) and gives it, or a ``304`` when the
client's If-None-Match matches, to everyone else asking in that time. Anything else, and any miss,
goes to the app as usual. The count is not rate limited (see api/views.py), so nothing is skipped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# The label the request metrics give a count answered here (see campaign/metrics/middleware.py).
ENDPOINT_KEY, COUNT_ENDPOINT = "campaign.endpoint", "api.petition_count"
COUNT_PATH = re.compile(r"^/api/v1/petitions/([a-z0-9]+(?:-[a-z0-9]+)*)/count/?$")
_SKIPPED_ON_304 = {"content-type", "content-length"}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class _Answer:
    expires: float
    etag: str
    body: bytes
    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]


class CountFastPath:
    def __init__(self, app: WsgiApp, seconds: Callable[[], float]) -> None:
        self.app = app
        self.seconds = seconds  # read each time: the setting may change while the app runs (tests do)
        self.answers: dict[str, _Answer] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        seconds = self.seconds()
        if seconds <= 0 or environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        match = COUNT_PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return self.app(environ, start_response)
        slug = match.group(1)
        answer = self.answers.get(slug)
        if answer is None or answer.expires <= time.monotonic():
            reply = self._ask_app(environ, seconds)
            if not isinstance(reply, _Answer):  # not a count to keep (a 404, say): passed on as it is
                status, headers, body = reply
                start_response(status, headers)
                return [body]
            answer = self.answers[slug] = reply
        environ[ENDPOINT_KEY] = COUNT_ENDPOINT
        if _matches(environ.get("HTTP_IF_NONE_MATCH", ""), answer.etag):
            start_response("304 NOT MODIFIED", answer.not_modified_headers)
            return []
        start_response("200 OK", answer.headers)
        return [answer.body]

    def _ask_app(self, environ: dict[str, Any], seconds: float) -> _Answer | tuple[str, list[tuple[str, str]], bytes]:
        """The app's whole answer (asked without If-None-Match, so it is never a bodiless 304)."""
        fresh = {key: value for key, value in environ.items() if key != "HTTP_IF_NONE_MATCH"}
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            return lambda data: None

        result = self.app(fresh, capture)
        if ENDPOINT_KEY in fresh:
            environ[ENDPOINT_KEY] = fresh[ENDPOINT_KEY]
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = seen["status"], seen["headers"]
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        if not status.startswith("200") or not etag:
            return status, headers, body
        return _Answer(
            expires=time.monotonic() + seconds, etag=etag, body=body, headers=list(headers),
            not_modified_headers=[(n, v) for n, v in headers if n.lower() not in _SKIPPED_ON_304],
        )  # fmt: skip


def _matches(header: str, etag: str) -> bool:
    """If-None-Match (weak comparison, as RFC 9110 asks for it): any listed tag, W/ or not, or "*"."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") in (wanted, "*") for tag in header.split(","))
