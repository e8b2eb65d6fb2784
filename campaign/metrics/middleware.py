"""Request latency for the histogram: timed around the whole app, to the last byte of the body."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from campaign.api.fastpath import ENDPOINT_KEY
from campaign.metrics.registry import REQUEST_SECONDS

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


# ENDPOINT_KEY is set on the WSGI environ by the app (at teardown) or by the count fast path.


class RequestMetrics:
    """Observe every request but the scrapes themselves in ``campaign_http_request_duration_seconds``."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/metrics":
            return self.app(environ, start_response)
        started = time.perf_counter()
        status: list[str] = []

        def capture(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[:] = [code]
            return start_response(code, headers, exc_info)

        try:
            body = self.app(environ, capture)
        except BaseException:
            _observe(environ, "500", started)
            raise
        return _Timed(body, lambda: _observe(environ, status[0] if status else "500", started))


class _Timed:
    """The response body, observed once: when the server has taken its last byte, or closes it early."""

    def __init__(self, body: Iterable[bytes], observe: Callable[[], None]) -> None:
        self.body = body
        self.observe: Callable[[], None] | None = observe

    def __iter__(self) -> Iterator[bytes]:
        yield from self.body
        self._done()

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()

    def _done(self) -> None:
        observe, self.observe = self.observe, None
        if observe is not None:
            observe()


def _observe(environ: dict[str, Any], status: str, started: float) -> None:
    method = environ.get("REQUEST_METHOD", "")
    REQUEST_SECONDS.labels(
        endpoint=environ.get(ENDPOINT_KEY) or "none",
        method=method if method in _METHODS else "other",
        status=f"{status[:1]}xx",
    ).observe(time.perf_counter() - started)
