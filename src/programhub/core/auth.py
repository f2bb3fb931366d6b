"""Authentication: a secret key resolves to a principal (organisation + mode) or a typed
failure that each dialect renders in its own envelope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from programhub.core import versions
from programhub.core.clock import utcnow
from programhub.core.keys.models import api_keys
from programhub.core.keys.service import KEY_PATTERN, hash_secret
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Mode, Tenant
from programhub.core.versions import tenant_versions
from programhub.store import Store
from programhub.store.prepared import PreparedSelect

# last_used_at is written at most this often per key, to keep reads free of writes.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class AuthFailureReason(StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    SUSPENDED = "suspended"

    @property
    def forbidden(self) -> bool:
        """True when the key is valid but its organisation may not act (HTTP 403)."""
        return self is AuthFailureReason.SUSPENDED


# An unknown and a revoked key get the same words: the answer must not tell whoever holds a
# key whether it ever existed.
_NOT_VALID = "The API key is not valid."
_MESSAGES = {
    AuthFailureReason.MISSING: "No API key was given.",
    AuthFailureReason.MALFORMED: "The API key is malformed.",
    AuthFailureReason.UNKNOWN: _NOT_VALID,
    AuthFailureReason.REVOKED: _NOT_VALID,
    AuthFailureReason.SUSPENDED: "The organisation of this API key is suspended.",
}


class AuthFailure(Exception):
    def __init__(self, reason: AuthFailureReason, org_public_id: str | None = None) -> None:
        super().__init__(_MESSAGES[reason])
        self.reason = reason
        self.message = _MESSAGES[reason]
        self.org_public_id = org_public_id  # known when the key is valid (a suspended organisation)


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: Tenant
    key_id: int
    key_public_id: str
    # The tenant's data version when the request was authenticated (core/versions.py);
    # None only for a tenant without a version row, whose answers are then never cached.
    data_version: int | None = None
    # The version of the data every user's nominations are shown with (core/versions.py),
    # read with it; and, when the request named them (`look_up`), some users' nomination
    # versions, read by the same statement.
    shared_version: int | None = None
    nomination_versions: tuple[tuple[str, int], ...] | None = None


# Built once: every request runs it, and building and keying a statement costs more than
# SQLite takes to answer it.
_KEY_LOOKUP = (
    select(
        api_keys.c.id,
        api_keys.c.public_id,
        api_keys.c.mode,
        api_keys.c.revoked_at,
        api_keys.c.last_used_at,
        organisations.c.id,
        organisations.c.public_id,
        organisations.c.name,
        organisations.c.state,
        tenant_versions.c.version,
        tenant_versions.c.shared_version,
    )
    .join(organisations, organisations.c.id == api_keys.c.org_id)
    .outerjoin(
        tenant_versions,
        and_(tenant_versions.c.org_id == api_keys.c.org_id, tenant_versions.c.mode == api_keys.c.mode),
    )
    .where(api_keys.c.secret_hash == bindparam("secret_hash"))
)


@cache
def _key_lookup(users: int) -> PreparedSelect:
    """The key lookup, also reading the nomination versions of `users` users (parameters
    user_0 ...): one statement, where a second one cost a PostgreSQL round trip (~0.25 ms
    of CPU here) on every cached list of a user's nominations. Prepared (store/prepared.py):
    run through `Connection.execute`, SQLAlchemy's own work was most of a lookup's CPU."""
    if not users:
        return PreparedSelect(_KEY_LOOKUP)
    key_tenant = (api_keys.c.org_id, api_keys.c.mode)
    return PreparedSelect(
        _KEY_LOOKUP.add_columns(
            *(
                versions.user_nomination_version(*key_tenant, f"user_{index}").label(f"user_{index}")
                for index in range(users)
            )
        )
    )


def look_up(store: Store, secret: str, nomination_users: tuple[str, ...] | None = None) -> tuple[Principal, bool]:
    """Resolve a key in one indexed read; raise AuthFailure when it cannot act. Also says
    whether its last use is due to be written (`touch`). With `nomination_users` (what a
    request for those users' nomination list will key its cached answer on), the same
    statement reads their versions."""
    query, parameters = _lookup(secret, nomination_users)
    with store.lookup() as conn:
        row = query.first(conn, parameters)
    return _principal(row, nomination_users)


async def look_up_on_loop(
    store: Store, secret: str, nomination_users: tuple[str, ...] | None = None
) -> tuple[Principal, bool]:
    """`look_up` from the event loop, where the store runs it cheapest (`Store.first_on_loop`)."""
    query, parameters = _lookup(secret, nomination_users)
    return _principal(await store.first_on_loop(query, parameters), nomination_users)


def _lookup(secret: str, nomination_users: tuple[str, ...] | None) -> tuple[PreparedSelect, dict[str, Any]]:
    if not KEY_PATTERN.match(secret):
        raise AuthFailure(AuthFailureReason.MALFORMED)
    users = nomination_users or ()
    parameters = {"secret_hash": hash_secret(secret), **{f"user_{index}": user for index, user in enumerate(users)}}
    return _key_lookup(len(users)), parameters


def _principal(row: tuple[Any, ...] | None, nomination_users: tuple[str, ...] | None) -> tuple[Principal, bool]:
    if row is None:
        raise AuthFailure(AuthFailureReason.UNKNOWN)
    users = nomination_users or ()
    key = row[: len(row) - len(users)]
    key_id, key_public_id, mode, revoked_at, last_used_at, org_id, org_public_id, org_name, state, version, shared = key
    if revoked_at is not None:
        raise AuthFailure(AuthFailureReason.REVOKED)
    if state != "active":
        raise AuthFailure(AuthFailureReason.SUSPENDED, org_public_id)
    due = last_used_at is None or utcnow() - last_used_at >= LAST_USED_RESOLUTION
    found = None
    if nomination_users is not None:
        found = tuple(zip(users, (number or 0 for number in row[len(key) :]), strict=True))
    tenant = Tenant(org_id, Mode(mode), org_public_id, org_name)
    return Principal(tenant, key_id, key_public_id, version, shared, found), due


def touch(store: Store, principal: Principal) -> None:
    """Record that the key was used (a write, at most once per LAST_USED_RESOLUTION)."""
    with store.write() as conn:
        conn.execute(update(api_keys).where(api_keys.c.id == principal.key_id).values(last_used_at=utcnow()))
