"""gunicorn settings used by `campaign serve` (and usable as `gunicorn -c python:campaign.gunicorn_conf`).

Command-line flags (bind, workers, threads) override these; so does GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os
from typing import Any

# Build the app once in the master: the instance secret is created once and workers
# start quickly. Each worker then drops the inherited (unused) connection pool.
preload_app = True
bind = "127.0.0.1:5000"
workers = 2
threads = 1
timeout = 30
graceful_timeout = 30
keepalive = 5
# Off here (the benchmarks measure without them); deploy/gunicorn.conf.py turns them on. Either way
# they go through campaign.logs, which leaves out the visitor's address, the query string and any
# token in the path, and writes JSON when LOG_FORMAT=json.
accesslog = None
errorlog = "-"
logger_class = "campaign.logs.GunicornLogger"
# gunicorn would otherwise believe X-Forwarded-Proto from loopback by itself. The app
# decides whom to believe: ProxyFix, configured by PROXY_HOPS.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}


def post_fork(server: Any, worker: Any) -> None:
    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not the campaign app (the benchmarks' hello-world uses these settings too)
    from campaign.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(server: Any) -> None:
    if not server.cfg.preload_app:
        return  # the app is not loaded in this process; nothing to check without loading it here
    config = getattr(server.app.wsgi(), "config", {})
    if config.get("METRICS") == "on" and server.cfg.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        server.log.warning(
            "METRICS=on with %d workers but no PROMETHEUS_MULTIPROC_DIR: each scrape would see one worker's "
            "counts. Start with `campaign serve`, which sets it up, or point it at an empty directory.",
            server.cfg.workers,
        )


def child_exit(server: Any, worker: Any) -> None:
    from campaign.metrics.registry import mark_process_dead

    mark_process_dead(worker.pid)


# gunicorn 23+ opens a control socket in $HOME by default; several instances on one
# machine would fight over it, and we do not use it.
control_socket_disable = True
