"""Bulk enrollments: many (user, listing) rows enrolled by a background job (core/jobs).

`start` checks the rows' form and queues the job in the caller's transaction; one runs at
a time per catalog (a second is a Conflict naming the running one, also when two requests
race: the jobs' unique index). The handler enrolls the rows in chunks of CHUNK, one write
transaction each, recording after each chunk how far it got and what it found (so a job
taken again after its process died resumes after the last committed chunk). A row's
problem (no user, a listing closed or full, a duplicate) is reported with its row number;
the other rows go on. The same rules as one enrollment apply (service.py): window, cap,
waitlist, duplicates, a program's whole tree.

A chunk costs a fixed number of statements, plus three per distinct listing it touches
(its seat count, and for a program its tree's shape): never a statement per row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core import validation as check
from programhub.core import versions
from programhub.core.catalogs import service as catalogs_service
from programhub.core.clock import utcnow
from programhub.core.credentials.service import checked_email
from programhub.core.db import insert_rows
from programhub.core.errors import Conflict, Invalid
from programhub.core.jobs import service as jobs
from programhub.core.jobs.runner import Progress, handles
from programhub.core.jobs.service import Job
from programhub.core.learners import completion
from programhub.core.learners import service as learners_service
from programhub.core.learners.models import enrollments, learners, waitlist_applicants
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.core.text import fold
from programhub.store import Store
from programhub.store.sql import locking

KIND = "learners.bulk_enrollment"
MAX_ROWS = 50_000
CHUNK = 1_000
MAX_ERRORS = 1_000  # row errors kept in the result; `failed` counts them all
# What a row may say: the user (`user_id`, or an email address and names: found or
# registered) and the listing.
ROW_FIELDS = ("user_id", "email_address", "first_name", "last_name", "listing_id")


def csv_rows(raw: bytes) -> list[dict[str, str]]:
    """A CSV file's rows by its header's names (case and spaces ignored; `email` is
    `email_address`); empty cells and empty lines are left out."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("body", "the CSV file must be UTF-8 text") from None
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [_column(name) for name in next(reader, [])]
        if "listing_id" not in header:
            raise Invalid("body", "the CSV file's header must name listing_id (and user_id or email_address)")
        return [
            {name: cell.strip() for name, cell in zip(header, record, strict=False) if name and cell.strip()}
            for record in reader
            if any(cell.strip() for cell in record)
        ]
    except csv.Error as exc:
        raise Invalid("body", f"the CSV file cannot be read: {exc}") from None


def _column(name: str) -> str:
    folded = name.strip().lower().replace(" ", "_")
    return "email_address" if folded == "email" else folded


def exclusive_key(catalog_id: int) -> str:
    return f"{KIND}:{catalog_id}"


def start(conn: Connection, tenant: Tenant, rows: Any, *, catalog_id: int | None = None) -> int:
    """Queue a bulk enrollment of `rows` (a list of objects with ROW_FIELDS) for the
    catalog (default: the tenant's default catalog, where new users register); returns its
    id. Refused (Invalid) when the rows are not such a list; Conflict naming the bulk
    enrollment of the same catalog still queued or running."""
    if not isinstance(rows, list) or not rows:
        raise Invalid("rows", "rows must be a list of at least one row")
    if len(rows) > MAX_ROWS:
        raise Invalid("rows", f"rows may hold at most {MAX_ROWS:,} rows")
    stored = [_storable(position, row) for position, row in enumerate(rows)]
    if catalog_id is None:
        catalog_id = catalogs_service.default_id(conn, tenant)
    elif catalogs_service.missing(conn, tenant, [catalog_id]):
        raise Invalid("catalog_id", f"catalog_id: no catalog with id {catalog_id}")
    try:
        return jobs.enqueue(
            conn,
            tenant,
            KIND,
            {"catalog_id": catalog_id, "rows": stored},
            total=len(stored),
            exclusive_key=exclusive_key(catalog_id),
        )
    except Conflict as exc:
        running = exc.related[0] if exc.related else "?"
        raise Conflict(
            f"bulk enrollment {running} of this catalog is still running; wait until it has finished",
            related=exc.related,
        ) from None


