"""The public pages' per-address counts (written in batches) and their page cache."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from programhub.core.ratelimit.models import address_rate_limit_windows
from programhub.site.pagecache import PageCache
from programhub.site.visits import FLUSH_EVERY, FLUSH_SECONDS, Visits
from programhub.store import Store
from tests.support import count_queries


def _stored(store: Store) -> int:
    with store.read() as conn:
        return int(
            conn.execute(sa.select(sa.func.coalesce(sa.func.sum(address_rate_limit_windows.c.count), 0))).scalar_one()
        )


def test_visits_are_written_in_batches_and_refused_past_the_limit(store: Store) -> None:
    visits = Visits("test_pages", 60)
    now = 6_000.0
    with count_queries(store) as queries:
        verdicts = [visits.count(store, "10.0.0.1", 100, now).allowed for _ in range(FLUSH_EVERY * 2)]
    assert all(verdicts)
    writes = [q for q in queries if "INSERT INTO address_rate_limit_windows" in q]
    assert len(writes) == 2  # the first visit, then one batch of FLUSH_EVERY
    assert _stored(store) == 1 + FLUSH_EVERY
    visits.count(store, "10.0.0.1", 100, now + FLUSH_SECONDS)  # time is up: the rest is written
    assert _stored(store) == FLUSH_EVERY * 2 + 1
    other = Visits("test_pages", 60)  # another process sharing the database
    assert other.count(store, "10.0.0.1", FLUSH_EVERY * 2 + 1, now + 1).allowed is False
    assert other.count(store, "10.0.0.2", FLUSH_EVERY * 2 + 1, now + 1).allowed is True
    with count_queries(store) as queries:
        refused = other.count(store, "10.0.0.1", FLUSH_EVERY * 2 + 1, now + 2)
    assert (refused.allowed, refused.retry_after, queries) == (False, 58, [])  # no more writes once refused


def test_the_limit_is_exact_within_one_process(store: Store) -> None:
    visits = Visits("test_pages", 60)
    assert [visits.count(store, "10.0.0.3", 5, 120.0).allowed for _ in range(7)] == [True] * 5 + [False] * 2


def test_on_the_event_loop_a_batch_is_written_in_the_background_and_the_limit_stays_exact(store: Store) -> None:
    """A page whose visit makes a batch due does not wait for its write; a visit whose
    verdict depends on the database does, and the limit is exact within the process even
    while batches are being written."""

    async def visit(visits: Visits, count: int, limit: int, now: float) -> list[bool]:
        verdicts = []
        for _ in range(count):
            verdicts.append((await visits.count_async(store, "10.0.0.4", limit, now)).allowed)
            if len(verdicts) == 1:
                assert len(visits._background) == 1  # answered while its write goes on
        await asyncio.gather(*visits._background)  # the writes under way end
        return verdicts

    visits = Visits("test_pages", 60)
    assert asyncio.run(visit(visits, FLUSH_EVERY * 2, 100, 9_000.0)) == [True] * FLUSH_EVERY * 2
    assert _stored(store) == 1 + FLUSH_EVERY  # the first visit, then one batch; the rest pending

    async def at_once(visits: Visits, count: int, limit: int) -> list[bool]:
        verdicts = await asyncio.gather(*(visits.count_async(store, "10.0.0.5", limit, 12_000.0) for _ in range(count)))
        await asyncio.gather(*visits._background)
        return [verdict.allowed for verdict in verdicts]

    verdicts = asyncio.run(at_once(Visits("test_pages", 60), 40, 20))
    assert verdicts.count(True) == 20


def test_the_page_cache_keeps_pages_briefly_and_few() -> None:
    cache = PageCache(max_entries=2, max_age=10)
    cache.put("a", b"A", 0.0)
    cache.put("b", b"B", 1.0)
    assert (cache.get("a", 9.9), cache.get("a", 10.0)) == (b"A", None)  # too old
    cache.put("c", b"C", 2.0)
    cache.put("d", b"D", 3.0)  # over the size: the least recently used goes
    assert (cache.get("b", 3.0), cache.get("c", 3.0), cache.get("d", 3.0)) == (None, b"C", b"D")
