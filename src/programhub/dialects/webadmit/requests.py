"""What WebAdMIT's requests may send, checked and documented by pydantic from one place.

Today that is the ids in paths: each is a type a route's parameter is annotated with
(`user_identity_id: UserIdentityId`). A path id is declared an integer for clients but
read as text, so that a malformed one gets WebAdMIT's own wording (422) and an integer no
row can have is a plain 404, never a database error. A resource that takes query
parameters or a body adds its pydantic model here, its fields checked by the `rule`s of
`web/requests.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from programhub.core import validation as check
from programhub.core.admissions import answers, batches
from programhub.core.admissions import service as admissions_service
from programhub.core.admissions.models import FIELD_TYPES
from programhub.core.errors import Invalid, NotFound
from programhub.core.validation import INT32
from programhub.web.requests import FIELD, required, text

# Ruby's json-schema message, as WebAdMIT's documentation shows it; `{field}` becomes the
# path parameter's documented name.
NOT_AN_INTEGER = "The property '#/{field}' of type String did not match the following type: integer"
_INTEGER = re.compile(r"-?[0-9]+")


def path_id(kind: str) -> Callable[[str, Any], int]:
    """The parser of a path id of a `kind` ("User identity"): 422 when the text is not an
    integer, 404 naming the id as written when it is one no row can have."""

    def parse(field: str, value: Any) -> int:
        if not isinstance(value, str) or not _INTEGER.fullmatch(value):
            raise Invalid(field, NOT_AN_INTEGER.replace(FIELD, field))
        if len(value.lstrip("-")) > 10 or not 1 <= int(value) <= INT32[1]:
            raise NotFound(kind, value)
        return int(value)

    return parse


UserIdentityId = Annotated[
    int, required(path_id("User identity")), Path(description="Id of one of the key's user identities.")
]


ProgramId = Annotated[int, required(path_id("Program")), Path(description="Id of a program the identity sees.")]
CustomFieldId = Annotated[
    int, required(path_id("CustomeField")), Path(description="Id of a custom field of the program.")
]
ExportId = Annotated[int, required(path_id("Export")), Path(description="Id of a saved export.")]
ExportFileId = Annotated[int, required(path_id("Export file")), Path(description="Id of a file of the export.")]
BatchId = Annotated[int, required(path_id("Batch")), Path(description="Id of a batch of the program.")]
ApplicantCasId = Annotated[str, Path(description="The applicant's CAS ID (digits).", examples=["3"], max_length=64)]


# --- bodies, checked as WebAdMIT's json-schema gem checks them -------------------------------


def schema_error(message: str) -> Invalid:
    """A body that breaks the request schema: 422 `{"errors": {"schema": [message]}}`."""
    return Invalid("schema", message)


def envelope(body: Any, root: str, *, required: bool = False) -> dict[str, Any] | None:
    """The object under `root` of a JSON body (None when absent and not `required`)."""
    if not isinstance(body, dict):
        raise schema_error(answers.type_mismatch("#/", body, "object"))
    if root not in body:
        if required:
            raise schema_error(answers.missing("#/", root))
        return None
    inner = body[root]
    if inner is None and not required:  # documented as optional: null is as absent
        return None
    if not isinstance(inner, dict):
        raise schema_error(answers.type_mismatch(f"#/{root}", inner, "object"))
    return inner


def optional_id(values: dict[str, Any], key: str, pointer: str, *, nullable: bool) -> tuple[bool, int | None]:
    """(given, value) of an integer field; an integer no row can have is kept (it is
    NotFound later, named as sent)."""
    if key not in values:
        return False, None
    value = values[key]
    if value is None and nullable:
        return True, None
    return True, _integer(value, f"{pointer}/{key}")


def _integer(value: Any, pointer: str) -> int:
    """An integer, JSON's way: 43.0 is 43 (JSON Schema counts it an integer)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise schema_error(answers.type_mismatch(pointer, value, "integer"))
    if not check.INT64[0] <= value <= check.INT64[1]:
        bound, which = (check.INT64[1], "maximum") if value > 0 else (check.INT64[0], "minimum")
        raise schema_error(f"The property '{pointer}' did not have a {which} value of {bound}, inclusively")
    return value


