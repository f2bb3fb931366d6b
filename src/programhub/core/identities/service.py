"""User identities: who may act in an organisation for one admissions cycle, and which of
its programs each one sees.

An identity that is not `limited` sees every program of its organisation and mode; a
limited one sees only the programs granted to it (`identity_programs`). Either way retired
and deleted programs leave the list, like every default list of programs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core import validation as check
from programhub.core.admissions.models import exports
from programhub.core.clock import utcnow
from programhub.core.db import AnyRow, insert_rows
from programhub.core.errors import Invalid, NotFound
from programhub.core.identities.models import IDENTITY_TYPES, identities, identity_programs
from programhub.core.listings.models import listings
from programhub.core.orgs import service as orgs_service
from programhub.core.tenancy import Mode, Tenant, bound_values, owned_by, owned_by_bound

# "2025 - 2026", as WebAdMIT writes an admissions cycle.
CYCLE_PATTERN = re.compile(r"[0-9]{4} - [0-9]{4}")
MAX_GRANTS = 10_000


@dataclass(frozen=True, slots=True)
class Identity:
    id: int
    mode: Mode
    type: str
    association: str | None
    institution: str | None
    organization: str | None
    cycle: str
    limited: bool
    program_ids: tuple[int, ...] = ()  # the granted programs (only filled by `list_for_org`)

    def organization_name(self, tenant: Tenant) -> str:
        """The organization an identity acts for: its own label, else its organisation's name."""
        return self.organization or tenant.org_name

    def institution_name(self, tenant: Tenant) -> str | None:
        """Its institution: its own label, else, as for the organization, its organisation's
        name; an Association User acts for an association, not an institution."""
        if self.institution is not None or self.type == "Association User":
            return self.institution
        return tenant.org_name


_COLUMNS = (
    identities.c.id,
    identities.c.mode,
    identities.c.type,
    identities.c.association,
    identities.c.institution,
    identities.c.organization,
    identities.c.cycle,
    identities.c.limited,
)


def _identity(row: AnyRow, program_ids: Iterable[int] = ()) -> Identity:
    return Identity(
        row.id,
        Mode(row.mode),
        row.type,
        row.association,
        row.institution,
        row.organization,
        row.cycle,
        row.limited,
        tuple(program_ids),
    )


def _label(field: str, value: str | None) -> str | None:
    return None if value is None else check.text(field, value, allow_empty=False, max_length=255)


def create(
    conn: Connection,
    tenant: Tenant,
    *,
    type: str,
    cycle: str,
    association: str | None = None,
    institution: str | None = None,
    organization: str | None = None,
    program_ids: Sequence[int] | None = None,
) -> int:
    """Insert an identity; with `program_ids` (even an empty list) it is limited to them.
    Every id must be a program of this very organisation and mode."""
    check.one_of("type", type, IDENTITY_TYPES)
    if not isinstance(cycle, str) or not CYCLE_PATTERN.fullmatch(cycle):
        raise Invalid("cycle", "cycle must look like '2025 - 2026'")
    values = {
        "association": _label("association", association),
        "institution": _label("institution", institution),
        "organization": _label("organization", organization),
    }
    grants = None if program_ids is None else _grantable(conn, tenant, program_ids)
    identity_id: int = conn.execute(
        sa.insert(identities)
        .values(
            org_id=tenant.org_id,
            mode=tenant.mode.value,
            type=type,
            cycle=cycle,
            limited=grants is not None,
            created_at=utcnow(),
            **values,
        )
        .returning(identities.c.id)
    ).scalar_one()
    if grants:
        insert_rows(
            conn,
            identity_programs,
            [
                {
                    "identity_id": identity_id,
                    "listing_id": listing_id,
                    "org_id": tenant.org_id,
                    "mode": tenant.mode.value,
                }
                for listing_id in grants
            ],
        )
    return identity_id


def _grantable(conn: Connection, tenant: Tenant, program_ids: Sequence[int]) -> list[int]:
    """The distinct ids, in the order given, once each is known to be a live program of
    this tenant. Ids of other organisations or modes are refused like unknown ones."""
    if len(program_ids) > MAX_GRANTS:
        raise Invalid("programs", f"at most {MAX_GRANTS} programs can be granted to one identity")
    wanted = list(dict.fromkeys(check.integer("programs", i, minimum=1) for i in program_ids))
    if not wanted:
        return []
    found = set(
        conn.execute(
            sa.select(listings.c.id).where(
                owned_by(listings, tenant),
                listings.c.id.in_(wanted),
                listings.c.kind == "program",
                listings.c.deleted_at.is_(None),
            )
        ).scalars()
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise Invalid(
            "programs",
            f"program {missing[0]} is not a program of {tenant.org_public_id} in {tenant.mode.value} mode",
        )
    return wanted


def parameters(tenant: Tenant, identity_id: int) -> dict[str, Any]:
    """The bind parameters of `visible_programs` statements (and of the lookup by id)."""
    return {**bound_values(tenant), "identity_id": identity_id}


_BY_ID = sa.select(*_COLUMNS).where(owned_by_bound(identities), identities.c.id == sa.bindparam("identity_id"))


def get(conn: Connection, tenant: Tenant, identity_id: int) -> Identity:
    """An identity of this tenant, or NotFound (also when it belongs to another one)."""
    row = conn.execute(_BY_ID, parameters(tenant, identity_id)).one_or_none()
    if row is None:
        raise NotFound("User identity", identity_id)
    return _identity(row)


def list_for_tenant(conn: Connection, tenant: Tenant) -> list[Identity]:
    """The tenant's identities, oldest first, in one query."""
    rows = conn.execute(sa.select(*_COLUMNS).where(owned_by(identities, tenant)).order_by(identities.c.id))
    return [_identity(row) for row in rows]


def visible_programs(limited: bool, *columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """`columns` of the programs an identity sees, unordered: every program of the tenant,
    or, `limited`, only those granted to the identity; never a course, a retired or a
    deleted program. Bound with `parameters(tenant, identity.id)`, so that a caller can
    build the statement once and run it for every identity."""
    query = sa.select(*columns).where(
        owned_by_bound(listings),
        listings.c.kind == "program",
        listings.c.deleted_at.is_(None),
        listings.c.status != "retired",
    )
    if limited:
        query = query.join(
            identity_programs,
            sa.and_(
                identity_programs.c.listing_id == listings.c.id,
                identity_programs.c.identity_id == sa.bindparam("identity_id"),
                owned_by_bound(identity_programs),
            ),
        )
    return query


def list_for_org(conn: Connection, org_public_id: str, mode: Mode | None = None) -> list[Identity]:
    """Every identity of an organisation (both modes unless one is named), with the
    programs granted to the limited ones: three queries whatever the count."""
    org_id = orgs_service.get(conn, org_public_id).id
    where = [identities.c.org_id == org_id]
    if mode is not None:
        where.append(identities.c.mode == mode.value)
    rows = conn.execute(sa.select(*_COLUMNS).where(*where).order_by(identities.c.id)).all()
    limited = [row.id for row in rows if row.limited]
    grants: dict[int, list[int]] = {identity_id: [] for identity_id in limited}
    if limited:
        for identity_id, listing_id in conn.execute(
            sa.select(identity_programs.c.identity_id, identity_programs.c.listing_id)
            .where(identity_programs.c.org_id == org_id, identity_programs.c.identity_id.in_(limited))
            .order_by(identity_programs.c.identity_id, identity_programs.c.listing_id)
        ):
            grants[identity_id].append(listing_id)
    return [_identity(row, grants.get(row.id, ())) for row in rows]


def delete(conn: Connection, identity_id: int) -> Identity:
    """Remove an identity and its grants (the programs themselves stay)."""
    if isinstance(identity_id, bool) or not isinstance(identity_id, int) or not 1 <= identity_id <= check.INT32[1]:
        raise NotFound("identity", identity_id)
    row = conn.execute(sa.select(*_COLUMNS).where(identities.c.id == identity_id)).one_or_none()
    if row is None:
        raise NotFound("identity", identity_id)
    conn.execute(sa.delete(exports).where(exports.c.identity_id == identity_id))  # its saved exports go with it
    conn.execute(sa.delete(identity_programs).where(identity_programs.c.identity_id == identity_id))
    conn.execute(sa.delete(identities).where(identities.c.id == identity_id))
    return _identity(row)


def tenant_of(conn: Connection, org_public_id: str, mode: Mode) -> Tenant:
    """The tenant an administrator names by organisation id and mode, or NotFound."""
    org = orgs_service.get(conn, org_public_id)
    return Tenant(org.id, mode, org.public_id, org.name)
