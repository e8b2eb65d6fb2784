"""/metrics: off by default, guarded when on, the text format, counters that move, and whole instances."""

from __future__ import annotations

import concurrent.futures
import ipaddress
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from campaign import create_app
from campaign.config import ConfigError, load_config
from campaign.db import transaction
from campaign.extensions import db
from campaign.mail.service import queue_email
from tests.conftest import base_config
from tests.helpers import csrf_token, make_organiser, make_petition
from tests.mailbox import SmtpServer, confirmation_link
from tests.servers import Browserless, free_port, running_server, server_environment
from tests.signing_helpers import deliver, sign

TOKEN = "metrics-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"METRICS": "on", "METRICS_TOKEN": TOKEN, "METRICS_ALLOW_IPS": (), "MAIL_URL": smtp_server.url,
            "RESEND_MIN_INTERVAL_SECONDS": 0}  # fmt: skip


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, parsed by prometheus_client's own parser, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def scrape(client: FlaskClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    return samples(response.get_data(as_text=True))


# --- settings and access ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"METRICS": "on"}, "METRICS=on needs METRICS_TOKEN"),
        ({"METRICS": "yes please"}, "METRICS must be on or off"),
        ({"METRICS": "on", "METRICS_TOKEN": "short"}, "at least 24 characters"),
        ({"METRICS": "on", "METRICS_ALLOW_IPS": "10.0.0.0/8, intranet"}, "'intranet' is not an IP address"),
    ],
)
def test_metrics_settings_are_checked_at_start(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ, tmp_path)


def test_metrics_settings_are_off_by_default_and_parse_networks(tmp_path: Path) -> None:
    assert load_config({}, tmp_path)["METRICS"] == "off"
    config = load_config({"METRICS": "on", "METRICS_ALLOW_IPS": "10.0.0.0/8,192.0.2.7 ::1"}, tmp_path)
    assert config["METRICS_ALLOW_IPS"] == (
        ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.0.2.7/32"), ipaddress.ip_network("::1/128"),
    )  # fmt: skip
    assert config["METRICS_TOKEN"] is None


def test_metrics_are_not_found_while_off(database_url: str, instance_path: Path) -> None:
    app = create_app({**base_config(instance_path, database_url), "METRICS_TOKEN": TOKEN})
    assert app.config["METRICS"] == "off"
    response = app.test_client().get("/metrics", headers=AUTH)
    assert response.status_code == 404
    assert "campaign_" not in response.get_data(as_text=True)


def test_metrics_need_the_bearer_token(client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token-of-the-right-length-0000"},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}):  # fmt: skip
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "campaign_" not in response.get_data(as_text=True)
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_listed_addresses_need_no_token_and_forwarded_headers_count_only_behind_proxies(app: Flask) -> None:
    app.config["METRICS_ALLOW_IPS"] = (ipaddress.ip_network("10.0.0.0/8"),)
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 401
    # Without PROXY_HOPS a client cannot claim a listed address by sending the header itself.
    forged = {"X-Forwarded-For": "10.1.2.3"}
    assert client.get("/metrics", headers=forged, environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 401


def test_behind_a_declared_proxy_the_forwarded_address_is_the_client(
    database_url: str, instance_path: Path, smtp_server: SmtpServer
) -> None:
    app = create_app({**base_config(instance_path, database_url), "METRICS": "on", "METRICS_TOKEN": None,
                      "METRICS_ALLOW_IPS": (ipaddress.ip_network("10.0.0.0/8"),), "PROXY_HOPS": 1})  # fmt: skip
    client = app.test_client()
    proxied = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.9.9.9"}, environ_base=proxied).status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.1"}, environ_base=proxied).status_code == 401


# --- what is counted -----------------------------------------------------------------------------


