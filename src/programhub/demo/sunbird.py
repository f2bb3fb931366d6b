"""Sunbird seed: the "GG" program of the /list example."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def seed(conn: Connection, tenant: Tenant) -> None:
    listings.create(
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
