"""Benchmark the public API and the widget against a bare Flask hello-world, in one run.

    .venv/bin/python bench/api.py [--duration 10] [--connections 16] [--workers 2]

Scenarios, each as a ratio to hello-world measured in the same run (rate limits off, as for any
load test): the count endpoint (200 with its body), the same with a current ``If-None-Match``
(``304``, what browsers and caches send once they have it), and the widget's framed page.
Targets: count 80%, 304 90%, widget page 50%.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import ROOT, gunicorn, print_table, require_wrk, run_wrk, save
from signing import SECRET_KEY, prepare

TARGETS = {"count JSON": 0.80, "count, 304 Not Modified": 0.90, "widget page": 0.50}


def with_header(name: str, value: str) -> str:
    return f"wrk.headers['{name}'] = '{value}'\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    require_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    instance = workdir / "instance"
    instance.mkdir()
    database_url = f"sqlite:///{instance / 'campaign.db'}"
    prepare(database_url, instance, pending=1)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RATELIMIT_")},
        "INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "false", "MAIL_URL": (workdir / "mail").as_uri(), "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    duration, connections = args.duration, args.connections
    with (
        gunicorn("hello", "hello:app", env, workdir, workers=args.workers) as hello,
        gunicorn("campaign", "campaign:create_app()", env, workdir, workers=args.workers,
                 ready_path="/api/v1/petitions/bench/count") as app,
    ):  # fmt: skip
        count_url = app.url + "/api/v1/petitions/bench/count"
        with urllib.request.urlopen(count_url) as response:  # noqa: S310 - our own loopback server
            etag = response.headers["ETag"]
        runs = [run_wrk("hello-world GET /", hello.url + "/", connections=connections, duration=duration)]
        runs.append(run_wrk("count JSON", count_url, connections=connections, duration=duration))
        runs.append(run_wrk("count, 304 Not Modified", count_url, connections=connections, duration=duration,
                            script=with_header("If-None-Match", etag)))  # fmt: skip
        runs.append(run_wrk("widget page", app.url + "/embed/petitions/bench", connections=connections,
                            duration=duration))  # fmt: skip
        runs.append(run_wrk("hello-world GET /", hello.url + "/", connections=connections, duration=duration))
    baseline = (runs[0].requests_per_second + runs[-1].requests_per_second) / 2
    results = runs[1:-1]
    print(f"hello-world: {runs[0].requests_per_second:.0f} req/s before, {runs[-1].requests_per_second:.0f} after")
    print_table(results, baseline, title=f"SQLite, {args.workers} gunicorn workers, {connections} connections, "
                f"{duration}s; baseline hello-world {baseline:.0f} req/s")  # fmt: skip
    for result in results:
        ratio = result.requests_per_second / baseline
        verdict = "met" if ratio >= TARGETS[result.scenario] else "NOT met"
        print(f"  {result.scenario}: {ratio:.0%} of hello-world, target {TARGETS[result.scenario]:.0%} {verdict}")
    print(
        f"saved {save(results, baseline, 'api', {'workers': args.workers, 'connections': connections}).relative_to(ROOT)}"
    )
    if any(result.errors for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
