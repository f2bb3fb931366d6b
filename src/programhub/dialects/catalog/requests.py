"""What Catalog's requests may send, as pydantic models: they check each request and
describe it in the OpenAPI document.

Catalog's own documentation sends every value as text (`"true"`, `"150"`, `"49.99"`), so a
field takes its JSON type and its text form: its parser (below) reads the value as sent,
null included, and its schema says all that may be sent (`rule(..., as_sent=True)`). The
parsers keep Catalog's wording; pydantic's own checks would word them otherwise. Unknown
keys are ignored, as Rails' strong parameters ignore them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails
from sqlalchemy import Connection

from programhub.core import validation as check
from programhub.core.catalogs import service as catalogs_service
from programhub.core.errors import Invalid, NotFound
from programhub.core.listings import service as listings_service
from programhub.core.tenancy import Tenant
from programhub.dialects.catalog import queries
from programhub.dialects.catalog.paging import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, Page
from programhub.dialects.catalog.responses import COURSE, PROGRAM
from programhub.web.body import WhenEmpty, read_body
from programhub.web.requests import FIELD, Rule, first_invalid, parse, refuse, rule, schema_of, text

Parser = Callable[[str, Any], Any]

SHORT = 255  # titles, paths, names, settings
MAX_IDS = 1000
MAX_ID = 2**31 - 1
WIRE_TIME = "%Y/%m/%d %H:%M:%S %z"
MAX_MONEY = Decimal("99999999.99")
MAX_QUANTITY = Decimal(99999999)
_TRUE = frozenset({"true", "1", "t", "yes", "on"})
_FALSE = frozenset({"false", "0", "f", "no", "off"})
_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


# --- values as sent ----------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def nullable(parser: Parser) -> Parser:
    """null (or an empty string, which is how forms clear a value) means "no value"."""
    return lambda field, value: None if _blank(value) else parser(field, value)


def long_text(field: str, value: Any) -> str:
    return check.text(field, value, max_length=check.LONG_TEXT)


def nullable_text(field: str, value: Any) -> str | None:
    """Text as sent, an empty one too; null is none."""
    return None if value is None else long_text(field, value)


def short_text(field: str, value: Any) -> str:
    """Not blank, at most 255 characters, surrounding spaces trimmed (titles, names)."""
    return check.text(field, value, allow_empty=False, max_length=SHORT).strip()


def path(field: str, value: Any) -> str:
    """A listing path is the last part of its URL: letters, digits, `-`, `_`, `.`, `~`."""
    value = short_text(field, value)
    if not _PATH.match(value):
        raise Invalid(
            field,
            f"{field} may contain only letters, digits, '-', '_', '.' and '~', and must start with a letter or digit",
        )
    return value


def boolean(field: str, value: Any) -> bool:
    """`true`, `"true"`, `"on"`, `1` ... (any case); pydantic's lax booleans take other words."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        folded = value.strip().lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
    raise Invalid(field, f"{field} must be true or false")


def whole(field: str, value: Any) -> int:
    """A 32-bit whole number, or its text (`"150"`, `"150.0"`)."""
    return check.whole(field, value, from_text=True)


def non_negative(field: str, value: Any) -> int:
    value = whole(field, value)
    if value < 0:
        raise Invalid(field, f"{field} must not be negative")
    return value


