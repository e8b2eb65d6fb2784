"""A small in-process cache with expiry, for pages and counts read far more often than they change.

Each process keeps its own copy; entries live for at most a few seconds (configured per use),
so several instances never disagree for longer than that. Misses (404s) are never cached.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import current_app

V = TypeVar("V")


class TTLCache(Generic[V]):
    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get_or_set(self, key: Hashable, ttl_seconds: float, produce: Callable[[], V]) -> V:
        if ttl_seconds <= 0:
            return produce()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                return entry[1]
        value = produce()  # outside the lock: a slow miss never blocks other keys
        with self._lock:
            self._entries[key] = (now + ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def hot_cache(name: str) -> TTLCache[object]:
    """The current app's cache called ``name`` (one per app, so apps never share entries)."""
    caches: dict[str, TTLCache[object]] = current_app.extensions.setdefault("hot_caches", {})
    if name not in caches:
        caches[name] = TTLCache()
    return caches[name]


def hot_cache_seconds() -> float:
    return float(current_app.config["HOT_CACHE_SECONDS"])
