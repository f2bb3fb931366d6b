"""How WebAdMIT's routes describe their answers in the OpenAPI document (the path ids are
in requests.py). Handlers build dicts and JSON; these models only document the shapes,
and are never used to validate at run time."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IdentityType = Literal["Admissions User", "Association User", "Institution User"]


class WebAdmitUserIdentity(BaseModel):
    id: int = Field(description="Unique identifier for this user identity.", examples=[42])
    type: IdentityType = Field(description="Type of access granted by this user identity.")
    association: str | None = Field(description="The association this identity belongs to, or null.")
    institution: str | None = Field(description="The institution this identity belongs to, or null.")
    organization: str | None = Field(description="The organization this identity acts for.")
    cycle: str | None = Field(description="Academic cycle this identity can access.", examples=["2025 - 2026"])


class WebAdmitUserIdentityList(BaseModel):
    href: Literal["/api/v1/user_identities"]
    user_identities: list[WebAdmitUserIdentity]


class WebAdmitProgram(BaseModel):
    id: int = Field(description="Unique identifier of this program (the Canvas Catalog id too).")
    name: str = Field(description="Human-readable name of this program.", examples=["Potions"])
    organization_name: str | None = Field(description="Name of the organization whose program this is.")


class WebAdmitProgramList(BaseModel):
    href: str = Field(
        pattern=r"^/api/v1/user_identities/\d+/programs$", examples=["/api/v1/user_identities/1/programs"]
    )
    programs: list[WebAdmitProgram]


class WebAdmitOrganization(BaseModel):
    id: int = Field(description="Unique identifier of this organization.")
    name: str = Field(description="Human-readable name of this organization.")
    cycle_name: str | None = Field(description="Academic cycle of this organization.")
    association_name: str | None = Field(description="The association this organization belongs to, or null.")
    cas3: bool = Field(description="Always true: programhub speaks the CAS3 API.")
    config_portal_identifier: str = Field(description="The organization id, as text.")


class WebAdmitOrganizationList(BaseModel):
    href: str = Field(
        pattern=r"^/api/v1/user_identities/\d+/organizations$", examples=["/api/v1/user_identities/1/organizations"]
    )
    organizations: list[WebAdmitOrganization]


class WebAdmitSchemaMessages(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: list[str] = Field(alias="schema", min_length=1)


class WebAdmitSchemaErrors(BaseModel):
    """`{"errors": {"schema": ["User identity '999' not found."]}}`"""

    errors: WebAdmitSchemaMessages


class WebAdmitErrors(BaseModel):
    """`{"errors": {"schema": ["..."]}}`, or a field's own: `{"errors": {"value": ["..."]}}`"""

    errors: dict[str, list[str]] = Field(min_length=1)


class WebAdmitLegacyMessage(BaseModel):
    """`{"message": "Not Found"}`"""

    message: str


def _header(description: str) -> dict[str, Any]:
    return {"schema": {"type": "integer", "minimum": 0}, "description": description}


def _rate_limit_headers(*, refused: bool = False) -> dict[str, Any]:
    headers = {
        "X-RateLimit-Limit": _header("Calls allowed per key per hour."),
        "X-RateLimit-Remaining": _header("Calls left to this key in the current hour."),
    }
    if refused:
        headers["Retry-After"] = _header("Seconds until the hour turns and calls are allowed again.")
    return headers


