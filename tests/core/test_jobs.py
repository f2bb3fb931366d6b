"""Background jobs: queued in a request's transaction, claimed by exactly one worker,
finished with their effects, taken again when a worker dies (core/jobs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from programhub.core.errors import Conflict, NotFound
from programhub.core.jobs import runner as runner_module
from programhub.core.jobs import service as jobs
from programhub.core.jobs.models import jobs as jobs_table
from programhub.core.jobs.runner import JobRunner, Progress
from programhub.core.jobs.service import Job
from programhub.store import Store
from tests.support import Tenants

KIND = "test.count"


@pytest.fixture
def counting() -> Iterator[list[int]]:
    """A handler for KIND that counts to payload["to"], reporting as it goes."""
    seen: list[int] = []

    def count(store: Store, job: Job, progress: Progress) -> None:
        for number in range(progress.done, job.payload["to"]):
            if job.payload.get("fail_at") == number:
                raise ValueError(f"cannot count past {number}")
            seen.append(number)
            progress.report(number + 1, job.payload["to"])
        with store.write() as conn:
            jobs.finish(conn, job, progress.worker, state=jobs.SUCCEEDED, result={"counted": len(seen)})

    runner_module.handles(KIND)(count)
    yield seen
    runner_module._HANDLERS.pop(KIND, None)


def _enqueue(store: Store, tenant, payload, **options) -> int:  # type: ignore[no-untyped-def]
    with store.write() as conn:
        return jobs.enqueue(conn, tenant, KIND, payload, **options)


def _get(store: Store, tenant, job_id: int) -> Job:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return jobs.get(conn, tenant, job_id)


def test_a_job_runs_once_and_reports_its_progress(store: Store, tenants: Tenants, counting: list[int]) -> None:
    me = tenants.a_test.tenant
    job_id = _enqueue(store, me, {"to": 5})
    queued = _get(store, me, job_id)
    assert (queued.state, queued.done, queued.percent, queued.started_at) == ("queued", 0, 0.0, None)
    assert JobRunner(store).run_pending() == 1
    assert JobRunner(store).run_pending() == 0
    done = _get(store, me, job_id)
    assert (done.state, done.done, done.total, done.percent, done.result) == ("succeeded", 5, 5, 100.0, {"counted": 5})
    assert done.started_at is not None and done.finished_at is not None and done.attempts == 1
    assert counting == [0, 1, 2, 3, 4]


def test_jobs_belong_to_their_tenant(store: Store, tenants: Tenants, counting: list[int]) -> None:
    job_id = _enqueue(store, tenants.a_test.tenant, {"to": 1})
    for other in (tenants.a_live, tenants.b_test):
        with pytest.raises(NotFound), store.read() as conn:
            jobs.get(conn, other.tenant, job_id)
    with store.read() as conn:
        assert jobs.page(conn, tenants.b_test.tenant, (KIND,), limit=10, offset=0) == (0, [])
        total, listed = jobs.page(conn, tenants.a_test.tenant, (KIND,), limit=10, offset=0)
    assert (total, [job.id for job in listed]) == (1, [job_id])


def test_a_failing_handler_fails_its_job_with_the_reason(store: Store, tenants: Tenants, counting: list[int]) -> None:
    me = tenants.a_test.tenant
    job_id = _enqueue(store, me, {"to": 5, "fail_at": 2})
    JobRunner(store).run_pending()
    failed = _get(store, me, job_id)
    assert (failed.state, failed.done, failed.result) == ("failed", 2, {"error": "cannot count past 2"})


def test_one_exclusive_job_at_a_time_even_when_requests_race(store: Store, tenants: Tenants, counting: list[int]) -> None:
    me = tenants.a_test.tenant
    results: list[object] = []
    barrier = threading.Barrier(6)

    def attempt() -> None:
        barrier.wait()
        try:
            results.append(_enqueue(store, me, {"to": 1}, exclusive_key="catalog:1"))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queued = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(queued) == 1 and len(refused) == 5
    assert all(c.related == queued and c.message == f"job {queued[0]} is still running; wait until it has finished" for c in refused)
    assert _enqueue(store, tenants.b_test.tenant, {"to": 1}, exclusive_key="catalog:1")  # another tenant's key
    assert _enqueue(store, me, {"to": 1}, exclusive_key="catalog:2")
    JobRunner(store).run_pending()
    assert _enqueue(store, me, {"to": 1}, exclusive_key="catalog:1") > queued[0]  # free again once finished


def test_an_exclusive_job_that_finishes_while_another_is_queued_frees_its_key(
    store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The holder of a key can finish between a refused insert and the look-up for it (on
    PostgreSQL each statement sees what has committed by then; the schema fuzzer met it as
    a 500 on WebAdMIT's export runs): the insert is tried again, and queues the job."""
    me = tenants.a_test.tenant
    holder = _enqueue(store, me, {"to": 1}, exclusive_key="export:1")
    looked: list[int | None] = []
    original = jobs._holder

    def finished_meanwhile(conn: sa.Connection, tenant, exclusive_key: str) -> int | None:  # type: ignore[no-untyped-def]
        if not looked:  # the first look-up comes after the holder has finished
            conn.execute(sa.update(jobs_table).where(jobs_table.c.id == holder).values(state=jobs.SUCCEEDED))
        looked.append(original(conn, tenant, exclusive_key))
        return looked[-1]

    monkeypatch.setattr(jobs, "_holder", finished_meanwhile)
    queued = _enqueue(store, me, {"to": 1}, exclusive_key="export:1")
    assert looked == [None] and queued > holder
    with pytest.raises(Conflict) as refused:  # and now the new job holds the key
        _enqueue(store, me, {"to": 1}, exclusive_key="export:1")
    assert refused.value.related == [queued] and looked == [None, queued]


