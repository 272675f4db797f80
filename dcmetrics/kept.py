"""A small process-wide LRU for what pages read on every rerun, keyed by `store.cache_key` (which
holds the data version, so a commit makes old entries unreachable). Keep only values nobody
changes: Polars frames, frozen dataclasses, tuples, strings."""

from __future__ import annotations

import threading
from collections import OrderedDict


class Kept:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, build):
        """The value kept under `key`, else build() kept (built outside the lock: two threads
        asking at once may both build, and the results are equal)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
