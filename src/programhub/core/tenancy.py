"""Who is asking: an organisation in one mode. Every tenant row carries both."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, Table, and_, bindparam


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
