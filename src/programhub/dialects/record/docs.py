"""How Record's routes describe their answers in the OpenAPI document (the request models
are in requests.py). Handlers build dicts; these models only document the shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from programhub.dialects.record.errors import ALL_CODES

ID = r"^[a-z]+_\d{13}_[0-9a-z]{6}$"
# A recipient id is a credential link's secret: 22 random base62 characters (older ones: ID).
RECIPIENT_ID = r"^rec_\d{13}_(?:[0-9A-Za-z]{22}|[0-9a-z]{6})$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
Mode = Literal["test", "live"]
Status = Literal["issued", "revoked", "expired"]


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
    recipientId: str = Field(pattern=RECIPIENT_ID)
    name: str
    email: str
    credentialUrl: str
    status: Status = Field(description="Extension: issued, revoked, or expired (past expiresAt).")
    expiresAt: str | None = Field(pattern=TIMESTAMP, description="Extension: when the credential expires.")
    revokedAt: str | None = Field(pattern=TIMESTAMP, description="Extension: when it was revoked.")
    revocationReason: str | None = Field(description="Extension: the reason given when revoking it.")


class _BatchFields(_Strict):
    batchId: str = Field(pattern=ID)
    programId: str = Field(pattern=ID)
    batchName: str
    orgId: str = Field(pattern=ID)
    mode: Mode
    status: Status = Field(
        description="issued; revoked once all its credentials are; expired once its latest expiry has passed."
    )
    issuedAt: str = Field(pattern=TIMESTAMP)
    expiresAt: str | None = Field(pattern=TIMESTAMP, description="Extension: its latest expiry (null: never).")


class RecordBatch(_BatchFields):
    recipients: list[RecordRecipient]


class RecordBatchSummary(_BatchFields):
    recipientCount: int = Field(ge=1)


class RecordCredential(_Strict):
    recipientId: str = Field(pattern=RECIPIENT_ID)
    name: str
    programId: str = Field(pattern=ID)
    programName: str
    orgId: str = Field(pattern=ID)
    orgName: str
    batchId: str = Field(pattern=ID)
    batchName: str
    mode: Mode
    status: Status
    issuedAt: str = Field(pattern=TIMESTAMP)
    credentialUrl: str
    expiresAt: str | None = Field(pattern=TIMESTAMP)
    revokedAt: str | None = Field(pattern=TIMESTAMP)
    revocationReason: str | None


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


class RecordRecipientResponse(_Envelope):
    data: RecordRecipient


class RecordRecipientsResponse(_Envelope):
    data: list[RecordRecipient]


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
