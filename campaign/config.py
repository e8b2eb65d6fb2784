"""Settings from environment variables only; no secret is ever written in code."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from campaign.i18n import UnknownLanguage, parse_language
from campaign.logs import LOG_FORMATS

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting has a value the application cannot use."""


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


RETENTION_SCHEDULES = ("daily", "off")


def clean_setting(raw: str | None) -> str | None:
    """A free-text setting on one line, or None when it is unset or blank."""
    value = " ".join((raw or "").split())
    return value or None


def parse_int(name: str, raw: str, *, minimum: int = 0) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _ratelimit_value(name: str, raw: str) -> Any:
    """Flask-Limiter settings arrive as strings; give booleans and numbers their type."""
    lowered = raw.strip().lower()
    if lowered in _TRUE | _FALSE and name != "RATELIMIT_STORAGE_URI":
        return parse_bool(name, raw)
    if lowered.isdigit():
        return int(lowered)
    return raw


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def whole_hour_zone(zone: ZoneInfo) -> bool:
    """Whether the zone has been and will be a whole number of hours from UTC (checked over four years)."""
    now = datetime.now(UTC)
    moments = (now + timedelta(days=days) for days in range(-730, 731, 15))
    return all((moment.astimezone(zone).utcoffset() or timedelta()).total_seconds() % 3600 == 0 for moment in moments)


