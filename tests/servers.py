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
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO


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
    process: subprocess.Popen[bytes]
    output: str = ""  # everything it wrote, once it has stopped


@contextlib.contextmanager
def running_servers(
    *envs: dict[str, str], workers: int = 1, worker: bool = False, threads: int = 1, port: int | None = None
) -> Iterator[list[Server]]:
    """Start `campaign serve` for each environment side by side, wait until all answer; stop them together.

    Output goes to a temporary file, not a pipe: a pipe nobody reads fills up and stalls the server.
    """
    servers: list[Server] = []
    logs = []
    with contextlib.ExitStack() as stack:
        try:
            for env in envs:
                server_port = port or free_port()
                command = [sys.executable, "-m", "campaign", "serve", "--port", str(server_port),
                           "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
                if not worker:
                    command.append("--no-worker")
                log = stack.enter_context(tempfile.TemporaryFile())
                logs.append(log)
                process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
                servers.append(Server(url=f"http://127.0.0.1:{server_port}", process=process))
            deadline = time.monotonic() + 30
            for server, log in zip(servers, logs, strict=True):
                _wait_until_answering(server, log, deadline)
            yield servers
        finally:
            for server in servers:
                server.process.send_signal(signal.SIGTERM)
            for server, log in zip(servers, logs, strict=False):
                try:
                    server.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.process.kill()
                    server.process.wait()
                log.seek(0)
                server.output = log.read().decode(errors="replace")


def _wait_until_answering(server: Server, log: IO[bytes], deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(server.url + "/login", timeout=2):  # noqa: S310 - our own loopback server
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise RuntimeError(f"server did not start:\n{output}") from None
            time.sleep(0.1)


@contextlib.contextmanager
def running_server(
    env: dict[str, str], *, workers: int = 1, worker: bool = False, port: int | None = None, threads: int = 1
) -> Iterator[Server]:
    """Start `campaign serve` on a free port (or ``port``) and wait until it answers; stop it afterwards."""
    with running_servers(env, workers=workers, worker=worker, threads=threads, port=port) as (server,):
        yield server


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
