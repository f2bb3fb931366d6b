"""Reading a program's applicants for pages (the operator console): each designation to the
program with its applicant, decision and local status, in one query, whatever their number."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core.admissions.models import applicants, decisions, designations, local_statuses
from programhub.core.db import AnyRow
from programhub.core.tenancy import Tenant, owned_by


def designated(conn: Connection, tenant: Tenant, listing_id: int, *, limit: int) -> list[AnyRow]:
    """The program's designations, oldest first: applicant, cycle, decision and its outcome,
    local status."""
    source = (
        designations.join(applicants, applicants.c.id == designations.c.applicant_id)
        .outerjoin(decisions, decisions.c.id == designations.c.decision_id)
        .outerjoin(local_statuses, local_statuses.c.id == designations.c.local_status_id)
    )
    return list(
        conn.execute(
            sa.select(
                designations.c.id,
                designations.c.updated_at,
                applicants.c.cas_id,
                applicants.c.first_name,
                applicants.c.last_name,
                applicants.c.email,
                applicants.c.cycle,
                decisions.c.name.label("decision"),
                decisions.c.outcome,
                local_statuses.c.title.label("local_status"),
            )
            .select_from(source)
            .where(owned_by(designations, tenant), designations.c.listing_id == listing_id)
            .order_by(designations.c.created_at, designations.c.id)
            .limit(limit)
        ).all()
    )