def answers(
    success: type[BaseModel] | None,
    *,
    names_identity: bool,
    status: int = 200,
    body: bool = False,
    counted: bool = True,
    conflict: bool = False,
) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a WebAdMIT route, `success` its `status`'s model; a route
    whose path `names_identity` (or another id) also answers 404 and 422, one that reads a
    `body` 400, 413 and 415 (fresh dicts: FastAPI edits them)."""
    headers = _rate_limit_headers() if counted else {}
    documented: dict[int | str, dict[str, Any]] = {
        status: {"model": success, "description": "OK", "headers": headers},
        401: {"description": "Missing, unknown or revoked API key (empty body)."},
        403: {"description": "The key's organisation is suspended (empty body)."},
        429: {
            "model": WebAdmitSchemaErrors,
            "description": "Past the hourly rate limit of the key.",
            "headers": _rate_limit_headers(refused=True),
        },
        503: {"model": WebAdmitLegacyMessage, "description": "The database is unavailable."},
    }
    if success is None:  # a file, described by the route itself
        del documented[status]["model"]
    if body:
        names_identity = True
        documented[400] = {"model": WebAdmitSchemaErrors, "description": "The body is not JSON."}
        documented[413] = {"model": WebAdmitLegacyMessage, "description": "The body is too large."}
        documented[415] = {"model": WebAdmitLegacyMessage, "description": "The body is a multipart form."}
    if conflict:
        documented[409] = {
            "model": WebAdmitSchemaErrors,
            "description": "The Idempotency-Key was used for another request.",
        }
    if names_identity:
        documented[404] = {
            "model": WebAdmitSchemaErrors,
            "description": "No such user identity (program, applicant, custom field, ...) for this key.",
            "headers": _rate_limit_headers(),
        }
        documented[422] = {
            "model": WebAdmitErrors,
            "description": "An id is not an integer, or the body breaks the request schema or a rule of a field.",
            "headers": _rate_limit_headers(),
        }
    return documented


# --- admissions ---------------------------------------------------------------------------


class WebAdmitDecisionRef(BaseModel):
    id: int = Field(description="Unique identifier of this decision.", examples=[42])
    name: str = Field(description="Human-readable name for this decision.", examples=["Offer Accepted"])


class WebAdmitLocalStatusRef(BaseModel):
    id: int = Field(description="Unique identifier of this local status.", examples=[123456])
    title: str = Field(description="Human-readable title for this local status.", examples=["Deposit Made"])


class WebAdmitApplicant(BaseModel):
    href: str
    cas_id: str = Field(description="The CAS ID for this applicant.", examples=["3"])
    decision: WebAdmitDecisionRef | None
    local_status: WebAdmitLocalStatusRef | None


class WebAdmitApplicantShow(BaseModel):
    applicant: WebAdmitApplicant


class WebAdmitDesignation(BaseModel):
    href: str
    decisions_href: str
    decision: WebAdmitDecisionRef | None
    local_status: WebAdmitLocalStatusRef | None


class WebAdmitDesignationShow(BaseModel):
    designation: WebAdmitDesignation


class WebAdmitDecisionList(BaseModel):
    href: str = Field(pattern=r"^/api/v1/user_identities/\d+/decisions$")
    decisions: list[WebAdmitDecisionRef]


Outcome = Literal["admit", "deny", "withdraw", "none"]


class WebAdmitDecision(WebAdmitDecisionRef):
    outcome: Outcome = Field(description="programhub's extension: what the decision does to the applicant.")


class WebAdmitDecisionCreated(BaseModel):
    decision: WebAdmitDecision


class WebAdmitLocalStatusCreated(BaseModel):
    local_status: WebAdmitLocalStatusRef


FieldType = Literal["boolean", "number", "date", "string", "select"]


class WebAdmitCustomField(BaseModel):
    id: int
    label: str
    field_type: FieldType
    options: list[str] | None = Field(description="The allowed values of a select field; null otherwise.")


class WebAdmitCustomFieldList(BaseModel):
    href: str
    custom_fields: list[WebAdmitCustomField]


class WebAdmitCustomFieldCreated(BaseModel):
    custom_field: WebAdmitCustomField


class WebAdmitAnswer(BaseModel):
    href: str
    custom_field_id: int
    label: str
    field_type: FieldType
    value: bool | float | str | None


class WebAdmitAnswerShow(BaseModel):
    custom_field_answer: WebAdmitAnswer


class WebAdmitNewDesignation(BaseModel):
    program_id: int
    href: str


class WebAdmitNewApplicant(BaseModel):
    cas_id: str
    email: str
    first_name: str
    last_name: str
    designations: list[WebAdmitNewDesignation]


class WebAdmitApplicantCreated(BaseModel):
    applicant: WebAdmitNewApplicant


class WebAdmitExport(BaseModel):
    id: int
    name: str
    list_type: Literal["all"] | None
    format: Literal["Comma-Separated Values"]
    mime_type: Literal["text/csv;charset=iso-8859-1"]


class WebAdmitExportList(BaseModel):
    href: str
    exports: list[WebAdmitExport]


class WebAdmitExportCreated(BaseModel):
    export: WebAdmitExport


ExportStatus = Literal[
    "Initializing", "Queued", "In Progress", "Available", "Success With Errors", "Empty List", "Failed"
]


class WebAdmitExportFile(BaseModel):
    id: int
    href: str
    export_id: int
    status: ExportStatus


class WebAdmitExportFileChecked(WebAdmitExportFile):
    download_url: str | None = Field(
        default=None, description="Once the file is Available or an Empty List: a link to it, valid for 25 seconds."
    )


class WebAdmitExportFileShow(BaseModel):
    export_files: WebAdmitExportFileChecked


class WebAdmitExportFileList(BaseModel):
    href: str
    export_files: list[WebAdmitExportFile]


BatchStatus = Literal["Queued", "In Progress", "Available", "Success With Errors", "Failed"]


class WebAdmitBatchResultDesignation(BaseModel):
    decision: WebAdmitDecisionRef
    applicant_cas_id: str
    errors: dict[str, str] | None


class WebAdmitBatchAnswer(BaseModel):
    custom_field_id: int
    label: str | None
    field_type: FieldType
    value: bool | float | str | None


class WebAdmitBatchResultAnswer(BaseModel):
    custom_field_answer: WebAdmitBatchAnswer
    applicant_cas_id: str
    errors: dict[str, str] | None


class WebAdmitBatchState(BaseModel):
    id: int
    status: BatchStatus
    results: list[WebAdmitBatchResultDesignation] | list[WebAdmitBatchResultAnswer] | None = None


class WebAdmitBatch(BaseModel):
    href: str
    batch: WebAdmitBatchState
