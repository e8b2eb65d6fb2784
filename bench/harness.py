"""Shared benchmark machinery: servers under gunicorn, wrk runs, and the hello-world baseline.

Benchmarks print figures; they are not tests. Every figure is reported with its ratio to a
bare Flask hello-world served with the same gunicorn settings and measured in the same run,
because absolute numbers drift on a shared machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log.read_text()}") from None
            time.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


@dataclass
class Server:
    name: str
    url: str
    log: Path
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def gunicorn(name: str, app: str, env: dict[str, str], workdir: Path, *, workers: int, port: int | None = None,
             ready_path: str = "/") -> Iterator[Server]:  # fmt: skip
    """Serve ``app`` (a gunicorn app spec) with the campaign gunicorn settings."""
    port = port or free_port()
    log = workdir / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", "--config", "python:campaign.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--pythonpath", str(BENCH), app,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + ready_path, process, log)
        yield Server(name, url, log, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Result:
    scenario: str
    requests_per_second: float
    latency_ms: dict[str, float]
    requests: int
    errors: int
    extra: dict[str, float] = field(default_factory=dict)


_LATENCY_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d duration_us=%d\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout, summary.duration))
  for _, p in pairs({50, 90, 99}) do
    io.write(string.format("LATENCY p%d=%.3f\\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("LATENCY mean=%.3f\\n", latency.mean / 1000))
  if report_extra then report_extra() end
end
"""


def run_wrk(scenario: str, url: str, *, connections: int, duration: int, script: str = "",
            script_args: list[str] | None = None) -> Result:  # fmt: skip
    """Drive ``url`` with wrk: one connection per wrk thread so multi-step Lua flows stay in order."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + _LATENCY_REPORT)
        lua = handle.name
    try:
        command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", lua, url]
        if script_args:
            command += ["--", *script_args]
        run = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
        if run.returncode != 0:
            raise RuntimeError(f"wrk failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
        output = run.stdout
    finally:
        os.unlink(lua)
    match = re.search(r"RESULT requests=(\d+) errors=(\d+) duration_us=(\d+)", output)
    if not match:
        raise RuntimeError(f"wrk gave no result:\n{output}")
    requests, errors, duration_us = (int(group) for group in match.groups())
    latency = {name: float(value) for name, value in re.findall(r"LATENCY (\w+)=([\d.]+)", output)}
    extra = {name: float(value) for name, value in re.findall(r"EXTRA (\w+)=([\d.]+)", output)}
    return Result(scenario, requests / (duration_us / 1e6), latency, requests, errors, extra)


def print_table(results: list[Result], baseline: float, *, title: str) -> None:
    print(f"\n{title}")
    print(f"{'scenario':<34}{'req/s':>10}{'vs hello':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}")

    def ms(result: Result, name: str) -> str:
        return f"{result.latency_ms[name]:>8.1f}" if name in result.latency_ms else f"{'—':>8}"

    for result in results:
        ratio = result.requests_per_second / baseline if baseline else 0
        print(
            f"{result.scenario:<34}{result.requests_per_second:>10.0f}{ratio:>9.0%} "
            f"{ms(result, 'p50')} {ms(result, 'p90')} {ms(result, 'p99')} {result.errors:>7}"
        )


@contextlib.contextmanager
def background_worker(env: dict[str, str], workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`campaign worker` running alongside, as in production: sending mail, folding counts."""
    log = workdir / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "campaign", "worker"], env=env, cwd=ROOT,
                                   stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


def save(results: list[Result], baseline: float, name: str, meta: dict[str, object]) -> Path:
    folder = BENCH / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(
        json.dumps(
            {
                "meta": meta,
                "hello_world_rps": baseline,
                "results": [{**r.__dict__, "ratio_to_hello": r.requests_per_second / baseline} for r in results],
            },
            indent=2,
        )
    )
    return path


class ConnectionSampler:
    """The most connections the benchmark's database had open at once, sampled every 0.2 s."""

    def __init__(self, database_url: str) -> None:
        from campaign.config import normalise_database_url

        self.url = normalise_database_url(database_url).replace("postgresql+psycopg://", "postgresql://")
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self._stop.wait(0.2):
                row = connection.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def require_wrk() -> None:
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        sys.exit("These benchmarks need wrk (Debian/Ubuntu: apt-get install wrk).")
