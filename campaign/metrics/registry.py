"""The metrics, counting on commit, and the exposition that adds up every process of an instance.

Counters live in the processes that count (prometheus_client). Under `campaign serve` every gunicorn
worker and the background worker write to files in one directory (``PROMETHEUS_MULTIPROC_DIR``, made
fresh in the instance folder at start), and ``/metrics`` adds them up, so whichever worker answers the
scrape reports the whole instance. Each instance reports its own work; Prometheus adds instances up.
(Totals read from the database would be exact across instances too, but every instance would report
the same total, a query per scrape on a table of millions, and nothing about mail or latency.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from sqlalchemy import event
from sqlalchemy.orm import Session

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry(auto_describe=True)

SIGNATURES_ACCEPTED = Counter(
    "campaign_signatures_accepted",
    "New signatures accepted from the sign form: pending (waiting for their link, or counted at once for a "
    "mailbox proved moments ago) or held_back (kept but not counted, see docs/abuse.md).",
    ["outcome"],
    registry=REGISTRY,
)
SIGNATURES_CONFIRMED = Counter(
    "campaign_signatures_confirmed", "Signatures confirmed and added to a petition's count.", registry=REGISTRY
)
MAIL_QUEUED = Counter("campaign_mail_queued", "Emails added to the outbox (counted on commit).", ["kind"],
                      registry=REGISTRY)  # fmt: skip
MAIL_SENT = Counter("campaign_mail_sent", "Emails handed to the mail server.", ["kind"], registry=REGISTRY)
MAIL_FAILED = Counter("campaign_mail_failed", "Emails given up on (see `campaign mail status`).", ["kind"],
                      registry=REGISTRY)  # fmt: skip
MAIL_DEFERRED = Counter("campaign_mail_deferred", "Sending attempts that failed and will be retried.", ["kind"],
                        registry=REGISTRY)  # fmt: skip
REQUEST_SECONDS = Histogram(
    "campaign_http_request_duration_seconds",
    "Time from the request reaching the app to the last byte of its response, by endpoint, method and status class.",
    ["endpoint", "method", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)

for _outcome in ("pending", "held_back"):  # both series exist from the start, at zero
    SIGNATURES_ACCEPTED.labels(outcome=_outcome)


def exposition(accept: str = "") -> tuple[bytes, str]:
    """The text exposition (or OpenMetrics, when the scraper asks for it) and its content type."""
    encoder, content_type = choose_encoder(accept)
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return encoder(registry), content_type
    return encoder(REGISTRY), content_type


# --- counting what commits ---------------------------------------------------------------

_PENDING = "campaign.metrics.pending"


def count_on_commit(session: Session, child: Any, amount: float = 1) -> None:
    """Count ``amount`` on ``child`` (a labelled counter) if and when the session's transaction commits."""
    pending: dict[Any, float] = session.info.setdefault(_PENDING, {})
    pending[child] = pending.get(child, 0) + amount


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for child, amount in session.info.pop(_PENDING, {}).items():
        child.inc(amount)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


# --- the directory shared by one instance's processes -----------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_multiprocess_dir(instance_path: Path, pid: int | None = None) -> Path:
    """A fresh, empty directory for one `campaign serve` and its processes: ``metrics/serve-<pid>``.

    Directories left by earlier runs whose process has gone are removed; another instance running
    from the same instance folder keeps its own.
    """
    pid = pid or os.getpid()
    base = instance_path / "metrics"
    base.mkdir(parents=True, exist_ok=True)
    for folder in base.glob("serve-*"):
        number = folder.name.removeprefix("serve-")
        if number.isdigit() and int(number) != pid and not _alive(int(number)):
            shutil.rmtree(folder, ignore_errors=True)
    folder = base / f"serve-{pid}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def remove_multiprocess_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)


def mark_process_dead(pid: int) -> None:
    """For gunicorn's ``child_exit``: a dead worker's counts stay (they are totals); its live gauges go."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
