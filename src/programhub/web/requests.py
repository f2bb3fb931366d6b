"""Request models: pydantic models are the one description of what a request may send,
used both to validate it and to document it in the OpenAPI document.

- Fields that need a platform's own leniency or wording use `rule(parser)`: the parser
  (`parser(field, value) -> value`, raising the core's `Invalid`) runs before pydantic's
  own type check, and its message names the field as the request did, wherever it sits
  (`recipients[3].email`), since the field is filled in from the error's location.
- A validation failure becomes `RequestInvalid`, an `Invalid` naming the first failing
  field by its wire path, which each dialect renders in its own envelope; pydantic's own
  error kinds (missing, wrong type, too long) get the same sentences as the core's checks.
- `request_body(model)` documents a model as a route's body; FastAPI's own body handling
  is not used, because each dialect reads bodies its own way (forms, envelopes, answers
  that must echo the body even when it is refused).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, PydanticCustomError, core_schema

from programhub.core import validation as check
from programhub.core.errors import Conflict, Invalid

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Where a rule's message names its field; replaced by the field's wire path.
FIELD = "{field}"
# The type of the errors `rule` raises (pydantic's own have their own types).
RULE = "programhub_rule"


class RequestInvalid(Invalid):
    """A request field breaks a rule. `kind` is the failure's kind: pydantic's error type
    (`missing`, `string_type`, ...), a rule's (`programhub_rule`), or a type of the rule's
    own choosing (`PydanticCustomError` raised by a model validator)."""

    def __init__(self, field: str, message: str, kind: str) -> None:
        super().__init__(field, message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Rule:
    """Annotation metadata that checks a field with `parse(field, value)` before pydantic's
    own type check, and adds `schema` to its JSON Schema: the parser and the documented
    limits side by side. Null is refused as missing (`missing` is the failure's kind)
    unless `nullable`; with `blank_is_missing`, blank text is missing too. With `as_sent`
    the parser reads every value as sent, null included, and `schema` is the whole of what
    may be sent (Catalog sends `"true"` and `"150.0"`: the wire's types are not the value's)."""

    parse: Callable[[str, Any], Any]
    schema: Mapping[str, Any] = field(default_factory=dict)
    nullable: bool = True
    missing: str = "missing"
    missing_message: str = "{field} is required"
    blank_is_missing: bool = False
    as_sent: bool = False

    def validate(self, value: Any) -> Any:
        blank = self.blank_is_missing and isinstance(value, str) and not value.strip()
        if not self.as_sent and (value is None or blank):
            if self.nullable and value is None:
                return None
            raise PydanticCustomError(self.missing, self.missing_message)
        try:
            return self.parse(FIELD, value)
        except Invalid as exc:
            raise PydanticCustomError(RULE, exc.message) from None  # without a context nothing is formatted

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.validate, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        if self.as_sent:
            return copy.deepcopy(dict(self.schema))  # a fresh copy: documents are changed in place
        documented = handler(schema)
        documented.update(self.schema)
        return documented


def rule(parse: Callable[[str, Any], Any], *, as_sent: bool = False, **schema: Any) -> Rule:
    """A field checked by a dialect or core parser `parse(field, value)`, which may raise
    the core's `Invalid` naming `field`; null passes as None. `schema`: JSON Schema keywords
    that document what the parser allows. With `as_sent`, null goes to the parser too and
    `schema` replaces the type's own (see `Rule`)."""
    return Rule(parse, schema, as_sent=as_sent)


def required(
    parse: Callable[[str, Any], Any], *, kind: str = "missing", blank_is_missing: bool = False, **schema: Any
) -> Rule:
    """`rule(parse)` for a required field: null (and with `blank_is_missing`, blank text) is
    the same failure as absent (`kind`: pydantic's own "missing" unless a dialect has a code
    of its own)."""
    return Rule(parse, schema, nullable=False, missing=kind, blank_is_missing=blank_is_missing)


def text(*, max_length: int = check.SHORT_TEXT, blank: bool = True, nullable: bool = False) -> Rule:
    """A string checked by the core's `text` (no NUL, valid Unicode, at most `max_length`
    characters, and unless `blank`, not blank), documented with the same limits."""
    schema: dict[str, Any] = {
        "maxLength": max_length,
        "pattern": check.NO_NUL_PATTERN if blank else check.NOT_BLANK_PATTERN,
    }
    if not blank:
        schema["minLength"] = 1

    def parse(field: str, value: Any) -> str:
        return check.text(field, value, max_length=max_length, allow_empty=blank)

    return Rule(parse, schema, nullable=nullable)


def refuse(message: str, kind: str = RULE) -> PydanticCustomError:
    """For model validators: a failure whose `message` may name the field as `{field}`."""
    return PydanticCustomError(kind, message)


@contextmanager
def wire_names(names: Mapping[str, str]) -> Iterator[None]:
    """Core failures about a field, reported under the name the request used for it (the
    core's `listing_path` is Catalog's `path`): the field renamed, and its first mention in
    the message too."""
    try:
        yield
    except (Invalid, Conflict) as exc:
        core = exc.field or ""
        wire = names.get(core)
        if wire is None or wire == core:
            raise
        message = exc.message.replace(core, wire, 1)
        if isinstance(exc, Conflict):
            raise Conflict(message, field=wire, related=exc.related) from None
        raise Invalid(wire, message) from None


def parse(model: type[M], data: Any, *, at: Sequence[str | int] = ()) -> M:
    """`data` as an instance of `model`, or RequestInvalid naming the first failing field
    (by its path below `at`, the place of `data` in the request)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise first_invalid(exc.errors(include_url=False), at) from None


def first_invalid(
    errors: Sequence[ErrorDetails], at: Sequence[str | int] = (), *, own_words: bool = True
) -> RequestInvalid:
    """The first of pydantic's errors as one sentence naming the field. Without
    `own_words`, pydantic's own kinds keep pydantic's message (`page: Input should be...`),
    as query parameters have always been answered."""
    if not errors:
        return RequestInvalid("body", "The request is not valid.", "invalid")
    first = errors[0]
    field = wire_path([*at, *first["loc"]]) or "body"
    message = sentence(first, field) if own_words or FIELD in first["msg"] else f"{field}: {first['msg']}"
    return RequestInvalid(field, message, first["type"])


def wire_path(loc: Sequence[str | int]) -> str:
    """`("recipients", 3, "email")` -> `recipients[3].email`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


# Pydantic's error kinds in the words the core's own checks use.
_SENTENCES: dict[str, str] = {
    "missing": "{field} is required",
    "string_type": "{field} must be a string",
    "string_unicode": "{field} must be a string",
    "int_type": "{field} must be a whole number",
    "int_parsing": "{field} must be a whole number",
    "int_from_float": "{field} must be a whole number",
    "float_type": "{field} must be a number",
    "float_parsing": "{field} must be a number",
    "decimal_type": "{field} must be a number",
    "decimal_parsing": "{field} must be a number",
    "bool_type": "{field} must be true or false",
    "bool_parsing": "{field} must be true or false",
    "dict_type": "{field} must be an object",
    "model_type": "{field} must be an object",
    "model_attributes_type": "{field} must be an object",
    "list_type": "{field} must be a list",
    "tuple_type": "{field} must be a list",
    "none_required": "{field} must be null",
    "extra_forbidden": "{field} is not supported",
}


def sentence(error: ErrorDetails, field: str) -> str:
    """One error as a sentence that names `field`."""
    kind = error["type"]
    context = error.get("ctx") or {}
    template = _SENTENCES.get(kind)
    if template is None:
        if kind in ("literal_error", "enum"):
            template = "{field} must be one of: " + str(context.get("expected", "")).replace("'", "")
        elif kind in ("string_too_long", "too_long"):
            unit = "characters" if kind == "string_too_long" else "items"
            template = f"{{field}} must be at most {context.get('max_length')} {unit}"
        elif kind in ("string_too_short", "too_short"):
            unit = "characters" if kind == "string_too_short" else "items"
            template = f"{{field}} must be at least {context.get('min_length')} {unit}"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bound = next(iter(context.values()), "")
            words = {
                "greater_than_equal": "at least",
                "greater_than": "more than",
                "less_than_equal": "at most",
                "less_than": "less than",
            }
            template = f"{{field}} must be {words[kind]} {bound}"
        elif kind == "string_pattern_mismatch":
            template = "{field} is not in the expected format"
        else:
            template = error["msg"] if FIELD in error["msg"] else "{field}: " + error["msg"]
    return template.replace(FIELD, field)


# JSON Schema definitions the request bodies refer to, for the OpenAPI document's components.
_DEFINITIONS: dict[str, dict[str, Any]] = {}
REF_TEMPLATE = "#/components/schemas/{model}"


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON Schema (validation mode), its definitions kept for the components."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
    _DEFINITIONS.update(schema.pop("$defs", {}))
    return schema


def request_body(
    model: type[BaseModel],
    *,
    required: bool = True,
    description: str | None = None,
    media_types: Sequence[str] = ("application/json",),
) -> dict[str, Any]:
    """`openapi_extra` that documents `model` as the route's request body."""
    schema = schema_of(model)
    body: dict[str, Any] = {"required": required, "content": {media: {"schema": schema} for media in media_types}}
    if description:
        body["description"] = description
    return {"requestBody": body}


def define(name: str, schema: dict[str, Any]) -> dict[str, str]:
    """Keep `schema` among the definitions as `name`; the `$ref` that points at it (for a
    schema a request body repeats, or that refers to itself level by level)."""
    _DEFINITIONS[name] = schema
    return {"$ref": REF_TEMPLATE.format(model=name)}


def definitions() -> dict[str, dict[str, Any]]:
    """Every definition a documented request body refers to."""
    return dict(_DEFINITIONS)
