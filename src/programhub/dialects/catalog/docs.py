"""How Catalog's routes describe their answers in /openapi.json (the request models are in
requests.py). Handlers build JSON themselves; these models only document the shapes
(nothing validates responses at run time)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from programhub.dialects.catalog.responses import COURSE, PROGRAM


class Shape(BaseModel):
    """A documented shape: exactly these keys."""

    model_config = ConfigDict(extra="forbid")


TIMESTAMP = r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \+0000$"
Timestamp = Field(pattern=TIMESTAMP, examples=["2025/03/28 13:11:23 +0000"])


class CatalogListingCatalog(Shape):
    id: int
    name: str


class CatalogCanvasCourse(Shape):
    id: int


class CatalogListingFields(Shape):
    id: int
    visibility: str
    enrollment_open: bool
    enrollment_open_from: str | None = Timestamp
    enrollment_open_to: str | None = Timestamp
    enrollment_cap: int | None
    description: str | None
    enrollment_fee: float = Field(description="In the currency's unit: 0, 49.99.")
    created_at: str = Timestamp
    credits: float | None = Field(description="Its own, or else the sum of its requirements' credits.")
    measurement: str
    updated_at: str = Timestamp
    short_description: str | None
    listing_path: str
    listing_image: str | None
    currency: str
    catalog: CatalogListingCatalog
    title: str
    list_order: int | None
    waitlist: bool
    waitlist_cap: int | None
    sku: str | None
    show_free_banner: bool
    image_alt_text: str | None
    allowed_payment_types: list[str]
    tag_names: list[str]
    listing_url: str
    start_date: str | None = Timestamp
    end_date: str | None = Timestamp
    canvas_section_id: int | None
    associated_account_ids: list[int]


class CatalogCourse(CatalogListingFields):
    type: Literal["Course"]
    canvas_course: CatalogCanvasCourse | None


class CatalogProgram(CatalogListingFields):
    type: Literal["Program"]
    sequential: bool
    requirements: list[CatalogProgram | CatalogCourse] = Field(
        description="Ordered; full nested listings to any depth."
    )


class CatalogProgramBody(Shape):
    program: CatalogProgram


class CatalogProgramList(Shape):
    programs: list[CatalogProgram]


class CatalogCourseBody(Shape):
    course: CatalogCourse


class CatalogCourseList(Shape):
    courses: list[CatalogCourse]


class CatalogAccountSettings(Shape):
    privacy_policy_url: str | None
    terms_url: str | None
    currency: str
    supported_payment_types: str
    time_zone: str | None
    country: str | None
    measurement: str
    allow_user_registration: bool
    private_catalog: bool
    show_listings_in_parent: bool


class CatalogAccount(Shape):
    id: int
    name: str
    parent: None
    created_at: str = Timestamp
    updated_at: str = Timestamp
    canvas_domain: str | None
    canvas_id: int | None
    settings: CatalogAccountSettings
    url: str
    measurement: str


class CatalogAccountBody(Shape):
    account: CatalogAccount


class CatalogAccountList(Shape):
    catalogs: list[CatalogAccount]


class CatalogCertificate(Shape):
    id: int
    listing_id: int
    name: str
    active: bool
    template: str
    pdf_settings: dict[str, Any]
    created_at: str = Timestamp
    updated_at: str = Timestamp
    days_to_expire: int | None = Field(description="Days an award stays valid; null: see expires_at.")
    expires_at: str | None = Timestamp


class CatalogCertificateBody(Shape):
    certificate: CatalogCertificate


class CatalogRevokedCertificate(Shape):
    canvas_user_id: int | None
    canvas_course_id: int | None
    listing_id: int


class CatalogRevokedCertificates(Shape):
    revoked_certificates: list[CatalogRevokedCertificate]


class CatalogCompletedCertificate(Shape):
    canvas_course_id: int | None
    catalog_title: str
    canvas_course_name: str
    certificate_url: str | None = Field(description="The credential's page (Record's credentialUrl); null: none.")
    canvas_course_workflow_state: Literal["available", "completed", "unpublished", "deleted"]
    completed_at: str | None = Timestamp


class CatalogCompletedCertificates(Shape):
    completed_certificates: list[CatalogCompletedCertificate]


class CatalogErrorItem(Shape):
    message: str
    field: str | None = Field(default=None, description="The request field at fault, when there is one.")


class CatalogErrors(Shape):
    errors: list[CatalogErrorItem]


class CatalogArchiveFailure(CatalogErrors):
    failed_product_ids: list[int] = Field(default_factory=list, description="When ids failed: those ids.")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error responses in Catalog's envelope, with their descriptions."""
    text = {
        400: "The body is not valid JSON (or not a readable form).",
        401: "No valid API key.",
        403: "The key's organisation is suspended.",
        404: "No such resource for this key's organisation and mode.",
        409: "The listing is a requirement of other programs.",
        413: "The body is too large.",
        415: "A multipart body (send JSON or a URL-encoded form).",
        422: "A field or parameter is not valid; `field` names it.",
    }
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": CatalogErrors, "description": text[status]} for status in (401, 403, *statuses)
    }
    return responses


LINK = {
    "Link": {"description": "RFC 8288 links to the first, prev, next and last pages.", "schema": {"type": "string"}}
}

KIND_MODELS: dict[str, tuple[type[Shape], type[Shape]]] = {
    PROGRAM: (CatalogProgramBody, CatalogProgramList),
    COURSE: (CatalogCourseBody, CatalogCourseList),
}
