"""A response cache keyed by tenant and data version.

An answer is stored under (organisation, mode, request) with the data version it was made
at, and served again while the tenant's data version (read by the authentication query, so
a hit costs no extra query) stands. Every write changes that version in its own transaction
(core/versions.py), in every process, so no write is ever followed by an old answer.
Answers that depend on the clock (an "open" filter, "enrollable now") also carry the
moment they stop being true and are not served after it.

An answer that reads no nominations but those of a few users (Sunbird's "my nominations"
lists) is kept instead under the tenant's shared version and those users' nomination
versions (read by the key lookup, which the route asks for them): another contributor's
nomination does not change it, and keeps it.

An answer that can tell what it depends on (`Fresh.depends_on`: Catalog's listings,
core/listings/shown.py) is, once the version moved on, checked by one query instead of made
again: if nothing it shows changed since its version, it is kept under the new one.

In-process, least recently used entries leave first once the size bound is reached;
`PROGRAMHUB_RESPONSE_CACHE_MB=0` turns the cache off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar, cast

from fastapi import Depends, Request
from prometheus_client import Counter
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from programhub.core.auth import Principal
from programhub.core.clock import utcnow
from programhub.store import Store
from programhub.web.flights import Flights

T = TypeVar("T")
_MISS = object()


class Dependencies(Protocol):
    """What an answer shows, able to say whether any of it changed after a data version."""

    async def unchanged_since(self, store: Store, version: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class Fresh(Generic[T]):
    """What a route computed: the value to keep, its size in bytes, when it stops being
    true (None: only a write can change it), and what it shows when that can be checked
    against a later data version (None: any write throws it away)."""

    value: T
    size: int
    valid_until: datetime | None = None
    depends_on: Dependencies | None = None


@dataclass(frozen=True, slots=True)
class _Kept:
    version: Hashable  # the data version (or versions) the answer was made at
    fresh: Fresh[Any]


class ResponseCache:
    def __init__(self, max_bytes: int, lookups: Counter | None = None) -> None:
        self.max_bytes = max_bytes
        self._lookups = lookups  # counted by result: hit, miss, shared, checked
        self._entries: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._flights = Flights()

    @property
    def size(self) -> int:
        return self._bytes

    @property
    def keeps_answers(self) -> bool:
        """False when the cache is off: nothing needs the versions an answer is kept under."""
        return self.max_bytes > 0

    async def answer(
        self,
        principal: Principal,
        request_key: Hashable,
        compute: Callable[[], Fresh[T]],
        run: Callable[[Callable[[], Fresh[T]]], Awaitable[Fresh[T]]] = run_in_threadpool,
        *,
        version: Hashable | None = None,
        store: Store | None = None,
    ) -> T:
        """The cached value for this tenant, version and request, or `compute()`'s.

        A hit is served on the event loop, without a hop to the thread pool (which costs
        more than the rest of the request); only a miss computes, with `run` (on the thread
        pool unless the store knows better: `Store.run_read`). Concurrent misses of one key
        wait for a single computation and share its value (or its error) instead of each
        computing the same answer: a cold cache under load is not a stampede. `version`
        stands for the tenant's data version when the answer depends on less than all of
        the tenant's data. With `store`, an answer kept at an older version that can tell
        what it depends on is checked there (`Fresh.depends_on`) before it is made again."""
        key = self._key(principal, request_key)
        wanted = principal.data_version if version is None else version
        if key is None:
            return (await run(compute)).value
        found, older = self._hit(key, wanted)
        if found is not _MISS:
            self._count("hit")
            return cast(T, found)

        async def compute_and_keep() -> T:
            if older is not None and store is not None and await self._still_true(older, wanted, store):
                self._count("checked")
                return self._keep(key, wanted, older.fresh)
            self._count("miss")
            return self._keep(key, wanted, await run(compute))

        value, shared = await self._flights.share((key, wanted), compute_and_keep)
        if shared:
            self._count("shared")
        return value

    async def read(
        self,
        principal: Principal,
        request_key: Hashable,
        store: Store,
        build: Callable[[Connection], bytes | Fresh[bytes]],
        *,
        python_bound: bool = False,
        nominations_of: tuple[str, ...] | None = None,
    ) -> Response:
        """The JSON answer `build` makes from one read transaction, through the cache: what
        a cached list route does. `build` returns the body, or a `Fresh` when the answer
        also depends on the clock; `nominations_of` when it reads no nominations but theirs."""

        def fresh(conn: Connection) -> Fresh[bytes]:
            built = build(conn)
            return built if isinstance(built, Fresh) else Fresh(built, len(built))

        body = await self.value(
            principal, request_key, store, fresh, python_bound=python_bound, nominations_of=nominations_of
        )
        return Response(body, media_type="application/json")

    async def value(
        self,
        principal: Principal,
        request_key: Hashable,
        store: Store,
        build: Callable[[Connection], Fresh[T]],
        *,
        python_bound: bool = False,
        nominations_of: tuple[str, ...] | None = None,
    ) -> T:
        """What `build` makes from one read transaction, through the cache: for an answer
        that is more than its body (a page and the total its Link header counts). A miss
        runs where `store.run_read` says, told whether `build` is `python_bound` (assembles
        the answer in Python from many rows) or reads one text the database built. An
        answer that reads no nominations but those of the users `nominations_of` keys on
        their versions and the shared one (the module docstring)."""

        def compute() -> Fresh[T]:
            with store.read() as conn:
                return build(conn)

        async def run(read: Callable[[], Fresh[T]]) -> Fresh[T]:
            return await store.run_read(read, python_bound=python_bound)

        version: Hashable | None = None
        # The users' versions came with the key (`web.auth.authenticate`'s `nomination_users`), before
        # the answer's own transaction begins, so the answer is never older than its key. A
        # route that did not ask keys on the tenant's whole version.
        users = principal.nomination_versions
        if (
            nominations_of is not None
            and users is not None
            and principal.shared_version is not None
            and tuple(user_id for user_id, _ in users) == nominations_of
        ):
            version = ("nominations of", principal.shared_version, users)
        return await self.answer(principal, request_key, compute, run, version=version, store=store)

    def _count(self, result: str) -> None:
        if self._lookups is not None:
            self._lookups.labels(result).inc()

    def _key(self, principal: Principal, request_key: Hashable) -> Hashable | None:
        if principal.data_version is None or self.max_bytes <= 0:
            return None
        tenant = principal.tenant
        return (tenant.org_id, tenant.mode.value, request_key)

    def _hit(self, key: Hashable, version: Hashable) -> tuple[object, _Kept | None]:
        """The value kept at `version` or a newer one, or _MISS and the answer kept at an
        older data version when it can be checked (`Fresh.depends_on`).

        A request that read its version just before a write committed is served the
        answer another request made after it: the write landed while it was answered,
        which either order explains; making the older answer again would cost a
        computation and, kept, throw the newer one away."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is None:
                return _MISS, None
            fresh = kept.fresh
            if fresh.valid_until is not None and utcnow() >= fresh.valid_until:
                self._drop(key)
                return _MISS, None
            self._entries.move_to_end(key)
            # Equal first: comparing users' nomination versions part by part costs ~40x more.
            if kept.version == version or _at_most(version, kept.version):
                return fresh.value, None
            checkable = fresh.depends_on is not None and isinstance(kept.version, int) and _older(kept.version, version)
            return _MISS, kept if checkable else None

    @staticmethod
    async def _still_true(older: _Kept, version: Hashable, store: Store) -> bool:
        depends_on = older.fresh.depends_on
        assert depends_on is not None and isinstance(older.version, int) and isinstance(version, int)
        return await depends_on.unchanged_since(store, older.version)

    def _keep(self, key: Hashable, version: Hashable, fresh: Fresh[T]) -> T:
        if fresh.size <= self.max_bytes // 4:  # one answer never takes over the cache
            with self._lock:
                kept = self._entries.get(key)
                if kept is not None and _older(version, kept.version):
                    return fresh.value  # a later answer is kept already
                if kept is not None:
                    self._drop(key)
                self._entries[key] = _Kept(version, fresh)
                self._bytes += fresh.size
                while self._bytes > self.max_bytes:
                    self._drop(next(iter(self._entries)))
        return fresh.value

    def _drop(self, key: Hashable) -> None:
        self._bytes -= self._entries.pop(key).fresh.size


def _older(version: Hashable, than: Hashable) -> bool:
    """Whether `version` is below `than`. A data version is a number, or a tuple of
    numbers and of the names that say what they count (users' nomination versions:
    `ResponseCache.value`), each number only ever growing: one tuple is below another of
    the same names when no number of it is above its counterpart."""
    return version != than and _at_most(version, than)


def _at_most(version: Hashable, than: Hashable) -> bool:
    if type(version) is int and type(than) is int:
        return version <= than
    if isinstance(version, tuple) and isinstance(than, tuple):
        return len(version) == len(than) and all(
            _at_most(part, other) for part, other in zip(version, than, strict=True)
        )
    return version == than


def cache_of(request: Request) -> ResponseCache:
    return request.app.state.cache


async def get_cache(request: Request) -> ResponseCache:
    return cache_of(request)


CacheDep = Annotated[ResponseCache, Depends(get_cache)]