def _storable(position: int, row: Any) -> dict[str, Any]:
    """The row's known fields, each text, a number or null (checked further per row when
    the job runs, where a bad value is that row's error)."""
    if not isinstance(row, Mapping):
        raise Invalid(f"rows[{position}]", f"rows[{position}] must be an object")
    kept: dict[str, Any] = {}
    for name in ROW_FIELDS:
        value = row.get(name)
        where = f"rows[{position}].{name}"
        if isinstance(value, str):
            check.text(where, value, max_length=check.SHORT_TEXT)
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise Invalid(where, f"{where} must be text or a number")
        if value is not None:
            kept[name] = value
    return kept


@dataclass(slots=True)
class Tally:
    """What a bulk enrollment did so far."""

    enrolled: int = 0
    waitlisted: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, result: Mapping[str, Any] | None) -> Tally:
        result = result or {}
        return cls(
            int(result.get("enrolled", 0)),
            int(result.get("waitlisted", 0)),
            int(result.get("failed", 0)),
            list(result.get("errors", [])),
        )

    def fail(self, row: int, message: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "message": message})

    def as_result(self) -> dict[str, Any]:
        return {"enrolled": self.enrolled, "waitlisted": self.waitlisted, "failed": self.failed, "errors": self.errors}


class _Lost(Exception):
    """The job is no longer this worker's (its lease ran out): roll the chunk back."""


@handles(KIND)
def run(store: Store, job: Job, progress: Progress) -> None:
    rows: list[dict[str, Any]] = list(job.payload["rows"])
    catalog_id = int(job.payload["catalog_id"])
    tally = Tally.of(job.result)
    position = job.done
    try:
        while True:
            chunk = rows[position : position + CHUNK]
            with versions.writing(store, job.tenant) as conn:
                enroll_rows(conn, job.tenant, chunk, catalog_id=catalog_id, first_row=position + 1, tally=tally)
                position += len(chunk)
                if position >= len(rows):
                    if not jobs.finish(
                        conn, job, progress.worker, state=jobs.SUCCEEDED, result=tally.as_result(), done=position
                    ):
                        raise _Lost
                    return
                if not jobs.advance(conn, job, progress.worker, done=position, result=tally.as_result()):
                    raise _Lost
            progress.done = position
    except _Lost:
        return


@dataclass(frozen=True, slots=True)
class _Wanted:
    row: int
    listing_id: int
    user_id: int | None
    email: str | None
    first_name: str | None
    last_name: str | None


def _parse(row_number: int, row: Mapping[str, Any]) -> _Wanted:
    """A row's values, or Invalid with the row's own wording."""
    listing_id = row.get("listing_id")
    if listing_id is None:
        raise Invalid("listing_id", "listing_id is required")
    listing = check.whole("listing_id", listing_id, from_text=True)
    if listing < 1:
        raise Invalid("listing_id", f"listing_id: no program or course with id {listing}")
    user_id = row.get("user_id")
    names = {}
    for name in ("first_name", "last_name"):
        value = row.get(name)
        names[name] = None if value is None or value == "" else check.text(name, str(value), max_length=255).strip()
    if user_id is not None and user_id != "":
        return _Wanted(row_number, listing, check.whole("user_id", user_id, from_text=True), None, None, None)
    email = row.get("email_address")
    if email is None or email == "":
        raise Invalid("user_id", "user_id or email_address is required")
    return _Wanted(
        row_number,
        listing,
        None,
        checked_email("email_address", str(email)).strip(),
        names["first_name"],
        names["last_name"],
    )