def test_concurrent_workers_never_take_the_same_job(store: Store, tenants: Tenants) -> None:
    me = tenants.a_test.tenant
    ids = [_enqueue(store, me, {"to": 0}) for _ in range(30)]
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        barrier.wait()
        while (job := jobs.claim(store, name, (KIND,))) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == ids


def test_a_job_whose_worker_died_is_taken_again_and_resumes(
    store: Store, tenants: Tenants, counting: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    me = tenants.a_test.tenant
    job_id = _enqueue(store, me, {"to": 4})
    dead = jobs.claim(store, "dead-worker", (KIND,))
    assert dead is not None and dead.id == job_id
    assert jobs.report(store, dead, "dead-worker", done=2, total=4)
    assert jobs.claim(store, "another", (KIND,)) is None  # its lease still holds
    with store.write() as conn:
        conn.execute(
            sa.update(jobs_table).where(jobs_table.c.id == job_id).values(lease_until=dead.created_at - timedelta(hours=1))
        )
    JobRunner(store).run_pending()
    finished = _get(store, me, job_id)
    assert (finished.state, finished.attempts, counting) == ("succeeded", 2, [2, 3])
    assert not jobs.report(store, dead, "dead-worker", done=3)  # the dead worker is told to stop


def test_a_job_that_keeps_dying_is_failed(store: Store, tenants: Tenants, counting: list[int]) -> None:
    me = tenants.a_test.tenant
    job_id = _enqueue(store, me, {"to": 1})
    for attempt in range(jobs.MAX_ATTEMPTS):
        taken = jobs.claim(store, f"dies-{attempt}", (KIND,))
        assert taken is not None and taken.attempts == attempt + 1
        with store.write() as conn:
            conn.execute(
                sa.update(jobs_table).where(jobs_table.c.id == job_id).values(lease_until=taken.created_at - timedelta(hours=1))
            )
    assert jobs.claim(store, "last", (KIND,)) is None
    failed = _get(store, me, job_id)
    assert (failed.state, failed.result) == ("failed", {"error": "the job stopped before finishing"})


def test_the_server_process_runs_jobs_in_the_background(store: Store, tenants: Tenants, counting: list[int]) -> None:
    runner = JobRunner(store, poll_seconds=30)
    runner.start()
    try:
        job_id = _enqueue(store, tenants.a_test.tenant, {"to": 3})
        runner.wake()
        deadline = time.monotonic() + 20
        while _get(store, tenants.a_test.tenant, job_id).state != "succeeded":
            assert time.monotonic() < deadline, "the runner did not run the job"
            time.sleep(0.05)
    finally:
        runner.stop()
