"""Where an enrollment tree stands: which requirements are open, which are complete.

A program enrollment brings one enrollment per listing of its requirement tree (the
listings' live requirement graph, `descendant_edges`; a listing the tree reaches twice has
one enrollment). A course is complete when its `requirements_completed_at` is set (the
completion route sets it); a program when it has requirements and every one of them is
complete (its time: the latest of theirs). A requirement is open when a parent that is
open opens it: every requirement of a program that is not `sequential`, and of a
sequential one each requirement up to and including the first that is not complete.
Status follows: `completed`, else `active` when open, else `pending`.

`settle` recomputes a whole tree in three queries and writes what changed, so every path
that changes a completion (and the first enrollment, which creates the tree) goes through
it and reports the same `Change`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core.db import insert_rows
from programhub.core.learners.models import enrollments
from programhub.core.listings.models import listings
from programhub.core.listings.service import descendant_edges
from programhub.core.tenancy import Tenant, owned_by

PENDING, ACTIVE, COMPLETED, DROPPED = "pending", "active", "completed", "dropped"


@dataclass(frozen=True, slots=True)
class Completion:
    """An enrollment whose completion changed: `completed_at` is the new time (for one
    completed) or the time it had (for one whose completion was withdrawn)."""

    enrollment_id: int
    user_id: int
    listing_id: int
    kind: str  # "program" or "course"
    root_program_id: int | None
    completed_at: datetime


@dataclass(slots=True)
class Change:
    """What one write did to completions: enrollments that became complete, and those
    that were complete and no longer are (a course completion withdrawn)."""

    completed: list[Completion] = field(default_factory=list)
    uncompleted: list[Completion] = field(default_factory=list)

    def extend(self, other: Change) -> None:
        self.completed.extend(other.completed)
        self.uncompleted.extend(other.uncompleted)


def ends_at(enrolled_at: datetime, days_to_complete: int | None) -> datetime | None:
    return None if days_to_complete is None else enrolled_at + timedelta(days=days_to_complete)


_ROW = (
    enrollments.c.id,
    enrollments.c.user_id,
    enrollments.c.listing_id,
    enrollments.c.root_enrollment_id,
    enrollments.c.root_program_id,
    enrollments.c.status,
    enrollments.c.requirements_completed_at,
)


def settle(
    conn: Connection,
    tenant: Tenant,
    root_id: int,
    now: datetime,
    completions: Mapping[int, datetime | None] | None = None,
) -> Change:
    """Bring the tree of root enrollment `root_id` in line with its completions (after
    setting the course completions `completions`, by enrollment id): create the
    enrollments of requirements it lacks, and write each status and program completion
    that changed. A dropped tree is left as it is."""
    rows = conn.execute(
        sa.select(*_ROW).where(
            owned_by(enrollments, tenant),
            sa.or_(enrollments.c.id == root_id, enrollments.c.root_enrollment_id == root_id),
        )
    ).all()
    root = next(row for row in rows if row.id == root_id)
    if root.status == DROPPED:
        return Change()
    by_listing = {row.listing_id: row for row in rows}
    shape = tree_of(conn, tenant, root.listing_id)
    own = dict(completions or {})

    def course_time(listing_id: int) -> datetime | None:
        row = by_listing.get(listing_id)
        if row is None:
            return None
        return own.get(row.id, row.requirements_completed_at)

    planned = shape.plan(course_time)
    change = Change()
    new_rows: list[dict[str, Any]] = []
    for listing_id, (status, when) in planned.items():
        row = by_listing.get(listing_id)
        if row is None:
            new_rows.append(shape.member(tenant, root.user_id, root.id, listing_id, status, when, now))
            continue
        before = row.requirements_completed_at
        if status == row.status and when == before:
            continue
        conn.execute(
            sa.update(enrollments)
            .where(owned_by(enrollments, tenant), enrollments.c.id == row.id)
            .values(status=status, requirements_completed_at=when, updated_at=now)
        )
        if (before is None) != (when is None):
            moment = when if when is not None else before
            assert moment is not None
            item = Completion(row.id, row.user_id, listing_id, shape.kind(listing_id), row.root_program_id, moment)
            (change.completed if when is not None else change.uncompleted).append(item)
    insert_rows(conn, enrollments, new_rows)
    return change


@dataclass(frozen=True, slots=True)
class TreeShape:
    """A listing's requirement tree as enrollment needs it: each program's ordered
    requirements, and each listing's kind, sequential flag and days to complete."""

    root: int
    children: Mapping[int, list[int]]
    info: Mapping[int, Any]
    reached: list[int]

    def kind(self, listing_id: int) -> str:
        return str(self.info[listing_id].kind)

    def plan(self, course_time: Callable[[int], datetime | None]) -> dict[int, tuple[str, datetime | None]]:
        """Each listing's (status, requirements_completed_at), in tree order, given when
        each course was completed (`course_time`; None: not complete)."""
        done: dict[int, datetime | None] = {}

        def completed_at(listing_id: int) -> datetime | None:
            if listing_id not in done:
                if self.info[listing_id].kind == "course":
                    done[listing_id] = course_time(listing_id)
                else:
                    times = [completed_at(child) for child in self.children.get(listing_id, [])]
                    done[listing_id] = max(times) if times and None not in times else None  # type: ignore[type-var]
            return done[listing_id]

        opened: set[int] = set()

        def open_(listing_id: int) -> None:
            if listing_id in opened:
                return
            opened.add(listing_id)
            sequential = self.info[listing_id].sequential
            for child in self.children.get(listing_id, []):
                open_(child)
                if sequential and completed_at(child) is None:
                    break

        open_(self.root)
        planned: dict[int, tuple[str, datetime | None]] = {}
        for listing_id in self.reached:
            when = completed_at(listing_id)
            planned[listing_id] = (COMPLETED if when is not None else ACTIVE if listing_id in opened else PENDING, when)
        return planned

    def member(
        self,
        tenant: Tenant,
        user_id: int,
        root_enrollment_id: int,
        listing_id: int,
        status: str,
        when: datetime | None,
        now: datetime,
    ) -> dict[str, Any]:
        """The row of the enrollment a root enrollment's tree brings for `listing_id`."""
        return {
            "org_id": tenant.org_id,
            "mode": tenant.mode.value,
            "user_id": user_id,
            "listing_id": listing_id,
            "root_enrollment_id": root_enrollment_id,
            "root_program_id": self.root,
            "status": status,
            "enrolled_at": now,
            "requirements_completed_at": when,
            "ends_at": ends_at(now, self.info[listing_id].days_to_complete),
            "created_at": now,
            "updated_at": now,
        }


def tree_of(conn: Connection, tenant: Tenant, root_listing: int) -> TreeShape:
    """The tree below a listing (two queries: its edges, whatever the depth, and the
    listings they reach)."""
    children: dict[int, list[int]] = {}
    edges = sorted(descendant_edges(conn, tenant, [root_listing]))
    for parent, _position, child in edges:
        children.setdefault(parent, []).append(child)
    reached = [root_listing, *dict.fromkeys(child for _parent, _position, child in edges)]
    info = {
        row.id: row
        for row in conn.execute(
            sa.select(listings.c.id, listings.c.kind, listings.c.sequential, listings.c.days_to_complete).where(
                owned_by(listings, tenant), listings.c.id.in_(reached)
            )
        )
    }
    return TreeShape(root_listing, children, info, reached)
