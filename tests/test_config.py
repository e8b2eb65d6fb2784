from __future__ import annotations

import stat
from pathlib import Path

import pytest

from campaign import create_app
from campaign.config import (
    ConfigError,
    apply_limit_storage_defaults,
    load_config,
    load_or_create_secret_key,
    normalise_database_url,
)


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    config = load_config({}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'campaign.db'}"
    assert config["MAIL_URL"] == (tmp_path / "mail").as_uri()
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["SECRET_KEY"] is None
    assert config["SESSION_COOKIE_SECURE"] is False


def test_environment_settings_are_read(tmp_path: Path) -> None:
    config = load_config(
        {
            "DATABASE_URL": "postgres://user@db/campaign",
            "BASE_URL": "https://petitions.example.org/",
            "MAIL_URL": "smtp://mail:25",
            "MAIL_FROM": "Petitions <petitions@example.org>",
            "RATELIMIT_ENABLED": "false",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "RATELIMIT_HEADERS_ENABLED": "0",
            "RATELIMIT_DEFAULT": "100 per minute",
        },
        tmp_path,
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db/campaign"
    assert config["BASE_URL"] == "https://petitions.example.org"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["RATELIMIT_ENABLED"] is False
    assert config["RATELIMIT_HEADERS_ENABLED"] is False
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert config["RATELIMIT_DEFAULT"] == "100 per minute"
    assert config["MAIL_FROM"] == "Petitions <petitions@example.org>"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"BASE_URL": "petitions.example.org"}, "BASE_URL"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"PROXY_HOPS": "two"}, "PROXY_HOPS"),
        ({"WORKER_INTERVAL_SECONDS": "0"}, "WORKER_INTERVAL_SECONDS"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
        ({"RETENTION_SCHEDULE": "weekly"}, "RETENTION_SCHEDULE must be one of daily, off"),
        ({"IP_HASH_RETENTION_DAYS": "soon"}, "IP_HASH_RETENTION_DAYS"),
        ({"MAIL_LEASE_SECONDS": "1"}, "MAIL_LEASE_SECONDS must be at least 2"),
        ({"MAIL_RETRY_SECONDS": "0"}, "MAIL_RETRY_SECONDS must be at least 1"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ, tmp_path)


def test_privacy_settings_default_to_saying_nothing_rather_than_blank(tmp_path: Path) -> None:
    config = load_config({"PRIVACY_CONTROLLER": "  ", "PRIVACY_CONTACT_ADDRESS": "1 High St,\n  Malton"}, tmp_path)
    assert config["PRIVACY_CONTROLLER"] is None and config["PRIVACY_CONTACT_EMAIL"] is None
    assert config["PRIVACY_CONTACT_ADDRESS"] == "1 High St, Malton"
    assert (config["RETENTION_DAYS"], config["IP_HASH_RETENTION_DAYS"], config["RETENTION_SCHEDULE"]) == (
        180,
        30,
        "daily",
    )
    assert config["SIGNATURE_UPDATE_EMAIL_CAP"] == 25


def test_postgres_urls_use_psycopg3() -> None:
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("postgresql+psycopg://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = load_or_create_secret_key(tmp_path)
    second = load_or_create_secret_key(tmp_path)
    assert first == second
    assert len(first) >= 32
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert not list(tmp_path.glob(".secret_key.*")), "temporary files are cleaned up"


def test_secret_key_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 64)
    key_file.chmod(0o644)
    assert load_or_create_secret_key(tmp_path) == "k" * 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_app_without_secret_key_uses_the_instance_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text().strip()
    again = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_mail_leases_and_retries_default_to_two_minutes_and_thirty_seconds(tmp_path: Path) -> None:
    config = load_config({}, tmp_path)
    assert (config["MAIL_LEASE_SECONDS"], config["MAIL_RETRY_SECONDS"]) == (120, 30)
    config = load_config({"MAIL_LEASE_SECONDS": "600", "MAIL_RETRY_SECONDS": "5"}, tmp_path)
    assert (config["MAIL_LEASE_SECONDS"], config["MAIL_RETRY_SECONDS"]) == (600, 5)


def test_a_redis_limit_storage_gets_short_timeouts(tmp_path: Path) -> None:
    redis = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    apply_limit_storage_defaults(redis)
    assert redis["RATELIMIT_STORAGE_OPTIONS"] == {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    chosen = {"RATELIMIT_STORAGE_URI": "rediss://cache:6380/0", "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 3}}
    apply_limit_storage_defaults(chosen)
    assert chosen["RATELIMIT_STORAGE_OPTIONS"] == {"socket_timeout": 3}
    memory = {"RATELIMIT_STORAGE_URI": "memory://"}
    apply_limit_storage_defaults(memory)
    assert "RATELIMIT_STORAGE_OPTIONS" not in memory