def batch_rows(body: Any, root: str, fields: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of a batch: `root` an array of at most MAX_ROWS objects, each with every
    field of `fields` (name: JSON type; `any` is a value of an answer)."""
    if not isinstance(body, dict):
        raise schema_error(answers.type_mismatch("#/", body, "object"))
    if root not in body:
        raise schema_error(answers.missing("#/", root))
    rows = body[root]
    if not isinstance(rows, list):
        raise schema_error(answers.type_mismatch(f"#/{root}", rows, "array"))
    if len(rows) > batches.MAX_ROWS:
        raise schema_error(f"The property '#/{root}' had more items than the allowed {batches.MAX_ROWS}")
    checked = []
    for index, row in enumerate(rows):
        pointer = f"#/{root}/{index}"
        if not isinstance(row, dict):
            raise schema_error(answers.type_mismatch(pointer, row, "object"))
        for name in fields:
            if name not in row:
                raise schema_error(answers.missing(pointer, name))
        values = {name: _checked(row[name], kind, f"{pointer}/{name}") for name, kind in fields.items()}
        checked.append(values)
    return checked


def _checked(value: Any, kind: str, pointer: str) -> Any:
    if kind == "integer":
        return _integer(value, pointer)
    if kind == "string":
        if not isinstance(value, str):
            raise schema_error(answers.type_mismatch(pointer, value, "string"))
        if len(value) > MAX_TEXT:
            raise schema_error(f"The property '{pointer}' was not of a maximum string length of {MAX_TEXT}")
        if "\x00" in value:
            raise schema_error(f"The property '{pointer}' must not contain NUL characters")
    elif kind == "field_type":
        if not isinstance(value, str):
            raise schema_error(answers.type_mismatch(pointer, value, "string"))
        if value not in FIELD_TYPES:
            raise schema_error(answers.not_in_enum(pointer, value, ", ".join(FIELD_TYPES)))
    elif value is not None and (isinstance(value, dict | list) or (isinstance(value, str) and "\x00" in value)):
        raise schema_error(
            f"The property '{pointer}' of type {answers.ruby_type(value)} did not match one or more of the "
            "following types: boolean, string, number, null"
        )
    return value


MAX_TEXT = 255


# --- what the bodies look like, for the OpenAPI document (checked by the functions above,
# in WebAdMIT's words, or by `parse` for programhub's own extension routes) ----------------

CasIdText = Annotated[str, Field(pattern=r"^[0-9]{1,20}$", examples=["3"])]
Label = Annotated[str, text(max_length=check.INDEXED_TEXT, blank=False)]


Id64 = Annotated[int, Field(ge=check.INT64[0], le=check.INT64[1])]


class ApplicantChange(BaseModel):
    decision_id: Id64 | None = Field(default=None, description="The decision to set.", examples=[42])


class ApplicantPatch(BaseModel):
    applicant: ApplicantChange | None = None


class DesignationChange(BaseModel):
    decision_id: Id64 | None = Field(default=None, description="The decision to set (null clears it).", examples=[43])
    local_status_id: Id64 | None = Field(
        default=None, description="programhub's extension: the local status to set (null clears it).", examples=[7]
    )


class DesignationPatch(BaseModel):
    designation: DesignationChange | None = None


AnswerValue = bool | float | Annotated[str, Field(max_length=answers.MAX_STRING, pattern=check.NO_NUL_PATTERN)] | None


class AnswerStore(BaseModel):
    field_type: Literal["boolean", "number", "date", "string", "select"]
    value: AnswerValue


class AnswerPut(BaseModel):
    custom_field_answer: AnswerStore


class BatchDesignation(BaseModel):
    applicant_cas_id: Annotated[str, Field(max_length=MAX_TEXT, pattern=check.NO_NUL_PATTERN)]
    decision_id: Id64


class BatchDesignationsPost(BaseModel):
    designations: Annotated[list[BatchDesignation], Field(max_length=batches.MAX_ROWS)]


class BatchAnswer(BaseModel):
    applicant_cas_id: Annotated[str, Field(max_length=MAX_TEXT, pattern=check.NO_NUL_PATTERN)]
    custom_field_id: Id64
    field_type: Literal["boolean", "number", "date", "string", "select"]
    value: bool | float | Annotated[str, Field(pattern=check.NO_NUL_PATTERN)] | None


class BatchAnswersPost(BaseModel):
    custom_field_answers: Annotated[list[BatchAnswer], Field(max_length=batches.MAX_ROWS)]


class ExportRun(BaseModel):
    callback: str | None = Field(
        default=None,
        description="URL to POST the file's status to when it is ready (an allowed host).",
        max_length=2000,
    )


class NewApplicantFields(BaseModel):
    # Python's re, as the core's check and the documented pattern's readers use.
    model_config = ConfigDict(extra="ignore", regex_engine="python-re")

    cas_id: CasIdText
    email: Annotated[str, Field(max_length=check.INDEXED_TEXT, pattern=admissions_service.EMAIL_PATTERN)]
    first_name: Label
    last_name: Label
    program_ids: Annotated[list[Annotated[int, Field(ge=1, le=INT32[1])]], Field(max_length=100)] = []


class NewApplicant(BaseModel):
    applicant: NewApplicantFields


class NewDecisionFields(BaseModel):
    name: Label
    outcome: Literal["admit", "deny", "withdraw", "none"]


class NewDecision(BaseModel):
    decision: NewDecisionFields


class NewLocalStatusFields(BaseModel):
    title: Label


class NewLocalStatus(BaseModel):
    local_status: NewLocalStatusFields


OptionText = Annotated[str, Field(min_length=1, max_length=check.INDEXED_TEXT)]


class NewCustomFieldFields(BaseModel):
    label: Label
    field_type: Literal["boolean", "number", "date", "string", "select"]
    options: Annotated[list[OptionText] | None, Field(min_length=1, max_length=200)] = None


class NewCustomField(BaseModel):
    custom_field: NewCustomFieldFields


class NewExportFields(BaseModel):
    name: Label
    list_type: Literal["all"] = "all"
    format: Literal["Comma-Separated Values"] = "Comma-Separated Values"


class NewExport(BaseModel):
    export: NewExportFields
