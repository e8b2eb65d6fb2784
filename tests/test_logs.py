"""LOG_FORMAT=json: one JSON object a line from the app, gunicorn and the worker; addresses and tokens never."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from campaign import create_app
from campaign.config import ConfigError, load_config
from campaign.extensions import db
from campaign.logs import JsonFormatter, TextFormatter, redact_path
from tests.conftest import base_config
from tests.helpers import make_organiser, make_petition
from tests.mailbox import SmtpServer, confirmation_link
from tests.servers import Browserless, running_server, server_environment


def _format(formatter: logging.Formatter, emit: Callable[[logging.Logger], None]) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("campaign.tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_json_lines_carry_time_level_logger_message_and_extras() -> None:
    output = _format(JsonFormatter(), lambda logger: logger.warning(
        "signature %s for %s", "created", "someone@example.org",
        extra={"petition_id": 7, "email": "jo.bloggs@example.org", "ratio": 0.5},
    ))  # fmt: skip
    [line] = output.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "campaign.tests.logs"
    assert entry["message"] == "signature created for s***@example.org"
    assert entry["petition_id"] == 7 and entry["ratio"] == 0.5
    # A full address in extra= is masked too: the net under mask_email.
    assert entry["email"] == "j***@example.org"
    assert entry["time"].endswith("Z") and entry["time"][:2] == "20" and "T" in entry["time"]
    assert isinstance(entry["pid"], int)
    assert "someone@example.org" not in output and "jo.bloggs" not in output


def test_json_exceptions_stay_on_one_line() -> None:
    def emit(logger: logging.Logger) -> None:
        try:
            raise ValueError("bad value from ann@example.org")
        except ValueError:
            logger.exception("background job %r failed", "deliver mail 1", extra={"job": "deliver mail 1"})

    output = _format(JsonFormatter(), emit)
    [line] = output.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["job"] == "deliver mail 1"
    assert "Traceback" in entry["exception"] and "ValueError: bad value from a***@example.org" in entry["exception"]


def test_text_lines_are_as_before_with_addresses_masked() -> None:
    output = _format(TextFormatter(), lambda logger: logger.info("mail to %s failed", "ann@example.org"))
    assert output.rstrip().endswith("INFO campaign.tests.logs: mail to a***@example.org failed")


def test_gunicorn_access_records_leave_out_the_address_query_and_tokens() -> None:
    atoms = {
        "h": "203.0.113.9",
        "m": "POST",
        "U": "/confirm/eyJzIjo0fQ.Z3nq1w.Q2xsZpY-7c_Xb1",
        "q": "email=a@b.org",
        "s": "302",
        "D": 12_345,
        "B": 189,
        "r": "POST /confirm/eyJzIjo0fQ.Z3nq1w.Q2xsZpY-7c_Xb1?email=a@b.org",
    }
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', (atoms,), None)
    record.args = atoms  # as gunicorn passes them: one mapping
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "POST /confirm/[token] 302 12.345ms"
    assert (entry["method"], entry["path"], entry["status"], entry["duration_ms"], entry["bytes"]) == (
        "POST", "/confirm/[token]", 302, 12.345, 189,
    )  # fmt: skip
    text = TextFormatter().format(record)
    for secret in ("203.0.113.9", "eyJzIjo0fQ", "a@b.org"):
        assert secret not in json.dumps(entry) and secret not in text


def test_slugs_and_static_files_are_not_mistaken_for_tokens() -> None:
    assert redact_path("/petitions/reverse-the-social-media-ban-in-north-yorkshire/sign") == (
        "/petitions/reverse-the-social-media-ban-in-north-yorkshire/sign"
    )
    assert redact_path("/static/css/campaign.css") == "/static/css/campaign.css"
    assert redact_path("/consultations/respond/InJIjoxLCJuIjoiYWJjIn0.aBcD") == "/consultations/respond/[token]"


def test_log_format_is_checked(tmp_path: Path) -> None:
    assert load_config({}, tmp_path)["LOG_FORMAT"] == "text"
    assert load_config({"LOG_FORMAT": " JSON "}, tmp_path)["LOG_FORMAT"] == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of text, json"):
        load_config({"LOG_FORMAT": "xml"}, tmp_path)


def test_every_line_of_a_real_instance_is_json(tmp_path: Path, sqlite_template: Path, smtp_server: SmtpServer) -> None:
    """`campaign serve` with gunicorn's access log on and the worker alongside: sign, get the mail, confirm."""
    database = tmp_path / "campaign.db"
    database.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{database}"
    setup = create_app(base_config(tmp_path / "setup", url))
    make_petition(setup, make_organiser(setup), state="open", slug="the-ban")
    with setup.app_context():
        db.engine.dispose()
    env = server_environment(tmp_path / "instance", url, SECRET_KEY="shared-secret-key-for-json-logs-0123456789",
                             LOG_FORMAT="json", MAIL_URL=smtp_server.url, GUNICORN_CMD_ARGS="--access-logfile -",
                             METRICS="on", METRICS_TOKEN="metrics-token-for-the-json-log-test")  # fmt: skip
    with running_server(env, workers=2, worker=True) as server:
        browser = Browserless()
        form = {"name": "Jo Bloggs", "email": "jo.bloggs@example.org", "postcode": "YO1 7HH"}
        status, _ = browser.submit(f"{server.url}/petitions/the-ban", form, f"{server.url}/petitions/the-ban/sign")
        assert status == 302
        link = confirmation_link(smtp_server.mailbox.wait_for(1, timeout=30)[0])
        path = urlsplit(link).path
        status, _ = browser.submit(f"{server.url}{path}", {})
        assert status == 302
        time.sleep(0.5)  # let the access log lines of the last requests out
    output = server.output
    lines = [line for line in output.splitlines() if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    loggers = {entry["logger"] for entry in entries}
    assert {"campaign.cli", "gunicorn.error", "gunicorn.access", "campaign.worker", "campaign.signing.service"} <= (
        loggers
    ), loggers
    signed = next(
        e for e in entries if e["logger"] == "campaign.signing.service" and e["message"].startswith("signature created")
    )
    assert isinstance(signed["petition_id"], int) and signed["email"] == "j***@example.org"
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert {"method", "path", "status", "duration_ms"} <= set(access[0])
    assert any(e["path"] == "/confirm/[token]" and e["method"] == "POST" and e["status"] == 302 for e in access)
    # Nothing anywhere holds the address, the confirmation token or the client's address.
    token = path.rsplit("/", 1)[1]
    assert "jo.bloggs@example.org" not in output
    assert token not in output
    assert "127.0.0.1:" not in "".join(json.dumps(e) for e in access)
