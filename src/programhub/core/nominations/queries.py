"""Reading nominations: the conditions that pick them, alone or with their programs.

"Programs nobody asked for yet" (no nomination by X) is a NOT EXISTS on the
(program, organisation) or (program, user) index; "nominations where user U holds one of
these roles" is an exact, indexed match in `nomination_roles`, never a substring test on
the rolemapping text. Both are checked row by row as a page walks its order's index
(`checked_per_row`), so a page costs in proportion to its length, not to the matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, Select, Subquery

from programhub.core.db import AnyRow
from programhub.core.errors import NotFound
from programhub.core.listings.models import listings
from programhub.core.listings.search import (
    Ordering,
    Page,
    ProgramFilter,
    order_clauses,
    page_keys,
    program_conditions,
)
from programhub.core.nominations.models import nomination_roles, nominations
from programhub.core.tenancy import Tenant, owned_by
from programhub.store.sql import checked_per_row, planned_for_values


@dataclass(frozen=True, slots=True)
class Nominee:
    """Who nominated: an organisation, a user, or both (then both must match), optionally
    narrowed to one nomination id."""

    user_id: str | None = None
    organisation_id: str | None = None
    nomination_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        return [nominations.c[name] == value for name, value in self._named()]

    @staticmethod
    def bound_conditions(shape: tuple[str, ...]) -> list[ColumnElement[bool]]:
        """`conditions` of any nominee of this `shape`, for a statement built once: the
        values are bound when it runs (`bound_values`)."""
        columns = [nominations.c[name] for name in shape]
        return [column == sa.bindparam(f"nominee_{column.name}", type_=column.type) for column in columns]

    def bound_values(self) -> dict[str, Any]:
        """The values of `bound_conditions`' parameters."""
        return {f"nominee_{name}": value for name, value in self._named()}

    @property
    def shape(self) -> tuple[str, ...]:
        """Which of organisation, user and nomination id this nominee names."""
        return tuple(name for name, _ in self._named())

    def _named(self) -> list[tuple[str, Any]]:
        if self.user_id is None and self.organisation_id is None:
            raise ValueError("a nominee needs a user id or an organisation id")
        named = (("organisation_id", self.organisation_id), ("user_id", self.user_id), ("id", self.nomination_id))
        return [(name, value) for name, value in named if value is not None]

    def describe(self) -> str:
        parts = []
        if self.organisation_id is not None:
            parts.append(f"organisation {self.organisation_id}")
        if self.user_id is not None:
            parts.append(f"user {self.user_id}")
        described = " and ".join(parts)
        return described if self.nomination_id is None else f"{described} (id {self.nomination_id})"


@dataclass(frozen=True, slots=True)
class NominationFilter:
    """`None` means no condition; a tuple means "any of" (an empty one matches nothing)."""

    program_uuids: tuple[str, ...] | None = None  # needs `listings` joined
    user_ids: tuple[str, ...] | None = None
    organisation_ids: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    # A user listed under one of `roles` in the nomination's rolemapping (exact id).
    role_holder: str | None = None
    roles: tuple[str, ...] = ()


def nomination_conditions(tenant: Tenant, wanted: NominationFilter) -> list[ColumnElement[bool]]:
    c = nominations.c
    conditions: list[ColumnElement[bool]] = [owned_by(nominations, tenant)]
    if wanted.program_uuids is not None:
        conditions.append(listings.c.uuid.in_(wanted.program_uuids))
    for column, values in (
        (c.user_id, wanted.user_ids),
        (c.organisation_id, wanted.organisation_ids),
        (c.status, wanted.statuses),
    ):
        if values is not None:
            conditions.append(column.in_(values))
    if wanted.role_holder is not None:
        holds_a_role = sa.select(nomination_roles.c.nomination_id).where(
            nomination_roles.c.nomination_id == c.id,
            owned_by(nomination_roles, tenant),
            nomination_roles.c.user_id == wanted.role_holder,
            nomination_roles.c.role.in_(wanted.roles),
        )
        conditions.append(checked_per_row(holds_a_role))
    return conditions