def enroll_rows(
    conn: Connection,
    tenant: Tenant,
    rows: Sequence[Mapping[str, Any]],
    *,
    catalog_id: int,
    first_row: int,
    tally: Tally,
    now: datetime | None = None,
) -> None:
    """Enroll one chunk of rows (numbered from `first_row`), adding to `tally`."""
    now = now or utcnow()
    wanted: list[_Wanted] = []
    for offset, row in enumerate(rows):
        try:
            wanted.append(_parse(first_row + offset, row))
        except Invalid as exc:
            tally.fail(first_row + offset, exc.message)
    user_of = _users(conn, tenant, wanted, catalog_id, now)
    placed: list[tuple[_Wanted, int]] = []
    for item in wanted:
        user = user_of.get(item.user_id if item.user_id is not None else fold(item.email or ""))
        if user is None:
            tally.fail(item.row, f"user_id: no user with id {item.user_id}")
        else:
            placed.append((item, user))
    if not placed:
        return
    listing_ids = sorted({item.listing_id for item, _user in placed})
    seats = {
        row.id: row
        for row in conn.execute(
            locking(
                learners_service.SEATS.where(
                    owned_by(listings, tenant), listings.c.id.in_(listing_ids), listings.c.deleted_at.is_(None)
                ).order_by(listings.c.id)
            )
        )
    }
    user_ids = sorted({user for _item, user in placed})
    taken = _pairs(
        conn,
        sa.select(enrollments.c.user_id, enrollments.c.listing_id).where(
            owned_by(enrollments, tenant),
            enrollments.c.listing_id.in_(listing_ids),
            enrollments.c.user_id.in_(user_ids),
            enrollments.c.root_enrollment_id.is_(None),
            enrollments.c.status != learners_service.DROPPED,
        ),
    )
    waiting_places = _pairs(
        conn,
        sa.select(waitlist_applicants.c.user_id, waitlist_applicants.c.listing_id).where(
            owned_by(waitlist_applicants, tenant),
            waitlist_applicants.c.listing_id.in_(listing_ids),
            waitlist_applicants.c.user_id.in_(user_ids),
            waitlist_applicants.c.status == learners_service.WAITING,
        ),
    )
    waiting: dict[int, int] = dict(
        conn.execute(
            sa.select(waitlist_applicants.c.listing_id, sa.func.count())
            .where(
                owned_by(waitlist_applicants, tenant),
                waitlist_applicants.c.listing_id.in_(listing_ids),
                waitlist_applicants.c.status == learners_service.WAITING,
            )
            .group_by(waitlist_applicants.c.listing_id)
        ).all()
    )
    counts = {listing_id: row.enrollment_count for listing_id, row in seats.items()}
    seated: list[tuple[int, int]] = []  # (user, listing)
    queued: list[tuple[int, int]] = []
    for item, user in placed:
        listing = seats.get(item.listing_id)
        if listing is None:
            tally.fail(item.row, f"listing_id: no program or course with id {item.listing_id}")
            continue
        pair = (user, item.listing_id)
        if pair in taken:
            tally.fail(item.row, f"user {user} is already enrolled in listing {item.listing_id}")
            continue
        if pair in waiting_places:
            tally.fail(item.row, f"user {user} is already on the waitlist of listing {item.listing_id}")
            continue
        closed = learners_service.closed_because(listing, now)
        if closed is not None:
            tally.fail(item.row, closed.message)
            continue
        cap = listing.enrollment_cap
        if cap is None or counts[item.listing_id] < cap:
            counts[item.listing_id] += 1
            taken.add(pair)
            seated.append(pair)
            continue
        if not listing.waitlist:
            tally.fail(item.row, f"listing {item.listing_id} is full ({cap} enrolled)")
            continue
        in_line = waiting.get(item.listing_id, 0)
        if listing.waitlist_cap is not None and in_line >= listing.waitlist_cap:
            tally.fail(
                item.row,
                f"listing {item.listing_id} is full and so is its waitlist ({listing.waitlist_cap} waiting)",
            )
            continue
        waiting[item.listing_id] = in_line + 1
        waiting_places.add(pair)
        queued.append(pair)
    _seat_all(conn, tenant, seated, seats, counts, now)
    insert_rows(
        conn,
        waitlist_applicants,
        [
            {
                "org_id": tenant.org_id,
                "mode": tenant.mode.value,
                "user_id": user,
                "listing_id": listing_id,
                "status": learners_service.WAITING,
                "created_at": now,
                "updated_at": now,
            }
            for user, listing_id in queued
        ],
    )
    tally.enrolled += len(seated)
    tally.waitlisted += len(queued)


