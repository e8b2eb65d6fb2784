"""Cleaning what people type: normalised Unicode, no control or direction-override characters."""

from __future__ import annotations

import re
import unicodedata

# Direction overrides and isolates can make text display differently from what it
# says (for example reversing a name), and invisible spaces and marks can make text
# look empty or different from what it is; they are removed from everything we store.
# Zero-width (non-)joiners stay: scripts and emoji sequences need them.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff\u00ad"),
    None,
)
_WHITESPACE_RUN = re.compile(r"\s+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 80


def _without_controls(value: str, keep: str = "") -> str:
    # Unassigned code points ("Cn") are kept: they may be emoji newer than Python's tables.
    return "".join(ch for ch in value if ch in keep or unicodedata.category(ch) not in {"Cc", "Cs"})


def clean_line(value: str | None) -> str:
    """One line of text: NFC, controls removed, whitespace runs folded to one space."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    value = _without_controls(value, keep=" \t\n\r")
    return _WHITESPACE_RUN.sub(" ", value).strip()


def clean_block(value: str | None) -> str:
    """Several paragraphs: NFC, controls other than newlines and tabs removed, tidy line ends."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _without_controls(value, keep="\n\t")
    value = _TRAILING_SPACE.sub("\n", value)
    value = _MANY_BLANK_LINES.sub("\n\n", value)
    return value.strip()


def has_visible_text(value: str) -> bool:
    """True when the text has something to read: a letter, digit, symbol or punctuation mark."""
    return any(unicodedata.category(ch)[0] in {"L", "N", "S", "P"} or unicodedata.category(ch) == "Cn" for ch in value)


def slugify(value: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """A URL-safe slug of ASCII letters, digits and single hyphens."""
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_UNSAFE.sub("-", ascii_only.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
    return slug.strip("-")
