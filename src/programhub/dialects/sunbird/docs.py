"""How Sunbird's routes describe their answers in the OpenAPI document (the request
models are in requests.py). Handlers build dicts (or the database builds the JSON); these
models only document the shapes, for clients and for schema-driven tests."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

ResultT = TypeVar("ResultT")
ProgramStatus = Literal["Draft", "Live", "Unlisted", "Retired", "Closed"]
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
    targetprimarycategories: list[dict[str, Any]] | None
    targetprimarycategorynames: list[str] | None
    target_type: str | None
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
    acceptedcontents: list[str] | None
    rejectedcontents: list[str] | None
    sourcingrejectedcomments: Any


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
    matchCount: int | None = Field(None, description="With a sort on framework categories: how many values matched.")


class Nomination(BaseModel):
    id: int
    program_id: str
    user_id: str | None
    organisation_id: str | None
    status: NominationStatus
    content_types: list[str] | None
    targetprimarycategories: list[dict[str, Any]] | None
    targetprimarycategorynames: list[str] | None
    collection_ids: list[str] | None
    feedback: str | None
    rolemapping: RoleMapping | None
    createdby: str | None
    updatedby: str | None
    createdon: str
    updatedon: str | None


class NominationWithProgram(Nomination):
    program: NestedProgram
    matchCount: int | None = Field(None, description="With a sort on framework categories: how many values matched.")


class FieldAggregate(BaseModel):
    name: str
    count: int | None = Field(None, description="Distinct values of the field (any field but status).")
    fields: dict[str, int] | None = Field(None, description="Nominations per status (the status field).")


class NominationCounts(BaseModel):
    count: int
    fields: list[FieldAggregate] | None = Field(None, description="Absent when nothing matches.")


class NominationAggregate(BaseModel):
    """/nomination/list with `limit: 0` (and `fields`)."""

    nomination: NominationCounts


class ContentType(BaseModel):
    id: int
    name: str
    value: str


class ContentTypes(BaseModel):
    count: int
    contentType: list[ContentType]


class ConfigurationRow(BaseModel):
    id: int
    key: str
    value: str
    status: Literal["active", "inactive"]


class Configurations(BaseModel):
    count: int
    configuration: list[ConfigurationRow]


class ConfigurationFound(BaseModel):
    configuration: ConfigurationRow | list[Any] = Field(description="`[]` when no value has that key and status.")


class RootOrganisation(BaseModel):
    id: str
    program_count: int


class Tenants(BaseModel):
    count: int
    content: list[RootOrganisation]


class ProgramReport(BaseModel):
    program_id: str
    values: list[dict[str, Any]] = Field(description="Per collection; programhub holds no collections: empty.")


class ProgramReports(BaseModel):
    tableData: list[ProgramReport]


class NominationStat(BaseModel):
    programName: str
    name: str | None
    type: Literal["Organisation", "Individual"]
    textbooks: int | None
    sample: int
    createdon: str
    status: NominationStatus


class NominationStats(BaseModel):
    stats: list[NominationStat]


class PreferencesSet(BaseModel):
    program_id: str
    user_id: str
    type: str | None = None
    contributor_preference: dict[str, Any]
    sourcing_preference: dict[str, Any]


class Preferences(BaseModel):
    contributor_preference: dict[str, Any]
    sourcing_preference: dict[str, Any]
    synced: bool


class ListResult(BaseModel):
    count: int = Field(description="The number of items on this page, as the reference counts (no total).")
    programs: list[NestedProgram | NominationWithProgram | dict[str, Any]] = Field(
        description=(
            "Programs (as nested in a nomination), or (with an eq/list nomination filter) nominations with "
            "their program; with `fields`, programs with only the keys named."
        )
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


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in {
        400: "CLIENT_ERROR: the body is not JSON, lacks `request`, or a field is wrong (named in errmsg)",
        401: "UNAUTHORIZED: no valid API key",
        403: "UNAUTHORIZED: the key's organisation is suspended",
        404: "RESOURCE_NOT_FOUND: no such program or nomination for this key",
        405: "CLIENT_ERROR: wrong method",
        409: "CLIENT_ERROR: the nominee has already nominated to this program, or the program is retired",
        413: "CLIENT_ERROR: the body is too large",
        500: "SERVER_ERROR",
        503: "SERVER_ERROR: the database is unavailable",
    }.items()
}


def responses(
    result: Any, *, statuses: tuple[int, ...] = (400, 401, 403, 404, 405, 413, 500, 503)
) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": Envelope[result]}, **{status: ERROR_RESPONSES[status] for status in statuses}}
