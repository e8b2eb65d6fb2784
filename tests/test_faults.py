"""Faults survived: the mail server, a mail worker, an app worker, Redis and the database going away,
and one person signing through two instances at once.

Everything runs on loopback against real servers. PostgreSQL and Redis outages are played by a TCP
proxy in front of them (tests/tcpproxy.py): the servers themselves keep running for everyone else.
Every test has a deadline: waits inside it have explicit timeouts, and an alarm ends one that hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import shutil
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from campaign import create_app
from campaign.db import transaction
from campaign.extensions import db
from campaign.mail.models import OutboxMessage
from campaign.mail.service import queue_email
from campaign.signing.models import Signature
from tests.conftest import TEST_SECRET_KEY, _empty_postgres, base_config
from tests.helpers import csrf_token, make_organiser, make_petition, sign_in, text_of
from tests.mailbox import Mailbox, SmtpServer
from tests.processes import Deadline, child_pids, running_worker, wait_until
from tests.servers import Browserless, running_server, running_servers, server_environment
from tests.signing_helpers import outbox, sign, signatures
from tests.tcpproxy import TcpProxy, proxy_to

DEADLINE_SECONDS = 60
SLUG = "the-ban"
# Generous limits, so only the limits a test sets itself can hold anything back.
NO_LIMITS = {"SIGN_RATE_LIMIT": "100000 per minute", "SIGN_LIMIT_PER_IP": "100000 per minute",
             "SIGN_LIMIT_PER_DOMAIN": "100000 per minute"}  # fmt: skip


@pytest.fixture(autouse=True)
def deadline() -> Iterator[Deadline]:
    with Deadline(DEADLINE_SECONDS).armed() as limit:
        yield limit


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """The PostgreSQL test database, emptied afterwards (for tests that need PostgreSQL itself)."""
    yield postgres_url
    _empty_postgres(postgres_url)


@pytest.fixture
def sqlite_database(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database, for tests whose fault lies elsewhere (one run is enough)."""
    path = tmp_path / "campaign.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def person(n: int) -> dict[str, str]:
    return {"name": f"Person {n}", "email": f"person{n}@example.org", "postcode": "YO1 7HH"}