def test_counters_move_after_sign_and_confirm(app: Flask, client: FlaskClient, smtp_server: SmtpServer) -> None:
    make_petition(app, make_organiser(app), state="open", slug="the-ban")
    before = scrape(client)
    signed = sign(client, "the-ban", email="metrics@example.org")
    signed.close()  # as a server does when the last byte is sent (the test client leaves it to us)
    assert signed.status_code == 302
    after_sign = scrape(client)
    assert deliver(app).sent == 1
    path = urlsplit(confirmation_link(smtp_server.mailbox.wait_for(1)[-1])).path
    client.get(path).close()
    confirmed = client.post(path, data={"csrf_token": csrf_token(client.get("/login").data)})
    confirmed.close()
    assert confirmed.status_code == 302
    after = scrape(client)

    def moved(name: str, **labels: str) -> tuple[float, float]:
        return (value(after_sign, name, **labels) - value(before, name, **labels),
                value(after, name, **labels) - value(before, name, **labels))  # fmt: skip

    assert moved("campaign_signatures_accepted_total", outcome="pending") == (1, 1)
    assert moved("campaign_signatures_accepted_total", outcome="held_back") == (0, 0)
    assert moved("campaign_mail_queued_total", kind="confirm_signature") == (1, 1)
    assert moved("campaign_mail_sent_total", kind="confirm_signature") == (0, 1)
    assert moved("campaign_signatures_confirmed_total") == (0, 1)
    # The latency histogram saw the POSTs, labelled by endpoint, method and status class.
    sign_post = {"endpoint": "signing.sign", "method": "POST", "status": "3xx"}
    assert moved("campaign_http_request_duration_seconds_count", **sign_post) == (1, 1)
    confirm_post = {"endpoint": "signing.confirm", "method": "POST", "status": "3xx"}
    assert moved("campaign_http_request_duration_seconds_count", **confirm_post) == (0, 1)
    assert value(after, "campaign_http_request_duration_seconds_bucket", **sign_post, le="+Inf") >= 1
    # Scrapes themselves are not timed.
    assert not any(labels and ("endpoint", "metrics.metrics") in labels for _, labels in after)


def test_held_back_signatures_are_counted_apart(app: Flask, client: FlaskClient) -> None:
    app.config["SIGN_LIMIT_PER_IP"] = "1 per minute"
    make_petition(app, make_organiser(app), state="open", slug="the-ban")
    before = scrape(client)
    for n in range(3):
        assert sign(client, "the-ban", email=f"held{n}@example.org", name=f"Held Person {n}").status_code == 302
    after = scrape(client)
    for outcome, expected in (("pending", 1), ("held_back", 2)):
        name = "campaign_signatures_accepted_total"
        assert value(after, name, outcome=outcome) - value(before, name, outcome=outcome) == expected


