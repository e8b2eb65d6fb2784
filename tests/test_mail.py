"""The outbox and its sender: retries, leases, parallel senders, transports. Real SMTP on loopback."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask

from campaign.db import transaction, utcnow
from campaign.extensions import db
from campaign.mail.models import OutboxMessage
from campaign.mail.service import (
    build_message,
    deliver_all_due_mail,
    deliver_due_mail,
    mask_email,
    outbox_status_counts,
    queue_email,
)
from campaign.mail.transport import FileTransport, MailUrlError, SmtpTransport, transport_from_url
from tests.mailbox import SmtpServer, text_part

KIND = "confirm_signature"
EMAIL = {"petition_title": "Hello", "petition_url": "http://localhost/petitions/hello", "name": "Reader",
         "confirm_url": "http://localhost/confirm/abc", "link_days": 7}  # fmt: skip


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, object]:
    return {"MAIL_URL": smtp_server.url, "MAIL_FROM": "Petitions <petitions@example.org>"}


def queue(app: Flask, count: int = 1, *, to: str = "reader@example.org") -> None:
    with app.app_context(), transaction():
        for n in range(count):
            queue_email(KIND, to.replace("@", f"{n}@") if count > 1 else to, EMAIL)


def rows(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        result = list(db.session.query(OutboxMessage).order_by(OutboxMessage.id))
        db.session.expunge_all()
        return result


def make_due(app: Flask) -> None:
    """Pretend the backoff has passed."""
    with app.app_context():
        for row in db.session.query(OutboxMessage):
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_a_queued_message_is_delivered_with_stable_headers(app: Flask, smtp_server: SmtpServer) -> None:
    queue(app)
    with app.app_context():
        report = deliver_all_due_mail()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    (message,) = smtp_server.mailbox.wait_for(1)
    (row,) = rows(app)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert message["From"] == "Petitions <petitions@example.org>"
    assert message["To"] == "reader@example.org"
    assert message["Message-ID"] == row.message_id and row.message_id.endswith("@example.org>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert "http://localhost/confirm/abc" in text_part(message)
    assert message["Subject"] == "Confirm your signature: Hello"


def test_mail_queued_in_a_transaction_that_fails_is_never_sent(app: Flask) -> None:
    def announce_a_change_that_fails() -> None:
        with transaction():
            queue_email(KIND, "reader@example.org", EMAIL)
            raise RuntimeError("the change it announced did not happen")

    with app.app_context(), pytest.raises(RuntimeError):
        announce_a_change_that_fails()
    assert rows(app) == []


def test_smtp_down_keeps_mail_queued_and_it_goes_out_when_smtp_returns(app: Flask, smtp_server: SmtpServer) -> None:
    queue(app, 3)
    smtp_server.stop()  # not even listening
    with app.app_context():
        report = deliver_all_due_mail()
    assert (report.sent, report.retrying) == (0, 1), "a server that is down is tried once, not once per message"
    assert {row.status for row in rows(app)} == {"queued"}
    tried = [row for row in rows(app) if row.attempts]
    assert len(tried) == 1 and "SMTP unavailable" in str(tried[0].last_error)
    assert tried[0].next_attempt_at > utcnow(), "backed off"

    smtp_server.start()
    smtp_server.mailbox.refuse_with = "451 4.3.0 Try again later"  # greylisting: per recipient
    make_due(app)
    with app.app_context():
        assert deliver_all_due_mail().retrying == 3
    smtp_server.mailbox.refuse_with = None
    make_due(app)
    with app.app_context():
        report = deliver_all_due_mail()
    assert report.sent == 3
    assert len(smtp_server.mailbox.wait_for(3)) == 3
    assert {row.status for row in rows(app)} == {"sent"}


def test_permanent_refusals_fail_visibly(app: Flask, smtp_server: SmtpServer) -> None:
    queue(app)
    smtp_server.mailbox.refuse_with = "550 5.1.1 No such user"
    with app.app_context():
        report = deliver_all_due_mail()
        assert outbox_status_counts() == {"failed": 1}
    assert report.failed == 1
    (row,) = rows(app)
    assert row.status == "failed" and "550" in str(row.last_error)
    result = app.test_cli_runner().invoke(args=["mail", "status"])
    assert "failed   1" in result.output
    smtp_server.mailbox.refuse_with = None
    assert "Queued 1 failed message(s) again." in app.test_cli_runner().invoke(args=["mail", "retry-failed"]).output
    with app.app_context():
        assert deliver_all_due_mail().sent == 1


def test_mail_fails_visibly_after_its_attempts_run_out(app: Flask, smtp_server: SmtpServer) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue(app)
    smtp_server.mailbox.refuse_with = "451 Later"
    for _ in range(2):
        make_due(app)
        with app.app_context():
            deliver_all_due_mail()
    (row,) = rows(app)
    assert (row.status, row.attempts) == ("failed", 2)


def test_a_sender_that_died_mid_batch_leaves_work_another_sender_finishes(app: Flask, smtp_server: SmtpServer) -> None:
    from campaign.mail import service as mail_service

    queue(app, 4)
    with app.app_context():
        # A sender leases a batch, sends the first message, then dies before recording anything.
        claimed = mail_service._claim("dead-sender", 4, utcnow())
        assert len(claimed) == 4
        transport = transport_from_url(smtp_server.url)
        transport.send(build_message(db.session.get_one(OutboxMessage, claimed[0])))
        transport.close()
        db.session.rollback()
    assert [row.status for row in rows(app)] == ["sending"] * 4
    with app.app_context():
        assert deliver_all_due_mail().sent == 0, "the dead sender's leases are respected until they expire"
        for row in db.session.query(OutboxMessage):
            row.leased_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert deliver_all_due_mail().sent == 4
    received = [m["To"] for m in smtp_server.mailbox.wait_for(5)]
    # Only the message in flight when the sender died went twice.
    assert sorted(received) == sorted(["reader0@example.org"] * 2 + [f"reader{n}@example.org" for n in (1, 2, 3)])
    assert {row.status for row in rows(app)} == {"sent"}


def test_parallel_senders_send_every_message_exactly_once(app: Flask, smtp_server: SmtpServer, backend: str) -> None:
    queue(app, 40)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                while deliver_due_mail(batch_size=5).claimed:
                    pass
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    received = [m["To"] for m in smtp_server.mailbox.wait_for(40)]
    assert len(received) == 40 and len(set(received)) == 40
    assert {row.status for row in rows(app)} == {"sent"}


def test_header_injection_is_impossible(app: Flask) -> None:
    import json

    with app.app_context():
        # Text that ends up in the subject is folded onto one line...
        context = {**EMAIL, "petition_title": "Hi\r\nBcc: victim@example.org"}
        row = OutboxMessage(
            message_id="<x@example.org>", kind=KIND, to_address="a@example.org", context=json.dumps(context)
        )
        message = build_message(row)
        assert message["Bcc"] is None
        assert message["Subject"] == "Confirm your signature: Hi Bcc: victim@example.org"
        # ...and an address with a line break cannot become a header at all.
        row.to_address = "a@example.org\r\nBcc: victim@example.org"
        with pytest.raises(ValueError, match="linefeed"):
            build_message(row)


def test_a_message_that_cannot_render_fails_visibly(app: Flask) -> None:
    with app.app_context(), transaction():
        queue_email("no_such_template", "reader@example.org", {})
    with app.app_context():
        assert deliver_all_due_mail().failed == 1
    (row,) = rows(app)
    assert row.status == "failed" and str(row.last_error).startswith("render:")


def test_file_transport_writes_eml_files_and_logs_links(
    tmp_path: Path, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["MAIL_URL"] = (tmp_path / "outgoing").as_uri()
    queue(app)
    with caplog.at_level(logging.INFO, logger="campaign.mail.transport"), app.app_context():
        assert deliver_all_due_mail().sent == 1
    (written,) = list((tmp_path / "outgoing").glob("*.eml"))
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "reader@example.org"
    assert "links in it: http://localhost/confirm/abc" in caplog.text
    assert "reader@example.org" not in caplog.text, "no full addresses in logs"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "plain", None, None)),
        ("smtp://mail.example.org:2525?starttls=true", ("mail.example.org", 2525, "starttls", None, None)),
        ("smtp+starttls://user%40x:p%40ss@mail.example.org", ("mail.example.org", 587, "starttls", "user@x", "p@ss")),
        ("smtps://u:p@mail.example.org", ("mail.example.org", 465, "ssl", "u", "p")),
    ],
)
def test_mail_urls(url: str, expected: tuple[object, ...]) -> None:
    transport = transport_from_url(url)
    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port, transport.mode, transport.username, transport.password) == expected


def test_file_mail_url() -> None:
    transport = transport_from_url("file:///var/spool/campaign")
    assert isinstance(transport, FileTransport) and transport.folder == Path("/var/spool/campaign")


@pytest.mark.parametrize("url", ["http://example.org", "smtp://", "smtp://host:notaport", "file://"])
def test_bad_mail_urls_are_explained(url: str) -> None:
    with pytest.raises(MailUrlError):
        transport_from_url(url)


def test_logs_never_hold_full_addresses() -> None:
    assert mask_email("jo.bloggs@example.org") == "j***@example.org"
    assert mask_email("not-an-address") == "***"


# --- encrypted and authenticated SMTP, through a real server -------------------------------------


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A throwaway certificate for localhost, trusted by this test's TLS connections."""
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("TLS tests need the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return cert, key


def _authenticator(server: object, session: object, envelope: object, mechanism: str, auth_data: object) -> object:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"sender", b"s3cret pass")
    return AuthResult(success=ok)


