"""What Catalog's user, enrollment and applicant requests may send (see the dialect's
`requests.py` for the conventions: values read as sent, Catalog's text forms accepted,
unknown keys ignored, the first failing field named)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from programhub.core import validation as check
from programhub.core.credentials.service import MAX_EMAIL_LENGTH
from programhub.core.errors import Invalid
from programhub.core.learners import bulk
from programhub.core.learners import service as learners
from programhub.core.learners.models import APPLICANT_STATUSES, ENROLLMENT_STATUSES
from programhub.dialects.catalog.learners.queries import EnrollmentFilters, Moments
from programhub.dialects.catalog.requests import (
    ID,
    MOMENT,
    NOT_BLANK,
    SHORT,
    SIGNED,
    TRUTHY,
    PageQuery,
    _clearable,
    _Fields,
    _nullable,
    _text,
    boolean,
    choice,
    moment,
    nullable,
    sent,
    short_text,
    unwrapped,
    whole,
)
from programhub.web.requests import parse, rule, schema_of

USER_ROOTS = ("user", "user_registration")
ENROLLMENT_ROOTS = ("enrollment",)

SIGNED_ID = SIGNED  # a Canvas user id: any 32-bit whole number, or its text
TIME_ZONES = sorted(zoneinfo.available_timezones())
CUSTOM_FIELDS = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [{"type": "string", "maxLength": 2000, "pattern": check.NO_NUL_PATTERN}, {"type": "null"}]
    },
    "propertyNames": {"minLength": 1, "maxLength": 255, "pattern": check.NOT_BLANK_PATTERN},
    "maxProperties": learners.MAX_CUSTOM_FIELDS,
    "description": "Values are strings; on update a null value deletes its key, keys not sent stay.",
}
EMAIL = {"type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH}


def _core(name: str) -> Any:
    """The core's check of a user field, under the request's name for it."""
    check_field = learners.USER_FIELDS[name]
    return lambda field, value: check_field(field, value)


def _name(field: str, value: Any) -> str | None:
    return None if value is None else _core("first_name")(field, value)


class UserRequest(_Fields):
    """`PUT /users/{id}`: the fields it names change; `custom_fields` merge."""

    model_config = ConfigDict(title="CatalogUserRequest")

    user_name: Annotated[str | None, sent(short_text, NOT_BLANK)] = None
    first_name: Annotated[str | None, sent(_name, _nullable(_text(SHORT)))] = None
    last_name: Annotated[str | None, sent(_name, _nullable(_text(SHORT)))] = None
    email: Annotated[str | None, sent(_core("email"), EMAIL)] = Field(None, alias="email_address")
    catalog_id: Annotated[int | None, sent(whole, ID)] = Field(None, alias="registered_account_id")
    canvas_user_id: Annotated[int | None, sent(nullable(whole), _clearable(SIGNED_ID))] = None
    custom_fields: Annotated[dict[str, str | None] | None, sent(_core("custom_fields"), CUSTOM_FIELDS)] = None
    time_zone: Annotated[
        str | None,
        sent(
            nullable(_core("time_zone")),
            _clearable({"type": "string", "enum": TIME_ZONES, "description": "An IANA name: Etc/UTC"}),
        ),
    ] = None
    merged_into_user_id: Annotated[int | None, sent(nullable(whole), _clearable(ID))] = None
    clear_merged_into_user_id: Annotated[bool | None, sent(boolean, TRUTHY)] = None

    def core_fields(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_unset=True, exclude={"clear_merged_into_user_id"})
        if self.clear_merged_into_user_id:
            fields["merged_into_user_id"] = None
        return fields


class NewUserRequest(UserRequest):
    """`POST /users`: an email address at least."""

    model_config = ConfigDict(title="CatalogNewUserRequest")

    email: Annotated[str, sent(_core("email"), EMAIL)] = Field(alias="email_address")


# Core field -> the request's name for it.
USER_WIRE_NAMES = {"email": "email_address", "catalog_id": "registered_account_id"}


def user_request(body: Mapping[str, Any], *, new: bool) -> UserRequest:
    return parse(NewUserRequest if new else UserRequest, unwrapped(body, USER_ROOTS))


class EnrollmentRequest(BaseModel):
    """`POST /enrollments`: a listing and a user (by id, or by Canvas user id)."""

    model_config = ConfigDict(
        title="CatalogEnrollmentRequest",
        json_schema_extra={"anyOf": [{"required": ["user_id"]}, {"required": ["canvas_user_id"]}]},
    )

    listing_id: Annotated[int, sent(whole, ID)]
    user_id: Annotated[int | None, sent(whole, ID)] = None
    canvas_user_id: Annotated[int | None, sent(whole, SIGNED_ID)] = None

    @model_validator(mode="after")
    def _someone(self) -> EnrollmentRequest:
        if self.user_id is None and self.canvas_user_id is None:
            raise Invalid("user_id", "user_id (or canvas_user_id) is required")
        return self


def enrollment_request(body: Mapping[str, Any]) -> EnrollmentRequest:
    return parse(EnrollmentRequest, unwrapped(body, ENROLLMENT_ROOTS))


class CompletionRequest(BaseModel):
    """`PUT /enrollments/{id}` (an extension): a course enrollment's completion, or null
    to withdraw it."""

    model_config = ConfigDict(title="CatalogEnrollmentCompletionRequest")

    completed_at: Annotated[datetime | None, sent(nullable(moment), _clearable(MOMENT))]


def completion_request(body: Mapping[str, Any]) -> CompletionRequest:
    return parse(CompletionRequest, unwrapped(body, ENROLLMENT_ROOTS))


Since = Annotated[datetime | None, sent(nullable(moment), _clearable(MOMENT))]


class MomentsQuery(PageQuery):
    created_at_from: Since = Field(None, description="Created at or after (ISO 8601; UTC).")
    created_at_to: Since = Field(None, description="Created at or before.")
    updated_at_from: Since = Field(None, description="Updated at or after.")
    updated_at_to: Since = Field(None, description="Updated at or before.")

    def moments(self) -> Moments:
        return Moments(self.created_at_from, self.created_at_to, self.updated_at_from, self.updated_at_to)


QueryId = Annotated[int | None, Field(None, ge=1, le=2**31 - 1)]


class UserQuery(MomentsQuery):
    """`GET /users`: a page, filters combined with AND."""

    canvas_user_id: int | None = Field(None, ge=-(2**31), le=2**31 - 1, description="Users with this Canvas id.")


class EnrollmentQuery(MomentsQuery):
    """`GET /enrollments`: a page, filters combined with AND."""

    listing_id: QueryId = Field(None, description="Enrollments in this listing.")
    user_id: QueryId = Field(None, description="This user's enrollments.")
    canvas_user_id: int | None = Field(None, ge=-(2**31), le=2**31 - 1, description="By the user's Canvas id.")
    root_program_id: QueryId = Field(None, description="Enrollments a program's tree brought.")
    status: Annotated[str | None, rule(choice(*ENROLLMENT_STATUSES), enum=list(ENROLLMENT_STATUSES))] = Field(
        None, description="pending, active, completed or dropped (dropped ones are listed only when asked for)."
    )

    def filters(self) -> EnrollmentFilters:
        return EnrollmentFilters(
            listing_id=self.listing_id,
            user_id=self.user_id,
            canvas_user_id=self.canvas_user_id,
            root_program_id=self.root_program_id,
            status=self.status,
            moments=self.moments(),
        )


class ApplicantQuery(PageQuery):
    """`GET /applicants`."""

    listing_id: QueryId = Field(None, description="Only applicants for this listing.")
    status: Annotated[str | None, rule(choice(*APPLICANT_STATUSES), enum=list(APPLICANT_STATUSES))] = Field(
        None, description="waitlist, accepted, declined or expired."
    )


class ApplicantsDeletion(BaseModel):
    """`DELETE /applicants`: the listing's applicant records, only one Canvas user's when named."""

    model_config = ConfigDict(title="CatalogApplicantsDeletion")

    listing_id: Annotated[int, sent(whole, ID)]
    canvas_user_id: Annotated[int | None, sent(whole, SIGNED_ID)] = None


class UserDeletion(BaseModel):
    """`DELETE /users/{id}`: `only_orders_and_enrollments` keeps the user."""

    model_config = ConfigDict(title="CatalogUserDeletion")

    only_orders_and_enrollments: Annotated[bool | None, sent(boolean, TRUTHY)] = None


# --- bulk enrollments ------------------------------------------------------------------------

BULK_ROOTS = ("bulk_enrollment",)
CSV_TYPES = ("text/csv", "application/csv")
ROW_VALUE = {"anyOf": [{"type": "string", "maxLength": 2000, "pattern": check.NO_NUL_PATTERN}, {"type": "integer"}]}


class BulkEnrollmentRow(BaseModel):
    """One row: a user (`user_id`, or `email_address` with names: found ignoring case, or
    registered) and a listing. A row's own problem is reported in the result, by its number."""

    model_config = ConfigDict(title="CatalogBulkEnrollmentRow")

    user_id: Annotated[Any, rule(lambda _f, value: value, **ROW_VALUE)] = None
    email_address: Annotated[Any, rule(lambda _f, value: value, **ROW_VALUE)] = None
    first_name: Annotated[Any, rule(lambda _f, value: value, **ROW_VALUE)] = None
    last_name: Annotated[Any, rule(lambda _f, value: value, **ROW_VALUE)] = None
    listing_id: Annotated[Any, rule(lambda _f, value: value, **ROW_VALUE)] = None


class BulkEnrollmentRequest(BaseModel):
    """`POST /bulk_enrollments` as JSON: `{"bulk_enrollment": {"account_id", "rows": [...]}}`
    (or unwrapped). A `text/csv` body is the rows with a header line instead (the catalog
    then in `?account_id=`)."""

    model_config = ConfigDict(title="CatalogBulkEnrollmentRequest")

    account_id: Annotated[int | None, sent(nullable(whole), _clearable(ID))] = None
    rows: Annotated[
        list[Any],
        Field(min_length=1, max_length=bulk.MAX_ROWS, json_schema_extra={"items": schema_of(BulkEnrollmentRow)}),
    ]


def bulk_request(body: Mapping[str, Any]) -> BulkEnrollmentRequest:
    return parse(BulkEnrollmentRequest, unwrapped(body, BULK_ROOTS))
