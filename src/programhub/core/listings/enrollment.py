"""Whether a listing takes enrollments now, as a condition (for filters) and as a state a
person reads (seats left, the waitlist): the one definition Catalog's `is_enrollable` and
the public catalog pages share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from programhub.core.listings.models import listings


def enrollable(now: datetime) -> ColumnElement[bool]:
    """Open for enrollment now: open, inside its window, and not full. Never NULL."""
    return sa.and_(
        listings.c.enrollment_open.is_(sa.true()),
        sa.or_(listings.c.enrollment_open_from.is_(None), listings.c.enrollment_open_from <= now),
        sa.or_(listings.c.enrollment_open_to.is_(None), listings.c.enrollment_open_to >= now),
        sa.or_(listings.c.enrollment_cap.is_(None), listings.c.enrollment_count < listings.c.enrollment_cap),
    )


# The columns `EnrollmentState.of` reads.
STATE_COLUMNS = (
    listings.c.enrollment_open,
    listings.c.enrollment_open_from,
    listings.c.enrollment_open_to,
    listings.c.enrollment_cap,
    listings.c.enrollment_count,
    listings.c.waitlist,
    listings.c.waitlist_cap,
)


@dataclass(frozen=True, slots=True)
class EnrollmentState:
    """`phase` is `open` (seats left, or no cap), `waitlist` (full, with a waitlist that has
    room), `waitlist_full` (full, and so is the waitlist), `full` (full, no waitlist),
    `not_yet` (the window opens at `opens_at`) or `closed`. `waiting`: how many wait."""

    phase: str
    seats_left: int | None  # None: no cap
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    waitlist_cap: int | None = None
    waiting: int = 0

    @property
    def takes_enrollments(self) -> bool:
        return self.phase in ("open", "waitlist")

    @classmethod
    def of(cls, row: Mapping[str, Any], now: datetime, waiting: int = 0) -> EnrollmentState:
        cap, count = row["enrollment_cap"], row["enrollment_count"] or 0
        seats = None if cap is None else max(0, cap - count)
        opens, closes = row["enrollment_open_from"], row["enrollment_open_to"]
        if not row["enrollment_open"] or (closes is not None and closes < now):
            return cls("closed", seats)
        if opens is not None and opens > now:
            return cls("not_yet", seats, opens_at=opens, closes_at=closes)
        if seats is None or seats > 0:
            return cls("open", seats, closes_at=closes)
        if row["waitlist"]:
            cap = row["waitlist_cap"]
            phase = "waitlist_full" if cap is not None and waiting >= cap else "waitlist"
            return cls(phase, 0, closes_at=closes, waitlist_cap=cap, waiting=waiting)
        return cls("full", 0, closes_at=closes)
