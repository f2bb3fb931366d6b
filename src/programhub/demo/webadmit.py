"""WebAdMIT seed: the "Potions" program of the programs example."""

from __future__ import annotations

from sqlalchemy import Connection

from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant


def seed(conn: Connection, tenant: Tenant) -> None:
    listings.create(conn, tenant, "program", {"name": "Potions"})
