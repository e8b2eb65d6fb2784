"""Several app instances sharing one database and one Redis, as in production."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_PASSWORD
from tests.servers import Browserless, running_server, server_environment


@pytest.fixture
def shared_database(database_url: str, tmp_path: Path) -> str:
    """The test database, with an organiser, usable by server processes."""
    from campaign import create_app
    from campaign.extensions import db
    from tests.conftest import base_config
    from tests.helpers import make_organiser

    app = create_app(base_config(tmp_path / "setup", database_url))
    make_organiser(app)
    with app.app_context():
        db.engine.dispose()
    return database_url


def test_login_throttle_is_shared_by_instances_through_redis(
    shared_database: str, redis_url: str, tmp_path: Path
) -> None:
    env = server_environment(
        tmp_path / "instance",
        shared_database,
        SECRET_KEY="shared-secret-key-for-both-instances-0123456789",
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT_PER_IP="4 per minute",
    )
    with running_server(env) as first, running_server(env) as second:
        statuses = []
        for attempt in range(4):
            server = first if attempt % 2 == 0 else second
            browser = Browserless()
            status, _ = browser.submit(
                f"{server.url}/login", {"email": f"person{attempt}@example.org", "password": f"wrong guess {attempt}"}
            )
            statuses.append(status)
        assert statuses == [200, 200, 200, 200]
        # The fifth attempt from this address, on either instance, is over the shared per-IP limit.
        for server in (first, second):
            status, page = Browserless().submit(
                f"{server.url}/login", {"email": "organiser@example.org", "password": DEFAULT_PASSWORD}
            )
            assert status == 429
            assert "Too many requests" in page


def test_each_instance_counts_alone_with_memory_storage(shared_database: str, tmp_path: Path) -> None:
    """The control for the test above: without shared storage, limits are per process."""
    env = server_environment(
        tmp_path / "instance",
        shared_database,
        SECRET_KEY="shared-secret-key-for-both-instances-0123456789",
        LOGIN_RATE_LIMIT_PER_IP="2 per minute",
    )
    with running_server(env) as first, running_server(env) as second:
        for server in (first, second):
            for attempt in range(2):
                status, _ = Browserless().submit(
                    f"{server.url}/login", {"email": f"p{attempt}@{server.url[-5:]}.example.org", "password": "wrong"}
                )
                assert status == 200
        status, _ = Browserless().submit(f"{first.url}/login", {"email": "organiser@example.org", "password": "x" * 12})
        assert status == 429


def test_signing_limits_are_shared_by_instances_through_redis(
    shared_database: str, redis_url: str, tmp_path: Path
) -> None:
    """Two per minute from one address, across both instances: the third is held back silently."""
    from sqlalchemy import select

    from campaign import create_app
    from campaign.extensions import db
    from campaign.signing.models import Signature
    from tests.conftest import base_config
    from tests.helpers import make_petition

    setup = create_app(base_config(tmp_path / "setup", shared_database))
    with setup.app_context():
        from campaign.accounts.models import Organiser

        organiser_id = db.session.scalars(select(Organiser.id)).one()
    make_petition(setup, organiser_id, state="open", slug="shared-limits")
    env = server_environment(
        tmp_path / "instance", shared_database,
        SECRET_KEY="shared-secret-key-for-both-instances-0123456789", RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", SIGN_LIMIT_PER_IP="2 per minute", HOT_CACHE_SECONDS="0",
    )  # fmt: skip
    with running_server(env) as first, running_server(env) as second:
        for n in range(4):
            server = first if n % 2 == 0 else second
            status, _ = Browserless().submit(
                f"{server.url}/petitions/shared-limits",
                {"name": f"Person {n}", "email": f"person{n}@example.org", "postcode": "YO1 7HH"},
                post_url=f"{server.url}/petitions/shared-limits/sign",
            )
            assert status == 302  # every one of them sees the normal "check your email" page
    with setup.app_context():
        states = list(db.session.execute(select(Signature.email, Signature.state).order_by(Signature.id)))
        db.session.remove()
        db.engine.dispose()
    assert [state for _, state in states] == ["pending", "pending", "fraudulent", "fraudulent"]
