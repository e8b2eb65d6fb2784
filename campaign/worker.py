"""The background worker: periodic jobs run in a loop until SIGTERM."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from campaign.extensions import db

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    run: Callable[[], object]
    every_seconds: float
    next_run: float = 0.0


def default_jobs(app: Flask) -> list[Job]:
    from campaign.mail.service import deliver_all_due_mail
    from campaign.petitions.service import close_due_petitions
    from campaign.signing.counts import fold_count_deltas

    interval = float(app.config["WORKER_INTERVAL_SECONDS"])
    # Counts are folded often enough that, with HTTP caching of half the refresh
    # interval on top, a confirmation shows within COUNT_REFRESH_SECONDS.
    fold_every = min(interval, app.config["COUNT_REFRESH_SECONDS"] / 2)
    return [
        Job("fold signature counts", fold_count_deltas, every_seconds=fold_every),
        Job("deliver mail", deliver_all_due_mail, every_seconds=interval),
        Job("close due petitions", close_due_petitions, every_seconds=max(interval, 5.0)),
    ]


def run_jobs_once(app: Flask, jobs: list[Job], now: float) -> None:
    """Run every job that is due; one failing job never stops the others."""
    for job in jobs:
        if job.next_run > now:
            continue
        job.next_run = now + job.every_seconds
        with app.app_context():
            try:
                job.run()
            except Exception:
                logger.exception("background job %r failed; it will run again", job.name)
                db.session.rollback()
            finally:
                db.session.remove()


def run_worker(app: Flask, *, once: bool = False, jobs: list[Job] | None = None) -> None:
    jobs = jobs if jobs is not None else default_jobs(app)
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("worker started with jobs: %s", ", ".join(job.name for job in jobs))
    while not stopping:
        run_jobs_once(app, jobs, time.monotonic())
        if once:
            break
        # Sleep in short steps so a stop request is honoured promptly.
        deadline = min(job.next_run for job in jobs)
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))
    logger.info("worker stopped")
