"""Value checks shared by the services, so that nothing a database would reject with an
error (NUL bytes, out-of-range integers, lone surrogates) ever reaches it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from programhub.core.errors import Invalid

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
SHORT_TEXT = 2_000
INDEXED_TEXT = 255  # values stored in an index: far below PostgreSQL's ~2,700-byte entry limit
LONG_TEXT = 100_000

# What `text()` accepts, as JSON Schema patterns for the OpenAPI documents: no NUL, and
# (allow_empty=False) at least one character that Python's str.isspace() does not count as
# space, which is not quite regex `\s` (it adds \x1c-\x1f and \x85, leaves out \ufeff).
_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL_PATTERN = "^[^\\x00]*$"
NOT_BLANK_PATTERN = f"^[^\\x00]*[^\\x00{_SPACE}][^\\x00]*$"
MAX_JSON_DEPTH = 8


def text(field: str, value: Any, *, max_length: int = SHORT_TEXT, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise Invalid(field, f"{field} must be a string")
    _storable(field, value)
    if not allow_empty and not value.strip():
        raise Invalid(field, f"{field} must not be blank")
    if len(value) > max_length:
        raise Invalid(field, f"{field} must be at most {max_length} characters")
    return value


def _storable(field: str, value: str) -> None:
    if "\x00" in value:
        raise Invalid(field, f"{field} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(field, f"{field} must be valid Unicode text") from None


def integer(field: str, value: Any, *, minimum: int | None = None, bounds: tuple[int, int] = INT32) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, f"{field} must be a whole number")
    low = bounds[0] if minimum is None else max(minimum, bounds[0])
    if value < low or value > bounds[1]:
        raise Invalid(field, f"{field} must be between {low} and {bounds[1]}")
    return value


_WHOLE_TEXT = re.compile(r"^[+-]?\d{1,19}(?:\.0*)?$")


def whole(
    field: str, value: Any, *, minimum: int | None = None, bounds: tuple[int, int] = INT32, from_text: bool = False
) -> int:
    """A whole number: JSON's `300.0` is 300, as JSON Schema has it; with `from_text`, also
    its text (`"150"`, `"150.0"`), for platforms whose clients send numbers as text."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif from_text and isinstance(value, str) and _WHOLE_TEXT.match(value.strip()):
        value = int(value.strip().split(".", 1)[0])
    return integer(field, value, minimum=minimum, bounds=bounds)


def moment_text(
    field: str,
    value: Any,
    *,
    wanted: str,
    formats: tuple[str, ...] = (),
    wanted_text: str | None = None,
    out_of_range: str | None = None,
) -> datetime:
    """Text as an aware UTC datetime: each `strptime` format in turn, then ISO 8601 (a date
    is its midnight; no offset is UTC). Refused as `{field} {wanted}` when it is not text,
    `wanted_text` (default: the same) when no format reads it, and `out_of_range` (default:
    the same) when it cannot be put in UTC."""
    if not isinstance(value, str):
        raise Invalid(field, f"{field} {wanted}")
    raw = value.strip()
    parsers: list[Callable[[str], datetime]] = [
        *(lambda text, layout=layout: datetime.strptime(text, layout) for layout in formats),
        datetime.fromisoformat,
    ]
    for read in parsers:
        try:
            parsed = read(raw)
        except ValueError:
            continue
        try:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            raise Invalid(field, f"{field} {out_of_range or wanted_text or wanted}") from None
    raise Invalid(field, f"{field} {wanted_text or wanted}")


def currency(field: str, value: Any) -> str:
    """A three-letter currency code, upper-cased (`usd` is USD)."""
    value = text(field, value).strip()
    if len(value) != 3 or not value.isalpha():
        raise Invalid(field, f"{field} must be a three-letter currency code")
    return value.upper()


def number(field: str, value: Any, *, minimum: float | None = None, maximum: float = 1e8) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid(field, f"{field} must be a number")
    if (minimum is not None and value < minimum) or value > maximum:
        raise Invalid(field, f"{field} must be between {minimum} and {maximum}")
    return value


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(field, f"{field} must be true or false")
    return value


def moment(field: str, value: Any) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid(field, f"{field} must be a date and time with a time zone")
    return value


def one_of(field: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise Invalid(field, f"{field} must be one of: {', '.join(choices)}")
    return value


def string_list(field: str, value: Any, *, max_items: int = 1000, max_length: int = SHORT_TEXT) -> list[str]:
    if not isinstance(value, list) or len(value) > max_items:
        raise Invalid(field, f"{field} must be a list of at most {max_items} strings")
    return [text(field, item, max_length=max_length) for item in value]


def int_list(field: str, value: Any, *, max_items: int = 1000) -> list[int]:
    if not isinstance(value, list) or len(value) > max_items:
        raise Invalid(field, f"{field} must be a list of at most {max_items} whole numbers")
    return [integer(field, item) for item in value]


def json_document(field: str, value: Any, _depth: int = 0) -> Any:
    """Any JSON value whose strings are storable, nested at most MAX_JSON_DEPTH deep."""
    if _depth > MAX_JSON_DEPTH:
        raise Invalid(field, f"{field} is nested too deeply")
    if isinstance(value, str):
        _storable(field, value)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        integer(field, value, bounds=INT64)
    elif isinstance(value, float):
        number(field, value, minimum=-1e300, maximum=1e300)
    elif isinstance(value, list):
        for item in value:
            json_document(field, item, _depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise Invalid(field, f"{field} keys must be strings")
            _storable(field, key)
            json_document(field, item, _depth + 1)
    else:
        raise Invalid(field, f"{field} must be JSON")
    return value


def storable_keys(field: str, value: Any) -> None:
    """Every key of a parsed request body, those the dialect then ignores included, is
    storable text: a NUL in a key is refused, not silently dropped (known fields check their
    own values, with messages naming them). A loop, not recursion: a body may nest as deep
    as the parser allows (1,024 levels)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                if isinstance(key, str) and "\x00" in key:
                    raise Invalid(field, f"{field} keys must not contain NUL characters")
                pending.append(inner)


def role_mapping(field: str, value: Any) -> dict[str, list[str]]:
    """`{ROLE: [user ids]}`, as Sunbird's rolemapping."""
    if not isinstance(value, Mapping):
        raise Invalid(field, f"{field} must be an object of role names to lists of user ids")
    mapping: dict[str, list[str]] = {}
    for role, users in value.items():
        name = text(f"{field} role names", role, allow_empty=False)
        where = f"{field}.{name}"
        if not isinstance(users, list):
            raise Invalid(where, f"{where} must be a list of user ids")
        mapping[name] = string_list(where, users)
    return mapping
