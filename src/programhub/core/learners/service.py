"""Learners: users, enrollments and waitlists, with the rules every face shares.

The API other modules call (field names are the core's; every function runs inside the
caller's write transaction, `versions.writing(store, tenant)`, and raises `NotFound`,
`Invalid` or `Refused` with nothing written):

- `create_user(conn, tenant, fields) -> int`: a new user; `fields` of USER_FIELDS, `email`
  required (unique per organisation and mode, compared case-insensitively: `Conflict`
  on the field `email` otherwise).
- `find_or_create_user(conn, tenant, *, email, first_name, last_name) -> int`: the live
  user with that email (any case), or a new one.
- `update_user(conn, tenant, user_id, changes)`: only the fields named; `custom_fields`
  merge into the stored ones, a null value deleting its key.
- `delete_user(conn, tenant, user_id, *, keep_user=False)`: drops the user's enrollments,
  declines their waitlist places and (unless `keep_user`) deletes the user.
- `enroll(conn, tenant, *, user_id, listing_id, now) -> Outcome`: `Outcome.status` is
  "enrolled" (with `enrollment_id`) or "waitlisted" (with `applicant_id`); refused with
  `Refused` (its `reason` one of REASONS) when the listing is closed, full, or the user is
  already enrolled or waiting. Enrolling in a program enrolls in its whole tree.
- `drop(conn, tenant, enrollment_id, *, now) -> list[int]`: drops a user's own enrollment
  (and the tree below it); the seat it frees goes to the waitlist, first come first.
- `complete(conn, tenant, enrollment_id, completed_at, *, now) -> Change`: THE way a
  completion changes: sets (or, with None, withdraws) a course enrollment's completion,
  settles its tree (sequential requirements open, programs complete or stop being so)
  and returns which enrollments newly completed and which were un-completed. Faces call
  it through `certificates.awards.complete`, which awards and revokes certificates for
  that change in the same transaction.
- `fill_seats(conn, tenant, listing_id, *, now) -> list[int]`: promotes waiting
  applicants into free seats (called after a drop and when a listing's cap, waitlist or
  window changes).

Seats: a listing's `enrollment_count` is the number of users' own enrollments in it that
are not dropped (enrollments a program's tree brings do not take seats of its
requirements). Every check of a listing's seats and the write it allows happen under the
listing's row lock (`store.sql.locking`: `SELECT ... FOR UPDATE` on PostgreSQL; SQLite
runs one write transaction at a time), so a cap holds whatever runs at once.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from programhub.core import validation as check
from programhub.core.catalogs import service as catalogs_service
from programhub.core.clock import utcnow
from programhub.core.credentials.service import checked_email
from programhub.core.db import AnyRow
from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.learners import completion
from programhub.core.learners.completion import ACTIVE, COMPLETED, DROPPED, PENDING, Change
from programhub.core.learners.models import enrollments, learners, waitlist_applicants
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.core.text import fold
from programhub.store.sql import locking

MAX_CUSTOM_FIELDS = 100
DEFAULT_TIME_ZONE = "Etc/UTC"  # what Catalog shows for a user who chose none
NAME_LENGTH = 255

# Why an enrollment is refused.
CLOSED = "closed"  # enrollment_open is off, or the listing is archived
NOT_OPEN_YET = "not_open_yet"  # before enrollment_open_from
ENDED = "ended"  # after enrollment_open_to
FULL = "full"  # at its cap, no waitlist
WAITLIST_FULL = "waitlist_full"  # at its cap, and the waitlist at its own
ALREADY_ENROLLED = "already_enrolled"
ALREADY_WAITLISTED = "already_waitlisted"
REASONS = (CLOSED, NOT_OPEN_YET, ENDED, FULL, WAITLIST_FULL, ALREADY_ENROLLED, ALREADY_WAITLISTED)

ENROLLED, WAITLISTED = "enrolled", "waitlisted"
WAITING, ACCEPTED, DECLINED, EXPIRED = "waitlist", "accepted", "declined", "expired"


class Refused(Conflict):
    """An enrollment the listing's rules do not allow; `reason` is one of REASONS and
    `field` the request field at fault (`listing_id`, or `user_id` for a duplicate)."""

    def __init__(self, reason: str, message: str, *, field: str = "listing_id") -> None:
        super().__init__(message, field=field)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # ENROLLED or WAITLISTED
    enrollment_id: int | None = None
    applicant_id: int | None = None


# --- users ------------------------------------------------------------------------------


def _name(field: str, value: Any) -> str | None:
    return None if value is None else check.text(field, value, max_length=NAME_LENGTH).strip()


def _time_zone(field: str, value: Any) -> str | None:
    if value is None:
        return None
    name = check.text(field, value, allow_empty=False, max_length=64).strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid(field, f"{field} must be an IANA time zone name, e.g. Etc/UTC or America/Denver") from None
    return name


def _custom_fields(field: str, value: Any) -> dict[str, str | None]:
    """An object of strings (a null value: delete the key)."""
    if not isinstance(value, dict):
        raise Invalid(field, f"{field} must be an object")
    if len(value) > MAX_CUSTOM_FIELDS:
        raise Invalid(field, f"{field} may hold at most {MAX_CUSTOM_FIELDS} fields")
    checked: dict[str, str | None] = {}
    for key, item in value.items():
        check.text(field, key, allow_empty=False, max_length=NAME_LENGTH)
        inner = f"{field}.{key}"
        checked[key] = None if item is None else check.text(inner, item, max_length=check.SHORT_TEXT)
        if item is not None and not isinstance(item, str):
            raise Invalid(inner, f"{inner} must be a string or null")
    return checked


def _optional_id(field: str, value: Any) -> int | None:
    return None if value is None else check.integer(field, value, minimum=1)


USER_FIELDS: dict[str, Any] = {
    "email": checked_email,
    "user_name": _name,
    "first_name": _name,
    "last_name": _name,
    "canvas_user_id": lambda f, v: None if v is None else check.integer(f, v),
    "catalog_id": lambda f, v: check.integer(f, v, minimum=1),
    "custom_fields": _custom_fields,
    "merged_into_user_id": _optional_id,
    "time_zone": _time_zone,
}


def _checked(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - USER_FIELDS.keys()
    if unknown:
        raise KeyError(f"not user fields: {sorted(unknown)}")
    return {name: USER_FIELDS[name](name, value) for name, value in fields.items()}


def full_name(first_name: str | None, last_name: str | None) -> str:
    return " ".join(part for part in (first_name, last_name) if part)


def create_user(conn: Connection, tenant: Tenant, fields: Mapping[str, Any]) -> int:
    """A new user (see the module docstring); returns its id."""
    values = _checked(fields)
    if "email" not in values:
        raise Invalid("email", "email is required")
    values["email"] = values["email"].strip()
    custom = {key: item for key, item in (values.get("custom_fields") or {}).items() if item is not None}
    if values.get("time_zone") is None:
        values["time_zone"] = DEFAULT_TIME_ZONE
    if not values.get("user_name"):
        values["user_name"] = full_name(values.get("first_name"), values.get("last_name")) or values["email"]
    if "catalog_id" in values:
        _ensure_catalog(conn, tenant, values["catalog_id"])
    else:
        values["catalog_id"] = catalogs_service.default_id(conn, tenant)
    if values.get("merged_into_user_id") is not None:
        get_user(conn, tenant, values["merged_into_user_id"], field="merged_into_user_id")
    _ensure_email_free(conn, tenant, values["email"], None)
    now = utcnow()
    values.update(
        org_id=tenant.org_id,
        mode=tenant.mode.value,
        email_folded=fold(values["email"]),
        custom_fields=custom,
        created_at=now,
        updated_at=now,
    )
    with _email_clash_as_conflict(values["email"]):
        return int(conn.execute(sa.insert(learners).values(values).returning(learners.c.id)).scalar_one())


def find_or_create_user(
    conn: Connection, tenant: Tenant, *, email: str, first_name: str | None, last_name: str | None
) -> int:
    """The live user with this email (case ignored), or a new one with these names."""
    email = checked_email("email", email).strip()
    found = conn.execute(
        sa.select(learners.c.id).where(*_live_users(tenant), learners.c.email_folded == fold(email))
    ).scalar_one_or_none()
    if found is not None:
        return int(found)
    return create_user(conn, tenant, {"email": email, "first_name": first_name, "last_name": last_name})


def update_user(conn: Connection, tenant: Tenant, user_id: int, changes: Mapping[str, Any]) -> None:
    """Change only the fields named; custom_fields merge (null deletes a key)."""
    current = get_user(conn, tenant, user_id)
    values = _checked(changes)
    if "email" in values:
        values["email"] = values["email"].strip()
        values["email_folded"] = fold(values["email"])
        _ensure_email_free(conn, tenant, values["email"], user_id)
    if "catalog_id" in values:
        _ensure_catalog(conn, tenant, values["catalog_id"])
    if "custom_fields" in values:
        merged = dict(current.custom_fields or {})
        for key, item in values["custom_fields"].items():
            if item is None:
                merged.pop(key, None)
            else:
                merged[key] = item
        values["custom_fields"] = merged
    if "user_name" in values and not values["user_name"]:
        raise Invalid("user_name", "user_name must not be blank")
    merged_into = values.get("merged_into_user_id")
    if merged_into is not None:
        if merged_into == user_id:
            raise Invalid("merged_into_user_id", "merged_into_user_id must be another user")
        get_user(conn, tenant, merged_into, field="merged_into_user_id")
    values["updated_at"] = utcnow()
    with _email_clash_as_conflict(values.get("email", "")):
        conn.execute(sa.update(learners).where(owned_by(learners, tenant), learners.c.id == user_id).values(values))


def delete_user(conn: Connection, tenant: Tenant, user_id: int, *, keep_user: bool = False) -> None:
    """Drop the user's own enrollments (seats go to the waitlists), decline their waitlist
    places, and delete the user unless `keep_user` (Catalog's only_orders_and_enrollments)."""
    get_user(conn, tenant, user_id)
    now = utcnow()
    roots = conn.execute(
        sa.select(enrollments.c.id)
        .where(
            owned_by(enrollments, tenant),
            enrollments.c.user_id == user_id,
            enrollments.c.root_enrollment_id.is_(None),
            enrollments.c.status != DROPPED,
        )
        .order_by(enrollments.c.id)
    ).scalars()
    for enrollment_id in list(roots):
        drop(conn, tenant, enrollment_id, now=now)
    conn.execute(
        sa.update(waitlist_applicants)
        .where(
            owned_by(waitlist_applicants, tenant),
            waitlist_applicants.c.user_id == user_id,
            waitlist_applicants.c.status == WAITING,
        )
        .values(status=DECLINED, updated_at=now)
    )
    if not keep_user:
        conn.execute(
            sa.update(learners)
            .where(owned_by(learners, tenant), learners.c.id == user_id)
            .values(deleted_at=now, updated_at=now)
        )


def _live_users(tenant: Tenant) -> tuple[sa.ColumnElement[bool], ...]:
    return (owned_by(learners, tenant), learners.c.deleted_at.is_(None))


def get_user(conn: Connection, tenant: Tenant, user_id: int, *, field: str | None = None) -> AnyRow:
    """A live user of this tenant; NotFound, or Invalid on `field` when the id came in a
    body (an id there that is not the key's is a bad value, not a missing page)."""
    row = conn.execute(sa.select(learners).where(*_live_users(tenant), learners.c.id == user_id)).one_or_none()
    if row is None:
        if field is not None:
            raise Invalid(field, f"{field}: no user with id {user_id}")
        raise NotFound("user", user_id)
    return row


def user_for_canvas_id(conn: Connection, tenant: Tenant, canvas_user_id: int, *, field: str) -> int:
    """The live user with this Canvas user id (the oldest, should several share it)."""
    found = conn.execute(
        sa.select(learners.c.id)
        .where(*_live_users(tenant), learners.c.canvas_user_id == canvas_user_id)
        .order_by(learners.c.id)
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        raise Invalid(field, f"{field}: no user with canvas_user_id {canvas_user_id}")
    return int(found)


def _ensure_catalog(conn: Connection, tenant: Tenant, catalog_id: int) -> None:
    """A catalog named in a request is one of the tenant's (Invalid, not NotFound: the id
    is a bad value of the request, not a missing page)."""
    if catalogs_service.missing(conn, tenant, [catalog_id]):
        raise Invalid("catalog_id", f"catalog_id: no catalog with id {catalog_id}")


def _ensure_email_free(conn: Connection, tenant: Tenant, email: str, own_id: int | None) -> None:
    query = sa.select(learners.c.id).where(*_live_users(tenant), learners.c.email_folded == fold(email))
    if own_id is not None:
        query = query.where(learners.c.id != own_id)
    if conn.execute(query.limit(1)).first() is not None:
        raise _email_taken(email)


def _email_taken(email: str) -> Conflict:
    return Conflict(f"email {email!r} is already taken", field="email")


@contextmanager
def _email_clash_as_conflict(email: str) -> Iterator[None]:
    """A concurrent writer's unique-index violation, as the Conflict it would have got a
    moment later (the transaction is rolled back with it)."""
    try:
        yield
    except IntegrityError as exc:
        if "email" in str(exc.orig):
            raise _email_taken(email) from None
        raise


# --- seats --------------------------------------------------------------------------------

SEATS = sa.select(
    listings.c.id,
    listings.c.kind,
    listings.c.status,
    listings.c.enrollment_open,
    listings.c.enrollment_open_from,
    listings.c.enrollment_open_to,
    listings.c.enrollment_cap,
    listings.c.enrollment_count,
    listings.c.waitlist,
    listings.c.waitlist_cap,
    listings.c.days_to_complete,
)


def _seats(conn: Connection, tenant: Tenant, listing_id: int, *, field: str | None = None) -> AnyRow:
    """The listing's enrollment settings, its row locked until the transaction ends."""
    row = conn.execute(
        locking(SEATS.where(owned_by(listings, tenant), listings.c.id == listing_id, listings.c.deleted_at.is_(None)))
    ).one_or_none()
    if row is None:
        if field is not None:
            raise Invalid(field, f"{field}: no program or course with id {listing_id}")
        raise NotFound("listing", listing_id)
    return row


def closed_because(seats: AnyRow, now: datetime) -> Refused | None:
    listing = f"listing {seats.id}"
    if seats.status == "retired" or not seats.enrollment_open:
        return Refused(CLOSED, f"{listing} is not open for enrollment")
    if seats.enrollment_open_from is not None and now < seats.enrollment_open_from:
        return Refused(NOT_OPEN_YET, f"{listing} opens for enrollment at {seats.enrollment_open_from.isoformat()}")
    if seats.enrollment_open_to is not None and now > seats.enrollment_open_to:
        return Refused(ENDED, f"{listing} closed for enrollment at {seats.enrollment_open_to.isoformat()}")
    return None


def _full(seats: AnyRow) -> bool:
    return seats.enrollment_cap is not None and seats.enrollment_count >= seats.enrollment_cap


def _taking_seats(conn: Connection, tenant: Tenant, listing_id: int, delta: int) -> None:
    """Count seats taken (or freed): the count is not part of any listing's rendering."""
    conn.execute(
        sa.update(listings)
        .where(owned_by(listings, tenant), listings.c.id == listing_id)
        .values(enrollment_count=listings.c.enrollment_count + delta)
    )


def _waiting(conn: Connection, tenant: Tenant, listing_id: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(waitlist_applicants)
            .where(
                owned_by(waitlist_applicants, tenant),
                waitlist_applicants.c.listing_id == listing_id,
                waitlist_applicants.c.status == WAITING,
            )
        ).scalar_one()
    )


# --- enrollments ----------------------------------------------------------------------------


def enroll(
    conn: Connection,
    tenant: Tenant,
    *,
    user_id: int,
    listing_id: int,
    now: datetime | None = None,
    user_field: str = "user_id",
    listing_field: str = "listing_id",
) -> Outcome:
    """Enroll the user in the listing, or put them on its waitlist (see the module
    docstring). `user_field`/`listing_field` name the request fields an unknown id is
    reported on (Invalid)."""
    now = now or utcnow()
    get_user(conn, tenant, user_id, field=user_field)
    seats = _seats(conn, tenant, listing_id, field=listing_field)
    if _own_enrollment(conn, tenant, user_id, listing_id) is not None:
        raise Refused(ALREADY_ENROLLED, f"user {user_id} is already enrolled in listing {listing_id}", field="user_id")
    if _waiting_place(conn, tenant, user_id, listing_id) is not None:
        raise Refused(
            ALREADY_WAITLISTED, f"user {user_id} is already on the waitlist of listing {listing_id}", field="user_id"
        )
    closed = closed_because(seats, now)
    if closed is not None:
        raise closed
    if _full(seats):
        if not seats.waitlist:
            raise Refused(FULL, f"listing {listing_id} is full ({seats.enrollment_cap} enrolled)")
        if seats.waitlist_cap is not None and _waiting(conn, tenant, listing_id) >= seats.waitlist_cap:
            raise Refused(
                WAITLIST_FULL, f"listing {listing_id} is full and so is its waitlist ({seats.waitlist_cap} waiting)"
            )
        with _clash_as_refusal(
            ALREADY_WAITLISTED, f"user {user_id} is already on the waitlist of listing {listing_id}"
        ):
            applicant_id = _insert_applicant(conn, tenant, user_id, listing_id, now)
        return Outcome(WAITLISTED, applicant_id=applicant_id)
    return Outcome(ENROLLED, enrollment_id=_seat(conn, tenant, user_id, seats, now))


def _insert_applicant(conn: Connection, tenant: Tenant, user_id: int, listing_id: int, now: datetime) -> int:
    return int(
        conn.execute(
            sa.insert(waitlist_applicants)
            .values(
                org_id=tenant.org_id,
                mode=tenant.mode.value,
                user_id=user_id,
                listing_id=listing_id,
                status=WAITING,
                created_at=now,
                updated_at=now,
            )
            .returning(waitlist_applicants.c.id)
        ).scalar_one()
    )


def _seat(conn: Connection, tenant: Tenant, user_id: int, seats: AnyRow, now: datetime) -> int:
    """Give the user a seat in the (locked) listing: their enrollment and, for a program,
    its whole tree."""
    with _clash_as_refusal(ALREADY_ENROLLED, f"user {user_id} is already enrolled in listing {seats.id}"):
        enrollment_id = _insert_enrollment(conn, tenant, user_id, seats, now)
    _taking_seats(conn, tenant, seats.id, 1)
    if seats.kind == "program":  # a course's enrollment is its whole tree
        completion.settle(conn, tenant, enrollment_id, now)
    return enrollment_id


def _insert_enrollment(conn: Connection, tenant: Tenant, user_id: int, seats: AnyRow, now: datetime) -> int:
    return int(
        conn.execute(
            sa.insert(enrollments)
            .values(
                org_id=tenant.org_id,
                mode=tenant.mode.value,
                user_id=user_id,
                listing_id=seats.id,
                status=ACTIVE,
                enrolled_at=now,
                ends_at=completion.ends_at(now, seats.days_to_complete),
                created_at=now,
                updated_at=now,
            )
            .returning(enrollments.c.id)
        ).scalar_one()
    )


# The unique indexes behind "already enrolled" and "already waiting", as each engine names
# them in a violation.
_CLASHES = {
    ALREADY_ENROLLED: ("uq_enrollments_live_direct", "enrollments.user_id"),
    ALREADY_WAITLISTED: ("uq_waitlist_applicants_waiting", "waitlist_applicants.user_id"),
}


@contextmanager
def _clash_as_refusal(reason: str, message: str) -> Iterator[None]:
    """A duplicate the check before the insert did not see (it cannot while the listing's
    row is locked, but the index is what guarantees it) refused like one it saw."""
    try:
        yield
    except IntegrityError as exc:
        if any(name in str(exc.orig) for name in _CLASHES[reason]):
            raise Refused(reason, message, field="user_id") from None
        raise


def _own_enrollment(conn: Connection, tenant: Tenant, user_id: int, listing_id: int) -> int | None:
    return conn.execute(
        sa.select(enrollments.c.id).where(
            owned_by(enrollments, tenant),
            enrollments.c.user_id == user_id,
            enrollments.c.listing_id == listing_id,
            enrollments.c.root_enrollment_id.is_(None),
            enrollments.c.status != DROPPED,
        )
    ).scalar_one_or_none()


def _waiting_place(conn: Connection, tenant: Tenant, user_id: int, listing_id: int) -> int | None:
    return conn.execute(
        sa.select(waitlist_applicants.c.id).where(
            owned_by(waitlist_applicants, tenant),
            waitlist_applicants.c.user_id == user_id,
            waitlist_applicants.c.listing_id == listing_id,
            waitlist_applicants.c.status == WAITING,
        )
    ).scalar_one_or_none()


def get_enrollment(conn: Connection, tenant: Tenant, enrollment_id: int) -> AnyRow:
    row = conn.execute(
        sa.select(enrollments).where(owned_by(enrollments, tenant), enrollments.c.id == enrollment_id)
    ).one_or_none()
    if row is None:
        raise NotFound("enrollment", enrollment_id)
    return row


def drop(conn: Connection, tenant: Tenant, enrollment_id: int, *, now: datetime | None = None) -> list[int]:
    """Drop a user's own enrollment and the tree it brought; returns the ids dropped (none
    when it was dropped already). Its seat goes to the waitlist. An enrollment a program's
    tree brought is dropped with its program, not alone (Conflict)."""
    now = now or utcnow()
    row = get_enrollment(conn, tenant, enrollment_id)
    if row.root_enrollment_id is not None:
        raise Conflict(
            f"enrollment {enrollment_id} is part of program enrollment {row.root_enrollment_id}; drop that one instead",
            related=[row.root_enrollment_id],
        )
    if row.status == DROPPED:
        return []
    _seats(conn, tenant, row.listing_id)  # the lock, before the seat is freed
    dropped = list(
        conn.execute(
            sa.update(enrollments)
            .where(
                owned_by(enrollments, tenant),
                sa.or_(enrollments.c.id == enrollment_id, enrollments.c.root_enrollment_id == enrollment_id),
                enrollments.c.status != DROPPED,
            )
            .values(status=DROPPED, updated_at=now)
            .returning(enrollments.c.id)
        ).scalars()
    )
    _taking_seats(conn, tenant, row.listing_id, -1)
    fill_seats(conn, tenant, row.listing_id, now=now)
    return sorted(dropped)


def complete(
    conn: Connection, tenant: Tenant, enrollment_id: int, completed_at: datetime | None, *, now: datetime | None = None
) -> Change:
    """Set (or with None withdraw) a course enrollment's completion; returns what that
    completed and un-completed in its tree (the module docstring)."""
    now = now or utcnow()
    row = get_enrollment(conn, tenant, enrollment_id)
    kind = conn.execute(
        sa.select(listings.c.kind).where(owned_by(listings, tenant), listings.c.id == row.listing_id)
    ).scalar_one()
    if kind != "course":
        raise Invalid(
            "completed_at", "completed_at applies to course enrollments; a program completes with its requirements"
        )
    if row.status == DROPPED:
        raise Conflict(f"enrollment {enrollment_id} was dropped", field="completed_at")
    if completed_at is not None and row.status == PENDING:
        raise Conflict(
            f"enrollment {enrollment_id} is not open yet: an earlier requirement of its sequential program "
            "is not complete",
            field="completed_at",
        )
    root_id = row.root_enrollment_id if row.root_enrollment_id is not None else row.id
    return completion.settle(conn, tenant, root_id, now, {row.id: completed_at})


def fill_seats(conn: Connection, tenant: Tenant, listing_id: int, *, now: datetime | None = None) -> list[int]:
    """Promote the earliest waiting applicants into the listing's free seats, while it is
    open for enrollment: each gets an enrollment, status `accepted` and
    `notified_of_opening_at`. A listing whose waitlist is turned off expires the rest.
    Returns the promoted applicants' ids."""
    now = now or utcnow()
    seats = _seats(conn, tenant, listing_id)
    free = None if seats.enrollment_cap is None else max(0, seats.enrollment_cap - seats.enrollment_count)
    promoted: list[int] = []
    if closed_because(seats, now) is None and free != 0:
        query = (
            sa.select(waitlist_applicants.c.id, waitlist_applicants.c.user_id)
            .where(
                owned_by(waitlist_applicants, tenant),
                waitlist_applicants.c.listing_id == listing_id,
                waitlist_applicants.c.status == WAITING,
            )
            .order_by(waitlist_applicants.c.created_at, waitlist_applicants.c.id)
        )
        for applicant in conn.execute(query if free is None else query.limit(free)).all():
            enrollment_id = _seat(conn, tenant, applicant.user_id, seats, now)
            conn.execute(
                sa.update(waitlist_applicants)
                .where(owned_by(waitlist_applicants, tenant), waitlist_applicants.c.id == applicant.id)
                .values(status=ACCEPTED, notified_of_opening_at=now, enrollment_id=enrollment_id, updated_at=now)
            )
            promoted.append(int(applicant.id))
    if not seats.waitlist:
        conn.execute(
            sa.update(waitlist_applicants)
            .where(
                owned_by(waitlist_applicants, tenant),
                waitlist_applicants.c.listing_id == listing_id,
                waitlist_applicants.c.status == WAITING,
            )
            .values(status=EXPIRED, updated_at=now)
        )
    return promoted


def delete_applicants(
    conn: Connection, tenant: Tenant, listing_id: int, *, canvas_user_id: int | None = None, field: str = "listing_id"
) -> int:
    """Remove the listing's applicant records (only those of the users with this Canvas
    user id when given); returns how many. A listing that is not the tenant's is Invalid
    on `field`."""
    found = conn.execute(
        sa.select(listings.c.id).where(owned_by(listings, tenant), listings.c.id == listing_id)
    ).scalar_one_or_none()
    if found is None:
        raise Invalid(field, f"{field}: no program or course with id {listing_id}")
    query = sa.delete(waitlist_applicants).where(
        owned_by(waitlist_applicants, tenant), waitlist_applicants.c.listing_id == listing_id
    )
    if canvas_user_id is not None:
        users = sa.select(learners.c.id).where(owned_by(learners, tenant), learners.c.canvas_user_id == canvas_user_id)
        query = query.where(waitlist_applicants.c.user_id.in_(users.scalar_subquery()))
    return int(conn.execute(query).rowcount)


__all__ = [
    "ACCEPTED",
    "ACTIVE",
    "COMPLETED",
    "DECLINED",
    "DROPPED",
    "ENROLLED",
    "EXPIRED",
    "PENDING",
    "REASONS",
    "WAITING",
    "WAITLISTED",
    "Change",
    "Outcome",
    "Refused",
    "complete",
    "create_user",
    "delete_applicants",
    "delete_user",
    "drop",
    "enroll",
    "fill_seats",
    "find_or_create_user",
    "get_enrollment",
    "get_user",
    "update_user",
]


def users_for_canvas_ids(conn: Connection, tenant: Tenant, canvas_user_ids: Sequence[int]) -> dict[int, int]:
    """The live users with these Canvas user ids: user id -> Canvas user id (ids no user
    has are left out)."""
    return {
        row.id: row.canvas_user_id
        for row in conn.execute(
            sa.select(learners.c.id, learners.c.canvas_user_id).where(
                *_live_users(tenant), learners.c.canvas_user_id.in_(set(canvas_user_ids))
            )
        ).all()
    }


def decline_applicant(conn: Connection, tenant: Tenant, applicant_id: int, *, now: datetime | None = None) -> None:
    """Take an applicant off the waitlist (status `declined`); an applicant promoted since has
    an enrollment, which is dropped instead (its seat goes to the next applicant)."""
    now = now or utcnow()
    row = conn.execute(
        sa.select(waitlist_applicants.c.status, waitlist_applicants.c.enrollment_id).where(
            owned_by(waitlist_applicants, tenant), waitlist_applicants.c.id == applicant_id
        )
    ).one_or_none()
    if row is None:
        return
    if row.status == ACCEPTED and row.enrollment_id is not None:
        drop(conn, tenant, row.enrollment_id, now=now)
    elif row.status == WAITING:
        conn.execute(
            sa.update(waitlist_applicants)
            .where(owned_by(waitlist_applicants, tenant), waitlist_applicants.c.id == applicant_id)
            .values(status=DECLINED, updated_at=now)
        )