@contextlib.contextmanager
def open_site(database_url: str, tmp_path: Path, **config: object) -> Iterator[Flask]:
    """An app on ``database_url`` with an organiser and an open petition; its connections closed afterwards."""
    app = create_app({**base_config(tmp_path / "site", database_url), **config})
    make_petition(app, make_organiser(app), state="open", slug=SLUG)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def environment(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment for server and worker processes sharing the test's database."""
    return server_environment(tmp_path / "instance", database_url, SECRET_KEY=TEST_SECRET_KEY,
                              BASE_URL="http://localhost", HOT_CACHE_SECONDS="0", **extra)  # fmt: skip


def sign_through(url: str, fields: dict[str, str]) -> int:
    """Sign on a running server like a person would; the status of the POST."""
    status, _ = Browserless().submit(f"{url}/petitions/{SLUG}", fields, post_url=f"{url}/petitions/{SLUG}/sign")
    return status


def outbox_statuses(app: Flask) -> Counter[str]:
    return Counter(row.status for row in outbox(app))


# --- mail ---------------------------------------------------------------------------------------


def test_mail_waits_while_the_smtp_server_is_down_then_goes_out_once(
    database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    smtp_server.stop()
    env = environment(tmp_path, database_url, MAIL_URL=smtp_server.url, MAIL_RETRY_SECONDS="1")
    people = [person(n) for n in range(4)]
    with open_site(database_url, tmp_path, MAIL_URL=smtp_server.url) as app, running_worker(env, tmp_path / "w.log"):
        client = app.test_client()
        for fields in people[:2]:
            response = sign(client, SLUG, **fields)
            assert response.status_code == 302
            assert response.headers["Location"] == f"/petitions/{SLUG}/check-email"
        # The worker finds the server down: once for each message, a tick apart.
        wait_until(lambda: sum(row.last_error is not None for row in outbox(app)) >= 2, timeout=15,
                   what="the worker to try the SMTP server for both messages")  # fmt: skip
        for fields in people[2:]:  # people keep signing while mail cannot go
            assert sign(client, SLUG, **fields).status_code == 302
        rows = outbox(app)
        assert len(rows) == 4
        assert {row.status for row in rows} <= {"queued", "sending"}, "nothing fails for an outage"
        assert any((row.last_error or "").startswith("SMTP unavailable") for row in rows)
        assert smtp_server.mailbox.messages == []

        smtp_server.start()
        wait_until(lambda: outbox_statuses(app) == {"sent": 4}, timeout=20, what="every message to be sent")
        time.sleep(1.5)  # another tick of the worker: nothing more goes out
    received = Counter(str(message["To"]) for message in smtp_server.mailbox.messages)
    assert received == Counter(fields["email"] for fields in people), "every message once, and only once"


@dataclass
class SlowMailbox(Mailbox):
    """A mail server that takes its time to accept each message, so a batch is still going when a sender dies."""

    delay: float = 0.25

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def test_a_mail_worker_killed_mid_batch_leaves_the_rest_to_the_next_once_its_lease_ends(
    database_url: str, tmp_path: Path
) -> None:
    smtp = SmtpServer()
    smtp.mailbox = SlowMailbox()
    smtp.start()
    addresses = [f"reader{n}@example.org" for n in range(12)]
    env = environment(tmp_path, database_url, MAIL_URL=smtp.url, MAIL_SENDERS="1", MAIL_LEASE_SECONDS="4")
    try:
        with open_site(database_url, tmp_path, MAIL_URL=smtp.url) as app:
            with app.app_context(), transaction():
                for address in addresses:
                    queue_email("address_used", address, {"petition_title": "The ban", "name": "Reader",
                                "petition_url": "http://localhost/petitions/the-ban", "link_days": 7})  # fmt: skip
            with running_worker(env, tmp_path / "first.log") as first:
                wait_until(lambda: len(smtp.mailbox.messages) >= 2, timeout=20, what="the first messages to arrive")
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=5)
            at_kill = {row.id: row for row in outbox(app)}
            leased = [row for row in at_kill.values() if row.status == "sending"]
            assert len(leased) >= 2, "the worker was killed with a batch in hand"
            assert all(row.leased_until is not None for row in leased)

            with running_worker(env, tmp_path / "second.log"):
                wait_until(lambda: outbox_statuses(app) == {"sent": 12}, timeout=30, what="every message to be sent")
            after = {row.id: row for row in outbox(app)}
    finally:
        smtp.stop()
    for row in leased:  # the next worker waited for the dead one's leases to end
        sent_at, leased_until = after[row.id].sent_at, row.leased_until
        assert sent_at is not None and leased_until is not None and sent_at >= leased_until
    received = Counter(str(message["To"]) for message in smtp.mailbox.messages)
    assert set(received) == set(addresses), "nothing was left behind"
    twice = [address for address, times in received.items() if times > 1]
    assert len(twice) <= 1 and max(received.values()) <= 2, f"only the message in flight may go twice: {twice}"


# --- the web app ----------------------------------------------------------------------------------


def gunicorn_workers(serve_pid: int, count: int) -> list[int]:
    """The pids of gunicorn's workers under `campaign serve` (once ``count`` of them are up)."""
    found: list[int] = []

    def up() -> bool:
        nonlocal found
        masters = child_pids(serve_pid)
        found = [pid for master in masters for pid in child_pids(master)]
        return len(found) == count

    wait_until(up, timeout=10, what=f"{count} gunicorn workers")
    return found


def test_every_acknowledged_signature_survives_an_app_worker_killed_mid_load(
    database_url: str, tmp_path: Path, deadline: Deadline
) -> None:
    threads, per_thread = 6, 12
    outcomes: dict[str, str] = {}  # email -> "302", another status, or the connection error
    order: list[str] = []
    lock = threading.Lock()
    with open_site(database_url, tmp_path) as app:
        env = environment(tmp_path, database_url, **NO_LIMITS)
        with running_server(env, workers=2) as server:
            workers = gunicorn_workers(server.process.pid, 2)

            def signer(thread: int) -> None:
                browser = Browserless()
                page = ""
                for _ in range(20):  # the page with the form may come from the worker being killed
                    with contextlib.suppress(OSError, http.client.HTTPException):
                        status, page = browser.request(f"{server.url}/petitions/{SLUG}")
                        if status == 200:
                            break
                    time.sleep(0.1)
                token = csrf_token(page)
                for n in range(per_thread):
                    fields = person(thread * 100 + n)
                    try:
                        status, _ = browser.request(f"{server.url}/petitions/{SLUG}/sign", {"csrf_token": token,
                                                                                            **fields})  # fmt: skip
                        outcome = str(status)
                    except (OSError, http.client.HTTPException) as error:  # it died with the worker: no answer
                        outcome = type(error).__name__
                    with lock:
                        outcomes[fields["email"]] = outcome
                        order.append(fields["email"])

            with ThreadPoolExecutor(threads) as pool:
                futures = [pool.submit(signer, thread) for thread in range(threads)]
                wait_until(lambda: len(order) >= 20, timeout=20, what="the load to get going")
                os.kill(workers[0], signal.SIGKILL)
                killed_after = len(order)
                for future in futures:
                    future.result(timeout=deadline.remaining())
            replacements = gunicorn_workers(server.process.pid, 2)
        stored = {row.email for row in signatures(app)}
    assert workers[0] not in replacements, "gunicorn replaced the killed worker"
    answers = Counter(outcome for outcome in outcomes.values() if outcome.isdigit())
    assert set(answers) == {"302"}, f"every answer was an acknowledgement, never an error page: {answers}"
    acknowledged = {email for email, outcome in outcomes.items() if outcome == "302"}
    assert acknowledged - stored == set(), "a signature that was acknowledged was lost"
    assert any(outcomes[email] == "302" for email in order[killed_after:]), "signing carried on after the kill"


def test_one_signature_when_the_same_person_signs_through_two_instances_at_once(
    postgres_database: str, tmp_path: Path
) -> None:
    rounds = 8
    with open_site(postgres_database, tmp_path) as app:
        env = environment(tmp_path, postgres_database, **NO_LIMITS)
        with running_servers(env, env) as (first, second):
            browsers = {first.url: Browserless(), second.url: Browserless()}
            tokens = {
                url: csrf_token(browser.request(f"{url}/petitions/{SLUG}")[1]) for url, browser in browsers.items()
            }

            def post(url: str, fields: dict[str, str], barrier: threading.Barrier) -> int:
                barrier.wait(timeout=10)  # both requests leave together
                status, _ = browsers[url].request(f"{url}/petitions/{SLUG}/sign", {"csrf_token": tokens[url], **fields})
                return status

            with ThreadPoolExecutor(2) as pool:
                for n in range(rounds):
                    barrier = threading.Barrier(2)
                    futures = [pool.submit(post, url, person(n), barrier) for url in browsers]
                    assert [future.result(timeout=20) for future in futures] == [302, 302]
        rows = signatures(app)
        mail = outbox(app)
    assert Counter(row.email for row in rows) == Counter(person(n)["email"] for n in range(rounds))
    # The second request found the first's signature, just emailed: it sends nothing more.
    assert Counter(row.to_address for row in mail) == Counter(person(n)["email"] for n in range(rounds))


# --- Redis --------------------------------------------------------------------------------------


def with_address(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"127.0.0.1:{port}"))


