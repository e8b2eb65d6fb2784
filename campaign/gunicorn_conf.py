"""gunicorn settings used by `campaign serve` (and usable as `gunicorn -c python:campaign.gunicorn_conf`).

Command-line flags (bind, workers, threads) override these; so does GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

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
# Access logs would hold every visitor's address; the app logs what it needs.
accesslog = None
errorlog = "-"
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


# gunicorn 23+ opens a control socket in $HOME by default; several instances on one
# machine would fight over it, and we do not use it.
control_socket_disable = True
