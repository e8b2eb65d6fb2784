"""The whole journey through real processes: `campaign serve` (gunicorn and its worker), real SMTP."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

from tests.conftest import base_config
from tests.mailbox import SmtpServer, confirmation_link
from tests.servers import Browserless, running_server, server_environment


def test_sign_receive_confirm_and_see_the_count_within_five_seconds(
    database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    from campaign import create_app
    from campaign.extensions import db
    from tests.helpers import make_organiser, make_petition

    setup = create_app(base_config(tmp_path / "setup", database_url))
    make_petition(setup, make_organiser(setup), state="open", slug="the-ban")
    with setup.app_context():
        db.engine.dispose()

    env = server_environment(
        tmp_path / "instance", database_url, MAIL_URL=smtp_server.url,
        SECRET_KEY="end-to-end-secret-key-0123456789-abcdefgh", BASE_URL="http://127.0.0.1",
    )  # fmt: skip
    with running_server(env, workers=2, worker=True) as server:
        browser = Browserless()
        status, _ = browser.submit(
            f"{server.url}/petitions/the-ban",
            {"name": "Jo Bloggs", "email": "jo@example.org", "postcode": "YO1 7HH"},
            post_url=f"{server.url}/petitions/the-ban/sign",
        )
        assert status == 302
        (message,) = smtp_server.mailbox.wait_for(1, timeout=20)  # sent by the worker alongside gunicorn
        path = re.sub(r"^https?://[^/]+", "", confirmation_link(message))
        status, page = browser.request(f"{server.url}{path}")
        assert status == 200 and "Confirm my signature" in page
        status, _ = browser.submit(f"{server.url}{path}", {})
        assert status == 302
        confirmed_at = time.monotonic()
        while True:
            with urllib.request.urlopen(f"{server.url}/api/v1/petitions/the-ban/count", timeout=5) as response:  # noqa: S310
                if json.load(response)["signature_count"] == 1:
                    break
            assert time.monotonic() - confirmed_at < 5, "the confirmation is counted within five seconds"
            time.sleep(0.1)


def test_a_burst_of_signatures_through_two_worker_processes(database_url: str, tmp_path: Path) -> None:
    """Writers in separate processes (SQLite's file lock across processes; PostgreSQL's own locking):
    every acknowledged signature is stored, none twice, no errors."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, text

    from campaign import create_app
    from campaign.extensions import db
    from tests.helpers import make_organiser, make_petition

    setup = create_app(base_config(tmp_path / "setup", database_url))
    make_petition(setup, make_organiser(setup), state="open", slug="burst")
    with setup.app_context():
        db.engine.dispose()
    env = server_environment(tmp_path / "instance", database_url, RATELIMIT_ENABLED="false",
                             SECRET_KEY="burst-secret-key-0123456789-abcdefghijklmnop")  # fmt: skip
    with running_server(env, workers=2) as server:

        def sign_one(n: int) -> int:
            browser = Browserless()
            status, _ = browser.submit(
                f"{server.url}/petitions/burst",
                {"name": f"Person {n}", "email": f"p{n}@example.org", "postcode": "YO1 7HH"},
                post_url=f"{server.url}/petitions/burst/sign",
            )
            return status

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(sign_one, range(80)))
        log = server.process
    assert statuses == [302] * 80
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(DISTINCT email), count(*) FROM signatures")).one()
        queued = connection.execute(text("SELECT count(*) FROM outbox")).scalar()
    engine.dispose()
    assert tuple(stored) == (80, 80)
    assert queued == 80
    assert log.returncode == 0
