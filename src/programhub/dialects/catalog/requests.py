"""Catalog's wire values: what a request may send for each kind of field, and how values
are shown. Catalog's own documentation sends every value as text (`"true"`, `"150"`,
`"49.99"`), so each parser takes the JSON type and its string form, and refuses the rest
with Invalid naming the wire field."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from programhub.core import validation as check
from programhub.core.errors import Invalid

Parser = Callable[[str, Any], Any]

_TRUE = frozenset({"true", "1", "t", "yes", "on"})
_FALSE = frozenset({"false", "0", "f", "no", "off"})
_INTEGER = re.compile(r"^[+-]?\d{1,19}(?:\.0*)?$")  # "150.0" is 150, as the number 150.0 is
_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
WIRE_TIME = "%Y/%m/%d %H:%M:%S %z"
MAX_MONEY = Decimal("99999999.99")
MAX_QUANTITY = Decimal(99999999)


def timestamp(moment: datetime | None) -> str | None:
    """`2025/03/28 13:11:23 +0000`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y/%m/%d %H:%M:%S +0000")


def number(value: float | None) -> float | int | None:
    """9.0 -> 9, 4.5 -> 4.5: whole numbers are shown without a fraction, as in the seed."""
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def money(cents: int) -> float | int:
    """Cents as a JSON number of the currency unit: 0 -> 0, 4999 -> 49.99."""
    return cents // 100 if cents % 100 == 0 else cents / 100


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def nullable(parser: Parser) -> Parser:
    """null (or an empty string, which is how forms clear a value) means "no value"."""
    return lambda field, value: None if _blank(value) else parser(field, value)


def text(field: str, value: Any) -> str:
    return check.text(field, value, max_length=check.LONG_TEXT)


def nullable_text(field: str, value: Any) -> str | None:
    return None if value is None else text(field, value)


def title(field: str, value: Any) -> str:
    return check.text(field, value, allow_empty=False, max_length=255).strip()


def path(field: str, value: Any) -> str:
    """A listing path is the last part of its URL: letters, digits, `-`, `_`, `.`, `~`."""
    value = check.text(field, value, allow_empty=False, max_length=255).strip()
    if not _PATH.match(value):
        raise Invalid(
            field,
            f"{field} may contain only letters, digits, '-', '_', '.' and '~', and must start with a letter or digit",
        )
    return value


def boolean(field: str, value: Any) -> bool:
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


def integer(field: str, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and _INTEGER.match(value.strip()):
        value = int(value.strip().split(".", 1)[0])
    return check.integer(field, value)


def non_negative(field: str, value: Any) -> int:
    value = integer(field, value)
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
    if not isinstance(value, str):
        raise Invalid(field, f"{field} must be a date or a date and time")
    raw = value.strip()
    parsed: datetime | None = None
    attempts: tuple[Callable[[], datetime], ...] = (
        lambda: datetime.strptime(raw, WIRE_TIME),
        lambda: datetime.fromisoformat(raw),
    )
    for attempt in attempts:
        try:
            parsed = attempt()
            break
        except ValueError:
            continue
    if parsed is None:
        raise Invalid(field, f"{field} must be a date or a date and time, e.g. 2025-03-21T13:11:23Z")
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid(field, f"{field} is out of range") from None


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
    if len(items) > 1000:
        raise Invalid(field, f"{field} may list at most 1000 ids")
    try:
        return [integer(field, item) for item in items]
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
