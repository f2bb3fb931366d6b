"""Idempotency keys: a retried write returns the first response instead of acting twice.

The protocol runs inside the caller's write transaction, before its other writes:

1. `claim` inserts the key row (`INSERT ... ON CONFLICT DO NOTHING`). On PostgreSQL a
   concurrent insert of the same key waits for the first transaction to end, then either
   inserts (the first rolled back) or finds the committed row; SQLite write transactions
   are serialised already (`BEGIN IMMEDIATE`). So of two simultaneous requests exactly one
   does the work, and the other sees its finished response.
2. The caller does its work, then `remember`s the response in the same transaction.
3. A failure rolls back the work and the key together, so a failed request can be retried
   with the same key.

Keys are kept (not expired): a key names one request for good.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from programhub.core.clock import utcnow
from programhub.core.errors import Conflict
from programhub.core.idempotency.models import idempotency_keys
from programhub.core.tenancy import Tenant, owned_by
from programhub.store.sql import upsert

MAX_KEY_LENGTH = 255


class KeyReused(Conflict):
    """The key was used before for a different request."""

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request; use a new key for a new request.",
            field="Idempotency-Key",
        )


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: bytes


def fingerprint(request: Any) -> str:
    """A stable hash of a request's meaning (keys sorted), to tell a retry from a new request."""
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


def claim(conn: Connection, tenant: Tenant, scope: str, key: str, request_hash: str) -> StoredResponse | None:
    """Take the key for this request (None: go ahead and do the work), or return the
    response of the request that took it before. A different request raises KeyReused."""
    claimed = conn.execute(
        upsert(conn, idempotency_keys)
        .values(
            org_id=tenant.org_id,
            mode=tenant.mode.value,
            scope=scope,
            key=key,
            request_hash=request_hash,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["org_id", "mode", "scope", "key"])
        .returning(idempotency_keys.c.id)
    ).first()
    if claimed is not None:
        return None
    earlier = conn.execute(
        select(idempotency_keys.c.request_hash, idempotency_keys.c.status_code, idempotency_keys.c.response_body).where(
            owned_by(idempotency_keys, tenant), idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
        )
    ).one()
    if earlier.request_hash != request_hash:
        raise KeyReused()
    return StoredResponse(earlier.status_code, earlier.response_body.encode())


def remember(conn: Connection, tenant: Tenant, scope: str, key: str, response: StoredResponse) -> None:
    """Store the response of the claimed request; it commits (or not) with the work."""
    conn.execute(
        update(idempotency_keys)
        .where(owned_by(idempotency_keys, tenant), idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
        .values(status_code=response.status_code, response_body=response.body.decode())
    )
