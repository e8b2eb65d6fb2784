"""Processes for fault tests: the background worker as its own process, gunicorn's workers, deadlines."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType


class Deadline:
    """A time limit for a whole test: waits inside it use what is left, and an alarm ends it if anything hangs."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(self.ends - time.monotonic(), 0.0)

    @contextlib.contextmanager
    def armed(self) -> Iterator[Deadline]:
        def expired(_signum: int, _frame: FrameType | None) -> None:
            raise TimeoutError(f"the test ran past its deadline of {self.seconds:.0f} s")

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield self
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.05) -> None:
    """Poll until ``condition()`` is true; fail saying ``what`` was awaited if it never is."""
    ends = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > ends:
            raise AssertionError(f"gave up after {timeout:.1f} s waiting for {what}")
        time.sleep(every)


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


@contextlib.contextmanager
def running_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`campaign worker` in its own process, logging to ``log`` (a file: a full pipe would stall it).

    The test may kill it; otherwise it is stopped politely at the end.
    """
    with log.open("ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "campaign", "worker"], env=env, stdout=output,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