def not_nominated_by(tenant: Tenant, nominee: Nominee) -> ColumnElement[bool]:
    """A condition on `listings`: the program has no nomination by `nominee`."""
    nominated = sa.select(nominations.c.id).where(
        nominations.c.program_id == listings.c.id, owned_by(nominations, tenant), *nominee.conditions()
    )
    return ~checked_per_row(nominated)


def _with_programs() -> sa.Join:
    return nominations.join(listings, listings.c.id == nominations.c.program_id)


def nomination_page(
    tenant: Tenant,
    wanted: NominationFilter,
    programs: ProgramFilter,
    ordering: Ordering | None,
    page: Page,
    *,
    now: datetime,
    extra: Sequence[ColumnElement[bool]] = (),
    numbered: bool = True,
) -> tuple[Select[Any], Subquery]:
    """Nominations matching `wanted` whose program matches `programs` (and `extra`
    conditions), ordered by their programs (then newest nomination first), or with no
    `ordering` as the reference orders nominations (see `LATEST_CHANGE_FIRST`), as queries
    to run: the count of matches, and one page of their `nomination_id`s (with their
    `program_id`s) and `position` (see `page_keys` for `numbered`)."""
    of_nominations = nomination_conditions(tenant, wanted)
    of_programs = [*program_conditions(tenant, programs, now), *extra]
    conditions = [*of_nominations, *of_programs]
    total = sa.select(sa.func.count()).select_from(_with_programs()).where(*conditions)

    def order(query: Select[Any]) -> tuple[Select[Any], list[ColumnElement[Any]]]:
        if ordering is None:
            return query, list(LATEST_CHANGE_FIRST)
        return order_clauses(query, tenant, ordering, nominations.c.id.desc())

    source: sa.FromClause = _with_programs()
    if ordering is None and wanted.program_uuids is None and programs.any_live and not extra:
        # Walked in the nominations' own order, and nearly every program passes (it is
        # this tenant's and live): checked per row, the walk stops when the page is full.
        # Joined, PostgreSQL hashes all the programs when it misjudges how many
        # nominations match, then sorts every match (form C at 5,000: 13 -> 3 ms).
        program_is_live = sa.select(listings.c.id).where(listings.c.id == nominations.c.program_id, *of_programs)
        source, conditions = nominations, [*of_nominations, checked_per_row(program_is_live)]
    keys = page_keys(
        source,
        conditions,
        [nominations.c.id.label("nomination_id"), nominations.c.program_id.label("program_id")],
        order,
        page,
        numbered=numbered,
    )
    return total, keys


# The reference's order of nominations: updatedon descending, never-changed ones (no
# updatedon, PostgreSQL's NULLs of a descending order) first, then the newest.
LATEST_CHANGE_FIRST: tuple[ColumnElement[Any], ...] = (
    nominations.c.updatedon.desc().nulls_first(),
    nominations.c.id.desc(),
)


def list_nominations(
    conn: Connection, tenant: Tenant, wanted: NominationFilter, page: Page, columns: Sequence[ColumnElement[Any]]
) -> list[AnyRow]:
    """One page of nominations (of programs that are not deleted), as the reference orders
    them: updatedon descending with never-changed ones (no updatedon) first, then newest first."""
    query = planned_for_values(
        sa.select(*columns)
        .select_from(_with_programs())
        .where(*nomination_conditions(tenant, wanted), listings.c.kind == "program", listings.c.deleted_at.is_(None))
        .order_by(*LATEST_CHANGE_FIRST)
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(conn.execute(query).all())


def find(conn: Connection, tenant: Tenant, nomination_id: int) -> AnyRow:
    """One nomination of this tenant with its program's id (one query), or NotFound."""
    row = conn.execute(
        sa.select(
            nominations.c.id, nominations.c.program_id, nominations.c.user_id, nominations.c.organisation_id
        ).where(owned_by(nominations, tenant), nominations.c.id == nomination_id)
    ).one_or_none()
    if row is None:
        raise NotFound("nomination", nomination_id)
    return row
