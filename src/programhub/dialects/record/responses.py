"""Record's wire shapes out: the base path, the success envelope, and each object once
(a programme as the database renders it, batches and credentials as dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from programhub.core.credentials import signing
from programhub.core.credentials.service import Batch, Credential, Recipient, batch_status
from programhub.core.credentials.signing import CREDENTIAL_PATH
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
PAGES_PREFIX = CREDENTIAL_PATH
# The issuers' DID documents and status lists (routes/issuers.py), under the public URL.
ISSUERS_PREFIX = "/orgs"


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
        code=2,
    )
)
PROGRAM_SOURCE, (PROGRAM_JSON,) = renderings.joined(PROGRAM)


credential_url = signing.credential_url


def batch_summary_json(row: AnyRow, tenant: Tenant, now: datetime) -> dict[str, Any]:
    return {
        "batchId": row.public_id,
        "programId": row.program_public_id,
        "batchName": row.name,
        "orgId": tenant.org_public_id,
        "mode": tenant.mode.value,
        "status": batch_status(row.status, row.expires_at, now),
        "recipientCount": row.recipient_count,
        "issuedAt": iso_millis(row.issued_at),
        "expiresAt": iso_millis(row.expires_at),
    }


def recipient_json(recipient: Recipient, public_url: str) -> dict[str, Any]:
    """A recipient's credential (extension fields: status, expiresAt, revokedAt,
    revocationReason)."""
    return {
        "recipientId": recipient.public_id,
        "name": recipient.name,
        "email": recipient.email,
        "credentialUrl": credential_url(public_url, recipient.public_id),
        "status": recipient.status,
        "expiresAt": iso_millis(recipient.expires_at),
        "revokedAt": iso_millis(recipient.revoked_at),
        "revocationReason": recipient.revocation_reason,
    }


def batch_json(batch: Batch, tenant: Tenant, public_url: str) -> dict[str, Any]:
    return {
        "batchId": batch.public_id,
        "programId": batch.program_public_id,
        "batchName": batch.name,
        "orgId": tenant.org_public_id,
        "mode": tenant.mode.value,
        "status": batch.status,
        "recipients": [recipient_json(r, public_url) for r in batch.recipients],
        "issuedAt": iso_millis(batch.issued_at),
        "expiresAt": iso_millis(batch.expires_at),
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
        "expiresAt": iso_millis(credential.expires_at),
        "revokedAt": iso_millis(credential.revoked_at),
        "revocationReason": credential.revocation_reason,
    }
