"""The `campaign` command: organisers, demo data, migrations, serving and the worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from campaign.accounts.models import Organiser
from campaign.accounts.service import authenticate
from campaign.demo import DEMO_PETITION_SLUG
from campaign.extensions import db
from campaign.petitions.models import Petition
from tests.helpers import DEFAULT_PASSWORD, in_days, make_organiser, make_petition, text_of


def test_organiser_create_reads_the_password_from_stdin(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["organiser", "create", "Chair@Example.org", "--name", "Pat Chair", "--role", "admin", "--password-stdin"],
        input=DEFAULT_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin chair@example.org" in result.output
    with app.app_context():
        organiser = authenticate("chair@example.org", DEFAULT_PASSWORD)
        assert organiser is not None and organiser.is_admin and organiser.name == "Pat Chair"


def test_organiser_create_prompts_for_the_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["organiser", "create", "a@example.org", "--name", "A", "--organisation", "Residents"],
        input=f"{DEFAULT_PASSWORD}\n{DEFAULT_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        organiser = db.session.query(Organiser).one()
        assert organiser.organisation.name == "Residents" and organiser.role == "organiser"


def test_organiser_create_refuses_weak_passwords_and_duplicates(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["organiser", "create", "a@example.org", "--name", "A", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert "Use at least 12 characters" in result.output
    make_organiser(app, "a@example.org")
    result = runner.invoke(
        args=["organiser", "create", "A@example.org", "--name", "A", "--password-stdin"], input=DEFAULT_PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    with app.app_context():
        assert db.session.query(Organiser).count() == 1


def test_demo_is_idempotent_and_keeps_edits(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Organiser login: organiser@example.org  password: " in first.output
    with app.app_context():
        states = dict(db.session.query(Petition.slug, Petition.state).all())
        assert states[DEMO_PETITION_SLUG] == "open"
        assert {"draft", "closed", "archived"} <= set(states.values())
        demo = db.session.query(Petition).filter_by(slug=DEMO_PETITION_SLUG).one()
        demo.target = 12_345
        db.session.commit()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert first.output.splitlines()[1] == second.output.splitlines()[0], "same login printed again"
    with app.app_context():
        assert db.session.query(Petition).count() == len(states)
        assert db.session.query(Organiser).count() == 1
        assert db.session.query(Petition).filter_by(slug=DEMO_PETITION_SLUG).one().target == 12_345
    password = first.output.split("password: ")[1].split()[0]
    with app.app_context():
        assert authenticate("organiser@example.org", password) is not None
    assert (Path(app.instance_path) / "demo-organiser-password").stat().st_mode & 0o077 == 0


def test_demo_petition_renders(app: Flask) -> None:
    app.test_cli_runner().invoke(args=["demo"])
    response = app.test_client().get(f"/petitions/{DEMO_PETITION_SLUG}")
    assert response.status_code == 200
    assert "Reverse the ban on police officers' local social media accounts" in text_of(response)


def test_worker_once_closes_due_petitions(app: Flask) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", closes_at=in_days(1))
    with app.app_context():
        db.session.get_one(Petition, petition_id).closes_at = in_days(-0.01)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get_one(Petition, petition_id).state == "closed"


# --- the real console script in a subprocess ------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "DATABASE_URL", "SECRET_KEY"))}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    return env


def _campaign(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "campaign", *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_fresh_install_upgrade_demo_and_serve(tmp_path: Path) -> None:
    """What `make run` does, on an empty instance folder."""
    env = _environment(tmp_path, f"sqlite:///{tmp_path / 'instance' / 'campaign.db'}")
    upgrade = _campaign("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    demo = _campaign("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    assert "Organiser login" in demo.stdout
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "campaign", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    # The worker is its own process and may log after the first page is served: collect the
    # output as it comes, so the test can wait for the worker's line before stopping everything.
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/petitions/{DEMO_PETITION_SLUG}", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert "Reverse the ban on police officers" in body
        while time.monotonic() < deadline and not any("worker started" in line for line in list(lines)):
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)
        reader.join(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
    output = "".join(lines)
    assert server.returncode == 0, output
    assert f"Serving on http://127.0.0.1:{port}/" in output
    assert "worker started" in output, "the background worker runs alongside"


@pytest.mark.parametrize("flag", ["--help"])
def test_campaign_help_lists_the_contract(tmp_path: Path, flag: str) -> None:
    result = _campaign(flag, env=_environment(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))
    assert result.returncode == 0
    for command in ("db", "demo", "serve", "organiser", "worker"):
        assert command in result.stdout


def test_serve_fails_loudly_when_the_port_is_taken(tmp_path: Path) -> None:
    env = _environment(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    assert _campaign("db", "upgrade", env=env).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "campaign", "serve", "--port", str(port), "--workers", "1", "--no-worker"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode != 0
    assert "stopped unexpectedly" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = _environment(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    result = _campaign("serve", "--port", str(_free_port()), env=env)
    assert result.returncode == 2
    assert "Run `campaign db upgrade` first" in result.stderr