def test_mail_is_counted_queued_only_when_committed_and_failed_when_refused(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    context = {"petition_title": "T", "petition_url": "u", "name": "N", "link_days": 7}

    def announce_a_change_that_fails() -> None:
        with transaction():
            queue_email("address_used", "rolled-back@example.org", context)
            raise RuntimeError("the change this mail announced did not happen")

    before = scrape(client)
    with app.app_context():
        with pytest.raises(RuntimeError):
            announce_a_change_that_fails()
        with transaction():
            queue_email("address_used", "refused@example.org", context)
    smtp_server.mailbox.refuse_with = "550 No such user"
    assert deliver(app).failed == 1
    after = scrape(client)
    kind = {"kind": "address_used"}
    assert value(after, "campaign_mail_queued_total", **kind) - value(before, "campaign_mail_queued_total", **kind) == 1
    assert value(after, "campaign_mail_failed_total", **kind) - value(before, "campaign_mail_failed_total", **kind) == 1
    assert value(after, "campaign_mail_sent_total", **kind) == value(before, "campaign_mail_sent_total", **kind)


def test_answers_from_the_count_fast_path_are_timed_as_the_count(app: Flask, client: FlaskClient) -> None:
    app.config["HOT_CACHE_SECONDS"] = 60
    make_petition(app, make_organiser(app), state="open", slug="the-ban")
    labels = {"endpoint": "api.petition_count", "method": "GET", "status": "2xx"}
    before = value(scrape(client), "campaign_http_request_duration_seconds_count", **labels)
    for _ in range(3):  # the first through Flask, the others from the fast path's memory
        response = client.get("/api/v1/petitions/the-ban/count")
        assert response.get_json()["signature_count"] == 0  # reading the body to its end ends the timing
    after = value(scrape(client), "campaign_http_request_duration_seconds_count", **labels)
    assert after - before == 3


# --- a real instance: gunicorn workers and the background worker add up ---------------------------------


def _scrape_url(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    request = urllib.request.Request(url + "/metrics", headers=AUTH)  # noqa: S310 - our own loopback server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own loopback server
        return samples(response.read().decode())


def _files_with_counts(folder: Path, endpoint: str) -> dict[str, float]:
    """Requests per process for ``endpoint``, read from each process's own file."""
    from prometheus_client.multiprocess import MultiProcessCollector

    per_file = {}
    for path in folder.glob("histogram_*.db"):
        total = sum(
            sample.value
            for metric in MultiProcessCollector.merge([str(path)], accumulate=True)
            for sample in metric.samples
            if sample.name.endswith("_count") and sample.labels.get("endpoint") == endpoint
        )
        if total:
            per_file[path.name] = total
    return per_file


def test_an_instance_reports_every_worker_and_its_background_worker(
    database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    setup = create_app(base_config(tmp_path / "setup", database_url))
    make_petition(setup, make_organiser(setup), state="open", slug="the-ban")
    with setup.app_context():
        db.engine.dispose()
    instance = tmp_path / "instance"
    stale = instance / "metrics" / "serve-999999999"
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"left by a run that died")
    env = server_environment(instance, database_url, SECRET_KEY="shared-secret-key-for-metrics-0123456789",
                             METRICS="on", METRICS_TOKEN=TOKEN, MAIL_URL=smtp_server.url,
                             WORKER_INTERVAL_SECONDS="1")  # fmt: skip
    with running_server(env, workers=2, worker=True) as server:
        assert not stale.exists(), "directories of dead runs are cleaned at start"
        [folder] = list((instance / "metrics").glob("serve-*"))
        status, _ = Browserless().submit(f"{server.url}/petitions/the-ban", {"name": "Jo Bloggs",
                                         "email": "jo@example.org", "postcode": "YO1 7HH"},
                                         f"{server.url}/petitions/the-ban/sign")  # fmt: skip
        assert status == 302
        # The background worker (a process of its own) sends the mail; the web instance reports it.
        deadline = time.monotonic() + 30
        while value(_scrape_url(server.url), "campaign_mail_sent_total", kind="confirm_signature") < 1:
            assert time.monotonic() < deadline, "the worker's sent mail never showed in /metrics"
            time.sleep(0.3)
        smtp_server.mailbox.wait_for(1)

        def fetch(_: int) -> int:
            with urllib.request.urlopen(server.url + "/", timeout=10) as response:  # noqa: S310 - loopback
                return int(response.status)

        # Concurrent requests on fresh connections until both gunicorn workers have served some.
        sent = 0
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for _ in range(20):
                assert set(pool.map(fetch, range(24))) == {200}
                sent += 24
                if len(_files_with_counts(folder, "petitions.index")) >= 2:
                    break
        # A request is observed when the server has sent its last byte, a moment after the client has it.
        deadline = time.monotonic() + 10
        while sum((per_process := _files_with_counts(folder, "petitions.index")).values()) < sent:
            assert time.monotonic() < deadline, per_process
            time.sleep(0.1)
        assert len(per_process) == 2, per_process
        assert sum(per_process.values()) == sent
        # Whichever worker answers the scrape, it reports the whole instance.
        labels = {"endpoint": "petitions.index", "method": "GET", "status": "2xx"}
        for _ in range(6):
            scraped = _scrape_url(server.url)
            assert value(scraped, "campaign_http_request_duration_seconds_count", **labels) == sent
            assert value(scraped, "campaign_signatures_accepted_total", outcome="pending") == 1
            assert value(scraped, "campaign_mail_queued_total", kind="confirm_signature") == 1
    assert not folder.exists(), "the instance's metrics directory is removed when it stops"
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None


def test_a_worker_run_alone_serves_its_own_metrics(database_url: str, tmp_path: Path, smtp_server: SmtpServer) -> None:
    setup = create_app(base_config(tmp_path / "setup", database_url))
    with setup.app_context():
        with transaction():
            queue_email("address_used", "alone@example.org", {"petition_title": "T", "petition_url": "u", "name": "N",
                                                             "link_days": 7})  # fmt: skip
        db.engine.dispose()
    port = free_port()
    env = server_environment(tmp_path / "instance", database_url, SECRET_KEY="shared-secret-key-for-metrics-0123456789",
                             METRICS="on", METRICS_TOKEN=TOKEN, MAIL_URL=smtp_server.url)  # fmt: skip
    worker = subprocess.Popen([sys.executable, "-m", "campaign", "worker", "--metrics-port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if value(_scrape_url(url), "campaign_mail_sent_total", kind="address_used") == 1:
                    break
            except OSError:
                pass  # not listening yet
            assert worker.poll() is None and time.monotonic() < deadline, "the worker's mail never showed"
            time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "/metrics", timeout=10)  # noqa: S310 - our own loopback server
        refused.value.close()
        assert refused.value.code == 401
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=40)
    assert worker.returncode == 0, output
    assert f"worker metrics on http://127.0.0.1:{port}/metrics" in output


def test_a_worker_metrics_port_needs_metrics_on(tmp_path: Path) -> None:
    env = server_environment(tmp_path / "instance", f"sqlite:///{tmp_path / 'campaign.db'}")
    run = subprocess.run([sys.executable, "-m", "campaign", "worker", "--metrics-port", str(free_port())], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2
    assert "--metrics-port needs METRICS=on" in run.stderr
