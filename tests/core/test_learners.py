"""The learners core: users, enrollment rules (window, cap, waitlist, duplicates), program
trees with sequential requirements, completion and its withdrawal, promotion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from programhub.core import versions
from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.learners import completion
from programhub.core.learners import service as learners
from programhub.core.learners.models import enrollments, waitlist_applicants
from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.core.tenancy import Tenant
from programhub.store import Store
from tests.support import Tenants

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _user(store: Store, tenant: Tenant, email: str, **fields: Any) -> int:
    with versions.writing(store, tenant) as conn:
        return learners.create_user(conn, tenant, {"email": email, **fields})


def _listing(store: Store, tenant: Tenant, kind: str, name: str, **fields: Any) -> int:
    with versions.writing(store, tenant) as conn:
        return listings.create(conn, tenant, kind, {"name": name, **fields})


def _program(store: Store, tenant: Tenant, name: str, requirement_ids: list[int], **fields: Any) -> int:
    program_id = _listing(store, tenant, "program", name, **fields)
    with versions.writing(store, tenant) as conn:
        listings.set_requirements(conn, tenant, program_id, requirement_ids)
    return program_id


def _enroll(store: Store, tenant: Tenant, user_id: int, listing_id: int, now: datetime = NOW) -> learners.Outcome:
    with versions.writing(store, tenant) as conn:
        return learners.enroll(conn, tenant, user_id=user_id, listing_id=listing_id, now=now)


def _tree(store: Store, tenant: Tenant, root_id: int) -> dict[int, tuple[str, datetime | None]]:
    """listing id -> (status, requirements_completed_at) of a root enrollment's tree."""
    with store.read() as conn:
        rows = conn.execute(
            sa.select(enrollments.c.listing_id, enrollments.c.status, enrollments.c.requirements_completed_at).where(
                sa.or_(enrollments.c.id == root_id, enrollments.c.root_enrollment_id == root_id)
            )
        ).all()
    return {row.listing_id: (row.status, row.requirements_completed_at) for row in rows}


def _enrollment_of(store: Store, root_id: int, listing_id: int) -> int:
    with store.read() as conn:
        return int(
            conn.execute(
                sa.select(enrollments.c.id).where(
                    sa.or_(enrollments.c.id == root_id, enrollments.c.root_enrollment_id == root_id),
                    enrollments.c.listing_id == listing_id,
                )
            ).scalar_one()
        )


def _complete(store: Store, tenant: Tenant, enrollment_id: int, at: datetime | None) -> completion.Change:
    with versions.writing(store, tenant) as conn:
        return learners.complete(conn, tenant, enrollment_id, at, now=NOW)


def _count(store: Store, listing_id: int) -> int:
    with store.read() as conn:
        return int(
            conn.execute(
                sa.select(listings_table.c.enrollment_count).where(listings_table.c.id == listing_id)
            ).scalar_one()
        )


# --- users ------------------------------------------------------------------------------------


def test_emails_are_unique_per_tenant_ignoring_case(store: Store, tenants: Tenants) -> None:
    a, b = tenants.a_test.tenant, tenants.b_test.tenant
    first = _user(store, a, "Ada@Example.com", first_name="Ada", last_name="Lovelace")
    with pytest.raises(Conflict) as info, versions.writing(store, a) as conn:
        learners.create_user(conn, a, {"email": "ada@example.COM"})
    assert info.value.field == "email"
    _user(store, b, "ada@example.com")  # another organisation may have the same address
    _user(store, tenants.a_live.tenant, "ada@example.com")  # and so may the other mode
    with versions.writing(store, a) as conn:
        assert learners.find_or_create_user(conn, a, email="ADA@example.com", first_name="X", last_name="Y") == first
        other = learners.find_or_create_user(conn, a, email="bob@example.com", first_name="Bob", last_name=None)
        row = learners.get_user(conn, a, other)
    assert other != first and row.user_name == "Bob" and row.email == "bob@example.com"


