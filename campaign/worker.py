"""The background worker: each periodic job loops in its own thread until SIGTERM.

Separate threads keep the jobs from waiting on each other: a slow or unreachable mail server
never delays the folding of signature counts, and several mail senders work side by side
(their leases never overlap; see mail/service.py).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from campaign.db import database_unavailable
from campaign.extensions import db

logger = logging.getLogger(__name__)

RETENTION_EVERY_SECONDS = 86_400.0
# While the database is out of reach every job fails every tick: say so once a minute per job.
UNAVAILABLE_LOG_EVERY_SECONDS = 60.0


@dataclass
class Job:
    name: str
    run: Callable[[], object]
    every_seconds: float


def default_jobs(app: Flask) -> list[Job]:
    from campaign.consultations.service import close_due_consultations
    from campaign.integrity.invalidations import continue_unfinished
    from campaign.integrity.service import purge_expired_ip_hashes
    from campaign.mail.service import deliver_all_due_mail
    from campaign.outcomes.service import fan_out_update_emails
    from campaign.petitions.service import close_due_petitions
    from campaign.privacy.retention import run_scheduled_retention
    from campaign.signing.counts import fold_count_deltas

    interval = float(app.config["WORKER_INTERVAL_SECONDS"])
    # Counts are folded often enough that, with the per-process and HTTP caches on top, a
    # confirmation shows within COUNT_REFRESH_SECONDS.
    fold_every = min(interval, app.config["COUNT_REFRESH_SECONDS"] / 5)
    senders = [
        Job(f"deliver mail {n}", deliver_all_due_mail, every_seconds=interval)
        for n in range(1, app.config["MAIL_SENDERS"] + 1)
    ]
    jobs = [
        Job("fold signature counts", fold_count_deltas, every_seconds=fold_every),
        *senders,
        Job("close due petitions", close_due_petitions, every_seconds=max(interval, 5.0)),
        Job("close due consultations", close_due_consultations, every_seconds=max(interval, 5.0)),
        Job("email petition updates", fan_out_update_emails, every_seconds=interval),
        Job("carry on invalidations", continue_unfinished, every_seconds=max(interval, 2.0)),
        Job("forget old client addresses", purge_expired_ip_hashes, every_seconds=3600.0),
    ]
    if app.config["RETENTION_SCHEDULE"] == "daily":
        # Once when the worker starts, then daily. Safe on any number of workers: each batch claims
        # its rows with SKIP LOCKED, and anonymised rows are never taken again.
        jobs.append(Job("apply the retention policy", run_scheduled_retention, every_seconds=RETENTION_EVERY_SECONDS))
    return jobs


_unavailable_logged: dict[str, float] = {}


def run_job(app: Flask, job: Job) -> None:
    """Run a job once; a failure is logged and the job runs again next time."""
    with app.app_context():
        try:
            job.run()
            if _unavailable_logged.pop(job.name, None) is not None:
                logger.info("background job %r reaches the database again", job.name)
        except Exception as error:
            last_logged = _unavailable_logged.get(job.name)
            if not database_unavailable(error):
                logger.exception("background job %r failed; it will run again", job.name)
            elif last_logged is None or time.monotonic() - last_logged >= UNAVAILABLE_LOG_EVERY_SECONDS:
                _unavailable_logged[job.name] = time.monotonic()
                logger.error("background job %r cannot reach the database; it will run again: %s", job.name,
                             type(getattr(error, "orig", None) or error).__name__)  # fmt: skip
            with contextlib.suppress(SQLAlchemyError):  # the connection may be gone; the pool replaces it
                db.session.rollback()
        finally:
            db.session.remove()


def _loop(app: Flask, job: Job, stopping: threading.Event) -> None:
    while not stopping.is_set():
        started = time.monotonic()
        run_job(app, job)
        stopping.wait(max(job.every_seconds - (time.monotonic() - started), 0.05))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # scrapes are not news


def serve_worker_metrics(app: Flask, host: str, port: int) -> None:
    """``/metrics`` for a worker run on its own (`campaign worker --metrics-port`), on a thread of its own.

    Under `campaign serve` the worker's counts reach the web instance's ``/metrics`` instead. The same
    view answers, with the same token and address rules.
    """
    from campaign.metrics.views import bp

    metrics_app = Flask("campaign.worker_metrics")
    metrics_app.config.update({name: app.config[name] for name in ("METRICS", "METRICS_TOKEN", "METRICS_ALLOW_IPS")})
    metrics_app.register_blueprint(bp)
    server = make_server(host, port, metrics_app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("worker metrics on http://%s:%d/metrics", host, port)


def run_worker(app: Flask, *, once: bool = False, jobs: list[Job] | None = None) -> None:
    jobs = jobs if jobs is not None else default_jobs(app)
    if once:
        for job in jobs:
            run_job(app, job)
        return
    stopping = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threads = [threading.Thread(target=_loop, args=(app, job, stopping), name=job.name, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    logger.info("worker started with jobs: %s", ", ".join(job.name for job in jobs))
    while not stopping.is_set():
        stopping.wait(0.5)
    # A job finishing its current step (a batch of mail, say) is waited for, within reason.
    deadline = time.monotonic() + 30
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    logger.info("worker stopped")