# aiosmtpd only offers AUTH on implicit TLS when told not to insist on STARTTLS, and warns about it.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_mail_goes_out_over_tls_with_a_password(app: Flask, certificate: tuple[Path, Path], implicit: bool) -> None:
    import ssl

    from aiosmtpd.controller import Controller

    from tests.mailbox import Mailbox
    from tests.servers import free_port

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox, port = Mailbox(), free_port()
    options: dict[str, object] = {"authenticator": _authenticator, "auth_required": True}
    if implicit:
        options.update(ssl_context=context, auth_require_tls=False)
    else:
        options.update(tls_context=context, require_starttls=True)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **options)
    controller.start()
    try:
        scheme = "smtps" if implicit else "smtp+starttls"
        app.config["MAIL_URL"] = f"{scheme}://sender:s3cret%20pass@localhost:{port}"
        queue(app)
        with app.app_context():
            assert deliver_all_due_mail().sent == 1
        assert mailbox.wait_for(1)[0]["To"] == "reader@example.org"
        # A wrong password is a visible failure to retry, never a dropped message.
        app.config["MAIL_URL"] = f"{scheme}://sender:wrong@localhost:{port}?timeout=2"
        queue(app, to="second@example.org")
        with app.app_context():
            report = deliver_all_due_mail()
        assert report.sent == 0 and report.retrying == 1
        assert rows(app)[-1].status == "queued" and rows(app)[-1].last_error
    finally:
        controller.stop()


