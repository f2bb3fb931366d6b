"""Bulk enrollments (core/learners/bulk.py): the rules of one enrollment for every row,
per-row errors, users found or registered by email, programs' trees, one running per
catalog, and a fixed number of statements per chunk however many rows it holds."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from programhub.core import versions
from programhub.core.catalogs import service as catalogs
from programhub.core.errors import Conflict, Invalid
from programhub.core.jobs import service as jobs
from programhub.core.jobs.runner import JobRunner
from programhub.core.learners import bulk
from programhub.core.learners import service as learners
from programhub.core.learners.models import enrollments, waitlist_applicants
from programhub.core.learners.models import learners as users
from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.core.tenancy import Tenant
from programhub.store import Store
from tests.support import Tenants, count_queries


def _listing(store: Store, tenant: Tenant, kind: str, **fields: Any) -> int:
    with versions.writing(store, tenant) as conn:
        return listings.create(conn, tenant, kind, {"name": kind.title(), **fields})


def _run(store: Store, tenant: Tenant, rows: list[dict[str, Any]]) -> jobs.Job:
    with versions.writing(store, tenant) as conn:
        job_id = bulk.start(conn, tenant, rows)
    assert JobRunner(store).run_pending() == 1
    with store.read() as conn:
        return jobs.get(conn, tenant, job_id)


def test_rows_follow_the_rules_and_report_their_errors(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course", enrollment_cap=3, waitlist=True, waitlist_cap=1)
    closed = _listing(store, tenant, "course", enrollment_open=False)
    first = _listing(store, tenant, "course")
    second = _listing(store, tenant, "course")
    program = _listing(store, tenant, "program")
    with versions.writing(store, tenant) as conn:
        listings.set_requirements(conn, tenant, program, [first, second])
        known = learners.create_user(conn, tenant, {"email": "Known@Example.com"})
    rows = [
        {"email_address": "known@example.COM", "listing_id": course},  # 1: found ignoring case
        {"email_address": "new@example.com", "first_name": "New", "last_name": "Person", "listing_id": str(course)},
        {"user_id": known, "listing_id": course},  # 3: the same user again
        {"email_address": "third@example.com", "listing_id": course},  # 4: the last seat
        {"email_address": "fourth@example.com", "listing_id": course},  # 5: waitlisted
        {"email_address": "fifth@example.com", "listing_id": course},  # 6: waitlist full
        {"email_address": "not an email", "listing_id": course},
        {"user_id": 999999, "listing_id": course},
        {"email_address": "x@example.com", "listing_id": 999999},
        {"email_address": "x@example.com", "listing_id": closed},
        {"email_address": "x@example.com"},
        {"email_address": "tree@example.com", "listing_id": program},
    ]
    job = _run(store, tenant, rows)
    assert job.state == "succeeded" and job.done == len(rows) and job.percent == 100.0
    assert job.result is not None
    errors = {error["row"]: error["message"] for error in job.result["errors"]}
    assert (job.result["enrolled"], job.result["waitlisted"], job.result["failed"]) == (4, 1, 7)
    assert errors == {
        3: f"user {known} is already enrolled in listing {course}",
        6: f"listing {course} is full and so is its waitlist (1 waiting)",
        7: errors[7],
        8: "user_id: no user with id 999999",
        9: "listing_id: no program or course with id 999999",
        10: f"listing {closed} is not open for enrollment",
        11: "listing_id is required",
    }
    assert errors[7].startswith("email_address is not a valid email address")
    with store.read() as conn:
        count = conn.execute(sa.select(listings_table.c.enrollment_count).where(listings_table.c.id == course)).scalar()
        new_user = conn.execute(sa.select(users).where(users.c.email == "new@example.com")).one()
        tree = dict(
            conn.execute(
                sa.select(enrollments.c.listing_id, enrollments.c.status).where(
                    enrollments.c.user_id
                    == sa.select(users.c.id).where(users.c.email == "tree@example.com").scalar_subquery()
                )
            ).all()
        )
        waiting = conn.execute(sa.select(sa.func.count()).select_from(waitlist_applicants)).scalar()
    assert count == 3 and waiting == 1
    assert (new_user.user_name, new_user.first_name, new_user.last_name) == ("New Person", "New", "Person")
    assert tree == {program: "active", first: "active", second: "pending"}  # sequential by default


def test_the_rows_form_is_checked_before_anything_is_queued(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    for rows, field in (
        ([], "rows"),
        ("x", "rows"),
        ([1], "rows[0]"),
        ([{"listing_id": [1]}], "rows[0].listing_id"),
        ([{"email_address": "a\x00"}], "rows[0].email_address"),
    ):
        with pytest.raises(Invalid) as info, versions.writing(store, tenant) as conn:
            bulk.start(conn, tenant, rows)
        assert info.value.field == field


def test_one_bulk_enrollment_at_a_time_per_catalog(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course")
    with versions.writing(store, tenant) as conn:
        first = bulk.start(conn, tenant, [{"email_address": "a@example.com", "listing_id": course}])
    with pytest.raises(Conflict) as info, versions.writing(store, tenant) as conn:
        bulk.start(conn, tenant, [{"email_address": "b@example.com", "listing_id": course}])
    assert info.value.related == [first]
    assert info.value.message == f"bulk enrollment {first} of this catalog is still running; wait until it has finished"
    JobRunner(store).run_pending()
    with versions.writing(store, tenant) as conn:  # finished: the next may start
        bulk.start(conn, tenant, [{"email_address": "b@example.com", "listing_id": course}])
    with versions.writing(store, tenants.b_test.tenant) as conn:  # another tenant is not held up
        bulk.start(conn, tenants.b_test.tenant, [{"email_address": "b@example.com", "listing_id": course}])


def test_a_chunk_costs_the_same_statements_whatever_its_size(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    first, second = _listing(store, tenant, "course"), _listing(store, tenant, "course")
    program = _listing(store, tenant, "program")
    with versions.writing(store, tenant) as conn:
        listings.set_requirements(conn, tenant, program, [first, second])
    counts = []
    for size in (4, 200):
        # half into a course that seats half of them and waitlists the rest, half into the program
        course = _listing(store, tenant, "course", enrollment_cap=size // 4, waitlist=True)
        rows = [
            {"email_address": f"r{size}.{n}@example.com", "listing_id": (course, program)[n % 2]} for n in range(size)
        ]
        tally = bulk.Tally()
        with versions.writing(store, tenant) as conn:
            catalog = catalogs.default_id(conn, tenant)
            with count_queries(store) as statements:
                bulk.enroll_rows(conn, tenant, rows, catalog_id=catalog, first_row=1, tally=tally)
        counts.append(len(statements))
        assert (tally.enrolled, tally.waitlisted, tally.failed) == (size // 4 + size // 2, size // 4, 0)
    assert counts[0] == counts[1], counts


@pytest.mark.slow
def test_ten_thousand_rows(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course", enrollment_cap=9_000, waitlist=True)
    rows = [{"email_address": f"learner{n}@example.com", "listing_id": course} for n in range(10_000)]
    job = _run(store, tenant, rows)
    assert job.result is not None
    assert (job.result["enrolled"], job.result["waitlisted"], job.result["failed"]) == (9_000, 1_000, 0)
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(enrollments)).scalar() == 9_000
