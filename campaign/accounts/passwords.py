"""What makes a password acceptable: its length, and not being one that attackers try first."""

from __future__ import annotations

import functools
import re
from pathlib import Path

PASSWORD_MIN_LENGTH = 12
# Long enough for any passphrase, short enough that hashing cannot be used to tie up a worker.
PASSWORD_MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Digits, punctuation and spaces at either end: "Password2024!" is "password" to an attacker's rules.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (read once per process)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(lowered: str) -> bool:
    common = common_passwords()
    return lowered in common or lowered.replace(" ", "") in common


def _repeats_common(lowered: str) -> bool:
    """ "passwordpassword", "qwerty qwerty": a common password said more than once."""
    for size in range(1, len(lowered) // 2 + 1):
        unit = lowered[:size]
        if len(lowered) % size == 0 and unit * (len(lowered) // size) == lowered:
            return _is_common(unit.strip())
        spaced = (unit + " ") * ((len(lowered) + 1) // (size + 1))
        if spaced.rstrip() == lowered:
            return _is_common(unit)
    return False


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None. Common passwords are compared ignoring case."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Use at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Use at most {PASSWORD_MAX_LENGTH} characters"
    if password.strip() != password or not password.strip():
        return "Do not start or end your password with spaces"
    lowered = password.lower()
    if email and lowered == email.lower():
        return "Your password must not be your email address"
    if len(set(password)) < 4:
        return "Use a less repetitive password"
    if _is_common(lowered):
        return "That is one of the most common passwords, which attackers try first. Choose something less predictable"
    core = _DECORATION.sub("", lowered)
    if core != lowered and len(core) >= 4 and _is_common(core):
        return (
            "That is a common password with numbers or symbols added, which attackers also try early. "
            "Choose something less predictable"
        )
    if _repeats_common(lowered):
        return "That is a common password repeated, which attackers also try early. Choose something less predictable"
    return None
