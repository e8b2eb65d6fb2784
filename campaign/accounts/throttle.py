"""Failed sign-ins counted in the database, so every worker and instance shares the count.

Three counts, each locking for ``LOGIN_LOCKOUT_MINUTES`` once it reaches its limit within that
time: per email address (known or not, so a lock reveals nothing about which accounts exist), per
network address (many accounts tried from one place), and per account for two-factor codes. Only
keyed hashes are stored: neither addresses nor emails can be read back from the table.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import LoginThrottle
from campaign.db import transaction
from campaign.errors import DomainError
from campaign.extensions import db


class SignInLocked(DomainError):
    status_code = 429
    title = "Too many failed attempts"


@dataclass(frozen=True)
class Counter:
    """One thing whose failures are counted: its key, its limit, and what a lock says."""

    key: str
    limit: int
    locked_message: str


def _key(kind: str, value: str) -> str:
    secret = hashlib.sha256(f"campaign.login-throttle:{current_app.config['SECRET_KEY']}".encode()).digest()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def for_email(email: str) -> Counter:
    return Counter(
        _key("email", email.strip().lower()),
        int(current_app.config["LOGIN_MAX_FAILURES"]),
        "There have been too many failed attempts to sign in with this email address.",
    )


def for_address(address: str) -> Counter:
    return Counter(
        _key("address", address),
        int(current_app.config["LOGIN_MAX_FAILURES_PER_IP"]),
        "There have been too many failed attempts to sign in from your network.",
    )


def for_second_factor(organiser_id: int) -> Counter:
    return Counter(
        _key("second-factor", str(organiser_id)),
        int(current_app.config["LOGIN_MAX_FAILURES"]),
        "There have been too many wrong codes for this account.",
    )


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])


def check_not_locked(counters: list[Counter], now: datetime) -> None:
    """Raise SignInLocked if any of the counters is locked now."""
    for counter in counters:
        throttle = db.session.get(LoginThrottle, counter.key)
        if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
            minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
            raise SignInLocked(f"{counter.locked_message} Try again in {minutes} minute{'s' if minutes != 1 else ''}.")


def record_failure(counters: list[Counter], now: datetime) -> None:
    """Count a failure against each counter; reaching a limit within the window locks it for a while."""
    window = _window()
    for attempt in (1, 2):
        try:
            with transaction():
                for counter in counters:
                    throttle = db.session.get(LoginThrottle, counter.key, with_for_update=True)
                    if throttle is None:
                        throttle = LoginThrottle(email_hash=counter.key, failures=0, window_started_at=now)
                        db.session.add(throttle)
                    if now - throttle.window_started_at > window:
                        throttle.failures, throttle.window_started_at = 0, now
                    throttle.failures += 1
                    if throttle.failures >= counter.limit:
                        throttle.locked_until = now + window
            return
        except IntegrityError:
            if attempt == 2:
                raise  # two first failures raced; the second pass finds the row


def clear(counter: Counter) -> None:
    with transaction():
        throttle = db.session.get(LoginThrottle, counter.key)
        if throttle is not None:
            db.session.delete(throttle)
