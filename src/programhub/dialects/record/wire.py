"""What every Record API route shares: the base path and route class, the success
envelope, the JSON request body, the Idempotency-Key header, and doing a write once per key."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core import validation as check
from programhub.core import versions
from programhub.core.errors import Invalid, NotFound
from programhub.core.idempotency import service as idempotency
from programhub.core.tenancy import Tenant
from programhub.dialects.record.errors import ERRORS
from programhub.store import Store
from programhub.web.dialect import dialect_route_class
from programhub.web.responses import JSONResponse

PREFIX = "/api/external/issuance"
RecordRoute = dialect_route_class(ERRORS)

# Every public id programhub hands out fits this; anything else cannot exist.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"  # printable ASCII, no surrounding spaces
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
REPLAYED_HEADER = "Idempotent-Replayed"


def envelope(message: str, data: Any) -> dict[str, Any]:
    return {"success": True, "message": message, "data": data}


def ok(message: str, data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(envelope(message, data), status)


def possible_id(kind: str, value: str) -> str:
    """Refuse, as NOT_FOUND and without a query, an id no row can have (too long, NUL, ...)."""
    if not _PUBLIC_ID.fullmatch(value):
        raise NotFound(kind, value)
    return value


async def json_body(request: Request) -> Any:
    """The parsed JSON body, whatever its Content-Type; malformed JSON is VALIDATION_ERROR."""
    raw = await request.body()
    if not raw.strip():
        raise Invalid("body", "The request body is empty; send a JSON object.")
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Invalid("body", "The request body is not valid JSON.") from None
    if b"\\u0000" in raw:  # only an escape can put a NUL in parsed JSON (a raw one is invalid)
        check.storable_keys("body", parsed)  # in the keys of ignored fields too
    return parsed


JsonBody = Annotated[Any, Depends(json_body)]


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "Optional. A retry with the same key and the same body returns the first response "
                "(same ids) without writing again; the same key with another body is 409 "
                "IDEMPOTENCY_CONFLICT. Keys belong to the organisation and mode of the API key."
            ),
            json_schema_extra={
                "minLength": 1,
                "maxLength": idempotency.MAX_KEY_LENGTH,
                "pattern": IDEMPOTENCY_KEY_PATTERN,
            },
        ),
    ] = None,
) -> str | None:
    if key is None:
        return None
    if len(key) > idempotency.MAX_KEY_LENGTH or not _IDEMPOTENCY_KEY.match(key):
        raise Invalid(
            "Idempotency-Key",
            f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} printable ASCII characters.",
        )
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]

Work = Callable[[Connection], tuple[int, dict[str, Any]]]


def write_once(store: Store, tenant: Tenant, scope: str, key: str | None, request: Any, work: Work) -> Response:
    """Run `work` in one write transaction. With a key, do it at most once per key: a retry
    of the same `request` gets the stored response, another request IDEMPOTENCY_CONFLICT."""
    with versions.writing(store, tenant) as conn:
        if key is not None:
            stored = idempotency.claim(conn, tenant, scope, key, idempotency.fingerprint(request))
            if stored is not None:
                return Response(
                    stored.body, stored.status_code, headers={REPLAYED_HEADER: "true"}, media_type="application/json"
                )
        status, content = work(conn)
        body = orjson.dumps(content)
        if key is not None:
            idempotency.remember(conn, tenant, scope, key, idempotency.StoredResponse(status, body))
    return Response(body, status, media_type="application/json")
