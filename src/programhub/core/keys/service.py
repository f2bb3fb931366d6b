"""API keys: `sk_test_` / `sk_live_` + 40 base62 characters. Only a SHA-256 of the key is
stored (the key is 238 bits of randomness, so a fast hash cannot be brute-forced); the
secret is returned once, at creation."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from programhub.core import orgs
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid, NotFound
from programhub.core.ids import public_id, random_base62
from programhub.core.keys.models import api_keys
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Mode

SECRET_LENGTH = 40
# A key is its mode's prefix and 32 to 128 base62 characters; KEY_SHAPE also finds a key
# (or a key's start) inside other text, to mask it there.
KEY_SHAPE = r"(sk_(?:test|live)_)[0-9A-Za-z]"
KEY_PATTERN = re.compile(rf"^{KEY_SHAPE}{{32,128}}$")


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    org: str
    mode: Mode
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key with its secret: the only moment the secret exists outside the client."""

    key: ApiKey
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_mode(value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise Invalid("mode", "mode must be 'test' or 'live'") from None


def create(conn: Connection, org_public_id: str, mode: Mode, label: str | None = None) -> IssuedKey:
    org = orgs.service.get(conn, org_public_id)
    secret = f"sk_{mode.value}_{random_base62(SECRET_LENGTH)}"
    now = utcnow()
    key_id = public_id("key", now)
    conn.execute(
        insert(api_keys).values(
            public_id=key_id,
            org_id=org.id,
            mode=mode.value,
            secret_hash=hash_secret(secret),
            prefix=secret[:12],
            label=label,
            created_at=now,
        )
    )
    key = ApiKey(key_id, org.public_id, mode, secret[:12], label, now, None, None)
    return IssuedKey(key, secret)


_LIST_COLUMNS = (
    api_keys.c.public_id,
    organisations.c.public_id,
    api_keys.c.mode,
    api_keys.c.prefix,
    api_keys.c.label,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
    api_keys.c.last_used_at,
)


def list_for_org(conn: Connection, org_public_id: str) -> list[ApiKey]:
    org = orgs.service.get(conn, org_public_id)
    rows = conn.execute(
        select(*_LIST_COLUMNS)
        .join(organisations, organisations.c.id == api_keys.c.org_id)
        .where(api_keys.c.org_id == org.id)
        .order_by(api_keys.c.id)
    )
    return [ApiKey(r[0], r[1], Mode(r[2]), *r[3:]) for r in rows]


def revoke(conn: Connection, key_public_id: str) -> ApiKey:
    """Revoke a key; revoking twice keeps the first revocation time."""
    conn.execute(
        update(api_keys)
        .where(api_keys.c.public_id == key_public_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    row = conn.execute(
        select(*_LIST_COLUMNS)
        .join(organisations, organisations.c.id == api_keys.c.org_id)
        .where(api_keys.c.public_id == key_public_id)
    ).one_or_none()
    if row is None:
        raise NotFound("key", key_public_id)
    return ApiKey(row[0], row[1], Mode(row[2]), *row[3:])


def revoke_own(conn: Connection, org_public_id: str, key_public_id: str) -> ApiKey:
    """Revoke a key of this organisation; any other key is NotFound (and left alone)."""
    if key_public_id not in {key.id for key in list_for_org(conn, org_public_id)}:
        raise NotFound("key", key_public_id)
    return revoke(conn, key_public_id)
