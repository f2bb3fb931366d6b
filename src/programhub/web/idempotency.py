"""The `Idempotency-Key` header, for any dialect's create routes: a retry with the same key
and the same request gets the first response without a second write; the same key with
another request is refused (core/idempotency)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core import versions
from programhub.core.errors import Invalid
from programhub.core.idempotency import service as idempotency
from programhub.core.tenancy import Tenant
from programhub.store import Store

IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"  # printable ASCII, no surrounding spaces
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
REPLAYED_HEADER = "Idempotent-Replayed"


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "Optional. A retry with the same key and the same body returns the first response "
                "(same ids) without writing again; the same key with another body is refused with 409. "
                "Keys belong to the organisation and mode of the API key."
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

# A write: (status, the JSON answer), run inside the transaction `write_once` opens.
Work = Callable[[Connection], tuple[int, Any]]


def write_once(store: Store, tenant: Tenant, scope: str, key: str | None, request: Any, work: Work) -> Response:
    """Run `work` in one write transaction of `tenant`. With a key, do it at most once per
    key and `scope`: a retry of the same `request` (its meaning, ignored fields left out)
    gets the stored response, another request `KeyReused`."""
    with versions.writing(store, tenant) as conn:
        if key is not None:
            stored = idempotency.claim(conn, tenant, scope, key, idempotency.fingerprint(request))
            if stored is not None:
                return Response(
                    stored.body, stored.status_code, headers={REPLAYED_HEADER: "true"}, media_type="application/json"
                )
        status, content = work(conn)
        body = content if isinstance(content, bytes) else orjson.dumps(content)
        if key is not None:
            idempotency.remember(conn, tenant, scope, key, idempotency.StoredResponse(status, body))
    return Response(body, status, media_type="application/json")