def test_signing_carries_on_while_redis_is_down_and_shares_limits_again_when_it_is_back(
    sqlite_database: str, redis_url: str, tmp_path: Path
) -> None:
    import redis

    target = urlsplit(redis_url)
    prefix = f"test-faults-{uuid.uuid4().hex}"
    store = redis.Redis.from_url(redis_url, socket_timeout=5)

    def shared_hits() -> int:
        """Signatures counted against the per-address limit in Redis (by every instance)."""
        keys = [key for key in store.scan_iter(match=f"*{prefix}*sign-ip*") if b"screening" in key]
        return sum(int(store.get(key) or 0) for key in keys)

    statuses: list[int] = []
    with (
        proxy_to(target.hostname or "127.0.0.1", target.port or 6379) as proxy,
        open_site(sqlite_database, tmp_path) as app,
    ):
        env = environment(tmp_path, sqlite_database, RATELIMIT_STORAGE_URI=with_address(redis_url, proxy.port),
                          RATELIMIT_KEY_PREFIX=prefix, SIGN_LIMIT_PER_IP="3 per hour", SIGN_RATE_LIMIT="1000 per hour")  # fmt: skip
        try:
            with running_servers(env, env) as (first, second):
                statuses += [sign_through(first.url, person(0)), sign_through(second.url, person(1))]
                assert shared_hits() == 2, "both instances count in Redis"

                proxy.cut()
                statuses += [sign_through(first.url, person(n)) for n in range(2, 6)]
                statuses += [sign_through(second.url, person(n)) for n in range(6, 10)]
                held_back = [row.email for row in signatures(app) if row.state == "fraudulent"]
                # Each instance now counts on its own: three each before holding back, where shared
                # counting (two already) would have held back all but one.
                assert held_back == [person(5)["email"], person(9)["email"]]

                proxy.restore()
                next_person = iter(range(10, 100))
                for server in (first, second):
                    before = shared_hits()

                    def counted_in_redis(url: str = server.url, before: int = before) -> bool:
                        statuses.append(sign_through(url, person(next(next_person))))
                        return shared_hits() > before

                    wait_until(counted_in_redis, timeout=40, every=0.5, what="the instance to count in Redis again")
        finally:
            leftovers = list(store.scan_iter(match=f"*{prefix}*"))
            if leftovers:
                store.delete(*leftovers)
            store.close()
    assert set(statuses) == {302}, "nothing failed while Redis was away"


