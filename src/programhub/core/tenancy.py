"""Who is asking: an organisation in one mode. Every tenant row carries both."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Table, and_


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
