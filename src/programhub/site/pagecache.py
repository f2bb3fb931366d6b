"""Rendered public catalog pages, kept per server process: a page is served again only while
its catalog's data version (core/versions: any write of the tenant changes it) is the same,
and for at most MAX_AGE seconds, since what a page says about time ("opens 1 March", "open
for enrollment") can change without a write. A hit costs the catalog's one query (which
reads the version) instead of the page's queries and its rendering."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

MAX_AGE = 10.0  # seconds
MAX_ENTRIES = 2000


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE) -> None:
        self.max_entries, self.max_age = max_entries, max_age
        self._lock = threading.Lock()
        self._pages: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()

    def get(self, key: Hashable, now: float) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if now - found[0] >= self.max_age:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, body: bytes, now: float) -> None:
        with self._lock:
            self._pages[key] = (now, body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
