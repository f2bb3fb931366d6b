"""Record's wire shapes out: the base path, the success envelope, and each object once
(a programme as the database renders it, batches and credentials as dicts)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from programhub.core.credentials.service import Batch, Credential
from programhub.core.db import AnyRow
from programhub.core.listings.models import listings
from programhub.core.orgs.models import organisations
from programhub.core.renderings import service as renderings
from programhub.core.tenancy import Tenant
from programhub.store import sqljson as sj
from programhub.web.formats import iso_millis
from programhub.web.responses import JSONResponse

PREFIX = "/api/external/issuance"
# Where each credentialUrl points, under the public URL (routes/pages.py answers there).
PAGES_PREFIX = "/credentials"


def envelope(message: str, data: Any) -> dict[str, Any]:
    return {"success": True, "message": message, "data": data}


def ok(message: str, data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(envelope(message, data), status)


def _program_pieces() -> tuple[ColumnElement[Any]]:
    """A programme as Record shows it, rendered by the database when it is written (render
    on write, core/renderings): lists run to thousands."""
    return (
        sj.as_text(
            sj.json_object(
                ("programId", listings.c.public_id),
                ("name", listings.c.name),
                ("description", sa.func.coalesce(listings.c.description, "")),
                ("orgId", organisations.c.public_id),
                ("mode", listings.c.mode),
                ("createdAt", sj.iso_millis(listings.c.created_at)),
                ("updatedAt", sj.iso_millis(listings.c.updated_at)),
            )
        ),
    )


PROGRAM = renderings.register(
    renderings.Face(
        "record.program",
        listings,
        _program_pieces,
        where=lambda: listings.c.kind == "program",
        joins=lambda source: source.join(organisations, organisations.c.id == listings.c.org_id),
    )
)
PROGRAM_SOURCE, (PROGRAM_JSON,) = renderings.joined(PROGRAM)


def credential_url(public_url: str, recipient_id: str) -> str:
    return f"{public_url}{PAGES_PREFIX}/{recipient_id}"


def batch_summary_json(row: AnyRow, tenant: Tenant) -> dict[str, Any]:
    return {
        "batchId": row.public_id,
        "programId": row.program_public_id,
        "batchName": row.name,
        "orgId": tenant.org_public_id,
        "mode": tenant.mode.value,
        "status": row.status,
        "recipientCount": row.recipient_count,
        "issuedAt": iso_millis(row.issued_at),
    }


def batch_json(batch: Batch, tenant: Tenant, public_url: str) -> dict[str, Any]:
    return {
        "batchId": batch.public_id,
        "programId": batch.program_public_id,
        "batchName": batch.name,
        "orgId": tenant.org_public_id,
        "mode": tenant.mode.value,
        "status": batch.status,
        "recipients": [
            {
                "recipientId": r.public_id,
                "name": r.name,
                "email": r.email,
                "credentialUrl": credential_url(public_url, r.public_id),
            }
            for r in batch.recipients
        ],
        "issuedAt": iso_millis(batch.issued_at),
    }


def credential_json(credential: Credential, public_url: str) -> dict[str, Any]:
    return {
        "recipientId": credential.recipient_public_id,
        "name": credential.recipient_name,
        "programId": credential.program_public_id,
        "programName": credential.program_name,
        "orgId": credential.org_public_id,
        "orgName": credential.org_name,
        "batchId": credential.batch_public_id,
        "batchName": credential.batch_name,
        "mode": credential.mode,
        "status": credential.status,
        "issuedAt": iso_millis(credential.issued_at),
        "credentialUrl": credential_url(public_url, credential.recipient_public_id),
    }
