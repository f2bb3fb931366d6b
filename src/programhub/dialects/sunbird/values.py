"""Wire values: parsing with errors that name the field (by its path under `request`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from programhub.core import validation as check
from programhub.core.errors import Invalid

MAX_ITEMS = 1000


def obj(path: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid(path, f"{path} must be an object")
    return dict(value)


def known_keys(path: str, value: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse the first key that is not in `allowed`, naming it and the ones that are."""
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise Invalid(where, f"{where} is not supported; use one of: {', '.join(allowed)}")


def one_or_many(path: str, value: Any) -> tuple[str, ...]:
    """A string, or a list of strings (any of them)."""
    if isinstance(value, str):
        return (check.text(path, value),)
    if isinstance(value, list) and len(value) <= MAX_ITEMS and all(isinstance(item, str) for item in value):
        return tuple(check.text(path, item) for item in value)
    raise Invalid(path, f"{path} must be a string or a list of at most {MAX_ITEMS} strings")


def choices(path: str, value: Any, allowed: Mapping[str, str]) -> tuple[str, ...]:
    """One or many of the wire values in `allowed`, translated to their core values."""
    picked = one_or_many(path, value)
    for item in picked:
        if item not in allowed:
            raise Invalid(path, f"{path} must be one of: {', '.join(allowed)} (or a list of them)")
    return tuple(allowed[item] for item in picked)


def moment(path: str, value: Any) -> datetime | None:
    """An ISO 8601 date or date and time (without a zone: UTC), or null."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
            parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
            return parsed.replace(microsecond=parsed.microsecond - parsed.microsecond % 1000)
        except (ValueError, OverflowError):  # not a date, or out of range once in UTC
            pass
    raise Invalid(path, f"{path} must be an ISO 8601 date and time such as 2020-05-31T18:30:00.000Z, or null")


def whole(path: str, value: Any, *, minimum: int) -> int:
    """A whole number (JSON's `300.0` is the integer 300, as JSON Schema has it)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return check.integer(path, value, minimum=minimum)


def count(path: str, value: Any, *, default: int, maximum: int | None = None) -> int:
    """A whole number from 0; missing or null gives `default`; above `maximum` is capped."""
    if value is None:
        return default
    number = whole(path, value, minimum=0)
    return number if maximum is None else min(number, maximum)
