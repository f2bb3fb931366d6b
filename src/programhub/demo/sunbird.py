"""Sunbird seed: the "GG" program of the /list example, and the nomination the seed shows
with it, timestamps included, so that the seed's form A answer can be reproduced."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.core.nominations import service as nominations
from programhub.core.nominations.models import nominations as nominations_table
from programhub.core.renderings import service as renderings
from programhub.core.tenancy import Tenant, owned_by


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def seed(conn: Connection, tenant: Tenant) -> None:
    program_id = listings.create(
        conn,
        tenant,
        "program",
        {
            "name": "GG",
            "program_type": "public",
            "status": "live",
            "start_date": _at("2020-05-31T18:30:00.000Z"),
            "end_date": _at("2020-10-15T18:30:00.000Z"),
            "nomination_enddate": _at("2020-10-04T18:30:00.000Z"),
            "shortlisting_enddate": _at("2020-10-09T18:30:00.000Z"),
            "content_submission_enddate": _at("2020-10-14T18:30:00.000Z"),
            "content_types": [],
            "collection_ids": [],
            "slug": "sunbird",
            "rolemapping": {"REVIEWER": [], "CREATOR": []},
            "createdby": "48dc0e70-2775-474b-9b78-def27d047836",
            "rootorg_id": "012983850117177344161",
            "sourcing_org_name": "Vidya2",
            "channel": "DIKSHA",
            "template_id": "template1",
            "guidelines_url": "https://dockstorage.blob.core.windows.net/sunbird-content-dock/content/assets/do_11307476450091827213141/2.pdf",
            "config": {
                "framework": "ekstep_ncert_k-12",
                "board": None,
                "medium": ["Hindi", "English"],
                "gradeLevel": ["Class 10", "Class 6"],
                "subject": ["Hindi", "Science"],
                "defaultContributeOrgReview": "true",
            },
        },
    )
    conn.execute(
        sa.update(listings_table)
        .where(owned_by(listings_table, tenant), listings_table.c.id == program_id)
        .values(created_at=_at("2020-07-29T16:35:30.177Z"), updated_at=_at("2020-12-03T11:55:51.663Z"))
    )
    renderings.refresh(conn, listings_table, [program_id])  # the seed's own times, set behind the service
    nomination_id = nominations.add(
        conn,
        tenant,
        program_id,
        {
            "user_id": "cca53828-8111-4d71-9c45-40e569f13bad",
            "organisation_id": "b8c2d284-7450-4876-baf3-bb3b95f7fe47",
            "status": "Initiated",
            "content_types": [],
            "createdby": "ff3a7b70-c902-4385-9f4a-c76385f333eb",
        },
    )
    conn.execute(
        sa.update(nominations_table)
        .where(owned_by(nominations_table, tenant), nominations_table.c.id == nomination_id)
        .values(createdon=_at("2020-08-07T14:27:44.187Z"))
    )
    renderings.refresh(conn, nominations_table, [nomination_id])
