"""WebAdMIT's reads: the programs an identity sees, as the database renders them."""

from __future__ import annotations

import functools

import orjson
from sqlalchemy import Connection, Select

from programhub.core.identities import service as identities
from programhub.core.identities.service import Identity
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant
from programhub.dialects.webadmit.responses import program_json
from programhub.store import sqljson as sj
from programhub.store.prepared import prepared


@functools.cache
def _program_list(limited: bool) -> Select[tuple[str]]:
    """Built once per kind of identity; bound with `identities.parameters(...)` and
    `organization_name`."""
    return sj.array_of(identities.visible_programs(limited, listings.c.id, listings.c.name), program_json, "id")


def program_list(conn: Connection, tenant: Tenant, identity: Identity) -> orjson.Fragment:
    """The programs `identity` sees, by id, as one JSON array: a list of a thousand
    programs never becomes Python objects. Run on the driver's cursor (built once)."""
    parameters = {**identities.parameters(tenant, identity.id), "organization_name": identity.organization_name(tenant)}
    (programs,) = prepared(_program_list(identity.limited)).one(conn, parameters)
    return orjson.Fragment(programs)
