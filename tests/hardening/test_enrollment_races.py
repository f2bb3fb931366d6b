"""Enrollment races: truly concurrent requests (threads, each with its own connection,
released together) against a live server, on SQLite and on PostgreSQL.

- 200 enrollments at once into a listing with cap 50 and waitlist cap 20: exactly 50
  enrolled (201), 20 waiting (202), 130 refused (422), and the stored count agrees.
- One user enrolling in one listing several times at once: enrolled once, the rest
  refused as already enrolled; again with the check before the insert switched off, so
  that the unique index alone must give the same answer.
- Drops, new enrollments and a raised cap at once on a full listing with a waitlist:
  promotions never put more users in it than its cap, first come first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from programhub.core import versions
from programhub.core.learners import service as learners
from programhub.core.learners.models import enrollments, waitlist_applicants
from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.core.tenancy import Tenant
from programhub.store import Store
from tests.dialects.catalog.support import API
from tests.support import Tenants, at_once


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    from tests.support import serve_in_thread

    with serve_in_thread(app) as base_url:
        yield base_url


def _users(store: Store, tenant: Tenant, count: int, prefix: str) -> list[int]:
    with versions.writing(store, tenant) as conn:
        return [learners.create_user(conn, tenant, {"email": f"{prefix}{n}@example.com"}) for n in range(count)]


def _course(store: Store, tenant: Tenant, **fields: object) -> int:
    with versions.writing(store, tenant) as conn:
        return listings.create(conn, tenant, "course", {"name": "Raced", **fields})


def _state(store: Store, listing_id: int) -> tuple[int, int, int, int]:
    """(stored count, live own enrollments, waiting, accepted) of the listing."""
    with store.read() as conn:
        stored = conn.execute(
            sa.select(listings_table.c.enrollment_count).where(listings_table.c.id == listing_id)
        ).scalar_one()
        live = conn.execute(
            sa.select(sa.func.count()).where(
                enrollments.c.listing_id == listing_id,
                enrollments.c.root_enrollment_id.is_(None),
                enrollments.c.status != "dropped",
            )
        ).scalar_one()
        by_status = dict(
            conn.execute(
                sa.select(waitlist_applicants.c.status, sa.func.count())
                .where(waitlist_applicants.c.listing_id == listing_id)
                .group_by(waitlist_applicants.c.status)
            ).all()
        )
    return stored, live, by_status.get("waitlist", 0), by_status.get("accepted", 0)


def test_two_hundred_at_once_into_cap_fifty_and_waitlist_twenty(live: str, store: Store, tenants: Tenants) -> None:
    key = tenants.a_test
    course = _course(store, key.tenant, enrollment_cap=50, waitlist=True, waitlist_cap=20)
    users = _users(store, key.tenant, 200, "racer")
    responses = at_once(
        200,
        lambda i, http: http.post(
            f"{API}/enrollments", json={"enrollment": {"user_id": users[i], "listing_id": course}}, headers=key.token
        ),
        live,
    )
    statuses = [r.status_code for r in responses]
    assert (statuses.count(201), statuses.count(202), statuses.count(422)) == (50, 20, 130), statuses
    refusals = {r.json()["errors"][0]["message"] for r in responses if r.status_code == 422}
    assert refusals == {f"listing {course} is full and so is its waitlist (20 waiting)"}
    assert _state(store, course) == (50, 50, 20, 0)


@pytest.mark.parametrize("check", ["on", "off"])
def test_one_user_enrolling_at_once_is_enrolled_once(
    live: str, store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    if check == "off":  # every request passes the check: only the unique index stands
        monkeypatch.setattr(learners, "_own_enrollment", lambda *_args, **_kwargs: None)
    key = tenants.a_test
    course = _course(store, key.tenant)
    (user,) = _users(store, key.tenant, 1, "twin")
    responses = at_once(
        8,
        lambda _i, http: http.post(
            f"{API}/enrollments", json={"user_id": user, "listing_id": course}, headers=key.token
        ),
        live,
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * 7, [r.text for r in responses]
    assert {r.json()["errors"][0]["field"] for r in responses if r.status_code == 422} == {"user_id"}
    assert _state(store, course)[:2] == (1, 1)


def test_promotions_after_drops_never_exceed_the_cap(live: str, store: Store, tenants: Tenants) -> None:
    key = tenants.a_test
    course = _course(store, key.tenant, enrollment_cap=5, waitlist=True)
    seated = _users(store, key.tenant, 5, "seated")
    waiting = _users(store, key.tenant, 30, "waiting")
    newcomers = _users(store, key.tenant, 10, "new")
    enrollment_ids = []
    with versions.writing(store, key.tenant) as conn:
        for user in seated:
            outcome = learners.enroll(conn, key.tenant, user_id=user, listing_id=course)
            enrollment_ids.append(outcome.enrollment_id)
        for user in waiting:
            assert learners.enroll(conn, key.tenant, user_id=user, listing_id=course).status == "waitlisted"

    def send(i: int, http):  # type: ignore[no-untyped-def]
        if i < 5:  # drop a seated user
            return http.delete(f"{API}/enrollments/{enrollment_ids[i]}", headers=key.token)
        if i < 15:  # a newcomer
            return http.post(
                f"{API}/enrollments", json={"user_id": newcomers[i - 5], "listing_id": course}, headers=key.token
            )
        return http.put(f"{API}/courses/{course}", json={"course": {"enrollment_cap": 8}}, headers=key.token)

    responses = at_once(16, send, live)
    assert all(r.status_code in (200, 202, 204) for r in responses), [r.text for r in responses]
    stored, live_count, still_waiting, accepted = _state(store, course)
    assert stored == live_count == 8  # the cap, never more
    assert accepted == 8 and still_waiting == 30 - 8 + 10
    # first come first: the earliest waiting were promoted
    with store.read() as conn:
        promoted = set(
            conn.execute(
                sa.select(waitlist_applicants.c.user_id).where(waitlist_applicants.c.status == "accepted")
            ).scalars()
        )
    assert promoted == set(waiting[:8])
