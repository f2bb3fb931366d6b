"""How the Sunbird routes describe themselves in the OpenAPI document.

Bodies are read and checked by the dialect itself (body.py, listquery.py, schemas.py), so
that every fault is answered in Sunbird's envelope with the field named; the models here
only document the shapes, for clients and for schema-driven tests.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

ResultT = TypeVar("ResultT")
ProgramStatus = Literal["Draft", "Live", "Unlisted", "Retired"]
ProgramType = Literal["public", "private", "restricted"]
NominationStatus = Literal["Pending", "Approved", "Rejected", "Initiated"]
RoleMapping = dict[str, list[str]]


class ResponseParams(BaseModel):
    resmsgid: str
    msgid: str | None
    status: Literal["successful", "failed"]
    err: str | None
    errmsg: str | None


class Envelope(BaseModel, Generic[ResultT]):
    id: str = Field(examples=["api.program.list"])
    ts: str = Field(examples=["2021-03-09T10:09:39.432Z"])
    params: ResponseParams
    responseCode: str = Field(examples=["OK"])
    result: ResultT


class ErrorEnvelope(Envelope[dict[str, Any]]):
    """`params.status` "failed", `params.err` a code such as ERR_LIST_PROGRAM_DATA,
    `params.errmsg` a sentence naming the field; `result` is empty."""


class ProgramCommon(BaseModel):
    program_id: str
    name: str
    type: ProgramType
    collection_ids: list[str] | None
    content_types: list[str] | None
    target_collection_category: list[str] | None
    startdate: str | None
    enddate: str | None
    nomination_enddate: str | None
    shortlisting_enddate: str | None
    content_submission_enddate: str | None
    image: str | None
    status: ProgramStatus
    slug: str | None
    rolemapping: RoleMapping | None
    createdby: str | None
    updatedby: str | None
    createdon: str
    updatedon: str
    rootorg_id: str | None
    sourcing_org_name: str | None
    channel: str | None
    template_id: str | None
    guidelines_url: str | None


class Program(ProgramCommon):
    """A program as /read shows it."""

    description: str | None
    config: dict[str, Any]


class NestedProgram(ProgramCommon):
    """A program inside a nomination: the config's categories flattened to text."""

    subject: str | None
    defaultContributeOrgReview: str | None
    framework: str | None
    board: str | None
    gradeLevel: str | None
    medium: str | None


class Nomination(BaseModel):
    id: int
    program_id: str
    user_id: str | None
    organisation_id: str | None
    status: NominationStatus
    content_types: list[str] | None
    collection_ids: list[str] | None
    feedback: str | None
    rolemapping: RoleMapping | None
    createdby: str | None
    updatedby: str | None
    createdon: str
    updatedon: str | None


class NominationWithProgram(Nomination):
    program: NestedProgram


class ListResult(BaseModel):
    count: int = Field(description="The total number of matches, whatever the page.")
    programs: list[Program | NominationWithProgram] = Field(
        description="Programs, or (with an eq/list nomination filter) nominations with their program."
    )


class ProgramRef(BaseModel):
    program_id: str


class NominationAdded(BaseModel):
    program_id: str
    user_id: str | None
    id: int


class NominationRef(BaseModel):
    program_id: str
    user_id: str | None = None
    organisation_id: str | None = None


# --- request bodies ---------------------------------------------------------------------


class RequestParams(BaseModel):
    msgid: str | None = None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgramFields(Strict):
    name: str | None = None
    description: str | None = None
    type: ProgramType | None = None
    startdate: str | None = Field(None, examples=["2020-05-31T18:30:00.000Z"])
    enddate: str | None = None
    nomination_enddate: str | None = None
    shortlisting_enddate: str | None = None
    content_submission_enddate: str | None = None
    content_types: list[str] | None = None
    collection_ids: list[str] | None = None
    target_collection_category: list[str] | None = None
    rolemapping: RoleMapping | None = None
    config: dict[str, Any] | None = None
    slug: str | None = None
    channel: str | None = None
    template_id: str | None = None
    guidelines_url: str | None = None
    image: str | None = None
    rootorg_id: str | None = None
    sourcing_org_name: str | None = None
    createdby: str | None = None
    updatedby: str | None = None


class CreateFields(ProgramFields):
    name: str
    type: ProgramType
    status: Literal["Draft"] | None = None


