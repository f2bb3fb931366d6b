"""The response cache: answers keyed by tenant, mode, data version and request; hits served
on the event loop, misses computed once, on the thread pool unless the caller says where."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest

from programhub.core.auth import Principal
from programhub.core.clock import utcnow
from programhub.core.tenancy import Mode, Tenant
from programhub.web.cache import Fresh, ResponseCache


def _principal(version: int | None, org_id: int = 1, mode: Mode = Mode.TEST) -> Principal:
    return Principal(Tenant(org_id, mode, f"org_{org_id}", "Org"), 1, "key_1", version)


class Computations:
    """A `compute` that counts its calls, notes the thread each ran on, and can be slow,
    fail, or give answers that are too big to keep or already stale."""

    def __init__(
        self, *, seconds: float = 0.0, size: int | None = None, stale: bool = False, fails: bool = False
    ) -> None:
        self.threads: list[int] = []
        self.seconds, self.size, self.stale, self.fails = seconds, size, stale, fails

    def __call__(self) -> Fresh[bytes]:
        self.threads.append(threading.get_ident())
        time.sleep(self.seconds)
        if self.fails:
            raise RuntimeError("the database went away")
        body = f"answer {len(self.threads)}".encode()
        until = utcnow() - timedelta(seconds=1) if self.stale else None
        return Fresh(body, len(body) if self.size is None else self.size, until)


def _answers(
    cache: ResponseCache, calls: list[tuple[Principal, Any]], compute: Callable[[], Fresh[bytes]]
) -> list[bytes]:
    """Answer `calls` one after another on one event loop."""

    async def run() -> list[bytes]:
        return [await cache.answer(principal, key, compute) for principal, key in calls]

    return anyio.run(run)


def test_a_hit_is_served_on_the_loop_and_a_miss_computed_on_the_pool() -> None:
    cache, compute = ResponseCache(1024 * 1024), Computations()

    async def scenario() -> tuple[list[bytes], int]:
        answers = [await cache.answer(_principal(7), "r", compute) for _ in range(3)]
        return answers, threading.get_ident()

    answers, loop_thread = anyio.run(scenario)
    assert answers == [b"answer 1"] * 3
    assert len(compute.threads) == 1 and compute.threads[0] != loop_thread


def test_a_miss_is_computed_with_the_given_run() -> None:
    """Where a miss runs is the caller's choice (`Store.run_read`): here, on the loop."""
    cache, compute = ResponseCache(1024 * 1024), Computations()

    async def on_the_loop(work: Callable[[], Fresh[bytes]]) -> Fresh[bytes]:
        return work()

    async def scenario() -> int:
        await cache.answer(_principal(7), "r", compute, on_the_loop)  # a miss
        await cache.answer(_principal(7), "r", compute, on_the_loop)  # a hit: not computed
        await cache.answer(_principal(None), "r", compute, on_the_loop)  # nothing to key: computed
        return threading.get_ident()

    loop_thread = anyio.run(scenario)
    assert compute.threads == [loop_thread, loop_thread]


def test_a_new_version_another_tenant_or_mode_is_a_miss() -> None:
    cache, compute = ResponseCache(1024 * 1024), Computations()
    principals = [_principal(7), _principal(8), _principal(8, org_id=2), _principal(8, mode=Mode.LIVE), _principal(8)]
    answers = _answers(cache, [(p, "r") for p in principals], compute)
    assert answers == [b"answer 1", b"answer 2", b"answer 3", b"answer 4", b"answer 2"]


@pytest.mark.parametrize(
    ("cache", "principal"),
    [(ResponseCache(1024 * 1024), _principal(None)), (ResponseCache(0), _principal(7))],
    ids=["no version", "cache off"],
)
def test_without_a_version_or_with_the_cache_off_every_call_computes(
    cache: ResponseCache, principal: Principal
) -> None:
    compute = Computations()
    assert _answers(cache, [(principal, "r")] * 2, compute) == [b"answer 1", b"answer 2"]


def test_an_answer_is_not_served_after_it_stops_being_true() -> None:
    compute = Computations(stale=True)
    assert _answers(ResponseCache(1024 * 1024), [(_principal(7), "r")] * 2, compute) == [b"answer 1", b"answer 2"]


def test_the_size_bound_holds_and_one_answer_never_takes_over() -> None:
    cache = ResponseCache(100)
    _answers(cache, [(_principal(7), n) for n in range(10)], Computations(size=20))
    assert cache.size == 100  # the oldest left as newer came
    too_big = Computations(size=30)  # over a quarter of the bound
    _answers(cache, [(_principal(7), "big")] * 2, too_big)
    assert len(too_big.threads) == 2 and cache.size == 100


