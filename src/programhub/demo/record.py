"""Record seed: the two programmes of the issuance API's example."""

from __future__ import annotations

from sqlalchemy import Connection

from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant


def seed(conn: Connection, tenant: Tenant) -> None:
    listings.create(conn, tenant, "program", {"name": "MongoDB", "description": "MongoDB Program"})
    listings.create(conn, tenant, "program", {"name": "Cyber Security", "description": "Cyber Security Program"})
