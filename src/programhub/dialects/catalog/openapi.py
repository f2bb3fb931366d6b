"""How the Catalog routes describe themselves in /openapi.json. Handlers return plain
dicts; these models and schemas only document the shapes (nothing validates responses at
run time)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from programhub.dialects.catalog.accounts import ROOT_KEYS, SETTINGS
from programhub.dialects.catalog.schemas import COURSE, FIELDS, PROGRAM

TIMESTAMP = r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \+0000$"
Timestamp = Field(pattern=TIMESTAMP, examples=["2025/03/28 13:11:23 +0000"])


class CatalogListingCatalog(BaseModel):
    id: int
    name: str


class CatalogCanvasCourse(BaseModel):
    id: int


class CatalogListingFields(BaseModel):
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
    requirements: list[CatalogProgram | CatalogCourse] = Field(description="Ordered; full nested listings to any depth.")


class CatalogProgramBody(BaseModel):
    program: CatalogProgram


class CatalogProgramList(BaseModel):
    programs: list[CatalogProgram]


class CatalogCourseBody(BaseModel):
    course: CatalogCourse


class CatalogCourseList(BaseModel):
    courses: list[CatalogCourse]


class CatalogAccountSettings(BaseModel):
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


class CatalogAccount(BaseModel):
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


class CatalogAccountBody(BaseModel):
    account: CatalogAccount


class CatalogAccountList(BaseModel):
    catalogs: list[CatalogAccount]


class CatalogErrorItem(BaseModel):
    message: str
    field: str | None = Field(default=None, description="The request field at fault, when there is one.")


class CatalogErrors(BaseModel):
    errors: list[CatalogErrorItem]


class CatalogArchiveFailure(CatalogErrors):
    failed_product_ids: list[int]


def errors(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
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
    for status, description in described.items():
        responses[int(status.lstrip("_"))]["description"] = description
    return responses


LINK = {"Link": {"description": "RFC 8288 links to the first, prev, next and last pages.", "schema": {"type": "string"}}}

_TRUTHY = {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false", "1", "0"]}]}
_INT = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^[+-]?\d{1,19}$"}]}
_NUMBER = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}]}
_MOMENT = {"type": "string", "description": "ISO 8601 (2025-03-21T13:11:23Z, 2025-03-21) or 2025/03/21 13:11:23 +0000."}
_IDS = {"anyOf": [{"type": "array", "items": _INT}, {"type": "string", "description": "comma-separated ids"}]}
_STRINGS = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "title": {"type": "string", "minLength": 1},
    "description": _nullable({"type": "string"}),
    "path": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._~-]*$", "maxLength": 255},
    "teaser": _nullable({"type": "string"}),
    "enrollment_open": _TRUTHY,
    "enrollment_open_from": _nullable(_MOMENT),
    "enrollment_open_to": _nullable(_MOMENT),
    "visibility": {"type": "string", "enum": ["listed", "unlisted"]},
    "enrollment_cap": _nullable(_INT),
    "enrollment_fee": _NUMBER,
    "allowed_payment_types": _STRINGS,
    "days_to_complete": _nullable(_INT),
    "account_id": _INT,
    "list_order": _nullable(_INT),
    "waitlist": _TRUTHY,
    "waitlist_cap": _nullable(_INT),
    "listing_image": _nullable({"type": "string"}),
    "image_alt_text": _nullable({"type": "string"}),
    "tag_names": _STRINGS,
    "show_free_banner": _TRUTHY,
    "associated_account_ids": _IDS,
    "start_date": _nullable(_MOMENT),
    "end_date": _nullable(_MOMENT),
    "credits": _nullable(_NUMBER),
    "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
    "measurement": {"type": "string", "minLength": 1, "maxLength": 16},
    "sku": _nullable({"type": "string"}),
    "canvas_section_id": _nullable(_INT),
    "canvas_course_id": _nullable(_INT),
    "sequential": _TRUTHY,
    "requirement_ids": _IDS,
}


def listing_request(kind: str, *, create: bool) -> dict[str, Any]:
    """openapi_extra for a create (POST) or update (PUT) body of `kind`."""
    properties = {name: _FIELD_SCHEMAS[name] for name, spec in FIELDS.items() if kind in spec.kinds}
    inner: dict[str, Any] = {"type": "object", "properties": properties}
    if create:
        inner["required"] = ["title"]
    schema = {"type": "object", "properties": {kind: inner}, "required": [kind]}
    form = {"type": "object", "description": f"Rails-style names: {kind}[title]=...&{kind}[tag_names][]=..."}
    return {
        "requestBody": {
            "required": create,
            "content": {"application/json": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": form}},
        }
    }


ARCHIVE_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["product_action", "product_ids"],
                    "properties": {"product_action": {"type": "string", "enum": ["archive", "reactivate"]}, "product_ids": _IDS},
                }
            }
        },
    }
}

_SETTING_SCHEMAS = {
    name: (_TRUTHY if isinstance(default, bool) else _nullable({"type": "string"}) if default is None else {"type": "string"})
    for name, (default, _parse) in SETTINGS.items()
}

CATALOG_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        ROOT_KEYS[0]: {
                            "type": "object",
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                                "url": _nullable({"type": "string", "format": "uri"}),
                                "canvas_domain": _nullable({"type": "string"}),
                                "canvas_id": _nullable(_INT),
                                "settings": _nullable({"type": "object", "properties": _SETTING_SCHEMAS}),
                            },
                        }
                    },
                    "required": [ROOT_KEYS[0]],
                }
            }
        },
    }
}

KIND_MODELS = {PROGRAM: (CatalogProgramBody, CatalogProgramList), COURSE: (CatalogCourseBody, CatalogCourseList)}
