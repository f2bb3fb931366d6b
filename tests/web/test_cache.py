"""The response cache: answers keyed by tenant, mode, data version and request; hits served
on the event loop, misses computed on the thread pool."""

from __future__ import annotations

import threading
from datetime import timedelta

import anyio

from programhub.core.auth import Principal
from programhub.core.clock import utcnow
from programhub.core.tenancy import Mode, Tenant
from programhub.web.cache import Fresh, ResponseCache


def _principal(version: int | None, org_id: int = 1, mode: Mode = Mode.TEST) -> Principal:
    return Principal(Tenant(org_id, mode, f"org_{org_id}", "Org"), 1, "key_1", version)


class Computations:
    """A `compute` that counts its calls and notes the thread each ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self) -> Fresh[bytes]:
        self.threads.append(threading.get_ident())
        body = f"answer {len(self.threads)}".encode()
        return Fresh(body, len(body))


def test_a_hit_is_served_on_the_loop_and_a_miss_computed_on_the_pool() -> None:
    cache, compute = ResponseCache(1024 * 1024), Computations()

    async def scenario() -> tuple[list[bytes], int]:
        answers = [await cache.answer_async(_principal(7), "r", compute) for _ in range(3)]
        return answers, threading.get_ident()

    answers, loop_thread = anyio.run(scenario)
    assert answers == [b"answer 1"] * 3
    assert len(compute.threads) == 1 and compute.threads[0] != loop_thread


def test_a_new_version_another_tenant_or_mode_is_a_miss() -> None:
    cache, compute = ResponseCache(1024 * 1024), Computations()
    for principal in (_principal(7), _principal(8), _principal(8, org_id=2), _principal(8, mode=Mode.LIVE), _principal(8)):
        cache.answer(principal, "r", compute)
    assert len(compute.threads) == 4  # only the last repeats an earlier key


def test_without_a_version_or_with_the_cache_off_every_call_computes() -> None:
    for cache, principal in ((ResponseCache(1024 * 1024), _principal(None)), (ResponseCache(0), _principal(7))):
        compute = Computations()
        for _ in range(2):
            anyio.run(cache.answer_async, principal, "r", compute)
        assert len(compute.threads) == 2


def test_an_answer_is_not_served_after_it_stops_being_true() -> None:
    cache, calls = ResponseCache(1024 * 1024), []

    def expired() -> Fresh[bytes]:
        calls.append(1)
        return Fresh(b"x", 1, utcnow() - timedelta(seconds=1))

    cache.answer(_principal(7), "r", expired)
    cache.answer(_principal(7), "r", expired)
    assert len(calls) == 2


def test_the_size_bound_holds_and_one_answer_never_takes_over() -> None:
    cache, calls = ResponseCache(100), []
    for n in range(10):
        cache.answer(_principal(7), n, lambda: Fresh(b"x" * 20, 20))
    assert cache.size == 100  # the oldest left as newer came

    def over_a_quarter() -> Fresh[bytes]:
        calls.append(1)
        return Fresh(b"x" * 30, 30)

    for _ in range(2):
        cache.answer(_principal(7), "big", over_a_quarter)
    assert len(calls) == 2 and cache.size == 100  # never kept