# --- the database -------------------------------------------------------------------------------


def test_the_database_going_away_is_a_503_writes_nothing_and_recovers(postgres_database: str, tmp_path: Path) -> None:
    target = sa.make_url(postgres_database)
    direct = sa.create_engine(postgres_database)
    worker_log = tmp_path / "worker.log"
    with proxy_to(target.host or "127.0.0.1", target.port or 5432) as proxy, open_site(
        proxy.url_for(postgres_database), tmp_path
    ) as app:  # fmt: skip
        app.config["PROPAGATE_EXCEPTIONS"] = False
        visitor, organiser = app.test_client(), app.test_client()
        sign_in(organiser)
        token = csrf_token(visitor.get(f"/petitions/{SLUG}").data)
        assert visitor.get("/readyz").status_code == 200
        env = environment(tmp_path, proxy.url_for(postgres_database), MAIL_URL=(tmp_path / "mail").as_uri())
        with running_worker(env, worker_log):
            wait_until(lambda: "worker started" in worker_log.read_text(), timeout=15, what="the worker to start")
            proxy.cut()
            check_unavailable(visitor, organiser, token)
            assert visitor.get("/healthz").get_json() == {"status": "ok"}  # alive, just not ready
            wait_until(lambda: "cannot reach the database" in worker_log.read_text(), timeout=10,
                       what="the worker to notice")  # fmt: skip

            proxy.restore()
            assert visitor.get(f"/petitions/{SLUG}").status_code == 200, "the pool reconnects by itself"
            assert visitor.get("/readyz").status_code == 200
            assert organiser.get("/console").status_code == 200
            response = visitor.post(f"/petitions/{SLUG}/sign", data={"csrf_token": token, **person(1)})
            assert response.status_code == 302
            wait_until(lambda: outbox_statuses(app) == {"sent": 1}, timeout=15, what="the worker to send again")

            cut_in_the_middle_of_signing(visitor, proxy, direct, token)
    log = worker_log.read_text()
    assert "Traceback" not in log, log
    assert "reaches the database again" in log
    with direct.connect() as connection:
        emails = list(connection.scalars(sa.select(Signature.email)))
        mail = list(connection.scalars(sa.select(OutboxMessage.to_address)))
    direct.dispose()
    assert emails == [person(1)["email"]] and mail == [person(1)["email"]], "only the signature made while it was up"


