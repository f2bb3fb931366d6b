"""WebAdMIT seed: the "Potions" program of the programs example, and two user identities
to see programs through. Identity ids are global integers (the first two of a fresh
database are 1 and 2); `GET /api/v1/user_identities` or `programhub identities list`
shows the ids of the demo organisation."""

from __future__ import annotations

from sqlalchemy import Connection

from programhub.core.identities import service as identities
from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant

CYCLE = "2025 - 2026"


def seed(conn: Connection, tenant: Tenant) -> None:
    potions = listings.create(conn, tenant, "program", {"name": "Potions"})
    # Sees every program of the demo organisation, whichever API created it.
    identities.create(
        conn, tenant, type="Admissions User", cycle=CYCLE, association="SOPHAS", institution=tenant.org_name
    )
    # Limited to Potions, answering exactly as the seed's example does.
    identities.create(
        conn,
        tenant,
        type="Admissions User",
        cycle=CYCLE,
        institution="Hogwarts",
        organization="Hogwarts School of Witchcraft and Wizardry",
        program_ids=[potions],
    )
