"""The files in deploy/ work: gunicorn accepts its config, systemd its units, nginx its site (for real)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from campaign import create_app
from campaign.config import PROJECT_ROOT
from campaign.extensions import db
from campaign.integrity.screening import keyed_hash
from campaign.signing.models import Signature
from tests.conftest import base_config
from tests.helpers import make_organiser, make_petition
from tests.servers import Browserless, _NoRedirect, free_port, running_server, server_environment

DEPLOY = PROJECT_ROOT / "deploy"
SECRET = "shared-secret-key-for-the-deploy-tests-0123456789"


def test_gunicorn_accepts_the_production_config(tmp_path: Path) -> None:
    env = server_environment(tmp_path / "instance", f"sqlite:///{tmp_path / 'campaign.db'}")
    check = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
        cwd=PROJECT_ROOT, env={**env, "WEB_CONCURRENCY": "3"}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    settings = {
        name.strip(): value.strip()
        for name, _, value in (line.partition(" = ") for line in printed.stdout.splitlines())
        if value
    }
    assert settings["workers"] == "3"
    assert settings["logger_class"] == "campaign.logs.GunicornLogger"
    assert settings["preload_app"] == "True"
    assert settings["forwarded_allow_ips"] == "[]", "the app, not gunicorn, decides whom to believe"
    for hook in ("post_fork", "child_exit", "when_ready"):
        assert settings[hook] == f"<{hook}()>"


def test_serve_uses_a_config_file_and_the_flags_given(tmp_path: Path, sqlite_template: Path) -> None:
    database = tmp_path / "campaign.db"
    shutil.copyfile(sqlite_template, database)
    env = server_environment(tmp_path / "instance", f"sqlite:///{database}", WEB_CONCURRENCY="1")
    port = free_port()
    command = [sys.executable, "-m", "campaign", "serve", "--no-worker", "--config", str(DEPLOY / "gunicorn.conf.py"),
               "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/login", process)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=40)
    assert process.returncode == 0, output
    assert f"Serving on http://127.0.0.1:{port}/" in output
    # The config file's access log is on, and its lines leave out the client's address.
    access = [line for line in output.splitlines() if "gunicorn.access: GET /login 200" in line]
    assert access and all("127.0.0.1" not in line for line in access), output


def test_campaign_env_runs_commands_with_the_services_settings(tmp_path: Path) -> None:
    settings = (
        (DEPLOY / "campaign.env.example")
        .read_text()
        .replace(
            "postgresql+psycopg://campaign:CHANGE-ME@127.0.0.1:5432/campaign", f"sqlite:///{tmp_path / 'campaign.db'}"
        )
    )
    (tmp_path / "campaign.env").write_text(settings)
    env = {"PATH": os.environ["PATH"], "CAMPAIGN_ENV_FILE": str(tmp_path / "campaign.env"),
           "CAMPAIGN_HOME": str(PROJECT_ROOT), "INSTANCE_PATH": str(tmp_path / "instance")}  # fmt: skip
    for command in (["db", "upgrade"], ["counts", "reconcile", "--dry-run"]):
        run = subprocess.run([str(DEPLOY / "campaign-env"), *command], env=env, capture_output=True, text=True,
                             timeout=120)  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
    assert "Every petition's count matches" in run.stdout
    assert (tmp_path / "campaign.db").exists()


def _wait_for(url: str, process: subprocess.Popen[str], context: ssl.SSLContext | None = None) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"{url} did not come up:\n{output}") from None
            time.sleep(0.1)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    (tmp_path / "campaign.env").write_text((DEPLOY / "campaign.env.example").read_text())
    for unit in ("campaign-web@.service", "campaign-worker@.service"):
        text = (DEPLOY / "systemd" / unit).read_text()
        # This checkout and a user that exists here stand in for /srv/campaign and the campaign user.
        text = (text.replace("/srv/campaign", str(PROJECT_ROOT)).replace("/etc/campaign/campaign.env",
                str(tmp_path / "campaign.env")).replace("User=campaign", "User=root").replace("Group=campaign",
                "Group=root"))  # fmt: skip
        (tmp_path / unit).write_text(text)
    instances = [str(tmp_path / "campaign-web@8000.service"), str(tmp_path / "campaign-worker@1.service")]
    analyze = shutil.which("systemd-analyze") or "systemd-analyze"
    verify = subprocess.run([analyze, "verify", *instances], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stderr
    assert "campaign" not in verify.stderr, verify.stderr  # no warnings about our units either


# --- nginx in front of a real instance ---------------------------------------------------------------


def _site_for_test(tmp_path: Path, app_port: int, http_port: int, https_port: int) -> str:
    site = (DEPLOY / "nginx" / "campaign.conf").read_text()
    for old, new in (
        ("/var/cache/nginx/campaign", str(tmp_path / "cache")),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/letsencrypt/live/petitions.example.org/fullchain.pem", str(tmp_path / "cert.pem")),
        ("/etc/letsencrypt/live/petitions.example.org/privkey.pem", str(tmp_path / "key.pem")),
        ("/srv/campaign/static/", f"{PROJECT_ROOT / 'static'}/"),
    ):
        assert old in site, old
        site = site.replace(old, new)
    return site


@contextlib.contextmanager
def _nginx(tmp_path: Path, site: str) -> Iterator[subprocess.Popen[str]]:
    (tmp_path / "site.conf").write_text(site)
    temp = tmp_path / "temp"
    temp.mkdir()
    # Started as root, nginx's workers would drop to www-data, who cannot read the test's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(f"""
{user}
pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "error.log"} info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp_path / "site.conf"};
}}
""")
    command = [shutil.which("nginx") or "nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    try:
        yield process
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=_unverified()), _NoRedirect())
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx and openssl are needed (apt-get install nginx)")  # fmt: skip
def test_the_nginx_site_caches_counts_and_widgets_and_sets_the_proxy_headers(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "campaign.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    setup = create_app(base_config(tmp_path / "setup", url) | {"SECRET_KEY": SECRET})
    make_petition(setup, make_organiser(setup), state="open", slug="the-ban")
    subprocess.run([shutil.which("openssl") or "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    env = server_environment(tmp_path / "instance", url, SECRET_KEY=SECRET, PROXY_HOPS="1",
                             COUNT_REFRESH_SECONDS="60", RATELIMIT_ENABLED="false")  # fmt: skip
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    site = _site_for_test(tmp_path, app_port, http_port, https_port)
    with running_server(env, port=app_port), _nginx(tmp_path, site) as nginx:
        front = f"https://127.0.0.1:{https_port}"
        _wait_for(front + "/login", nginx, _unverified())
        # Plain HTTP is sent to HTTPS.
        status, headers, _ = _get(f"http://127.0.0.1:{http_port}/petitions/the-ban")
        assert status == 301 and headers["Location"] == "https://127.0.0.1/petitions/the-ban"

        # The count: fetched once from the app, then served from nginx's cache, with the app's headers.
        count = front + "/api/v1/petitions/the-ban/count"
        first, second = _get(count), _get(count)
        assert (first[0], first[1]["X-Cache-Status"]) == (200, "MISS")
        assert (second[0], second[1]["X-Cache-Status"]) == (200, "HIT")
        assert first[2] == second[2] and b'"signature_count":0' in second[2]
        assert second[1]["ETag"] == first[1]["ETag"]
        assert second[1]["Cache-Control"].startswith("public, max-age=30")
        # A client's own If-None-Match is answered by nginx with a 304.
        revalidated = _get(count, {"If-None-Match": first[1]["ETag"]})
        assert (revalidated[0], revalidated[1]["X-Cache-Status"]) == (304, "HIT")

        # The widget's page and script: cached; the petition page (a session, a form): never.
        for path in ("/embed/petitions/the-ban", "/widget.js"):
            assert _get(front + path)[1]["X-Cache-Status"] == "MISS"
            assert _get(front + path)[1]["X-Cache-Status"] == "HIT"
        page = _get(front + "/petitions/the-ban")
        assert page[0] == 200 and "X-Cache-Status" not in page[1]

        # X-Forwarded-Proto reaches the app (it marks the site HTTPS-only), and /metrics is not public.
        assert page[1]["Strict-Transport-Security"].startswith("max-age=")
        assert _get(front + "/metrics")[0] == 404
        # Static files come from disk with the app's caching rule.
        css = _get(front + "/static/css/campaign.css?v=0123456789ab")
        assert css[0] == 200 and css[1]["Cache-Control"] == "public, max-age=31536000, immutable"

        # X-Forwarded-For is set by nginx, not taken from the client: a forged address is ignored.
        browser = Browserless()
        browser.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.cookies),
                                                     urllib.request.HTTPSHandler(context=_unverified()), _NoRedirect())  # fmt: skip
        browser.opener.addheaders = [("X-Forwarded-For", "10.9.9.9")]
        status, _ = browser.submit(front + "/petitions/the-ban", {"name": "Jo Bloggs", "email": "jo@example.org",
                                   "postcode": "YO1 7HH"}, front + "/petitions/the-ban/sign")  # fmt: skip
        assert status == 302
    with setup.app_context():
        stored = db.session.scalars(select(Signature.ip_hash)).one()
        assert stored == keyed_hash("client-ip", "127.0.0.1")
        assert stored != keyed_hash("client-ip", "10.9.9.9")
        db.engine.dispose()
    assert os.path.exists(tmp_path / "cache")