def _pairs(conn: Connection, query: sa.Select[Any]) -> set[tuple[int, int]]:
    """The (user, listing) pairs a two-column query selects."""
    return {(int(user), int(listing)) for user, listing in conn.execute(query)}


def _users(
    conn: Connection, tenant: Tenant, wanted: list[_Wanted], catalog_id: int, now: datetime
) -> dict[int | str, int]:
    """Each row's user: by id (live users of the tenant), or by email (found ignoring
    case, else registered with the row's names); keyed by id or folded email. Two queries
    and at most one insert, whatever the number of rows."""
    found: dict[int | str, int] = {}
    ids = sorted({item.user_id for item in wanted if item.user_id is not None})
    if ids:
        live = sa.select(learners.c.id).where(
            owned_by(learners, tenant), learners.c.deleted_at.is_(None), learners.c.id.in_(ids)
        )
        found.update({user_id: user_id for user_id in conn.execute(live).scalars()})
    by_email: dict[str, _Wanted] = {}
    for item in wanted:
        if item.email is not None:
            by_email.setdefault(fold(item.email), item)
    if by_email:
        known = sa.select(learners.c.id, learners.c.email_folded).where(
            owned_by(learners, tenant), learners.c.deleted_at.is_(None), learners.c.email_folded.in_(list(by_email))
        )
        found.update({folded: user_id for user_id, folded in conn.execute(known).all()})
        new: list[dict[str, Any]] = [
            {
                "org_id": tenant.org_id,
                "mode": tenant.mode.value,
                "email": item.email,
                "email_folded": folded,
                "user_name": learners_service.full_name(item.first_name, item.last_name) or item.email,
                "first_name": item.first_name,
                "last_name": item.last_name,
                "catalog_id": catalog_id,
                "custom_fields": {},
                "time_zone": learners_service.DEFAULT_TIME_ZONE,
                "created_at": now,
                "updated_at": now,
            }
            for folded, item in by_email.items()
            if folded not in found
        ]
        if new:
            registered = conn.execute(sa.insert(learners).returning(learners.c.id, learners.c.email_folded), new)
            found.update({folded: user_id for user_id, folded in registered.all()})
    return found


def _seat_all(
    conn: Connection,
    tenant: Tenant,
    seated: list[tuple[int, int]],
    seats: Mapping[int, Any],
    counts: Mapping[int, int],
    now: datetime,
) -> None:
    """The enrollments of `seated` (user, listing) in one insert, each listing's count in
    one update, and the trees of programs: their member enrollments in one more insert."""
    if not seated:
        return
    created = conn.execute(
        sa.insert(enrollments).returning(enrollments.c.id, enrollments.c.user_id, enrollments.c.listing_id),
        [
            {
                "org_id": tenant.org_id,
                "mode": tenant.mode.value,
                "user_id": user,
                "listing_id": listing_id,
                "status": completion.ACTIVE,
                "enrolled_at": now,
                "ends_at": completion.ends_at(now, seats[listing_id].days_to_complete),
                "created_at": now,
                "updated_at": now,
            }
            for user, listing_id in seated
        ],
    ).all()
    roots = list(created)
    touched = sorted({listing_id for _user, listing_id in seated})
    for listing_id in touched:
        conn.execute(
            sa.update(listings)
            .where(owned_by(listings, tenant), listings.c.id == listing_id)
            .values(enrollment_count=counts[listing_id])
        )
    members: list[dict[str, Any]] = []
    for listing_id in touched:
        if seats[listing_id].kind != "program":
            continue
        shape = completion.tree_of(conn, tenant, listing_id)
        planned = list(shape.plan(lambda _course: None).items())[1:]  # the root is the enrollment itself
        for enrollment_id, user, root_listing in roots:
            if root_listing == listing_id:
                members.extend(
                    shape.member(tenant, user, enrollment_id, member, status, when, now)
                    for member, (status, when) in planned
                )
    insert_rows(conn, enrollments, members)
