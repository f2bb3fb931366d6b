"""How the learner routes describe their answers in /openapi.json (documentation only)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from programhub.dialects.catalog.docs import Shape, Timestamp

IsoTimestamp = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", examples=["2024-04-11T15:33:45.503Z"])


class CatalogUser(Shape):
    id: int
    root_account_id: int = Field(description="The organisation's default catalog.")
    canvas_user_id: int | None
    registered_account_id: int = Field(description="The catalog the user registered in.")
    canvas_root_account_uuid: None
    canvas_user_uuid: None
    user_name: str
    first_name: str | None
    last_name: str | None
    email_address: str
    custom_fields: dict[str, str]
    created_at: str = IsoTimestamp
    updated_at: str = IsoTimestamp
    merged_into_user_id: int | None
    time_zone: str | None


class CatalogUserBody(Shape):
    user: CatalogUser


class CatalogUserRegistrationBody(Shape):
    user_registration: CatalogUser


class CatalogUserList(Shape):
    users: list[CatalogUser]


class CatalogPerson(Shape):
    id: int
    name: str
    email: str


class CatalogEnrollmentListing(Shape):
    id: int
    title: str
    type: Literal["Program", "Course"]
    canvas_course_id: int | None


class CatalogEnrollment(Shape):
    id: int
    user: CatalogPerson
    listing: CatalogEnrollmentListing
    root_program_id: int | None = Field(description="The program whose tree brought this enrollment.")
    status: Literal["pending", "active", "completed", "dropped"]
    enrolled_at: str = Timestamp
    requirements_completed_at: str | None = Timestamp
    ends_at: str | None = Timestamp
    created_at: str = Timestamp
    updated_at: str = Timestamp


class CatalogEnrollmentBody(Shape):
    enrollment: CatalogEnrollment


class CatalogEnrollmentList(Shape):
    enrollments: list[CatalogEnrollment]


class CatalogApplicantListing(Shape):
    id: int
    title: str


class CatalogApplicant(Shape):
    id: int
    user: CatalogPerson
    listing: CatalogApplicantListing
    notified_of_opening_at: str | None = Timestamp
    status: Literal["waitlist", "accepted", "declined", "expired"]
    created_at: str = Timestamp
    updated_at: str = Timestamp


class CatalogApplicantBody(Shape):
    applicant: CatalogApplicant


class CatalogApplicantList(Shape):
    applicants: list[CatalogApplicant]


class CatalogEmpty(Shape):
    """`{}`."""


class CatalogRowError(Shape):
    row: int = Field(description="The row's number: 1 for the first row (a CSV file's first line after its header).")
    message: str


class CatalogBulkEnrollment(Shape):
    id: int
    account_id: int = Field(
        description="The catalog: new users register in it; one bulk enrollment runs at a time per catalog."
    )
    workflow_state: Literal["queued", "running", "completed", "failed"]
    progress_id: int
    total_rows: int
    processed_rows: int
    enrolled_count: int
    waitlisted_count: int
    failed_count: int
    row_errors: list[CatalogRowError] = Field(description="The first 1,000 rows' errors.")
    created_at: str = Timestamp
    updated_at: str = Timestamp
    completed_at: str | None = Timestamp


class CatalogBulkEnrollmentBody(Shape):
    bulk_enrollment: CatalogBulkEnrollment


class CatalogBulkEnrollmentList(Shape):
    bulk_enrollments: list[CatalogBulkEnrollment]


class CatalogProgressPayload(Shape):
    enrolled: int
    waitlisted: int
    failed: int


class CatalogProgress(Shape):
    id: int
    context_id: int
    context_type: Literal["BulkEnrollment"]
    tag: Literal["bulk_enrollment"]
    completion_percent: float
    workflow_state: Literal["queued", "running", "completed", "failed"]
    message: str | None
    payload: CatalogProgressPayload
    created_at: str = Timestamp
    updated_at: str = Timestamp


class CatalogProgressBody(Shape):
    progress: CatalogProgress
