"""Admit enrolls (issue 16, item 7): an applicant whose decision now maps to *admit* becomes
a Catalog user (matched by email, case ignored) enrolled in the designated program under
the learners' rules (cap, window, waitlist); a later *deny* or *withdraw* undoes what the
admission made: it drops the enrollment or takes the place off the waitlist. Nothing else
is touched: an enrollment the learner had before the admit stays.

What an admit made is recorded per designation (`admissions_enrollments`); the decision
and this record are written in one transaction under the tenant's write lock, so two
concurrent decisions act in turn and an admit acts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core.admissions.models import admissions_enrollments
from programhub.core.learners import service as learners
from programhub.core.tenancy import Tenant, owned_by

if TYPE_CHECKING:
    from programhub.core.admissions.service import OutcomeChange

ADMIT = "admit"
UNDOING = ("deny", "withdraw")
# Refusals that mean the learner has a seat or a place already: the admit made nothing.
ALREADY = (learners.ALREADY_ENROLLED, learners.ALREADY_WAITLISTED)


def act(conn: Connection, tenant: Tenant, changes: Sequence[OutcomeChange], *, now: datetime) -> None:
    """Enroll the newly admitted; undo the admissions of the newly denied or withdrawn. A
    refusal by the program's rules (closed, full without a waitlist) refuses the decision."""
    for change in changes:
        if change.after == ADMIT:
            _admit(conn, tenant, change, now)
        elif change.after in UNDOING:
            _undo(conn, tenant, change.designation_id, now)


def _admit(conn: Connection, tenant: Tenant, change: OutcomeChange, now: datetime) -> None:
    made = conn.execute(
        sa.select(admissions_enrollments.c.designation_id).where(
            owned_by(admissions_enrollments, tenant), admissions_enrollments.c.designation_id == change.designation_id
        )
    ).first()
    if made is not None:
        return  # admitted before (admit, then none, then admit again): it acted then
    user_id = learners.find_or_create_user(
        conn, tenant, email=change.email, first_name=change.first_name or None, last_name=change.last_name or None
    )
    try:
        outcome = learners.enroll(conn, tenant, user_id=user_id, listing_id=change.listing_id, now=now)
    except learners.Refused as refusal:
        if refusal.reason in ALREADY:
            return
        raise
    conn.execute(
        sa.insert(admissions_enrollments).values(
            designation_id=change.designation_id,
            org_id=tenant.org_id,
            mode=tenant.mode.value,
            user_id=user_id,
            enrollment_id=outcome.enrollment_id,
            applicant_id=outcome.applicant_id,
            created_at=now,
        )
    )


def _undo(conn: Connection, tenant: Tenant, designation_id: int, now: datetime) -> None:
    made = conn.execute(
        sa.delete(admissions_enrollments)
        .where(owned_by(admissions_enrollments, tenant), admissions_enrollments.c.designation_id == designation_id)
        .returning(admissions_enrollments.c.enrollment_id, admissions_enrollments.c.applicant_id)
    ).first()
    if made is None:
        return
    if made.enrollment_id is not None:
        learners.drop(conn, tenant, made.enrollment_id, now=now)
    if made.applicant_id is not None:
        learners.decline_applicant(conn, tenant, made.applicant_id, now=now)
