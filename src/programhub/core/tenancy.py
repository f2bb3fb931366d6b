"""Who is asking: an organisation in one mode. Every tenant row carries both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, String, Table, Update, and_, bindparam, update


class Mode(StrEnum):
    TEST = "test"
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class Tenant:
    org_id: int
    mode: Mode
    org_public_id: str
    org_name: str


def owned_by(table: Table, tenant: Tenant) -> ColumnElement[bool]:
    """The WHERE clause every tenant query starts from."""
    return and_(table.c.org_id == tenant.org_id, table.c.mode == tenant.mode.value)


# The names `owned_by_bound` binds the tenant under.
BOUND_ORG_ID = "tenant_org_id"
BOUND_MODE = "tenant_mode"


def owned_by_bound(table: Table) -> ColumnElement[bool]:
    """`owned_by` for a statement built once and run for every tenant: the organisation
    and mode are bind parameters, given when it runs (`bound_values`). Building a
    statement and its cache key costs more than running a short one."""
    return and_(
        table.c.org_id == bindparam(BOUND_ORG_ID, type_=Integer()),
        table.c.mode == bindparam(BOUND_MODE, type_=String()),
    )


def bound_values(tenant: Tenant) -> dict[str, Any]:
    """The values of `owned_by_bound`'s parameters for `tenant`."""
    return {BOUND_ORG_ID: tenant.org_id, BOUND_MODE: tenant.mode.value}


def update_owned(
    conn: Connection, table: Table, tenant: Tenant, ids: int | list[int], values: Mapping[str, Any]
) -> None:
    """Set `values` on the tenant's rows `ids` (one id or a list) of `table`, by a statement
    built once per table and shape of change (`_bound_update`): building an UPDATE and its
    cache key cost SQLAlchemy ~250 us, more than SQLite takes to run it (bench/RESULTS.md,
    run 15), and every write makes one or more."""
    which = {"row_ids": ids} if isinstance(ids, list) else {"row_id": ids}
    parameters = {f"new_{name}": value for name, value in values.items()}
    statement = _bound_update(table, tuple(sorted(values)), isinstance(ids, list))
    conn.execute(statement, {**bound_values(tenant), **which, **parameters})


@cache
def _bound_update(table: Table, changed: tuple[str, ...], many: bool) -> Update:
    """The UPDATE of `update_owned`: the rows by id (`row_id`, or the list `row_ids`), the new
    values as `new_<column>` (SQLAlchemy reserves a column's own name in an UPDATE)."""
    rows = table.c.id.in_(bindparam("row_ids", expanding=True)) if many else table.c.id == bindparam("row_id")
    new_values = {table.c[name]: bindparam(f"new_{name}", type_=table.c[name].type) for name in changed}
    return update(table).where(owned_by_bound(table), rows).values(new_values)