def test_custom_fields_merge_and_null_deletes(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    user_id = _user(store, tenant, "c@example.com", custom_fields={"color": "red", "age": "19", "gone": None})
    with versions.writing(store, tenant) as conn:
        assert learners.get_user(conn, tenant, user_id).custom_fields == {"color": "red", "age": "19"}
        learners.update_user(conn, tenant, user_id, {"custom_fields": {"age": None, "phone": "867-5309"}})
        assert learners.get_user(conn, tenant, user_id).custom_fields == {"color": "red", "phone": "867-5309"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not an email"}, "email"),
        ({"email": "a@example.com", "custom_fields": {"n": 3}}, "custom_fields.n"),
        ({"email": "a@example.com", "custom_fields": []}, "custom_fields"),
        ({"email": "a@example.com", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"email": "a@example.com", "first_name": "a\x00"}, "first_name"),
        ({"first_name": "Ada"}, "email"),
    ],
)
def test_invalid_user_fields_name_the_field(store: Store, tenants: Tenants, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as info, store.write() as conn:
        learners.create_user(conn, tenants.a_test.tenant, fields)
    assert info.value.field == field


def test_deleted_user_frees_the_email_and_the_seat(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course", "C", enrollment_cap=1, waitlist=True)
    first, second = _user(store, tenant, "one@example.com"), _user(store, tenant, "two@example.com")
    assert _enroll(store, tenant, first, course).status == "enrolled"
    assert _enroll(store, tenant, second, course).status == "waitlisted"
    with versions.writing(store, tenant) as conn:
        learners.delete_user(conn, tenant, first)
        with pytest.raises(NotFound):
            learners.get_user(conn, tenant, first)
    _user(store, tenant, "ONE@example.com")
    assert _count(store, course) == 1  # the waiting user took the seat
    with store.read() as conn:
        applicant = conn.execute(sa.select(waitlist_applicants)).one()
    assert applicant.status == "accepted" and applicant.notified_of_opening_at is not None


# --- the rules -------------------------------------------------------------------------------


def test_window_open_flag_and_archive_refuse_with_a_reason(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    user_id = _user(store, tenant, "w@example.com")
    cases = {
        "closed": {"enrollment_open": False},
        "not_open_yet": {"enrollment_open_from": NOW + timedelta(days=1)},
        "ended": {"enrollment_open_to": NOW - timedelta(seconds=1)},
    }
    for reason, fields in cases.items():
        course = _listing(store, tenant, "course", reason, **fields)
        with pytest.raises(learners.Refused) as info:
            _enroll(store, tenant, user_id, course)
        assert info.value.reason == reason and info.value.field == "listing_id"
    archived = _listing(store, tenant, "course", "archived")
    with versions.writing(store, tenant) as conn:
        listings.set_status(conn, tenant, "course", [archived], "retired")
    with pytest.raises(learners.Refused) as info:
        _enroll(store, tenant, user_id, archived)
    assert info.value.reason == "closed"
    inside = _listing(
        store, tenant, "course", "inside", enrollment_open_from=NOW, enrollment_open_to=NOW + timedelta(days=1)
    )
    assert _enroll(store, tenant, user_id, inside).status == "enrolled"


def test_cap_waitlist_and_waitlist_cap(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course", "Capped", enrollment_cap=2, waitlist=True, waitlist_cap=1)
    users = [_user(store, tenant, f"u{n}@example.com") for n in range(4)]
    outcomes = [_enroll(store, tenant, user_id, course) for user_id in users[:3]]
    assert [o.status for o in outcomes] == ["enrolled", "enrolled", "waitlisted"]
    assert outcomes[2].applicant_id is not None and outcomes[2].enrollment_id is None
    with pytest.raises(learners.Refused) as info:
        _enroll(store, tenant, users[3], course)
    assert info.value.reason == "waitlist_full"
    no_waitlist = _listing(store, tenant, "course", "No waitlist", enrollment_cap=0)
    with pytest.raises(learners.Refused) as info:
        _enroll(store, tenant, users[0], no_waitlist)
    assert info.value.reason == "full"
    assert _count(store, course) == 2


def test_duplicates_are_refused_and_a_dropped_user_may_return(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course", "C", enrollment_cap=1, waitlist=True)
    first, second = _user(store, tenant, "a@example.com"), _user(store, tenant, "b@example.com")
    enrollment_id = _enroll(store, tenant, first, course).enrollment_id
    assert enrollment_id is not None
    with pytest.raises(learners.Refused) as info:
        _enroll(store, tenant, first, course)
    assert (info.value.reason, info.value.field) == ("already_enrolled", "user_id")
    _enroll(store, tenant, second, course)
    with pytest.raises(learners.Refused) as info:
        _enroll(store, tenant, second, course)
    assert info.value.reason == "already_waitlisted"
    with versions.writing(store, tenant) as conn:
        assert learners.drop(conn, tenant, enrollment_id, now=NOW) == [enrollment_id]
        assert learners.drop(conn, tenant, enrollment_id, now=NOW) == []  # dropped already
    assert _count(store, course) == 1  # the waiting user was promoted
    assert _enroll(store, tenant, first, course).status == "waitlisted"


def test_raising_the_cap_promotes_first_come_and_turning_the_waitlist_off_expires(
    store: Store, tenants: Tenants
) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course", "C", enrollment_cap=1, waitlist=True)
    users = [_user(store, tenant, f"p{n}@example.com") for n in range(4)]
    for user_id in users:
        _enroll(store, tenant, user_id, course)
    with versions.writing(store, tenant) as conn:
        listings.update(conn, tenant, course, {"enrollment_cap": 2})
    with store.read() as conn:
        statuses = dict(
            conn.execute(
                sa.select(waitlist_applicants.c.user_id, waitlist_applicants.c.status).order_by(
                    waitlist_applicants.c.id
                )
            ).all()
        )
    assert statuses == {users[1]: "accepted", users[2]: "waitlist", users[3]: "waitlist"}
    assert _count(store, course) == 2
    with versions.writing(store, tenant) as conn:
        listings.update(conn, tenant, course, {"waitlist": False})
    with store.read() as conn:
        left = conn.execute(
            sa.select(waitlist_applicants.c.status).where(waitlist_applicants.c.user_id.in_(users[2:]))
        ).scalars()
        assert set(left) == {"expired"}


# --- programs ------------------------------------------------------------------------------------


def test_a_sequential_program_opens_one_requirement_at_a_time_and_completes(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    c1, c2, c3 = (_listing(store, tenant, "course", f"Course {n}") for n in range(3))
    inner = _program(store, tenant, "Inner", [c2, c3], sequential=False)
    outer = _program(store, tenant, "Outer", [c1, inner], days_to_complete=30)
    user_id = _user(store, tenant, "s@example.com")
    root = _enroll(store, tenant, user_id, outer).enrollment_id
    assert root is not None
    assert _tree(store, tenant, root) == {
        outer: ("active", None),
        c1: ("active", None),
        inner: ("pending", None),
        c2: ("pending", None),
        c3: ("pending", None),
    }
    with store.read() as conn:
        row = learners.get_enrollment(conn, tenant, root)
    assert row.ends_at == NOW + timedelta(days=30) and row.root_program_id is None
    with store.read() as conn:
        member = learners.get_enrollment(conn, tenant, _enrollment_of(store, root, c2))
    assert member.root_program_id == outer and member.root_enrollment_id == root
    # a requirement that is not open yet cannot be completed
    with pytest.raises(Conflict):
        _complete(store, tenant, _enrollment_of(store, root, c2), NOW)
    with pytest.raises(Invalid):  # a program completes with its requirements
        _complete(store, tenant, root, NOW)
    first = NOW + timedelta(hours=1)
    change = _complete(store, tenant, _enrollment_of(store, root, c1), first)
    assert [(c.listing_id, c.kind) for c in change.completed] == [(c1, "course")] and change.uncompleted == []
    assert _tree(store, tenant, root)[inner] == ("active", None)
    assert _tree(store, tenant, root)[c2] == ("active", None) == _tree(store, tenant, root)[c3]  # not sequential
    _complete(store, tenant, _enrollment_of(store, root, c3), first + timedelta(hours=1))
    last = first + timedelta(hours=2)
    change = _complete(store, tenant, _enrollment_of(store, root, c2), last)
    assert sorted((c.listing_id, c.completed_at) for c in change.completed) == sorted(
        [(c2, last), (inner, last), (outer, last)]
    )
    assert _tree(store, tenant, root)[outer] == ("completed", last)
    # withdrawing a completion un-completes the programs above it
    change = _complete(store, tenant, _enrollment_of(store, root, c1), None)
    assert sorted(c.listing_id for c in change.uncompleted) == sorted([c1, outer])
    assert change.completed == []
    tree = _tree(store, tenant, root)
    assert tree[outer] == ("active", None) and tree[c1] == ("active", None)
    assert tree[inner] == ("completed", last)  # complete in itself, though no longer open


def test_a_program_member_is_dropped_with_its_program_only(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    course = _listing(store, tenant, "course", "C")
    program = _program(store, tenant, "P", [course], enrollment_cap=1, waitlist=True)
    first, second = _user(store, tenant, "d1@example.com"), _user(store, tenant, "d2@example.com")
    root = _enroll(store, tenant, first, program).enrollment_id
    assert root is not None
    assert _enroll(store, tenant, second, program).status == "waitlisted"
    member = _enrollment_of(store, root, course)
    with pytest.raises(Conflict), versions.writing(store, tenant) as conn:
        learners.drop(conn, tenant, member, now=NOW)
    with versions.writing(store, tenant) as conn:
        assert learners.drop(conn, tenant, root, now=NOW) == sorted([root, member])
    assert set(_tree(store, tenant, root).values()) == {("dropped", None)}
    assert _count(store, program) == 1 and _count(store, course) == 0  # members take no seats


def test_other_tenants_ids_are_not_found(store: Store, tenants: Tenants) -> None:
    a, b = tenants.a_test.tenant, tenants.b_test.tenant
    course = _listing(store, a, "course", "C")
    user_a = _user(store, a, "i@example.com")
    enrollment_id = _enroll(store, a, user_a, course).enrollment_id
    assert enrollment_id is not None
    user_b = _user(store, b, "i@example.com")
    with pytest.raises(Invalid) as info, versions.writing(store, b) as conn:
        learners.enroll(conn, b, user_id=user_b, listing_id=course, now=NOW)
    assert info.value.field == "listing_id"
    with pytest.raises(Invalid) as info, versions.writing(store, b) as conn:
        learners.enroll(conn, b, user_id=user_a, listing_id=course, now=NOW)
    assert info.value.field == "user_id"
    for call in (
        lambda conn: learners.get_enrollment(conn, b, enrollment_id),
        lambda conn: learners.drop(conn, b, enrollment_id),
        lambda conn: learners.complete(conn, b, enrollment_id, NOW),
        lambda conn: learners.get_user(conn, b, user_a),
        lambda conn: learners.update_user(conn, b, user_a, {"first_name": "X"}),
    ):
        with pytest.raises(NotFound), versions.writing(store, b) as conn:
            call(conn)