def _decimal(field: str, value: Any, maximum: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid(field, f"{field} must be a number")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise Invalid(field, f"{field} must be a number") from None
    if not amount.is_finite():
        raise Invalid(field, f"{field} must be a number")
    if amount < 0:
        raise Invalid(field, f"{field} must not be negative")
    if amount > maximum:
        raise Invalid(field, f"{field} must be at most {maximum}")
    if amount != amount.quantize(Decimal("0.01")):
        raise Invalid(field, f"{field} must have at most two decimal places")
    return amount


def cents(field: str, value: Any) -> int:
    """`49.99` or `"49.99"` -> 4999."""
    return int(_decimal(field, value, MAX_MONEY) * 100)


def quantity(field: str, value: Any) -> float:
    """A non-negative number with at most two decimals (credits)."""
    return float(_decimal(field, value, MAX_QUANTITY))


def moment(field: str, value: Any) -> datetime:
    """ISO 8601 (a date means its midnight, no offset means UTC) or Catalog's own
    `2025/03/28 13:11:23 +0000`."""
    return check.moment_text(
        field,
        value,
        wanted="must be a date or a date and time",
        formats=(WIRE_TIME,),
        wanted_text="must be a date or a date and time, e.g. 2025-03-21T13:11:23Z",
        out_of_range="is out of range",
    )


def _items(value: Any) -> list[Any]:
    """A list, or one value, or a comma-separated string of values (forms send those)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def id_list(field: str, value: Any) -> list[int]:
    items = _items(value)
    if len(items) > MAX_IDS:
        raise Invalid(field, f"{field} may list at most {MAX_IDS} ids")
    try:
        return [whole(field, item) for item in items]
    except Invalid:
        raise Invalid(field, f"{field} must be a list of whole numbers") from None


def string_list(field: str, value: Any) -> list[str]:
    """A list of strings, or one string (a single tag may contain commas)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    return [item.strip() for item in check.string_list(field, value) if item.strip()]


def choice(*choices: str) -> Parser:
    def parse(field: str, value: Any) -> str:
        if isinstance(value, str) and value.strip() in choices:
            return value.strip()
        raise Invalid(field, f"{field} must be one of: {', '.join(choices)}")

    return parse


def only_for(kinds: str) -> Parser:
    """A field of the other kind of listing (`sequential` on a course): refused, not ignored."""

    def parse(field: str, value: Any) -> None:
        raise Invalid(field, f"{field} applies only to {kinds}")

    return parse


# --- what each kind of value may be, as JSON Schema ----------------------------------------
# As much as a schema can say: a value that fits is accepted unless it names something that
# does not exist (a catalog or requirement id), clashes (a listing path already taken) or
# breaks a rule between fields (a window out of order).


def _text(max_length: int, *, blank: bool = True) -> dict[str, Any]:
    return {
        "type": "string",
        "maxLength": max_length,
        "pattern": check.NO_NUL_PATTERN if blank else check.NOT_BLANK_PATTERN,  # blank as the core means it
    }


def _nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _clearable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A value, or null or a blank string (how forms clear one)."""
    return {"anyOf": [schema, {"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]}


def _whole(minimum: int, digits: str) -> dict[str, Any]:
    """A whole number from `minimum` to 2**31 - 1, or its digits as text."""
    return {
        "anyOf": [{"type": "integer", "minimum": minimum, "maximum": MAX_ID}, {"type": "string", "pattern": digits}]
    }


def _ids(*, at_least_one: bool, unique: bool = False) -> dict[str, Any]:
    items = r"[1-9]\d{0,8}(\s*,\s*[1-9]\d{0,8})*"
    listed: dict[str, Any] = {"type": "array", "items": ID, "maxItems": MAX_IDS, "minItems": 1 if at_least_one else 0}
    if unique:  # as far as a schema can say it: 3 and "3" are one id too
        listed["uniqueItems"] = True
    joined = f"^\\s*{items}\\s*$" if at_least_one else f"^\\s*({items})?\\s*$"
    return {"anyOf": [listed, {"type": "string", "pattern": joined, "description": "comma-separated ids"}]}


TRUTHY = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "integer", "enum": [0, 1]},
        {"type": "string", "enum": ["true", "false", "1", "0", "t", "f", "yes", "no", "on", "off"]},
    ]
}
COUNT = _whole(0, r"^\d{1,9}(\.0*)?$")
ID = _whole(1, r"^[1-9]\d{0,8}(\.0*)?$")
SIGNED = _whole(-MAX_ID, r"^[+-]?\d{1,9}(\.0*)?$")
MONEY = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 99999999.99, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,2})?$"},
    ]
}
QUANTITY = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 99999999, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$"},
    ]
}
MOMENT = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
    "description": "ISO 8601 (2025-03-21T13:11:23Z, 2025-03-21); Catalog's own 2025/03/21 13:11:23 +0000 is accepted too.",
}
STRINGS = {"anyOf": [{"type": "array", "items": _text(check.SHORT_TEXT), "maxItems": 1000}, _text(check.SHORT_TEXT)]}
LONG = _nullable(_text(check.LONG_TEXT))
CURRENCY = {"type": "string", "pattern": "^[A-Za-z]{3}$"}
NOT_BLANK = _text(SHORT, blank=False)
PATH = {"type": "string", "pattern": _PATH.pattern, "maxLength": SHORT}
REFUSED: dict[str, Any] = {"not": {}}  # nothing may be sent


def sent(parse: Parser, schema: Mapping[str, Any]) -> Rule:
    """A field read as sent (see above), documented by `schema`."""
    return rule(parse, as_sent=True, **schema)


Truthy = Annotated[bool | None, sent(boolean, TRUTHY)]
Count = Annotated[int | None, sent(nullable(non_negative), _clearable(COUNT))]
Signed = Annotated[int | None, sent(nullable(whole), _clearable(SIGNED))]
Moment = Annotated[datetime | None, sent(nullable(moment), _clearable(MOMENT))]
Strings = Annotated[list[str] | None, sent(string_list, STRINGS)]
OptionalText = Annotated[str | None, sent(nullable(long_text), LONG)]
ForProgramsOnly = Annotated[None, sent(only_for("programs"), REFUSED)]
ForCoursesOnly = Annotated[None, sent(only_for("courses"), REFUSED)]


def _absent_is_unchanged(schema: dict[str, Any]) -> None:
    """Fields default to None only so that an absent one can be told from one sent as null
    (`model_fields_set`): an absent field changes nothing, so no default is documented."""
    for field_schema in schema.get("properties", {}).values():
        field_schema.pop("default", None)


class _Fields(BaseModel):
    model_config = ConfigDict(json_schema_extra=_absent_is_unchanged)


# --- programs and courses ------------------------------------------------------------------

VISIBILITIES = ("listed", "unlisted")
# Pairs that must stay in order: (earlier, later).
WINDOWS = (("enrollment_open_from", "enrollment_open_to"), ("start_date", "end_date"))


class ListingRequest(_Fields):
    """The fields of a program or course, by their core names; the wire name, where it
    differs, is the alias (`title` is the core's `name`)."""

    name: Annotated[str | None, sent(short_text, NOT_BLANK)] = Field(None, alias="title")
    description: Annotated[str | None, sent(nullable_text, LONG)] = None
    listing_path: Annotated[str | None, sent(path, PATH)] = Field(None, alias="path")
    short_description: Annotated[str | None, sent(nullable_text, LONG)] = Field(None, alias="teaser")
    enrollment_open: Truthy = None
    enrollment_open_from: Moment = None
    enrollment_open_to: Moment = None
    visibility: Annotated[str | None, sent(choice(*VISIBILITIES), {"type": "string", "enum": list(VISIBILITIES)})] = (
        None
    )
    enrollment_cap: Count = None
    enrollment_fee_cents: Annotated[int | None, sent(cents, MONEY)] = Field(None, alias="enrollment_fee")
    allowed_payment_types: Strings = None
    days_to_complete: Count = None
    catalog_id: Annotated[int | None, sent(whole, ID)] = Field(None, alias="account_id")
    list_order: Signed = None
    waitlist: Truthy = None
    waitlist_cap: Count = None
    image: OptionalText = Field(None, alias="listing_image")
    image_alt_text: OptionalText = None
    tag_names: Strings = None
    show_free_banner: Truthy = None
    associated_account_ids: Annotated[list[int] | None, sent(id_list, _ids(at_least_one=False))] = None
    start_date: Moment = None
    end_date: Moment = None
    credits: Annotated[float | None, sent(nullable(quantity), _clearable(QUANTITY))] = None
    currency: Annotated[str | None, sent(long_text, CURRENCY)] = None
    measurement: Annotated[str | None, sent(long_text, _text(16, blank=False))] = None
    sku: OptionalText = None
    canvas_section_id: Signed = None
    canvas_course_id: Signed = None
    sequential: Truthy = None
    requirement_ids: Annotated[list[int] | None, sent(id_list, _ids(at_least_one=False, unique=True))] = None

    @field_validator("*")
    @classmethod
    def _core_rules(cls, value: Any, info: ValidationInfo) -> Any:
        """The core's own checks of the column too (32-bit numbers, no NUL, a currency
        code ...), worded with the request's name for the field."""
        check_column = listings_service.FIELDS.get(info.field_name or "")
        if check_column is None:  # requirement_ids: not a column
            return value
        try:
            return check_column(FIELD, value)
        except Invalid as exc:
            raise refuse(exc.message) from None

    def core_fields(self) -> dict[str, Any]:
        """The columns the request sets: an update changes only these."""
        return self.model_dump(exclude_unset=True, exclude={"requirement_ids"})

    def check_against(self, conn: Connection, tenant: Tenant, current: Mapping[str, Any]) -> None:
        """What the fields alone cannot tell: the catalogs they name are this tenant's (a
        foreign id is 422 like one that does not exist), and each window stays in order
        with `current`, the listing's columns as they are (none for a new one)."""
        fields = self.core_fields()
        if self.catalog_id is not None and catalogs_service.missing(conn, tenant, [self.catalog_id]):
            raise Invalid("account_id", f"account_id: no catalog with id {self.catalog_id}")
        missing = catalogs_service.missing(conn, tenant, self.associated_account_ids or [])
        if missing:
            raise Invalid("associated_account_ids", f"associated_account_ids: no catalog with id {missing[0]}")
        merged = {**current, **fields}
        for start, end in WINDOWS:  # named alike on the wire and in the core
            touched = start in fields or end in fields
            if touched and merged.get(start) and merged.get(end) and merged[start] > merged[end]:
                raise Invalid(end, f"{end} must not be before {start}")


class ProgramRequest(ListingRequest):
    """`PUT /programs/{id}`: the fields it names change."""

    model_config = ConfigDict(title="CatalogProgramRequest")

    canvas_course_id: ForCoursesOnly = None


class CourseRequest(ListingRequest):
    """`PUT /courses/{id}`: the fields it names change."""

    model_config = ConfigDict(title="CatalogCourseRequest")

    sequential: ForProgramsOnly = None
    requirement_ids: ForProgramsOnly = None


class NewProgramRequest(ProgramRequest):
    """`POST /programs`: a title at least."""

    model_config = ConfigDict(title="CatalogNewProgramRequest")

    name: Annotated[str, sent(short_text, NOT_BLANK)] = Field(alias="title")


class NewCourseRequest(CourseRequest):
    """`POST /courses`: a title at least."""

    model_config = ConfigDict(title="CatalogNewCourseRequest")

    name: Annotated[str, sent(short_text, NOT_BLANK)] = Field(alias="title")


LISTING_REQUESTS: dict[str, tuple[type[ListingRequest], type[ListingRequest]]] = {
    PROGRAM: (NewProgramRequest, ProgramRequest),
    COURSE: (NewCourseRequest, CourseRequest),
}
# Core column -> the request's name for it, for the core's own failures.
WIRE_NAMES = {name: field.alias for name, field in ListingRequest.model_fields.items() if field.alias}


def listing_request(kind: str, body: Mapping[str, Any], *, new: bool) -> ListingRequest:
    """A create (`new`) or update body of `kind`: `{"program": {...}}` or the fields alone.
    The failure named is that of the first field in the order the body sent them (a
    missing title after those), as Catalog checks them."""
    fields = unwrapped(body, (kind,))
    model = LISTING_REQUESTS[kind][0 if new else 1]
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        order = {str(name): position for position, name in enumerate(fields)}

        def place(error: ErrorDetails) -> int:
            return order.get(str(error["loc"][0]) if error["loc"] else "", len(order))

        raise first_invalid(sorted(exc.errors(include_url=False), key=place)) from None


# --- catalogs ------------------------------------------------------------------------------


def _unknown_setting(field: str, value: Any) -> None:
    known = ", ".join(CatalogSettingsRequest.model_fields)
    raise Invalid(field, f"{field} is not a setting programhub keeps; known: {known}")


OptionalShortText = Annotated[str | None, sent(nullable(short_text), _nullable(_text(SHORT)))]  # blank means null
ShortText = Annotated[str | None, sent(short_text, NOT_BLANK)]


class CatalogSettingsRequest(_Fields):
    """The settings a catalog keeps; another is refused by name (typed extras, since
    pydantic's own `extra="forbid"` words it as "not supported")."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Annotated[None, sent(_unknown_setting, REFUSED)]]

    privacy_policy_url: OptionalShortText = None
    terms_url: OptionalShortText = None
    currency: Annotated[str | None, sent(check.currency, CURRENCY)] = None
    supported_payment_types: ShortText = None
    time_zone: OptionalShortText = None
    country: OptionalShortText = None
    measurement: ShortText = None
    allow_user_registration: Truthy = None
    private_catalog: Truthy = None
    show_listings_in_parent: Truthy = None


class CatalogRequest(_Fields):
    """`POST /catalogs` (an extension): `{"account": {...}}`, `{"catalog": {...}}` or the
    fields alone. The core checks them again under the same names (canvas_id at least 1)."""

    model_config = ConfigDict(title="CatalogAccountRequest")

    name: Annotated[str, sent(short_text, NOT_BLANK)]
    url: Annotated[
        str | None,
        sent(
            nullable(catalogs_service.site_url),
            _clearable(
                {
                    "type": "string",
                    "maxLength": 500,
                    "pattern": r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$",
                }
            ),
        ),
    ] = None
    canvas_domain: OptionalShortText = None
    canvas_id: Annotated[int | None, sent(nullable(whole), _clearable(ID))] = None
    settings: CatalogSettingsRequest | None = None

    def core_fields(self) -> dict[str, Any]:
        """The catalog's fields as sent; null settings are none sent."""
        fields = self.model_dump(exclude_unset=True)
        if fields.get("settings") is None:
            fields.pop("settings", None)
        return fields


CATALOG_ROOTS = ("account", "catalog")


def catalog_request(body: Mapping[str, Any]) -> CatalogRequest:
    return parse(CatalogRequest, unwrapped(body, CATALOG_ROOTS))


# --- archive and reactivate ----------------------------------------------------------------

# Catalog's product actions and the core status each sets.
ACTIONS = {"archive": "retired", "reactivate": "live"}


def _action(field: str, value: Any) -> str:
    return check.one_of(field, value, tuple(ACTIONS))


def _product_ids(field: str, value: Any) -> list[int]:
    ids = list(dict.fromkeys(id_list(field, value)))
    if not ids:
        raise Invalid(field, f"{field} must list at least one id")
    return ids


class ArchiveRequest(BaseModel):
    """`POST /programs/archived`: `product_action` and the ids it applies to."""

    model_config = ConfigDict(title="CatalogArchiveRequest")

    product_action: Annotated[str, sent(_action, {"type": "string", "enum": list(ACTIONS)})]
    product_ids: Annotated[list[int], sent(_product_ids, _ids(at_least_one=True))]

    @model_validator(mode="before")
    @classmethod
    def _absent_action_is_a_wrong_one(cls, data: Any) -> Any:
        """Catalog answers a missing action as a wrong one (`must be one of`)."""
        if isinstance(data, dict) and "product_action" not in data:
            return {**data, "product_action": None}
        return data

    def status(self) -> str:
        """The core status the action sets."""
        return ACTIONS[self.product_action]


# --- list parameters ------------------------------------------------------------------------


class PageQuery(BaseModel):
    """`?page=` and `?per_page=`."""

    page: int | None = Field(None, ge=1, le=MAX_PAGE, description="The page to return, from 1.")
    per_page: int | None = Field(
        None,
        ge=1,
        description=f"Items per page: default {DEFAULT_PER_PAGE}; more than {MAX_PER_PAGE} counts as {MAX_PER_PAGE}.",
    )

    def chosen(self) -> Page:
        return Page.of(self.page, self.per_page)


class ListingQuery(PageQuery):
    """`GET /programs` and `GET /courses`: a page, and filters combined with AND."""

    is_enrollable: bool | None = Field(
        None, description="Open for enrollment now (open, inside its window, not full), or not."
    )
    archived: bool = Field(False, description="true: only archived listings (an extension).")
    description: Annotated[str | None, text(nullable=True)] = Field(None, description="Exactly this description.")
    listing_path: Annotated[str | None, text(nullable=True)] = Field(None, description="Exactly this listing path.")
    query: Annotated[str | None, text(nullable=True)] = Field(
        None, description="Case-insensitive text in the title, description or tags."
    )

    def filters(self) -> queries.Filters:
        return queries.Filters(
            description=self.description,
            listing_path=self.listing_path,
            is_enrollable=self.is_enrollable,
            query=self.query,
            archived=self.archived,
        )


# --- bodies and paths ----------------------------------------------------------------------


async def _read(request: Request) -> dict[str, Any]:
    """JSON or a Rails-style form (`program[title]=...`); an empty body is `{}`, as Rails
    reads one. An async dependency, so that the handlers that write stay plain `def`s."""
    return await read_body(request, when_empty=WhenEmpty.EMPTY_OBJECT, forms=True, object_only=True)


Body = Annotated[dict[str, Any], Depends(_read)]


def unwrapped(body: Mapping[str, Any], roots: Sequence[str]) -> Mapping[str, Any]:
    """The fields inside the first of `roots` the body names (`{"program": {...}}`), or the
    body itself: Rails wraps fields sent alone at the top level."""
    for root in roots:
        if root in body:
            inner = body[root]
            if not isinstance(inner, dict):
                raise Invalid(root, f"{root} must be an object")
            return inner
    return body


def documented(
    model: type[BaseModel], roots: Sequence[str], *, required: bool = True, description: str | None = None
) -> dict[str, Any]:
    """`openapi_extra` for a body of `model`'s fields as `unwrapped` reads it: inside the
    first root it names, or alone without any root."""
    fields = schema_of(model)
    wrapped = [
        {
            "type": "object",
            "required": [root],
            "properties": {root: fields},
            **({"not": {"anyOf": [{"required": [earlier]} for earlier in roots[:position]]}} if position else {}),
        }
        for position, root in enumerate(roots)
    ]
    alone = {**fields, "not": {"anyOf": [{"required": [root]} for root in roots]}}
    body: dict[str, Any] = {
        "required": required,
        "content": {"application/json": {"schema": {"anyOf": [*wrapped, alone]}}},
    }
    if description:
        body["description"] = description
    return {"requestBody": body}


def path_id(kind: str, raw: int) -> int:
    """An id in the path (routes match digits only, so other paths are unknown: 404); one
    out of range cannot be ours either."""
    if 0 < raw <= MAX_ID:
        return raw
    raise NotFound(kind, raw)


# --- certificates --------------------------------------------------------------------------


def _pdf_settings(field: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(field, f"{field} must be an object")
    check.storable_keys(field, value)
    return check.json_document(field, value)


class CertificateRequest(_Fields):
    """`POST /certificates`: `{"certificate": {listing_id, name, active, template,
    pdf_settings}, "days_to_expire" | "expires_at"}`; the expiry is read inside the
    certificate too, where a form's `certificate[days_to_expire]` puts it."""

    model_config = ConfigDict(title="CatalogCertificateRequest")

    listing_id: Annotated[int, sent(whole, ID)]
    name: Annotated[str, sent(short_text, NOT_BLANK)]
    active: Truthy = None
    template: OptionalText = None
    pdf_settings: Annotated[
        dict[str, Any] | None, sent(_pdf_settings, _nullable({"type": "object", "maxProperties": 100}))
    ] = None
    days_to_expire: Count = None
    expires_at: Moment = None

    def core_fields(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_unset=True, exclude={"listing_id"})
        if fields.get("active") is None:
            fields.pop("active", None)
        if fields.get("template") is None:
            fields.pop("template", None)
        return fields


CERTIFICATE_ROOTS = ("certificate",)


def certificate_request(body: Mapping[str, Any]) -> CertificateRequest:
    fields = dict(unwrapped(body, CERTIFICATE_ROOTS))
    for outside in ("days_to_expire", "expires_at", "pdf_settings"):
        if outside in body and outside not in fields:
            fields[outside] = body[outside]
    return parse(CertificateRequest, fields)


def _listing_of(body_or_query: Mapping[str, Any]) -> Any:
    """`listing_id`, or `certificate[listing_id]` as Instructure's own client sends it."""
    inner = body_or_query.get("certificate")
    if isinstance(inner, dict) and "listing_id" in inner:
        return inner["listing_id"]
    return body_or_query.get("listing_id", body_or_query.get("certificate[listing_id]"))


def certificate_listing(body_or_query: Mapping[str, Any]) -> int:
    """The listing a certificate request names, required."""
    value = _listing_of(body_or_query)
    if value is None:
        raise Invalid("listing_id", "listing_id is required")
    listing_id = whole("listing_id", value)
    if not 0 < listing_id <= MAX_ID:
        raise NotFound("listing", listing_id)
    return listing_id


class RevokeCertificateRequest(_Fields):
    """`PUT /certificates/revoke_users_certificate`: `{"certificate": {listing_id, canvas_user_ids}}`."""

    model_config = ConfigDict(title="CatalogRevokeCertificateRequest")

    listing_id: Annotated[int, sent(whole, ID)]
    canvas_user_ids: Annotated[list[int], sent(_product_ids, _ids(at_least_one=True))]


def revoke_certificate_request(body: Mapping[str, Any]) -> RevokeCertificateRequest:
    return parse(RevokeCertificateRequest, unwrapped(body, CERTIFICATE_ROOTS))


class CompletedCertificatesQuery(PageQuery):
    """`GET /completed_certificates`: a user's completions, paged."""

    user_id: int = Field(ge=1, le=MAX_ID, description="The user's Canvas id (`canvas_user_id`).")
    include_without_certificates: bool = Field(
        True, description="false: only completions that earned a certificate (an award not revoked)."
    )
