"""gunicorn settings for production, explained setting by setting in docs/deployment.md.

    campaign serve --no-worker --config deploy/gunicorn.conf.py --host 127.0.0.1 --port 8000

(`campaign serve` checks the schema first and sets up the metrics directory; the systemd unit in
deploy/systemd/ runs exactly this.) Check it with: gunicorn --check-config -c deploy/gunicorn.conf.py wsgi:app
"""

import os

# The hooks and decisions every deployment shares: drop the master's connection pool in each worker,
# warn about metrics without a shared directory, tidy a dead worker's metrics, logs through campaign.logs
# (JSON with LOG_FORMAT=json), no control socket, and leave the forwarded headers to the app (PROXY_HOPS).
from campaign.gunicorn_conf import (  # noqa: F401 - gunicorn reads these names from this module
    child_exit,
    control_socket_disable,
    forwarded_allow_ips,
    logger_class,
    post_fork,
    secure_scheme_headers,
    when_ready,
)

bind = "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
threads = 1
preload_app = True
timeout = 30
graceful_timeout = 30
keepalive = 5
worker_tmp_dir = "/dev/shm"  # noqa: S108 - the heartbeat file gunicorn documents for this; no data
max_requests = 0
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
loglevel = "info"
proc_name = "campaign"
