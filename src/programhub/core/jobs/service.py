"""Queueing, claiming and finishing jobs.

A job is claimed in a transaction of its own: the oldest runnable one (queued, or running
under a lease that expired: its process died) is taken with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so processes sharing the database never take the same job and never wait for
each other (SQLite serialises writers anyway). The claimer holds a lease, extended each
time it reports progress; a job whose lease runs out is taken again by any process, up to
MAX_ATTEMPTS times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from programhub.core.clock import utcnow
from programhub.core.db import AnyRow
from programhub.core.errors import Conflict, NotFound
from programhub.core.jobs.models import jobs
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Mode, Tenant, owned_by
from programhub.store import Store

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 3
# Inserts of a job with an exclusive key whose holder finished meanwhile (`enqueue`).
ENQUEUE_ATTEMPTS = 3
QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    tenant: Tenant
    kind: str
    state: str
    payload: Mapping[str, Any]
    done: int
    total: int
    result: Mapping[str, Any] | None
    attempts: int
    exclusive_key: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state in (SUCCEEDED, FAILED)

    @property
    def percent(self) -> float:
        """How far along, 0 to 100 (100 once finished)."""
        if self.finished:
            return 100.0
        return 0.0 if self.total <= 0 else round(100.0 * min(self.done, self.total) / self.total, 1)


_COLUMNS = (
    jobs.c.id,
    jobs.c.org_id,
    jobs.c.mode,
    organisations.c.public_id,
    organisations.c.name,
    jobs.c.kind,
    jobs.c.state,
    jobs.c.payload,
    jobs.c.done,
    jobs.c.total,
    jobs.c.result,
    jobs.c.attempts,
    jobs.c.exclusive_key,
    jobs.c.created_at,
    jobs.c.updated_at,
    jobs.c.started_at,
    jobs.c.finished_at,
)
_FROM = jobs.join(organisations, organisations.c.id == jobs.c.org_id)


def _job(row: AnyRow) -> Job:
    (job_id, org_id, mode, org_public_id, org_name, *rest) = row
    kind, state, payload, done, total, result, attempts, exclusive_key, *moments = rest
    return Job(
        job_id,
        Tenant(org_id, Mode(mode), org_public_id, org_name),
        kind,
        state,
        payload,
        done,
        total,
        result,
        attempts,
        exclusive_key,
        *moments,
    )


def enqueue(
    conn: Connection,
    tenant: Tenant,
    kind: str,
    payload: Mapping[str, Any],
    *,
    total: int = 0,
    exclusive_key: str | None = None,
) -> int:
    """Queue a job in the caller's transaction (it runs once that commits). With an
    `exclusive_key`, a job of the tenant with the same key still queued or running is a
    Conflict naming it (`related`), also when two requests race."""
    now = utcnow()
    values = {
        "org_id": tenant.org_id,
        "mode": tenant.mode.value,
        "kind": kind,
        "state": QUEUED,
        "exclusive_key": exclusive_key,
        "payload": dict(payload),
        "total": total,
        "created_at": now,
        "updated_at": now,
    }
    attempts = 0
    while True:
        attempts += 1
        try:
            with conn.begin_nested():
                return int(conn.execute(sa.insert(jobs).values(values).returning(jobs.c.id)).scalar_one())
        except IntegrityError:
            if exclusive_key is None:
                raise
            running = _holder(conn, tenant, exclusive_key)
            if running is not None:
                raise Conflict(
                    f"job {running} is still running; wait until it has finished", related=[running]
                ) from None
            # The job that held the key finished between the insert and the look-up (on
            # PostgreSQL each statement sees what has committed by then): try again.
            if attempts == ENQUEUE_ATTEMPTS:
                raise


def _holder(conn: Connection, tenant: Tenant, exclusive_key: str) -> int | None:
    """The tenant's job with `exclusive_key` that is still queued or running, if any."""
    return conn.execute(
        sa.select(jobs.c.id).where(
            owned_by(jobs, tenant), jobs.c.exclusive_key == exclusive_key, jobs.c.state.in_((QUEUED, RUNNING))
        )
    ).scalar_one_or_none()


def get(conn: Connection, tenant: Tenant, job_id: int, *, kinds: tuple[str, ...] | None = None) -> Job:
    query = sa.select(*_COLUMNS).select_from(_FROM).where(owned_by(jobs, tenant), jobs.c.id == job_id)
    if kinds is not None:
        query = query.where(jobs.c.kind.in_(kinds))
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFound("job", job_id)
    return _job(row)


