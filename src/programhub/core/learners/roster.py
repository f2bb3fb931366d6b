"""Reading who is in a listing, for pages: its users' own enrollments, its waitlist in
order, and how many wait per listing (one query each, whatever their number)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core.db import AnyRow
from programhub.core.learners.completion import DROPPED
from programhub.core.learners.models import enrollments, learners, waitlist_applicants
from programhub.core.learners.service import WAITING
from programhub.core.tenancy import Tenant, owned_by


def enrolled(conn: Connection, tenant: Tenant, listing_id: int, *, limit: int) -> list[AnyRow]:
    """The users' own enrollments in the listing that are not dropped, oldest first."""
    return list(
        conn.execute(
            sa.select(
                enrollments.c.id,
                enrollments.c.status,
                enrollments.c.enrolled_at,
                learners.c.id.label("user_id"),
                learners.c.user_name,
                learners.c.email,
            )
            .join(learners, learners.c.id == enrollments.c.user_id)
            .where(
                owned_by(enrollments, tenant),
                enrollments.c.listing_id == listing_id,
                enrollments.c.root_enrollment_id.is_(None),
                enrollments.c.status != DROPPED,
            )
            .order_by(enrollments.c.enrolled_at, enrollments.c.id)
            .limit(limit)
        ).all()
    )


def waiting(conn: Connection, tenant: Tenant, listing_id: int, *, limit: int) -> list[AnyRow]:
    """The listing's waitlist in the order its places are given (first come, first)."""
    return list(
        conn.execute(
            sa.select(
                waitlist_applicants.c.id,
                waitlist_applicants.c.created_at,
                learners.c.id.label("user_id"),
                learners.c.user_name,
                learners.c.email,
            )
            .join(learners, learners.c.id == waitlist_applicants.c.user_id)
            .where(
                owned_by(waitlist_applicants, tenant),
                waitlist_applicants.c.listing_id == listing_id,
                waitlist_applicants.c.status == WAITING,
            )
            .order_by(waitlist_applicants.c.created_at, waitlist_applicants.c.id)
            .limit(limit)
        ).all()
    )


def waiting_counts(conn: Connection, tenant: Tenant, listing_ids: Sequence[int]) -> dict[int, int]:
    """How many wait for each of the listings (those with nobody waiting are left out)."""
    if not listing_ids:
        return {}
    rows = conn.execute(
        sa.select(waitlist_applicants.c.listing_id, sa.func.count())
        .where(
            owned_by(waitlist_applicants, tenant),
            waitlist_applicants.c.listing_id.in_(list(listing_ids)),
            waitlist_applicants.c.status == WAITING,
        )
        .group_by(waitlist_applicants.c.listing_id)
    ).all()
    return {int(listing_id): int(count) for listing_id, count in rows}
