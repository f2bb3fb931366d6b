"""Request bodies as Catalog clients send them: JSON, or an HTML form with Rails-style
bracketed names (`program[title]=...&program[tag_names][]=a`, `product_ids[]=3`).

The body is read by an async dependency, so the route handlers that touch the database
stay plain `def`s. A body that is not valid JSON is a 400; an empty body is `{}`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from programhub.core import validation as check
from programhub.core.errors import Invalid

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
MAX_FORM_DEPTH = 4


class MalformedBody(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


async def read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        parsed = form_fields(raw)
        check.storable_keys("body", parsed)  # in the names of fields the routes ignore too
        return parsed
    if content_type == "multipart/form-data":
        raise HTTPException(415, "Send the request body as JSON or as a URL-encoded form.")
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedBody("The request body is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise Invalid("body", "The request body must be a JSON object.")
    if b"\\u0000" in raw:  # only an escape can put a NUL in parsed JSON (a raw one is invalid)
        check.storable_keys("body", parsed)  # in the keys of fields the routes ignore too
    return parsed


Body = Annotated[dict[str, Any], Depends(read_body)]


def form_fields(raw: bytes) -> dict[str, Any]:
    """`a[b][]=1&a[b][]=2&c=3` -> `{"a": {"b": ["1", "2"]}, "c": "3"}`."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=10_000)
    except (UnicodeDecodeError, ValueError):
        raise MalformedBody("The request body is not a valid URL-encoded form.") from None
    fields: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        parts = [match.group(1), *_PART.findall(match.group(2))] if match else [key]
        if len(parts) > MAX_FORM_DEPTH:
            raise MalformedBody(f"The form field {key!r} is nested too deeply.")
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
            raise MalformedBody(f"The form field {key!r} mixes a list with a single value.")
        existing.append(value)
        return
    nested = target.setdefault(head, {})
    if not isinstance(nested, dict) or rest[0] == "":
        raise MalformedBody(f"The form field {key!r} cannot be read.")
    _place(nested, rest, value, key)


def wrapped(body: dict[str, Any], root: str) -> dict[str, Any]:
    """`{"program": {...}}`, or the fields at the top level (Rails wraps those itself)."""
    if root in body:
        inner = body[root]
        if not isinstance(inner, dict):
            raise Invalid(root, f"{root} must be an object")
        return inner
    return body