def test_a_password_over_plain_smtp_to_another_host_is_refused() -> None:
    with pytest.raises(MailUrlError, match="unencrypted"):
        transport_from_url("smtp://user:pass@mail.example.org:25")
    assert isinstance(transport_from_url("smtp://user:pass@localhost:25"), SmtpTransport), "a local relay is fine"


def test_an_address_the_relay_cannot_take_fails_alone(app: Flask, smtp_server: SmtpServer) -> None:
    """A relay without SMTPUTF8 cannot send to a non-ASCII mailbox; the other messages still go."""
    from campaign.identity import normalise_email

    with app.app_context(), transaction():
        queue_email(KIND, normalise_email("jö@example.org"), EMAIL)
        for n in range(3):
            queue_email(KIND, f"reader{n}@example.org", EMAIL)
    smtp_server.stop()
    smtp_server.controller = __import__("aiosmtpd.controller", fromlist=["Controller"]).Controller(
        smtp_server.mailbox, hostname="127.0.0.1", port=smtp_server.port, enable_SMTPUTF8=False
    )
    smtp_server.controller.start()
    with app.app_context():
        report = deliver_all_due_mail()
    assert (report.sent, report.failed) == (3, 1)
    assert [row.status for row in rows(app)] == ["failed", "sent", "sent", "sent"]
