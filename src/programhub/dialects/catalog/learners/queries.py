"""Reading users, enrollments and applicants for Catalog: a page costs two queries (the
count and the page, joined to what each item shows), one item one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, Table

from programhub.core.db import AnyRow
from programhub.core.errors import NotFound
from programhub.core.learners.models import enrollments, learners, waitlist_applicants
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.dialects.catalog.paging import Page


@dataclass(frozen=True, slots=True)
class Moments:
    """`created_at_from/to`, `updated_at_from/to` (inclusive)."""

    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None

    def conditions(self, table: Table) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        for column, low, high in (
            (table.c.created_at, self.created_from, self.created_to),
            (table.c.updated_at, self.updated_from, self.updated_to),
        ):
            if low is not None:
                where.append(column >= low)
            if high is not None:
                where.append(column <= high)
        return where


def _page(
    conn: Connection, query: sa.Select[Any], id_column: Any, where: list[ColumnElement[bool]], page: Page
) -> tuple[list[AnyRow], int]:
    total = conn.execute(sa.select(sa.func.count()).select_from(query.where(*where).subquery())).scalar_one()
    rows = conn.execute(query.where(*where).order_by(id_column).limit(page.size).offset(page.offset)).all()
    return list(rows), int(total)


# --- users ---


def _live_users(tenant: Tenant) -> list[ColumnElement[bool]]:
    return [owned_by(learners, tenant), learners.c.deleted_at.is_(None)]


def users_page(
    conn: Connection, tenant: Tenant, page: Page, *, canvas_user_id: int | None, moments: Moments
) -> tuple[list[AnyRow], int]:
    where = [*_live_users(tenant), *moments.conditions(learners)]
    if canvas_user_id is not None:
        where.append(learners.c.canvas_user_id == canvas_user_id)
    return _page(conn, sa.select(learners), learners.c.id, where, page)


def user(conn: Connection, tenant: Tenant, user_id: int) -> AnyRow:
    row = conn.execute(sa.select(learners).where(*_live_users(tenant), learners.c.id == user_id)).one_or_none()
    if row is None:
        raise NotFound("user", user_id)
    return row


# --- enrollments and applicants: each joined to its user and listing ---

_PERSON = (learners.c.user_name, learners.c.email)
ENROLLMENTS = (
    sa.select(
        enrollments.c.id,
        enrollments.c.user_id,
        *_PERSON,
        enrollments.c.listing_id,
        listings.c.name.label("title"),
        listings.c.kind,
        listings.c.canvas_course_id,
        enrollments.c.root_program_id,
        enrollments.c.status,
        enrollments.c.enrolled_at,
        enrollments.c.requirements_completed_at,
        enrollments.c.ends_at,
        enrollments.c.created_at,
        enrollments.c.updated_at,
    )
    .join_from(enrollments, learners, learners.c.id == enrollments.c.user_id)
    .join(listings, listings.c.id == enrollments.c.listing_id)
)
APPLICANTS = (
    sa.select(
        waitlist_applicants.c.id,
        waitlist_applicants.c.user_id,
        *_PERSON,
        waitlist_applicants.c.listing_id,
        listings.c.name.label("title"),
        waitlist_applicants.c.notified_of_opening_at,
        waitlist_applicants.c.status,
        waitlist_applicants.c.created_at,
        waitlist_applicants.c.updated_at,
    )
    .join_from(waitlist_applicants, learners, learners.c.id == waitlist_applicants.c.user_id)
    .join(listings, listings.c.id == waitlist_applicants.c.listing_id)
)


@dataclass(frozen=True, slots=True)
class EnrollmentFilters:
    listing_id: int | None = None
    user_id: int | None = None
    canvas_user_id: int | None = None
    root_program_id: int | None = None
    status: str | None = None
    moments: Moments = Moments()


def enrollments_page(
    conn: Connection, tenant: Tenant, page: Page, filters: EnrollmentFilters
) -> tuple[list[AnyRow], int]:
    """Enrollments in id order; dropped ones only when `status=dropped` asks for them."""
    where = [owned_by(enrollments, tenant), *filters.moments.conditions(enrollments)]
    where.append(enrollments.c.status == filters.status if filters.status else enrollments.c.status != "dropped")
    if filters.listing_id is not None:
        where.append(enrollments.c.listing_id == filters.listing_id)
    if filters.user_id is not None:
        where.append(enrollments.c.user_id == filters.user_id)
    if filters.canvas_user_id is not None:
        where.append(learners.c.canvas_user_id == filters.canvas_user_id)
    if filters.root_program_id is not None:
        where.append(enrollments.c.root_program_id == filters.root_program_id)
    return _page(conn, ENROLLMENTS, enrollments.c.id, where, page)


def enrollment(conn: Connection, tenant: Tenant, enrollment_id: int) -> AnyRow:
    row = conn.execute(
        ENROLLMENTS.where(owned_by(enrollments, tenant), enrollments.c.id == enrollment_id)
    ).one_or_none()
    if row is None:
        raise NotFound("enrollment", enrollment_id)
    return row


def applicants_page(
    conn: Connection, tenant: Tenant, page: Page, *, listing_id: int | None, status: str | None
) -> tuple[list[AnyRow], int]:
    where = [owned_by(waitlist_applicants, tenant)]
    if listing_id is not None:
        where.append(waitlist_applicants.c.listing_id == listing_id)
    if status is not None:
        where.append(waitlist_applicants.c.status == status)
    return _page(conn, APPLICANTS, waitlist_applicants.c.id, where, page)


def applicant(conn: Connection, tenant: Tenant, applicant_id: int) -> AnyRow:
    row = conn.execute(
        APPLICANTS.where(owned_by(waitlist_applicants, tenant), waitlist_applicants.c.id == applicant_id)
    ).one_or_none()
    if row is None:
        raise NotFound("applicant", applicant_id)
    return row