class UpdateFields(ProgramFields):
    program_id: str
    status: ProgramStatus | None = None


class StatusChange(Strict):
    program_id: str
    channel: str | None = Field(None, description="Accepted for compatibility; programhub copies no collections.")


class Nominee(Strict):
    program_id: str
    user_id: str | None = None
    organisation_id: str | None = None
    id: int | None = Field(None, description="Narrows the match to this nomination.")


class NominationAdd(Strict):
    program_id: str
    user_id: str | None = None
    organisation_id: str | None = None
    status: NominationStatus
    content_types: list[str] | None = None
    collection_ids: list[str] | None = None
    feedback: str | None = None
    rolemapping: RoleMapping | None = None
    createdby: str | None = None
    updatedby: str | None = None


class NominationChange(Nominee):
    status: NominationStatus | None = None
    content_types: list[str] | None = None
    collection_ids: list[str] | None = None
    feedback: str | None = None
    rolemapping: RoleMapping | None = None
    updatedby: str | None = None


OneOrMany = str | list[str]


class NominationListFilters(Strict):
    program_id: OneOrMany | None = None
    user_id: OneOrMany | None = None
    organisation_id: OneOrMany | None = None
    status: NominationStatus | list[NominationStatus] | None = None


class NominationList(Strict):
    filters: NominationListFilters | None = None
    limit: int | None = Field(None, ge=0, description="Default 300, at most 1000.")
    offset: int | None = Field(None, ge=0)


class IdOperator(Strict):
    eq: str | None = None
    ne: str | None = None


class NominationFilter(Strict):
    organisation_id: IdOperator | OneOrMany | None = None
    user_id: IdOperator | OneOrMany | None = None
    status: NominationStatus | list[NominationStatus] | None = None
    roles: dict[Literal["or"], list[str]] | None = None


class ListFilters(Strict):
    type: ProgramType | list[ProgramType] | None = None
    status: ProgramStatus | list[ProgramStatus] | None = None
    program_id: OneOrMany | None = None
    name: str | None = Field(None, description="Case-insensitive substring.")
    nomination_enddate: Literal["open", "closed"] | None = None
    content_submission_enddate: Literal["open", "closed"] | None = None
    content_types: OneOrMany | None = None
    target_collection_category: OneOrMany | None = None
    board: OneOrMany | None = None
    medium: OneOrMany | None = None
    gradeLevel: OneOrMany | None = None
    subject: OneOrMany | None = None
    rootorg_id: OneOrMany | None = None
    createdby: OneOrMany | None = None
    channel: OneOrMany | None = None
    nomination: NominationFilter | None = None


class ListRequest(Strict):
    filters: ListFilters
    sort: dict[str, Any] | None = Field(
        None,
        description='{"<name|createdon|updatedon|startdate|enddate|nomination_enddate>": "asc"|"desc"}, '
        'or relevance: {"medium": [...], "gradeLevel": [...], "subject": [...]}',
    )
    limit: int | None = Field(None, ge=0, description="Default 300, at most 1000.")
    offset: int | None = Field(None, ge=0)


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` describing `{"params": {...}, "request": <model>}` (inlined)."""
    schema = {
        "type": "object",
        "required": ["request"],
        "properties": {
            "params": _inline(RequestParams.model_json_schema()),
            "request": _inline(model.model_json_schema()),
        },
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace `$ref`s into `$defs` by the definitions themselves (the models are not recursive)."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)  # type: ignore[no-any-return]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in {
        400: "CLIENT_ERROR: the body is not JSON, lacks `request`, or a field is wrong (named in errmsg)",
        401: "UNAUTHORIZED: no valid API key",
        403: "UNAUTHORIZED: the key's organisation is suspended",
        404: "RESOURCE_NOT_FOUND: no such program or nomination for this key",
        405: "CLIENT_ERROR: wrong method",
        409: "CLIENT_ERROR: the nominee has already nominated to this program",
        413: "CLIENT_ERROR: the body is too large",
        500: "SERVER_ERROR",
        503: "SERVER_ERROR: the database is unavailable",
    }.items()
}


def responses(result: Any, *, statuses: tuple[int, ...] = (400, 401, 403, 404, 405, 413, 500, 503)) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": Envelope[result]}, **{status: ERROR_RESPONSES[status] for status in statuses}}