def load_or_create_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it once, readable by the owner only.

    Several processes may start at once, so the key is written to a private temporary
    file and linked into place; whoever links first wins and everyone reads that key.
    """
    key_path = instance_path / "secret_key"
    if not key_path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process won the race; use its key
                os.link(temporary, key_path)
        finally:
            os.unlink(temporary)
    mode = stat.S_IMODE(key_path.stat().st_mode)
    if mode & 0o077:
        logger.warning("secret key file was readable by others; restricting it to the owner")
        key_path.chmod(0o600)
    key = key_path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{key_path} holds a secret key that is too short; delete it to regenerate")
    return key


def default_instance_path() -> Path:
    return PROJECT_ROOT / "instance"


def load_config(environ: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Build the Flask configuration from the environment."""
    config: dict[str, Any] = {}

    database_url = environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'campaign.db'}"
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)

    secret_key = environ.get("SECRET_KEY")
    if secret_key is not None and len(secret_key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters long")
    config["SECRET_KEY"] = secret_key or None  # filled from the instance folder later

    base_url = (environ.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"BASE_URL must be an http(s) URL such as https://petitions.example.org, not {base_url!r}")
    config["BASE_URL"] = base_url
    config["PREFERRED_URL_SCHEME"] = parts.scheme
    config["SESSION_COOKIE_SECURE"] = parts.scheme == "https"

    config["MAIL_URL"] = environ.get("MAIL_URL") or (instance_path / "mail").as_uri()
    config["MAIL_FROM"] = environ.get("MAIL_FROM") or "Campaign <noreply@localhost>"

    config["SITE_NAME"] = environ.get("SITE_NAME") or "Campaign"
    timezone = environ.get("TIMEZONE") or "Europe/London"
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE {timezone!r} is not a known time zone") from None
    if not whole_hour_zone(zone):
        raise ConfigError(
            f"TIMEZONE {timezone!r} is offset from UTC by part of an hour; daily figures are counted by the hour, "
            "so choose a zone with whole-hour offsets"
        )
    config["TIMEZONE"] = timezone
    try:
        config["LANGUAGE"] = parse_language(environ.get("LANGUAGE"))
    except UnknownLanguage as error:
        raise ConfigError(str(error)) from None
    config["LOG_LEVEL"] = (environ.get("LOG_LEVEL") or "INFO").upper()
    log_format = (environ.get("LOG_FORMAT") or "text").strip().lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    config["LOG_FORMAT"] = log_format
    config.update(_metrics_settings(environ))
    config["PROXY_HOPS"] = parse_int("PROXY_HOPS", environ.get("PROXY_HOPS", "0"))

    config["SESSION_LIFETIME_HOURS"] = parse_int(
        "SESSION_LIFETIME_HOURS", environ.get("SESSION_LIFETIME_HOURS", "12"), minimum=1
    )
    config["LOGIN_RATE_LIMIT_PER_IP"] = _limit(environ, "LOGIN_RATE_LIMIT_PER_IP", "20 per minute;200 per hour")
    config["LOGIN_MAX_FAILURES"] = parse_int("LOGIN_MAX_FAILURES", environ.get("LOGIN_MAX_FAILURES", "5"), minimum=1)
    config["LOGIN_MAX_FAILURES_PER_IP"] = parse_int(
        "LOGIN_MAX_FAILURES_PER_IP", environ.get("LOGIN_MAX_FAILURES_PER_IP", "20"), minimum=1
    )
    config["LOGIN_LOCKOUT_MINUTES"] = parse_int(
        "LOGIN_LOCKOUT_MINUTES", environ.get("LOGIN_LOCKOUT_MINUTES", "15"), minimum=1
    )
    config["WORKER_INTERVAL_SECONDS"] = parse_int(
        "WORKER_INTERVAL_SECONDS", environ.get("WORKER_INTERVAL_SECONDS", "1"), minimum=1
    )

    # Signing and mail.
    config["CONFIRMATION_TOKEN_MAX_AGE_SECONDS"] = 86_400 * parse_int(
        "CONFIRMATION_LINK_DAYS", environ.get("CONFIRMATION_LINK_DAYS", "7"), minimum=1
    )
    config["CONFIRMATION_GRACE_HOURS"] = parse_int(
        "CONFIRMATION_GRACE_HOURS", environ.get("CONFIRMATION_GRACE_HOURS", "24")
    )
    config["SIGNATURE_EMAIL_CAP"] = parse_int("SIGNATURE_EMAIL_CAP", environ.get("SIGNATURE_EMAIL_CAP", "5"), minimum=1)
    config["RESEND_MIN_INTERVAL_SECONDS"] = parse_int(
        "RESEND_MIN_INTERVAL_SECONDS", environ.get("RESEND_MIN_INTERVAL_SECONDS", "60")
    )
    config["MAIL_SENDERS"] = parse_int("MAIL_SENDERS", environ.get("MAIL_SENDERS", "4"), minimum=1)
    config["MAIL_MAX_ATTEMPTS"] = parse_int("MAIL_MAX_ATTEMPTS", environ.get("MAIL_MAX_ATTEMPTS", "30"), minimum=1)
    # A sender that dies mid-batch leaves its messages leased this long before another takes them.
    config["MAIL_LEASE_SECONDS"] = parse_int("MAIL_LEASE_SECONDS", environ.get("MAIL_LEASE_SECONDS", "120"), minimum=2)
    # The first retry after a failed delivery; each further one waits twice as long (up to 15 minutes).
    config["MAIL_RETRY_SECONDS"] = parse_int("MAIL_RETRY_SECONDS", environ.get("MAIL_RETRY_SECONDS", "30"), minimum=1)
    config["COUNT_REFRESH_SECONDS"] = parse_int(
        "COUNT_REFRESH_SECONDS", environ.get("COUNT_REFRESH_SECONDS", "5"), minimum=2
    )
    # Public pages and counts are kept in each process this long (0 turns it off). With the worker
    # folding counts every second and HTTP caches keeping counts half the refresh interval, a
    # confirmation shows everywhere within COUNT_REFRESH_SECONDS.
    hot_cache = environ.get("HOT_CACHE_SECONDS")
    config["HOT_CACHE_SECONDS"] = (
        float(parse_int("HOT_CACHE_SECONDS", hot_cache)) if hot_cache else config["COUNT_REFRESH_SECONDS"] / 5
    )
    config["RESPONSE_LINK_DAYS"] = parse_int("RESPONSE_LINK_DAYS", environ.get("RESPONSE_LINK_DAYS", "60"), minimum=1)
    config["CANDIDATE_LINK_DAYS"] = parse_int(
        "CANDIDATE_LINK_DAYS", environ.get("CANDIDATE_LINK_DAYS", "120"), minimum=1
    )
    config["BRIEFING_CACHE_SECONDS"] = parse_int("BRIEFING_CACHE_SECONDS", environ.get("BRIEFING_CACHE_SECONDS", "300"))
    config["VERIFIED_IDENTITY_MINUTES"] = parse_int(
        "VERIFIED_IDENTITY_MINUTES", environ.get("VERIFIED_IDENTITY_MINUTES", "120"), minimum=1
    )
    # Abuse limits (docs/abuse.md). Over these, signatures are kept but held back silently...
    config["SIGN_LIMIT_PER_IP"] = _limit(environ, "SIGN_LIMIT_PER_IP", "20 per minute;200 per hour")
    config["SIGN_LIMIT_PER_DOMAIN"] = _limit(environ, "SIGN_LIMIT_PER_DOMAIN", "30 per 10 minutes;300 per day")
    config["SIGN_LIMIT_PER_PETITION"] = _limit(environ, "SIGN_LIMIT_PER_PETITION", "5000 per minute")
    # ...and over these (per client address) requests are refused with a 429 page.
    config["SIGN_RATE_LIMIT"] = _limit(environ, "SIGN_RATE_LIMIT", "60 per minute;1000 per hour")
    config["RESPOND_RATE_LIMIT"] = _limit(environ, "RESPOND_RATE_LIMIT", "30 per minute;300 per hour")
    config["CONFIRM_RATE_LIMIT"] = _limit(environ, "CONFIRM_RATE_LIMIT", "30 per minute;300 per hour")
    config["IP_HASH_RETENTION_DAYS"] = parse_int(
        "IP_HASH_RETENTION_DAYS", environ.get("IP_HASH_RETENTION_DAYS", "30"), minimum=1
    )
    config["TRENDING_THRESHOLD"] = parse_int("TRENDING_THRESHOLD", environ.get("TRENDING_THRESHOLD", "10"), minimum=2)
    config["API_RATE_LIMIT"] = _limit(environ, "API_RATE_LIMIT", "600 per minute")

    # Privacy: who answers for the site, how long personal details are kept, how much mail a signer gets.
    config["PRIVACY_CONTROLLER"] = clean_setting(environ.get("PRIVACY_CONTROLLER"))
    config["PRIVACY_CONTACT_EMAIL"] = clean_setting(environ.get("PRIVACY_CONTACT_EMAIL"))
    config["PRIVACY_CONTACT_ADDRESS"] = clean_setting(environ.get("PRIVACY_CONTACT_ADDRESS"))
    config["RETENTION_DAYS"] = parse_int("RETENTION_DAYS", environ.get("RETENTION_DAYS", "180"), minimum=1)
    schedule = (environ.get("RETENTION_SCHEDULE") or "daily").strip().lower()
    if schedule not in RETENTION_SCHEDULES:
        raise ConfigError(f"RETENTION_SCHEDULE must be one of {', '.join(RETENTION_SCHEDULES)}, not {schedule!r}")
    config["RETENTION_SCHEDULE"] = schedule
    config["SIGNATURE_UPDATE_EMAIL_CAP"] = parse_int(
        "SIGNATURE_UPDATE_EMAIL_CAP", environ.get("SIGNATURE_UPDATE_EMAIL_CAP", "25")
    )

    config["RATELIMIT_STORAGE_URI"] = "memory://"
    # When the limit storage (Redis) is down, limits are kept in each process until it is back:
    # people can still sign and log in, and limits still hold per instance (docs/abuse.md).
    config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    config["RATELIMIT_SWALLOW_ERRORS"] = True
    config["RATELIMIT_HEADERS_ENABLED"] = True
    for name, raw in environ.items():
        if name.startswith("RATELIMIT_"):
            config[name] = _ratelimit_value(name, raw)
    return config


METRICS_TOKEN_MIN_LENGTH = 24


def _metrics_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """``/metrics``: off unless asked for, and then only with a bearer token or from listed addresses."""
    state = (environ.get("METRICS") or "off").strip().lower()
    if state not in {"on", "off"}:
        raise ConfigError(f"METRICS must be on or off, not {state!r}")
    token = (environ.get("METRICS_TOKEN") or "").strip() or None
    if token is not None and len(token) < METRICS_TOKEN_MIN_LENGTH:
        raise ConfigError(f"METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters long")
    networks = []
    for item in (environ.get("METRICS_ALLOW_IPS") or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"METRICS_ALLOW_IPS: {item!r} is not an IP address or network like 10.0.0.0/8") from None
    if state == "on" and token is None and not networks:
        raise ConfigError("METRICS=on needs METRICS_TOKEN (a bearer token for the scraper) or METRICS_ALLOW_IPS")
    return {"METRICS": state, "METRICS_TOKEN": token, "METRICS_ALLOW_IPS": tuple(networks)}


def _limit(environ: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit setting such as ``20 per minute;200 per hour``, checked now rather than on first use."""
    value = (environ.get(name) or default).strip()
    try:
        parsed = parse_many(value)
    except ValueError:
        parsed = []
    if not parsed:
        raise ConfigError(f"{name} {value!r} is not a rate limit; write it like '20 per minute;200 per hour'")
    return value


# Redis answers a rate-limit check in a millisecond or two; one that has stopped answering must
# not hold every request up for redis-py's default five seconds (and again at each recovery check).
LIMIT_STORAGE_TIMEOUT_SECONDS = 1.0


def apply_limit_storage_defaults(config: dict[str, Any]) -> None:
    """Short socket timeouts for a Redis limit storage, unless the deployment chose its own options."""
    uri = str(config.get("RATELIMIT_STORAGE_URI", ""))
    if uri.startswith(("redis://", "rediss://", "redis+unix://")) and "RATELIMIT_STORAGE_OPTIONS" not in config:
        config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": LIMIT_STORAGE_TIMEOUT_SECONDS,
            "socket_timeout": LIMIT_STORAGE_TIMEOUT_SECONDS,
        }


def apply_fixed_settings(config: dict[str, Any]) -> None:
    """Settings that are decisions, not deployment choices (tests may still override them)."""
    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="campaign_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=512 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    uri = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    engine_options: dict[str, Any] = {}
    if uri.startswith("postgresql"):
        engine_options = {
            "pool_pre_ping": True,
            "pool_size": 5,
            "max_overflow": 5,
            "connect_args": {"connect_timeout": 5},
        }
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
