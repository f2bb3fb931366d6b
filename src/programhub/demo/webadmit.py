"""WebAdMIT seed: the "Potions" program of the programs example, two user identities to
see programs through, and admissions to try the rest of the API on: decisions (one of each
outcome), a local status, Potions' custom fields of the documentation's examples, applicant
3 (the documentation's CAS ID) designated to Potions, and a saved export of each identity. Identity ids are global integers (the first two of a fresh
database are 1 and 2); `GET /api/v1/user_identities` or `programhub identities list`
shows the ids of the demo organisation."""

from __future__ import annotations

from sqlalchemy import Connection

from programhub.core.admissions import exports
from programhub.core.admissions import service as admissions
from programhub.core.identities import service as identities
from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant

CYCLE = "2025 - 2026"


def seed(conn: Connection, tenant: Tenant) -> None:
    potions = listings.create(conn, tenant, "program", {"name": "Potions"})
    # Sees every program of the demo organisation, whichever API created it.
    everything = identities.create(
        conn, tenant, type="Admissions User", cycle=CYCLE, association="SOPHAS", institution=tenant.org_name
    )
    # Limited to Potions, answering exactly as the seed's example does.
    limited = identities.create(
        conn,
        tenant,
        type="Admissions User",
        cycle=CYCLE,
        institution="Hogwarts",
        organization="Hogwarts School of Witchcraft and Wizardry",
        program_ids=[potions],
    )
    for name, outcome in (
        ("Offer Accepted", "admit"),
        ("Denied", "deny"),
        ("Withdrawn", "withdraw"),
        ("Waitlisted", "none"),
    ):
        admissions.create_decision(conn, tenant, CYCLE, name=name, outcome=outcome)
    admissions.create_local_status(conn, tenant, CYCLE, title="Deposit Made")
    admissions.create_custom_field(
        conn,
        tenant,
        potions,
        label="Preferred house",
        field_type="select",
        options=["Gryffindor", "Hufflepuff", "Ravenclaw", "Slytherin"],
    )
    for label, field_type in (
        ("Age at admittance", "number"),
        ("Are you a citizen?", "boolean"),
        ("Acceptance letter mailed on", "date"),
        ("Wand", "string"),
    ):
        admissions.create_custom_field(conn, tenant, potions, label=label, field_type=field_type)
    admissions.import_applicants(
        conn,
        tenant,
        CYCLE,
        [
            admissions.new_applicant(
                cas_id=cas_id, email=email, first_name=first, last_name=last, program_ids=[potions]
            )
            for cas_id, email, first, last in (
                ("3", "harry.potter@example.edu", "Harry", "Potter"),
                ("4", "hermione.granger@example.edu", "Hermione", "Granger"),
            )
        ],
    )
    for identity in (everything, limited):
        exports.create(
            conn, tenant, identity, name="Nightly Banner Export", list_type="all", format="Comma-Separated Values"
        )
