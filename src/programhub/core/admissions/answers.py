"""What a custom field answer may be, checked in the words WebAdMIT answers with: its
request schemata are checked by Ruby's json-schema gem (`The property '#/...' of type
String did not match the following type: number`), a select value outside the options
by its model (`"XYZ" is not a valid option (expected "A", "B", or "C")`).

Both the single answer (PUT) and each row of a batch are checked here, so the same value
gets the same words either way.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from programhub.core.admissions.service import CustomField
from programhub.core.errors import DomainError

MAX_STRING = 4000
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The JSON type each field type stores (null clears an answer of any type).
JSON_TYPES = {"boolean": "boolean", "number": "number", "date": "string", "string": "string", "select": "string"}


class AnswerInvalid(DomainError):
    """An answer WebAdMIT refuses: `key` is where its 422 puts the message (`schema` for
    the request schema, `value` for the field's own rules)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def ruby_type(value: Any) -> str:
    """The class name Ruby gives a parsed JSON value, as the gem's messages show it."""
    if value is None:
        return "NilClass"
    if isinstance(value, bool):
        return "TrueClass" if value else "FalseClass"
    if isinstance(value, int):
        return "Fixnum" if -(2**62) <= value < 2**62 else "Bignum"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Hash"


def type_mismatch(pointer: str, value: Any, expected: str) -> str:
    return f"The property '{pointer}' of type {ruby_type(value)} did not match the following type: {expected}"


def missing(pointer: str, name: str) -> str:
    return f"The property '{pointer}' did not contain a required property of '{name}'"


def not_in_enum(pointer: str, value: Any, allowed: str) -> str:
    return f"The property '{pointer}' value {ruby_inspect(value)} did not match one of the following values: {allowed}"


def ruby_inspect(value: Any) -> str:
    """`value.inspect` as Ruby shows it (strings quoted with escapes, nil, true)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    return str(value)


def _option_list(options: tuple[str, ...]) -> str:
    quoted = [f'"{option}"' for option in options]
    if len(quoted) <= 2:
        return " or ".join(quoted)
    return ", ".join(quoted[:-1]) + ", or " + quoted[-1]


def check(field: CustomField, field_type: Any, value: Any, *, at: str) -> Any:
    """The value to store for `field` from a request's `field_type` and `value` (both
    required; `at` is the JSON pointer of the object holding them), or AnswerInvalid."""
    if not isinstance(field_type, str):
        raise AnswerInvalid("schema", type_mismatch(f"{at}/field_type", field_type, "string"))
    if field_type != field.field_type:
        raise AnswerInvalid("schema", not_in_enum(f"{at}/field_type", field_type, field.field_type))
    if value is None:
        return None
    pointer = f"{at}/value"
    kind = field.field_type
    if kind == "boolean":
        if not isinstance(value, bool):
            raise AnswerInvalid("schema", type_mismatch(pointer, value, "boolean"))
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
            raise AnswerInvalid("schema", type_mismatch(pointer, value, "number"))
        return float(value)
    if not isinstance(value, str):
        raise AnswerInvalid("schema", type_mismatch(pointer, value, "string"))
    if "\x00" in value:
        raise AnswerInvalid("value", "must not contain NUL characters")
    if kind == "date":
        if not _DATE.fullmatch(value):
            raise AnswerInvalid(
                "schema",
                f"The property '{pointer}' value {ruby_inspect(value)} did not match the regex '{DATE_PATTERN}'",
            )
        try:
            date.fromisoformat(value)
        except ValueError:
            raise AnswerInvalid("value", f"{ruby_inspect(value)} is not a valid date") from None
        return value
    if kind == "select":
        options = field.options or ()
        if value not in options:
            raise AnswerInvalid(
                "value", f"{ruby_inspect(value)} is not a valid option (expected {_option_list(options)})"
            )
        return value
    if len(value) > MAX_STRING:
        raise AnswerInvalid("schema", f"The property '{pointer}' was not of a maximum string length of {MAX_STRING}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AnswerInvalid("value", "must be valid Unicode text") from None
    return value
