"""The one request-body reader every dialect uses: size limit (BodyLimitMiddleware, which
raises while the body streams in), JSON or a Rails-style form, and the NUL refusal that
also covers the keys a dialect ignores. It fails one way, `BodyFault`, which every
dialect renders in its own envelope like any other Problem."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from programhub.core import validation as check
from programhub.core.errors import Invalid
from programhub.web.problems import Problem, ProblemKind

NOT_JSON = "The request body is not valid JSON."
EMPTY = "The request body is empty; send a JSON object."
NOT_OBJECT = "The request body must be a JSON object."
MAX_FORM_DEPTH = 4
MAX_FORM_FIELDS = 10_000


class BodyFault(Exception):
    """The body cannot be read as the route's data."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class WhenEmpty(Enum):
    """What an empty (or all-blank) body means to a dialect."""

    REFUSE = "refuse"  # a fault saying the body is empty
    NOT_JSON = "not_json"  # a fault like any text that is not JSON
    EMPTY_OBJECT = "empty_object"  # `{}`, as Rails reads a body without parameters


async def read_body(
    request: Request, *, when_empty: WhenEmpty = WhenEmpty.REFUSE, forms: bool = False, object_only: bool = True
) -> Any:
    """The parsed body. JSON whatever the Content-Type says, except that with `forms` an
    `application/x-www-form-urlencoded` body is read as a form (`a[b][]=1`) and a multipart
    one is refused (415). `object_only` refuses JSON that is not an object."""
    raw = await request.body()
    if not raw.strip():
        if when_empty is WhenEmpty.EMPTY_OBJECT:
            return {}
        raise _malformed(EMPTY if when_empty is WhenEmpty.REFUSE else NOT_JSON)
    if forms:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            parsed = form_fields(raw)
            _storable_keys(parsed)
            return parsed
        if content_type == "multipart/form-data":
            raise BodyFault(
                Problem(ProblemKind.UNSUPPORTED_MEDIA_TYPE, "Send the request body as JSON or as a URL-encoded form.")
            )
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _malformed(NOT_JSON) from None
    if b"\\u0000" in raw:  # only an escape can put a NUL in parsed JSON (a raw one is invalid)
        _storable_keys(parsed)
    if object_only and not isinstance(parsed, dict):
        raise BodyFault(Problem(ProblemKind.INVALID, NOT_OBJECT, "body"))
    return parsed


def _malformed(message: str) -> BodyFault:
    return BodyFault(Problem(ProblemKind.MALFORMED_BODY, message))


def _storable_keys(parsed: Any) -> None:
    """A NUL in any key, those of fields a dialect ignores too, is refused, not dropped."""
    try:
        check.storable_keys("body", parsed)
    except Invalid as exc:
        raise BodyFault(Problem(ProblemKind.INVALID, exc.message, exc.field)) from None


_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


def form_fields(raw: bytes) -> dict[str, Any]:
    """`a[b][]=1&a[b][]=2&c=3` -> `{"a": {"b": ["1", "2"]}, "c": "3"}`, as Rails reads it."""
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise _malformed("The request body is not a valid URL-encoded form.") from None
    fields: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        parts = [match.group(1), *_PART.findall(match.group(2))] if match else [key]
        if len(parts) > MAX_FORM_DEPTH:
            raise _malformed(f"The form field {key!r} is nested too deeply.")
        _place(fields, parts, value, key)
    return fields


def _place(target: dict[str, Any], parts: list[str], value: str, key: str) -> None:
    head, rest = parts[0], parts[1:]
    if not rest:
        target[head] = value
        return
    if rest == [""]:
        existing = target.setdefault(head, [])
        if not isinstance(existing, list):
            raise _malformed(f"The form field {key!r} mixes a list with a single value.")
        existing.append(value)
        return
    nested = target.setdefault(head, {})
    if not isinstance(nested, dict) or rest[0] == "":
        raise _malformed(f"The form field {key!r} cannot be read.")
    _place(nested, rest, value, key)