def check_unavailable(visitor: FlaskClient, organiser: FlaskClient, token: str) -> None:
    started = time.monotonic()
    page = visitor.get(f"/petitions/{SLUG}")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "The service is temporarily unavailable" in text_of(page)
    assert "Please try again in a few minutes" in text_of(page)
    assert page.headers["Retry-After"] == "30" and page.headers["Cache-Control"] == "no-store"
    assert "Traceback" not in page.get_data(as_text=True) and "psycopg" not in page.get_data(as_text=True)
    signing = visitor.post(f"/petitions/{SLUG}/sign", data={"csrf_token": token, **person(0)})
    assert signing.status_code == 503
    console = organiser.get("/console")  # the signed-in organiser cannot be looked up either
    assert console.status_code == 503 and "Organiser sign in" in text_of(console)
    api = visitor.get("/api/v1/petitions")
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503
    ready = visitor.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "migrations": "unchecked"},
    }
    assert time.monotonic() - started < 10, "an unreachable database is reported quickly"


def cut_in_the_middle_of_signing(client: FlaskClient, proxy: TcpProxy, direct: sa.Engine, token: str) -> None:
    """Cut the connection while a signature is written but not committed: none of it may stay."""
    with direct.connect() as blocker:
        # Queueing the confirmation email must wait for this lock: the signature row is written by then.
        blocker.exec_driver_sql(f"LOCK TABLE {OutboxMessage.__tablename__} IN SHARE MODE")
        with ThreadPoolExecutor(1) as pool:
            signing = pool.submit(client.post, f"/petitions/{SLUG}/sign", data={"csrf_token": token, **person(2)})
            wait_until(lambda: waiting_on_lock(direct), timeout=10, what="signing to wait for the lock")
            proxy.cut()
            assert signing.result(timeout=10).status_code == 503
        blocker.rollback()
    # The server notices its client is gone and rolls the transaction back.
    wait_until(lambda: not waiting_on_lock(direct, any_state=True), timeout=10, what="the orphaned transaction to end")
    proxy.restore()


def waiting_on_lock(engine: sa.Engine, *, any_state: bool = False) -> bool:
    condition = f"query LIKE 'INSERT INTO {OutboxMessage.__tablename__} %%'"
    if not any_state:
        condition += " AND wait_event_type = 'Lock'"
    with engine.connect() as connection:
        found = connection.exec_driver_sql(
            f"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid != pg_backend_pid() "
            f"AND state != 'idle' AND {condition}"
        ).scalar_one()
    return bool(found)


def test_a_redis_that_stops_answering_holds_signing_up_for_a_moment_only(
    sqlite_database: str, redis_url: str, tmp_path: Path
) -> None:
    """A hung Redis (no reset, no answer) costs about a second, not redis-py's five seconds a call."""
    target = urlsplit(redis_url)
    with proxy_to(target.hostname or "127.0.0.1", target.port or 6379) as proxy, open_site(sqlite_database, tmp_path):
        env = environment(tmp_path, sqlite_database, RATELIMIT_STORAGE_URI=with_address(redis_url, proxy.port),
                          RATELIMIT_KEY_PREFIX=f"test-faults-{uuid.uuid4().hex}")  # fmt: skip
        with running_server(env) as server:
            assert sign_through(server.url, person(0)) == 302
            proxy.stall()
            started = time.monotonic()
            statuses = [sign_through(server.url, person(n)) for n in range(1, 4)]
            elapsed = time.monotonic() - started
            proxy.resume()
    assert statuses == [302, 302, 302]
    assert elapsed < 5, f"three signatures took {elapsed:.1f} s while Redis hung"
