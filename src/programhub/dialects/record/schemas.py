"""Record's wire shapes: reading requests into core values, writing rows as Record JSON,
and the models and schemas that describe both in the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from programhub.core.credentials import service as credentials
from programhub.core.credentials.service import Batch, Credential, NewRecipient
from programhub.core.db import AnyRow
from programhub.core.errors import Invalid
from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.core.tenancy import Tenant
from programhub.core.validation import NO_NUL_PATTERN, NOT_BLANK_PATTERN
from programhub.dialects.record.errors import ALL_CODES, Missing
from programhub.store import sqljson as sj
from programhub.web.formats import iso_millis

# --- requests ----------------------------------------------------------------------------


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("body", "The request body must be a JSON object.")
    return body


def _required_text(fields: dict[str, Any], name: str, code: str) -> str:
    """A required string field: absent, null or blank is `code`; another type is invalid."""
    value = fields.get(name)
    if isinstance(value, str) and not value.strip():
        value = None
    if value is None:
        raise Missing(code, name, f"{name} is required.")
    if not isinstance(value, str):
        raise Invalid(name, f"{name} must be a string")
    return value


@dataclass(frozen=True, slots=True)
class IssueRequest:
    program_id: str
    batch_name: str
    recipients: list[NewRecipient]

    def meaning(self) -> dict[str, Any]:
        """What the request asks for, ignored fields left out (the idempotency fingerprint)."""
        return {
            "programId": self.program_id,
            "batchName": self.batch_name,
            "recipients": [[r.name, r.email] for r in self.recipients],
        }


def issue_request(body: Any) -> IssueRequest:
    """Checks in the order of the documented codes: programId, batchName, recipients."""
    fields = _object(body)
    program_id = _required_text(fields, "programId", "MISSING_PROGRAM_ID")
    batch_name = credentials.checked_batch_name(_required_text(fields, "batchName", "MISSING_BATCH_NAME"))
    recipients = fields.get("recipients")
    if recipients is None or recipients == []:
        raise Missing(
            "MISSING_RECIPIENTS", "recipients", "recipients is required and must list at least one recipient."
        )
    return IssueRequest(program_id, batch_name, credentials.checked_recipients(recipients))


def program_request(body: Any) -> dict[str, Any]:
    """`{name, description}` as core listing fields (checked); other fields are ignored."""
    fields = _object(body)
    if fields.get("name") is None:
        raise Invalid("name", "name is required")
    wanted = {"name": fields["name"]}
    if fields.get("description") is not None:
        wanted["description"] = fields["description"]
    return listings.checked(wanted)


# --- responses ---------------------------------------------------------------------------


def program_json(tenant: Tenant) -> sj.json_object:
    """A programme as Record shows it, rendered by the database (lists run to thousands)."""
    return sj.json_object(
        ("programId", listings_table.c.public_id),
        ("name", listings_table.c.name),
        ("description", sa.func.coalesce(listings_table.c.description, "")),
        ("orgId", sa.literal(tenant.org_public_id, sa.Text())),
        ("mode", listings_table.c.mode),
        ("createdAt", sj.iso_millis(listings_table.c.created_at)),
        ("updatedAt", sj.iso_millis(listings_table.c.updated_at)),
    )


def credential_url(public_url: str, recipient_id: str) -> str:
    return f"{public_url}/credentials/{recipient_id}"


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


# --- OpenAPI descriptions (documentation only: responses are built as dicts above) -------

ID = r"^[a-z]+_\d{13}_[0-9a-z]{6}$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
Mode = Literal["test", "live"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordProgram(_Strict):
    programId: str = Field(pattern=ID, examples=["prog_1779175802952_zlymqs"])
    name: str
    description: str
    orgId: str = Field(pattern=ID)
    mode: Mode
    createdAt: str = Field(pattern=TIMESTAMP)
    updatedAt: str = Field(pattern=TIMESTAMP)


class RecordRecipient(_Strict):
    recipientId: str = Field(pattern=ID)
    name: str
    email: str
    credentialUrl: str


class _BatchFields(_Strict):
    batchId: str = Field(pattern=ID)
    programId: str = Field(pattern=ID)
    batchName: str
    orgId: str = Field(pattern=ID)
    mode: Mode
    status: Literal["issued"]
    issuedAt: str = Field(pattern=TIMESTAMP)


class RecordBatch(_BatchFields):
    recipients: list[RecordRecipient]


class RecordBatchSummary(_BatchFields):
    recipientCount: int = Field(ge=1)


class RecordCredential(_Strict):
    recipientId: str = Field(pattern=ID)
    name: str
    programId: str = Field(pattern=ID)
    programName: str
    orgId: str = Field(pattern=ID)
    orgName: str
    batchId: str = Field(pattern=ID)
    batchName: str
    mode: Mode
    status: Literal["issued"]
    issuedAt: str = Field(pattern=TIMESTAMP)
    credentialUrl: str


class _Envelope(_Strict):
    success: Literal[True]
    message: str


class RecordProgramsResponse(_Envelope):
    data: list[RecordProgram]


class RecordProgramResponse(_Envelope):
    data: RecordProgram


class RecordBatchResponse(_Envelope):
    data: RecordBatch


class RecordBatchesResponse(_Envelope):
    data: list[RecordBatchSummary]


class RecordCredentialResponse(_Envelope):
    data: RecordCredential


class RecordError(_Strict):
    success: Literal[False]
    code: Literal[ALL_CODES]  # type: ignore[valid-type]
    message: str


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "VALIDATION_ERROR naming the field, or a MISSING_* code",
        401: "UNAUTHORIZED: key missing, malformed, unknown or revoked",
        403: "FORBIDDEN: the key's organisation is suspended",
        404: "NOT_FOUND: no such id for this organisation and mode",
        409: "IDEMPOTENCY_CONFLICT: the Idempotency-Key was used with another body",
        413: "PAYLOAD_TOO_LARGE",
        503: "SERVICE_UNAVAILABLE: the database is unreachable",
    }
    return {status: {"model": RecordError, "description": descriptions[status]} for status in statuses}


_STRING = {"type": "string", "minLength": 1, "pattern": NOT_BLANK_PATTERN}

ISSUE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["programId", "batchName", "recipients"],
    "properties": {
        "programId": {**_STRING, "examples": ["prog_1779175802952_zlymqs"]},
        "batchName": {**_STRING, "maxLength": 2000},
        "recipients": {
            "type": "array",
            "minItems": 1,
            "maxItems": credentials.MAX_RECIPIENTS,
            "items": {
                "type": "object",
                "required": ["name", "email"],
                "properties": {
                    "name": {**_STRING, "maxLength": 2000},
                    "email": {"type": "string", "format": "email", "maxLength": credentials.MAX_EMAIL_LENGTH},
                },
            },
        },
    },
}

PROGRAM_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {**_STRING, "maxLength": 2000},
        "description": {"type": ["string", "null"], "maxLength": 100_000, "pattern": NO_NUL_PATTERN},
    },
}


def json_request_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