def page(conn: Connection, tenant: Tenant, kinds: tuple[str, ...], *, limit: int, offset: int) -> tuple[int, list[Job]]:
    """A tenant's jobs of these kinds, newest first, and how many there are (two queries)."""
    where = (owned_by(jobs, tenant), jobs.c.kind.in_(kinds))
    total = conn.execute(sa.select(sa.func.count()).select_from(jobs).where(*where)).scalar_one()
    rows = conn.execute(
        sa.select(*_COLUMNS).select_from(_FROM).where(*where).order_by(jobs.c.id.desc()).limit(limit).offset(offset)
    )
    return int(total), [_job(row) for row in rows]


def _runnable(kinds: tuple[str, ...], now: datetime) -> sa.Select[tuple[int]]:
    """Queued jobs, and running ones whose worker died (lease over) or gave up for good."""
    return (
        sa.select(jobs.c.id)
        .where(
            jobs.c.kind.in_(kinds),
            sa.or_(jobs.c.state == QUEUED, sa.and_(jobs.c.state == RUNNING, jobs.c.lease_until < now)),
        )
        .order_by(jobs.c.id)
        .limit(1)
    )


def claim(store: Store, worker: str, kinds: tuple[str, ...]) -> Job | None:
    """Take the oldest runnable job of these kinds, or None. An idle poll is one read, not
    a write transaction (SQLite has a single writer)."""
    now = utcnow()
    with store.read() as conn:
        if conn.execute(_runnable(kinds, now)).first() is None:
            return None
    with store.write() as conn:
        runnable = _runnable(kinds, now).where(sa.or_(jobs.c.state == QUEUED, jobs.c.attempts < MAX_ATTEMPTS))
        # FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite's writers are serialised anyway).
        job_id = conn.execute(runnable.with_for_update(skip_locked=True)).scalar_one_or_none()
        if job_id is None:
            _fail_abandoned(conn, kinds, now)
            return None
        conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job_id)
            .values(
                state=RUNNING,
                claimed_by=worker,
                lease_until=now + LEASE,
                attempts=jobs.c.attempts + 1,
                started_at=sa.func.coalesce(jobs.c.started_at, now),
                updated_at=now,
            )
        )
        return _job(conn.execute(sa.select(*_COLUMNS).select_from(_FROM).where(jobs.c.id == job_id)).one())


def _fail_abandoned(conn: Connection, kinds: tuple[str, ...], now: datetime) -> None:
    """Jobs whose every attempt died with its process are failed, not retried forever."""
    conn.execute(
        sa.update(jobs)
        .where(
            jobs.c.kind.in_(kinds),
            jobs.c.state == RUNNING,
            jobs.c.lease_until < now,
            jobs.c.attempts >= MAX_ATTEMPTS,
        )
        .values(state=FAILED, finished_at=now, updated_at=now, result={"error": "the job stopped before finishing"})
    )


def report(store: Store, job: Job, worker: str, *, done: int, total: int | None = None) -> bool:
    """Record progress and extend the lease; False when the job is no longer this worker's
    (its lease ran out and another took it): the worker should stop."""
    now = utcnow()
    values: dict[str, Any] = {"done": done, "lease_until": now + LEASE, "updated_at": now}
    if total is not None:
        values["total"] = total
    with store.write() as conn:
        changed = conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job.id, jobs.c.claimed_by == worker, jobs.c.state == RUNNING)
            .values(values)
        ).rowcount
    return bool(changed)


def finish(
    conn: Connection, job: Job, worker: str, *, state: str, result: Mapping[str, Any], done: int | None = None
) -> bool:
    """End a job in the caller's transaction (with the job's last writes, so its result and
    its effects commit together). False when the job is no longer this worker's."""
    now = utcnow()
    values: dict[str, Any] = {"state": state, "result": dict(result), "finished_at": now, "updated_at": now}
    if done is not None:
        values["done"] = done
    changed = conn.execute(
        sa.update(jobs).where(jobs.c.id == job.id, jobs.c.claimed_by == worker, jobs.c.state == RUNNING).values(values)
    ).rowcount
    return bool(changed)


def advance(conn: Connection, job: Job, worker: str, *, done: int, result: Mapping[str, Any]) -> bool:
    """Record progress and the result so far in the caller's transaction (with the writes
    they count, so a job taken again resumes exactly after them), and extend the lease.
    False when the job is no longer this worker's: the caller should roll back and stop."""
    now = utcnow()
    changed = conn.execute(
        sa.update(jobs)
        .where(jobs.c.id == job.id, jobs.c.claimed_by == worker, jobs.c.state == RUNNING)
        .values(done=done, result=dict(result), lease_until=now + LEASE, updated_at=now)
    ).rowcount
    return bool(changed)
