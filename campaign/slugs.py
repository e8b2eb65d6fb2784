"""Web addresses made from titles: unique, readable, never shadowing a fixed path."""

from __future__ import annotations

from collections.abc import Callable

from campaign.text import SLUG_MAX_LENGTH, slugify

RESERVED_SLUGS = frozenset({"new", "edit", "search", "api", "embed", "admin", "console", "respond"})


def unique_slug(title: str, taken: Callable[[str], bool], *, fallback: str) -> str:
    """A slug from ``title`` that ``taken`` says is free, adding -2, -3... when needed."""
    base = slugify(title) or fallback
    if base in RESERVED_SLUGS:
        base = f"{base}-{fallback}"
    candidate, number = base, 2
    while taken(candidate):
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        number += 1
    return candidate
