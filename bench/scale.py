"""Scaling out on PostgreSQL: one and two app instances under the same load, against hello-world.

    .venv/bin/python bench/scale.py [--quick] [--duration 10] [--database-url URL]

DATABASE_URL (or --database-url; default the test_ops database) must be a PostgreSQL database the
script may empty: its schema is dropped and migrated again. It builds an open petition, pending
signatures to confirm, a 20-question consultation with people waiting to answer it, a petition of
2,000 confirmed signatures to export and summarise, an empty petition and one of 1,000,000 confirmed
signatures (a single INSERT ... SELECT generate_series).

Then, for one and for two app instances (each `campaign serve --no-worker --workers 2`, METRICS=on),
with one `campaign worker` alongside throughout (sending every mail to files, folding counts), and
hello-world served by the same number of gunicorns with the same settings, it drives every scenario
with wrk at 8 concurrent clients per gunicorn worker (16, then 32), split evenly over the instances:
the petition page, the count, signing (GET the form, POST it), confirming (GET the link, POST the
button), answering the consultation (link, 20 answers, submit), the organiser's CSV export and the
petition summary. Each is printed as requests/s, its ratio to hello-world in the same phase, and the
1 -> 2 instance scaling. It fails (exit 1) on any 5xx (read from every instance's /metrics), any
failed request (wrk), or any acknowledged signature, confirmation or response missing from the
database. Last, with the per-process caches off so every request does its work, it compares the
latency of the page and the count of the 1,000,000-signature petition with the empty one (target:
within 1.2x).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consultations import FLOW as RESPOND_FLOW
from consultations import SLUG as CONSULTATION_SLUG
from consultations import answers_body, twenty_questions
from harness import (
    _LATENCY_REPORT,
    ROOT,
    ConnectionSampler,
    Result,
    free_port,
    gunicorn,
    require_wrk,
    save,
    wait_until_up,
)
from signing import CONFIRM_FLOW, SECRET_KEY, SIGN_FLOW

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_ops"
METRICS_TOKEN = "scale-benchmark-metrics-token-0123456789"
PASSWORD = "benchmark password 1"
BIG_ROWS = 1_000_000
EXPORT_ROWS = 2_000
WORKERS_PER_INSTANCE = 2
CLIENTS_PER_WORKER = 8


@dataclass
class Sizes:
    duration: int
    pending_per_slice: int
    respondents_per_slice: int


# --- the data ------------------------------------------------------------------------------------


def prepare(database_url: str, instance: Path, sizes: Sizes) -> dict[str, object]:
    """A fresh schema and everything the scenarios need; returns ids and token files."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from campaign import create_app
    from campaign.accounts.models import Organiser
    from campaign.accounts.service import NewOrganiser, create_organiser
    from campaign.consultations import builder
    from campaign.consultations import service as consultations
    from campaign.consultations.definition import parse_definition
    from campaign.consultations.models import ConsultationResponse
    from campaign.extensions import db
    from campaign.petitions.service import PetitionDraft, create_petition, open_petition
    from campaign.signing.counts import fold_count_deltas
    from campaign.signing.models import Signature
    from campaign.tokens import TokenPurpose, make_token

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    ids: dict[str, object] = {}
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        upgrade()
        organiser = create_organiser(NewOrganiser("bench@example.org", "Bench", PASSWORD))
        for slug, title in (("bench", "Benchmark petition"), ("empty", "An empty petition"),
                            ("big", "A million signatures"), ("export", "Two thousand to export")):  # fmt: skip
            petition = create_petition(organiser, PetitionDraft(title, "Summary.", "Body text.", 2_000_000, slug=slug))
            open_petition(db.session.get_one(Organiser, organiser.id), petition.id)
            ids[slug] = petition.id
        started = time.perf_counter()
        for slug, rows in (("big", BIG_ROWS), ("export", EXPORT_ROWS)):
            # One statement; the count arrives as one delta folded like any other.
            db.session.execute(text("""
                INSERT INTO signatures (petition_id, state, name, name_key, email, canonical_email, household_slot,
                    postcode, notify_progress, share_name, confirmation_nonce, emails_sent, update_emails_sent,
                    created_at, confirmed_at)
                SELECT :petition, 'confirmed', 'Signer ' || g, 'signer' || g, CAST(:slug AS text) || g || '@example.org',
                    CAST(:slug AS text) || g || '@example.org', 1, (ARRAY['YO1 7HH', 'HG1 2AB', 'LS1 4DT', 'YO8 9XX'])[1 + g % 4],
                    false, g % 3 = 0, substr(md5(g::text), 1, 16), 1, 0,
                    now() - make_interval(secs => g), now() - make_interval(secs => g)
                FROM generate_series(1, :rows) AS g
            """), {"petition": ids[slug], "slug": slug, "rows": rows})  # fmt: skip
            db.session.execute(text("INSERT INTO signature_count_deltas (petition_id, delta, created_at) "
                                    "VALUES (:petition, :rows, now())"), {"petition": ids[slug], "rows": rows})  # fmt: skip
        db.session.commit()
        fold_count_deltas()
        print(f"inserted {BIG_ROWS + EXPORT_ROWS:,} confirmed signatures in {time.perf_counter() - started:.1f}s")

        pending = 3 * sizes.pending_per_slice
        db.session.execute(insert(Signature), [
            {"petition_id": ids["bench"], "state": "pending", "name": f"Pending {n}", "name_key": f"pending{n}",
             "email": f"p{n}@example.org", "canonical_email": f"p{n}@example.org", "postcode": "YO1 7HH",
             "confirmation_nonce": f"nonce{n}"}
            for n in range(pending)
        ])  # fmt: skip
        consultation = consultations.create_consultation(
            organiser,
            consultations.ConsultationDraft(
                "Benchmark consultation", "Twenty questions.", slug=CONSULTATION_SLUG
            ),  # fmt: skip
        )
        builder.save_definition(organiser, consultation.id, parse_definition(twenty_questions()))
        consultations.open_consultation(organiser, consultation.id)
        respondents = 3 * sizes.respondents_per_slice
        db.session.execute(insert(ConsultationResponse), [
            {"consultation_id": consultation.id, "name": f"Respondent {n}", "email": f"r{n}@example.org",
             "canonical_email": f"r{n}@example.org", "nonce": f"nonce{n}", "working": "{}"}
            for n in range(respondents)
        ])  # fmt: skip
        db.session.commit()
        signatures = db.session.execute(
            select(Signature.id, Signature.confirmation_nonce).where(Signature.email.like("p%@example.org"))
            .order_by(Signature.id)
        ).all()  # fmt: skip
        responses = db.session.execute(
            select(ConsultationResponse.id, ConsultationResponse.nonce).order_by(ConsultationResponse.id)
        ).all()
        with app.test_request_context():
            confirm = [make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": sid, "n": nonce}) for sid, nonce in signatures]
            respond = [make_token(TokenPurpose.RESPOND_TO_CONSULTATION, {"r": rid, "n": n}) for rid, n in responses]
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    for name, tokens, per_slice in (("confirm", confirm, sizes.pending_per_slice),
                                    ("respond", respond, sizes.respondents_per_slice)):  # fmt: skip
        for index in range(3):
            path = instance / f"{name}-{index}.txt"
            path.write_text("\n".join(tokens[index * per_slice : (index + 1) * per_slice]) + "\n")
    (instance / "answers.txt").write_text(answers_body())
    return ids


def stored(database_url: str) -> dict[str, int]:
    """What the database holds of the work acknowledged: signatures, confirmations, submitted responses."""
    import psycopg

    from campaign.config import normalise_database_url

    url = normalise_database_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        row = connection.execute("""
            SELECT (SELECT count(*) FROM signatures WHERE email LIKE 't%@example.org'),
                   (SELECT count(*) FROM signatures WHERE email LIKE 'p%@example.org' AND state = 'confirmed'),
                   (SELECT count(*) FROM consultation_responses WHERE state = 'submitted')
        """).fetchone()  # fmt: skip
    assert row is not None
    return {"signatures": row[0], "confirmations": row[1], "responses": row[2]}


# --- servers and load ------------------------------------------------------------------------------


@contextlib.contextmanager
def app_instances(count: int, env: dict[str, str], workdir: Path, name: str) -> Iterator[list[str]]:
    """``count`` instances of `campaign serve --no-worker --workers 2`, each on its own port."""
    processes, urls = [], []
    try:
        for number in range(count):
            port = free_port()
            log = workdir / f"{name}-{number}.log"
            with log.open("wb") as output:
                command = [sys.executable, "-m", "campaign", "serve", "--no-worker", "--port", str(port),
                           "--workers", str(WORKERS_PER_INSTANCE)]  # fmt: skip
                processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
            wait_until_up(urls[-1] + "/petitions/bench", processes[-1], log, timeout=120)
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def hello_instances(count: int, env: dict[str, str], workdir: Path) -> Iterator[list[str]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(gunicorn(f"hello-{n}", "hello:app", env, workdir, workers=WORKERS_PER_INSTANCE)).url
               for n in range(count)]  # fmt: skip


def server_errors(urls: list[str]) -> int:
    """5xx answers so far, as every instance's own /metrics counts them (all its processes together)."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0
    for url in urls:
        auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        request = urllib.request.Request(url + "/metrics", headers=auth)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            text = response.read().decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "campaign_http_request_duration_seconds_count" and sample.labels["status"] == "5xx":
                    total += int(sample.value)
    return total


_ERRORS_REPORT = """
local wrk_done = done
done = function(summary, latency, requests)
  io.write(string.format("SOCKET connect=%d read=%d write=%d timeout=%d status=%d\\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
  wrk_done(summary, latency, requests)
end
"""


def wrk(scenario: str, urls: list[str], *, connections: int, duration: int, script: str | list[str] = "",
        path: str = "/", headers: dict[str, str] | None = None, args: list[list[str]] | None = None) -> Result:  # fmt: skip
    """One wrk per instance at once, the connections split evenly; their figures added up.

    ``script`` may be one per instance. Latency percentiles are the mean of the instances' (each
    instance gets the same share of clients).
    """
    each = connections // len(urls)
    scripts = script if isinstance(script, list) else [script] * len(urls)
    runs = []
    lua_files = []
    for number, url in enumerate(urls):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(scripts[number] + _LATENCY_REPORT + _ERRORS_REPORT)
            lua_files.append(handle.name)
        command = ["wrk", f"-t{each}", f"-c{each}", f"-d{duration}s", "--timeout", "10s", "-s", handle.name, url + path]
        for name, value in (headers or {}).items():
            command[1:1] = ["-H", f"{name}: {value}"]
        if args:
            command += ["--", *args[number]]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=duration + 120)
        if run.returncode != 0:
            raise RuntimeError(f"wrk failed:\n{stdout}\n{stderr}")
        outputs.append(stdout)
    for name in lua_files:
        os.unlink(name)
    total = Result(scenario, 0.0, {}, 0, 0)
    percentiles: dict[str, list[float]] = {}
    for output in outputs:
        match = re.search(r"RESULT requests=(\d+) errors=(\d+) duration_us=(\d+)", output)
        if not match:
            raise RuntimeError(f"wrk gave no result:\n{output}")
        requests, _, duration_us = (int(group) for group in match.groups())
        socket_errors = re.search(r"SOCKET connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+)", output)
        assert socket_errors is not None
        total.requests += requests
        total.requests_per_second += requests / (duration_us / 1e6)
        # Failed requests: no answer at all (connect, read, write, timeout). Statuses are checked per flow.
        total.errors += sum(int(group) for group in socket_errors.groups()[:4])
        for name, value in re.findall(r"LATENCY (\w+)=([\d.]+)", output):
            percentiles.setdefault(name, []).append(float(value))
        for name, value in re.findall(r"EXTRA (\w+)=([\d.]+)", output):
            total.extra[name] = total.extra.get(name, 0.0) + float(value)
        total.extra["status_errors"] = total.extra.get("status_errors", 0.0) + int(socket_errors.group(5))
    total.latency_ms = {name: sum(values) / len(values) for name, values in percentiles.items()}
    return total


def organiser_cookie(url: str) -> str:
    """Sign in as the benchmark's organiser; the session cookie for the console scenarios."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{url}/login", timeout=30) as response:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
    assert token is not None
    form = urlencode({"csrf_token": html.unescape(token.group(1)), "email": "bench@example.org", "password": PASSWORD})
    with opener.open(f"{url}/login", data=form.encode(), timeout=30) as response:
        assert "/login" not in response.url, "could not sign in as the benchmark's organiser"
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar if cookie.name == "campaign_session")


def with_thread_offset(script: str, offset: int) -> str:
    """Signers' email addresses number from the wrk thread id: keep them distinct across wrk processes."""
    line = 'thread:set("id", #threads)'
    assert line in script
    return script.replace(line, f'thread:set("id", #threads + {offset})')


# --- the phases --------------------------------------------------------------------------------------


@dataclass
class Phase:
    instances: int
    hello: float
    results: list[Result]
    server_errors: int
    failed_requests: int
    lost: list[str]
    peak_connections: int


def run_phase(instances: int, env: dict[str, str], workdir: Path, database_url: str, ids: dict[str, object],
              duration: int, slices: list[int]) -> Phase:  # fmt: skip
    connections = CLIENTS_PER_WORKER * WORKERS_PER_INSTANCE * instances
    instance = Path(env["INSTANCE_PATH"])
    results: list[Result] = []
    lost: list[str] = []
    with (
        hello_instances(instances, env, workdir) as hello,
        app_instances(instances, env, workdir, f"app{instances}") as apps,
        ConnectionSampler(database_url) as sampler,
    ):
        cookie = organiser_cookie(apps[0])
        errors_before = server_errors(apps)
        hello_before = wrk("hello-world GET /", hello, connections=connections, duration=duration)
        results.append(wrk("petition page GET", apps, connections=connections, duration=duration,
                           path="/petitions/bench"))  # fmt: skip
        results.append(wrk("count JSON GET", apps, connections=connections, duration=duration,
                           path="/api/v1/petitions/bench/count"))  # fmt: skip

        before = stored(database_url)
        sign_scripts = [with_thread_offset(SIGN_FLOW, 1000 * instances + 100 * n) for n in range(len(apps))]
        sign = wrk("sign: GET form + POST", apps, connections=connections, duration=duration, script=sign_scripts)
        confirm = wrk("confirm: GET link + POST", apps, connections=connections, duration=duration, script=CONFIRM_FLOW,
                      args=[[str(instance / f"confirm-{s}.txt"), str(connections // instances)] for s in slices])  # fmt: skip
        respond = wrk("consultation: link, 20 answers, submit", apps, connections=connections, duration=duration,
                      script=RESPOND_FLOW, args=[[str(instance / f"respond-{s}.txt"), str(instance / "answers.txt"),
                                                  str(connections // instances), "flow"] for s in slices])  # fmt: skip
        time.sleep(1)  # requests in flight when wrk stopped counting finish
        after = stored(database_url)
        in_flight = connections
        for what, acknowledged in (("signatures", sign.extra["posts_ok"]), ("confirmations", confirm.extra["posts_ok"]),
                                   ("responses", respond.extra["submitted"])):  # fmt: skip
            added = after[what] - before[what]
            if not acknowledged <= added <= acknowledged + in_flight:
                lost.append(f"{int(acknowledged)} {what} acknowledged but {added} stored")
        for flow, key in ((sign, "posts_bad"), (confirm, "posts_bad"), (respond, "bad")):
            flow.extra["unexpected"] = flow.extra.get(key, 0.0)
        results += [sign, confirm, respond]
        results.append(wrk("export CSV (2,000 rows, signed in)", apps, connections=connections, duration=duration,
                           path=f"/console/petitions/{ids['export']}/signatures.csv", headers={"Cookie": cookie}))  # fmt: skip
        results.append(wrk("petition summary (signed in)", apps, connections=connections, duration=duration,
                           path=f"/console/petitions/{ids['export']}/summary", headers={"Cookie": cookie}))  # fmt: skip
        hello_after = wrk("hello-world GET /", hello, connections=connections, duration=duration)
        errors = server_errors(apps) - errors_before
    baseline = (hello_before.requests_per_second + hello_after.requests_per_second) / 2
    failed = sum(result.errors for result in results)
    return Phase(instances, baseline, results, errors, failed, lost, sampler.peak)


def latency_by_size(env: dict[str, str], workdir: Path, requests: int) -> list[tuple[str, float, float, float, float]]:
    """p50 and p99 of the page and the count, empty petition vs 1,000,000 signatures, every request doing its work.

    Two clients, each alternating empty and big request by request, so that whatever else the machine
    is doing falls on both alike (separate runs one after the other drift apart on a shared machine).
    """
    cold = {**env, "HOT_CACHE_SECONDS": "0"}
    rows = []
    with app_instances(1, cold, workdir, "cold") as [url]:
        host, port = url.removeprefix("http://").split(":")
        for label, template in (("petition page", "/petitions/{}"), ("count JSON", "/api/v1/petitions/{}/count")):
            timings: dict[str, list[float]] = {"empty": [], "big": []}

            def client(first: int, label: str = label, template: str = template,
                       timings: dict[str, list[float]] = timings) -> None:  # fmt: skip
                for n in range(first, first + 2 * requests):
                    slug = ("empty", "big")[n % 2]
                    connection = http.client.HTTPConnection(host, int(port), timeout=30)
                    started = time.perf_counter()
                    connection.request("GET", template.format(slug))
                    response = connection.getresponse()
                    response.read()
                    timings[slug].append((time.perf_counter() - started) * 1000)
                    connection.close()
                    assert response.status == 200, f"{label} {slug}: {response.status}"

            threads = [threading.Thread(target=client, args=(first,)) for first in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            empty, big = sorted(timings["empty"]), sorted(timings["big"])
            rows.append((label, statistics.median(empty), statistics.median(big), empty[int(len(empty) * 0.99)],
                         big[int(len(big) * 0.99)]))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s a scenario and less data: proves it works")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10; 3 with --quick)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    require_wrk()
    if not args.database_url.startswith(("postgresql", "postgres://")):
        sys.exit("bench/scale.py measures PostgreSQL; give a postgresql:// DATABASE_URL")
    sizes = Sizes(3, 3_000, 1_500) if args.quick else Sizes(args.duration, 20_000, 6_000)
    workdir = Path(tempfile.mkdtemp(prefix="campaign-scale-"))
    instance = workdir / "instance"
    instance.mkdir()
    os.environ.pop("DATABASE_URL", None)
    started = time.perf_counter()
    ids = prepare(args.database_url, instance, sizes)
    print(f"prepared in {time.perf_counter() - started:.0f}s; logs in {workdir}")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "SIGN_LIMIT_"))},
        "INSTANCE_PATH": str(instance), "DATABASE_URL": args.database_url, "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "false", "MAIL_URL": (workdir / "mail").as_uri(), "LOG_LEVEL": "WARNING",
        "METRICS": "on", "METRICS_TOKEN": METRICS_TOKEN,
        # Everything comes from one address here; keep the abuse screening from holding it back.
        "SIGN_LIMIT_PER_IP": "10000000 per minute", "SIGN_LIMIT_PER_DOMAIN": "10000000 per minute",
        "SIGN_LIMIT_PER_PETITION": "10000000 per minute",
    }  # fmt: skip
    from harness import background_worker

    phases = []
    with background_worker(env, workdir):
        phases.append(run_phase(1, env, workdir, args.database_url, ids, sizes.duration, slices=[0]))
        phases.append(run_phase(2, env, workdir, args.database_url, ids, sizes.duration, slices=[1, 2]))
        by_size = latency_by_size(env, workdir, 300 if args.quick else 2_000)
    report(phases, by_size, sizes, args)


def report(phases: list[Phase], by_size: list[tuple[str, float, float, float, float]], sizes: Sizes,
           args: argparse.Namespace) -> None:  # fmt: skip
    one, two = phases
    print(f"\nPostgreSQL; each instance `campaign serve --no-worker --workers {WORKERS_PER_INSTANCE}`, one "
          f"`campaign worker` throughout; {CLIENTS_PER_WORKER} clients per gunicorn worker; {sizes.duration}s each")  # fmt: skip
    print(f"hello-world (same gunicorn settings, same number of instances): 1 instance {one.hello:.0f} req/s, "
          f"2 instances {two.hello:.0f} req/s\n")  # fmt: skip
    print(f"{'scenario':<40}{'1 inst req/s':>13}{'vs hello':>9}{'2 inst req/s':>13}{'vs hello':>9}{'1->2':>7}"
          f"{'p50 ms (1/2)':>15}{'p99 ms (1/2)':>15}")  # fmt: skip
    for first, second in zip(one.results, two.results, strict=True):
        scaling = second.requests_per_second / first.requests_per_second if first.requests_per_second else 0
        print(f"{first.scenario:<40}{first.requests_per_second:>13.0f}{first.requests_per_second / one.hello:>9.0%}"
              f"{second.requests_per_second:>13.0f}{second.requests_per_second / two.hello:>9.0%}{scaling:>6.2f}x"
              f"{first.latency_ms.get('p50', 0):>8.1f}/{second.latency_ms.get('p50', 0):<6.1f}"
              f"{first.latency_ms.get('p99', 0):>8.1f}/{second.latency_ms.get('p99', 0):<6.1f}")  # fmt: skip
    print(f"{'hello-world scaling':<40}{'':>13}{'':>9}{'':>13}{'':>9}{two.hello / one.hello:>6.2f}x")
    problems = []
    print()
    for phase in phases:
        unexpected = sum(int(r.extra.get("unexpected", 0)) for r in phase.results)
        status_errors = sum(int(r.extra.get("status_errors", 0)) for r in phase.results)
        print(f"{phase.instances} instance(s), {CLIENTS_PER_WORKER * WORKERS_PER_INSTANCE * phase.instances} clients: "
              f"5xx {phase.server_errors}; failed requests {phase.failed_requests}; non-2xx/3xx {status_errors}; "
              f"unexpected answers in flows {unexpected}; lost {'; '.join(phase.lost) or 'none'}; "
              f"peak database connections {phase.peak_connections}")  # fmt: skip
        if phase.server_errors or phase.failed_requests or phase.lost:
            problems.append(f"{phase.instances} instance(s)")
    print("\nLatency with the per-process caches off (HOT_CACHE_SECONDS=0), 2 clients alternating: empty "
          f"petition vs {BIG_ROWS:,} signatures")  # fmt: skip
    print(f"{'':<16}{'p50 empty':>11}{'p50 1M':>9}{'ratio':>7}{'p99 empty':>11}{'p99 1M':>9}{'ratio':>7}  target 1.2x")
    for label, p50_empty, p50_big, p99_empty, p99_big in by_size:
        ratio = p50_big / p50_empty if p50_empty else 0
        print(f"{label:<16}{p50_empty:>11.2f}{p50_big:>9.2f}{ratio:>7.2f}{p99_empty:>11.2f}{p99_big:>9.2f}"
              f"{(p99_big / p99_empty if p99_empty else 0):>7.2f}  {'met' if ratio <= 1.2 else 'NOT MET'} (p50)")  # fmt: skip
    meta = {"quick": args.quick, "duration": sizes.duration, "workers_per_instance": WORKERS_PER_INSTANCE,
            "clients_per_worker": CLIENTS_PER_WORKER}  # fmt: skip
    print(f"saved {save(one.results + two.results, one.hello, 'scale', meta).relative_to(ROOT)}")
    if problems:
        print("FAILED: 5xx, failed requests or lost work in " + ", ".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()
