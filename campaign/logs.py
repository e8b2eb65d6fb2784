"""Log lines for people (``LOG_FORMAT=text``) or for log collectors (``LOG_FORMAT=json``, one object a line).

The same formatters serve the app, the background worker and gunicorn's own error and access logs
(through ``GunicornLogger``), so a deployment gets one format from every process. Whatever the format,
anything that looks like an email address is masked on the way out: the code masks addresses itself
(``mask_email``), and this is the net under it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from typing import Any

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_EMAIL = re.compile(r"[\w.%+*-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
# A path segment that is long and not a slug is a token (a confirmation or response link): never logged.
_SECRET_SEGMENT = re.compile(r"^(?=.{20,}$)(?![a-z0-9-]+$).*$")


def mask_email(address: str) -> str:
    """For logs: enough to tell messages apart, not enough to identify anyone (``j***@example.org``)."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


def redact(text: str) -> str:
    return _EMAIL.sub(lambda match: mask_email(match.group(0)), text) if "@" in text else text


def redact_path(path: str) -> str:
    return "/".join("[token]" if _SECRET_SEGMENT.match(part) else part for part in path.split("/"))


def _access_fields(record: logging.LogRecord) -> dict[str, Any] | None:
    """What gunicorn's access log says about a request, without the client's address or query string."""
    atoms = record.args
    if record.name != "gunicorn.access" or not isinstance(atoms, Mapping):
        return None
    status, microseconds = str(atoms.get("s", "-")), str(atoms.get("D") or 0)
    return {
        "method": atoms.get("m"),
        "path": redact_path(str(atoms.get("U") or "")),
        "status": int(status) if status.isdigit() else status,
        "duration_ms": round(int(microseconds) / 1000, 3) if microseconds.isdigit() else None,
        "bytes": atoms.get("B"),
    }


def _access_message(fields: Mapping[str, Any]) -> str:
    return f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']}ms"


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message``, as before, with addresses masked and access lines made safe."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        fields = _access_fields(record)
        if fields is not None:
            record = logging.makeLogRecord({**vars(record), "msg": _access_message(fields), "args": None})
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        access = _access_fields(record)
        entry: dict[str, Any] = {
            "time": _iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": redact(_access_message(access) if access is not None else record.getMessage()),
        }
        if access is not None:
            entry.update(access)
        for key, value in vars(record).items():
            if key in _RECORD_ATTRIBUTES or key.startswith("_") or key in entry:
                continue
            entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=lambda value: redact(str(value)))


def _iso_time(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """``LOG_FORMAT`` from the environment (validated by config.load_config for the app)."""
    value = ((environ if environ is not None else os.environ).get("LOG_FORMAT") or "text").strip().lower()
    return value if value in LOG_FORMATS else "text"


def formatter_for(format_name: str) -> logging.Formatter:
    return JsonFormatter() if format_name == "json" else TextFormatter()


def configure_logging(format_name: str, level_name: str) -> None:
    """Our loggers at ``level_name``, libraries at WARNING, all through one handler on standard error.

    A process that already has root handlers (a test runner, an embedding app) keeps them.
    """
    logging.getLogger("campaign").setLevel(getattr(logging, level_name, logging.INFO))
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(format_name))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


try:  # gunicorn is a dependency, but this module must import without it (tools, tests)
    from gunicorn.glogging import Logger as _GunicornBaseLogger
except ImportError:  # pragma: no cover
    _GunicornBaseLogger = object


class GunicornLogger(_GunicornBaseLogger):  # type: ignore[misc]
    """gunicorn's logger with our formatters on its error and access handlers (``logger_class``)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        formatter = formatter_for(log_format())
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            handler.setFormatter(formatter)
