"""Record seed: the two programmes of the issuance API's example, and one issued batch so
that `GET /credentials` and a credential page have something to show."""

from __future__ import annotations

from sqlalchemy import Connection

from programhub.core.credentials import service as credentials
from programhub.core.credentials.issuers import Signing
from programhub.core.credentials.service import NewRecipient
from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant

DEMO_BATCH = "Spring 2025 cohort"
DEMO_RECIPIENTS = (
    NewRecipient("Ada Lovelace", "ada.lovelace@example.edu"),
    NewRecipient("Alan Turing", "alan.turing@example.edu"),
)


def seed(conn: Connection, tenant: Tenant, signing: Signing) -> None:
    listings.create(conn, tenant, "program", {"name": "MongoDB", "description": "MongoDB Program"})
    cyber_security = listings.create(
        conn, tenant, "program", {"name": "Cyber Security", "description": "Cyber Security Program"}
    )
    program_id = listings.get(conn, tenant, cyber_security).public_id
    credentials.issue(conn, tenant, program_id, DEMO_BATCH, DEMO_RECIPIENTS, signing_with=signing)
