"""Where mail goes: an SMTP server, or a folder of .eml files (the default, for laptops and demos).

MAIL_URL forms:
  smtp://host:25                       plain SMTP (add ?starttls=true to require STARTTLS)
  smtp+starttls://user:pass@host:587   STARTTLS required, then AUTH
  smtps://user:pass@host:465           TLS from the first byte, then AUTH
  file:///var/spool/campaign-mail      one .eml file per message
Credentials may be percent-encoded. ``timeout`` (seconds) can be given as a query parameter.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Sending failed. ``permanent`` failures are not retried (for example an unknown recipient);
    ``server_down`` ones say nothing else will go now either (the server is unreachable or refusing)."""

    def __init__(self, message: str, *, permanent: bool = False, server_down: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.server_down = server_down


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Writes each message to ``<folder>/<time>-<id>.eml``; logs its links so a local user can click them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        message_id = re.sub(r"[^A-Za-z0-9.-]", "", str(message["Message-ID"]))[:80]
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".eml.tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message.as_bytes())
            path = self.folder / f"{message_id}.eml"
            os.replace(temporary, path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise DeliveryError(f"could not write mail file: {error}") from error
        body = message.get_body(preferencelist=("plain",))
        links = re.findall(r"https?://\S+", body.get_content()) if body is not None else []
        logger.info("mail written to %s; links in it: %s", path, " ".join(links) or "none")

    def close(self) -> None:
        return None


class SmtpTransport:
    """Delivers over one SMTP connection, reconnecting when the server drops it."""

    def __init__(
        self, host: str, port: int, *, mode: str, username: str | None, password: str | None, timeout: float
    ) -> None:
        self.host, self.port, self.mode = host, port, mode
        self.username, self.password, self.timeout = username, password, timeout
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        """A ready connection (TLS and AUTH done); any failure closes what was opened."""
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if self.mode == "ssl":
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.mode == "starttls":
                connection.starttls(context=context)
            if self.username:
                connection.login(self.username, self.password or "")
        except smtplib.SMTPNotSupportedError as error:
            connection.close()
            raise DeliveryError(
                f"the mail server does not offer STARTTLS or AUTH: {error}", server_down=True
            ) from error
        except smtplib.SMTPAuthenticationError as error:
            connection.close()
            message = f"SMTP authentication failed ({error.smtp_code}); check MAIL_URL"
            raise DeliveryError(message, server_down=True) from error
        except (smtplib.SMTPException, OSError):
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        for attempt in (1, 2):
            try:
                if self._connection is None:
                    self._connection = self._connect()
                self._connection.send_message(message)
                return
            except smtplib.SMTPServerDisconnected as error:
                self._drop()
                if attempt == 2:
                    raise DeliveryError(f"SMTP server disconnected: {error}", server_down=True) from error
            except smtplib.SMTPNotSupportedError as error:
                # An internationalised address and a relay without SMTPUTF8: this message can never
                # go through this relay, but the others can.
                raise DeliveryError(f"the mail server cannot send to this address: {error}", permanent=True) from error
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _ in error.recipients.values()]
                raise DeliveryError(f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes)) from error
            except smtplib.SMTPSenderRefused as error:
                # Refusing our own From address refuses every message, not just this one.
                raise DeliveryError(f"SMTP refused the sender: {error.smtp_code}", server_down=True) from error
            except smtplib.SMTPDataError as error:
                raise DeliveryError(
                    f"SMTP refused the message: {error.smtp_code}", permanent=error.smtp_code >= 500
                ) from error
            except (smtplib.SMTPException, OSError) as error:
                self._drop()
                raise DeliveryError(f"SMTP unavailable: {type(error).__name__}: {error}", server_down=True) from error

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            self._connection = None


_SMTP_MODES = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "ssl"}
_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


class MailUrlError(ValueError):
    """MAIL_URL cannot be understood."""


def transport_from_url(url: str) -> Transport:
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path:
            raise MailUrlError("MAIL_URL file:// needs a folder, like file:///var/spool/campaign-mail")
        return FileTransport(Path(unquote(parts.path)))
    if parts.scheme not in _SMTP_MODES:
        raise MailUrlError(
            f"MAIL_URL must start with smtp://, smtp+starttls://, smtps:// or file://, not {parts.scheme}://"
        )
    if not parts.hostname:
        raise MailUrlError("MAIL_URL needs a host, like smtp://mail.example.org:25")
    options = parse_qs(parts.query)
    mode = _SMTP_MODES[parts.scheme]
    if mode == "plain" and options.get("starttls", ["false"])[0].lower() in {"1", "true", "yes"}:
        mode = "starttls"
    if mode == "plain" and parts.username and parts.hostname not in {"localhost", "127.0.0.1", "::1"}:
        raise MailUrlError(
            "MAIL_URL would send the SMTP password unencrypted: use smtp+starttls:// or smtps:// for a remote server"
        )
    try:
        timeout = float(options.get("timeout", ["20"])[0])
        port = parts.port or _DEFAULT_PORTS[mode]
    except ValueError as error:
        raise MailUrlError(f"MAIL_URL has a bad port or timeout: {error}") from None
    return SmtpTransport(
        parts.hostname,
        port,
        mode=mode,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )
