"""WebAdMIT's wire shapes out: the base path every href derives from, and each object
once (identities and organizations as dicts, a program as the database renders it, since
an identity may see thousands)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from programhub.core.identities.service import Identity
from programhub.core.tenancy import Tenant
from programhub.store import sqljson as sj

PREFIX = "/api/v1/user_identities"


def identity_href(identity_id: int, resource: str) -> str:
    """`/api/v1/user_identities/1/programs`: a resource of one identity."""
    return f"{PREFIX}/{identity_id}/{resource}"


def identity_json(identity: Identity, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": identity.id,
        "type": identity.type,
        "association": identity.association,
        "institution": identity.institution_name(tenant),
        "organization": identity.organization_name(tenant),
        "cycle": identity.cycle,
    }


def program_json(program: ReadOnlyColumnCollection[str, Any]) -> sj.json_object:
    """A program as an identity's list shows it, rendered by the database from its `id`
    and `name` columns. Every item names the organization the identity acts for, bound as
    `organization_name`."""
    organization_name = sa.cast(sa.bindparam("organization_name", type_=sa.Text()), sa.Text())
    return sj.json_object(("id", program.id), ("name", program.name), ("organization_name", organization_name))


def organization_json(identity: Identity, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.org_id,
        "name": identity.organization_name(tenant),
        "cycle_name": identity.cycle,
        "association_name": identity.association,
        "cas3": True,
        "config_portal_identifier": str(tenant.org_id),
    }
