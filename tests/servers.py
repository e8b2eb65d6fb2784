"""Real `campaign serve` processes on loopback, and a small cookie-keeping HTTP client."""

from __future__ import annotations

import contextlib
import html
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RATELIMIT_", "DATABASE_URL", "SECRET_KEY", "INSTANCE_PATH", "BASE_URL"))
    }
    env.update(INSTANCE_PATH=str(instance), DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **extra)
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    output: str = ""  # everything it wrote, once it has stopped


@contextlib.contextmanager
def running_server(
    env: dict[str, str], *, workers: int = 1, worker: bool = False, port: int | None = None, threads: int = 1
) -> Iterator[Server]:
    """Start `campaign serve` on a free port (or ``port``) and wait until it answers; stop it afterwards."""
    port = port or free_port()
    command = [sys.executable, "-m", "campaign", "serve", "--port", str(port), "--workers", str(workers),
               "--threads", str(threads)]  # fmt: skip
    if not worker:
        command.append("--no-worker")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/login", timeout=2):  # noqa: S310 - our own loopback server
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    raise RuntimeError(f"server did not start:\n{output}") from None
                time.sleep(0.1)
        server = Server(url=url, process=process)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if "server" in locals():
            server.output = output or ""


class Browserless:
    """Just enough of a browser: keeps cookies, reads CSRF tokens, does not follow redirects."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def submit(self, form_url: str, data: dict[str, str], post_url: str | None = None) -> tuple[int, str]:
        _, page = self.request(form_url)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {form_url}"
        return self.request(post_url or form_url, {"csrf_token": html.unescape(match.group(1)), **data})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