async def _together(cache: ResponseCache, compute: Computations, requests: int) -> list[Any]:
    """`requests` concurrent misses of one key; each result is an answer or the error."""
    results: list[Any] = [None] * requests

    async def one(n: int) -> None:
        try:
            results[n] = await cache.answer(_principal(7), "r", compute)
        except RuntimeError as error:
            results[n] = error

    async with anyio.create_task_group() as group:
        for n in range(requests):
            group.start_soon(one, n)
    return results


@pytest.mark.parametrize("size", [None, 10**9], ids=["kept", "too big to keep"])
def test_concurrent_misses_of_one_answer_compute_it_once(size: int | None) -> None:
    compute = Computations(seconds=0.05, size=size)
    assert anyio.run(_together, ResponseCache(1024 * 1024), compute, 20) == [b"answer 1"] * 20
    assert len(compute.threads) == 1


def test_concurrent_misses_share_an_error_and_the_next_request_tries_again() -> None:
    cache, failing = ResponseCache(1024 * 1024), Computations(seconds=0.05, fails=True)
    results = anyio.run(_together, cache, failing, 5)
    assert len(failing.threads) == 1 and all(isinstance(r, RuntimeError) for r in results)
    assert _answers(cache, [(_principal(7), "r")], Computations()) == [b"answer 1"]


class Shown:
    """A `Fresh.depends_on` that answers as told, noting each version it was asked about."""

    def __init__(self, unchanged: bool) -> None:
        self.unchanged = unchanged
        self.asked: list[int] = []

    async def unchanged_since(self, store: Any, version: int) -> bool:
        self.asked.append(version)
        await anyio.sleep(0.01)
        return self.unchanged


class Depending(Computations):
    def __init__(self, shown: Shown) -> None:
        super().__init__()
        self.shown = shown

    def __call__(self) -> Fresh[bytes]:
        made = super().__call__()
        return Fresh(made.value, made.size, depends_on=self.shown)


@pytest.mark.parametrize("unchanged", [True, False], ids=["unchanged", "changed"])
def test_an_older_answer_that_tells_what_it_shows_is_checked_instead_of_made_again(unchanged: bool) -> None:
    cache, shown = ResponseCache(1024 * 1024), Shown(unchanged)
    compute = Depending(shown)

    async def scenario() -> list[bytes]:
        first = await cache.answer(_principal(7), "r", compute, store=object())
        # concurrent requests at the new version share one check
        later: list[bytes] = []
        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(lambda: _append(later, cache.answer(_principal(9), "r", compute, store=object())))
        again = await cache.answer(_principal(9), "r", compute, store=object())  # kept at 9 now: a hit
        return [first, *later, again]

    answers = anyio.run(scenario)
    assert shown.asked == [7]
    assert answers == [b"answer 1"] * 7 if unchanged else [b"answer 1"] + [b"answer 2"] * 6
    assert len(compute.threads) == (1 if unchanged else 2)


async def _append(into: list[bytes], answer: Any) -> None:
    into.append(await answer)


def test_an_answer_is_checked_only_with_a_store() -> None:
    cache, shown = ResponseCache(1024 * 1024), Shown(True)
    compute = Depending(shown)

    async def scenario() -> list[bytes]:
        return [
            await cache.answer(_principal(7), "r", compute),
            await cache.answer(_principal(8), "r", compute),  # no store to check with: made again
            await cache.answer(_principal(8), "r", compute, store=object()),
        ]

    assert anyio.run(scenario) == [b"answer 1", b"answer 2", b"answer 2"]
    assert shown.asked == []


def _users(shared: int, *versions: int) -> tuple[Any, ...]:
    """A version as `ResponseCache.value` keys a list of users' nominations."""
    return ("nominations of", shared, tuple((f"u{n}", version) for n, version in enumerate(versions)))


def test_a_request_that_read_an_older_version_is_served_the_newer_answer_kept() -> None:
    """It read its version just before a write committed; the answer made after that
    write is as true for it. Nothing is made again, and the newer answer stays kept."""
    cache, compute = ResponseCache(1024 * 1024), Computations()

    async def scenario() -> list[bytes]:
        return [
            await cache.answer(_principal(7), "r", compute, version=_users(5, 3, 4)),
            await cache.answer(_principal(7), "r", compute, version=_users(5, 2, 4)),  # older: served
            await cache.answer(_principal(7), "r", compute, version=_users(4, 3, 4)),  # older: served
            await cache.answer(_principal(7), "r", compute, version=_users(5, 3, 5)),  # newer: made
            await cache.answer(_principal(7), "r", compute, version=_users(6, 2, 6)),  # neither: made
            await cache.answer(_principal(7), "r", compute, version=_users(6, 2, 6)),
            await cache.answer(_principal(7), "r", compute),  # the whole tenant's version: another kind
            await cache.answer(_principal(6), "r", compute),  # older: served
            await cache.answer(_principal(8), "r", compute),  # newer: made
        ]

    assert anyio.run(scenario) == [b"answer 1"] * 3 + [b"answer 2"] + [b"answer 3"] * 2 + [b"answer 4"] * 2 + [
        b"answer 5"
    ]
