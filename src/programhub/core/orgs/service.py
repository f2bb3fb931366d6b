"""Creating, finding and suspending organisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from programhub.core import versions
from programhub.core.catalogs import service as catalogs_service
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid, NotFound
from programhub.core.ids import public_id
from programhub.core.orgs.models import organisations

ORG_STATES = ("active", "suspended")


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    public_id: str
    name: str
    state: str
    created_at: datetime


_COLUMNS = (
    organisations.c.id,
    organisations.c.public_id,
    organisations.c.name,
    organisations.c.state,
    organisations.c.created_at,
)


def create(conn: Connection, name: str) -> Organisation:
    name = name.strip()
    if not name:
        raise Invalid("name", "an organisation needs a name")
    now = utcnow()
    row = conn.execute(
        insert(organisations)
        .values(public_id=public_id("org", now), name=name, state="active", created_at=now, updated_at=now)
        .returning(*_COLUMNS)
    ).one()
    versions.create_for_org(conn, row.id)
    catalogs_service.create_defaults(conn, row.id, name)
    return Organisation(*row)


def get(conn: Connection, org_public_id: str) -> Organisation:
    row = conn.execute(select(*_COLUMNS).where(organisations.c.public_id == org_public_id)).one_or_none()
    if row is None:
        raise NotFound("organisation", org_public_id)
    return Organisation(*row)


def find_by_name(conn: Connection, name: str) -> Organisation | None:
    row = conn.execute(
        select(*_COLUMNS).where(organisations.c.name == name).order_by(organisations.c.id).limit(1)
    ).one_or_none()
    return Organisation(*row) if row else None


def list_all(conn: Connection) -> list[Organisation]:
    return [Organisation(*row) for row in conn.execute(select(*_COLUMNS).order_by(organisations.c.id))]


def set_state(conn: Connection, org_public_id: str, state: str) -> Organisation:
    if state not in ORG_STATES:
        raise Invalid("state", f"state must be one of {', '.join(ORG_STATES)}")
    row = conn.execute(
        update(organisations)
        .where(organisations.c.public_id == org_public_id)
        .values(state=state, updated_at=utcnow())
        .returning(*_COLUMNS)
    ).one_or_none()
    if row is None:
        raise NotFound("organisation", org_public_id)
    return Organisation(*row)
