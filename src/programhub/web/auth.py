"""The one authentication dependency every dialect uses.

Accepted forms: `Authorization: Bearer <key>`, `Authorization: Token token="<key>"` (quotes
optional, single or double; options after a comma ignored), `Authorization: Token <key>`
(Rails' token parser takes a bare first value as the token) and `X-Api-Key: <key>` (header
names are case-insensitive in HTTP).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer
from fastapi.security.base import SecurityBase
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from programhub.core.auth import AuthFailure, AuthFailureReason, Principal, look_up, look_up_on_loop, touch
from programhub.web.deps import store_of

# `token="k"`, `token=k` or `token='k'`, optionally followed by `, name="value"` options
# (Rails' token parser allows them, e.g. a nonce; programhub ignores them).
_TOKEN_CREDENTIALS = re.compile(r"""^token\s*=\s*(["']?)([^"',\s]*)\1\s*(?:,.*)?$""", re.IGNORECASE | re.DOTALL)
# `Token <key>`, optionally followed by `, name="value"` options.
_BARE_TOKEN = re.compile(r"""^([^"',=\s]+)\s*(?:,.*)?$""", re.DOTALL)

# Declared for the OpenAPI document; the header parsing below is what decides.
BEARER_SCHEME = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
API_KEY_SCHEME = APIKeyHeader(name="X-Api-Key", auto_error=False, description="`X-Api-Key: <key>`")
TOKEN_SCHEME = APIKeyHeader(
    name="Authorization",
    scheme_name="CatalogToken",
    auto_error=False,
    description='Canvas Catalog\'s form: `Authorization: Token token="<key>"` (or `Token <key>`).',
)


def key_from_headers(headers: Headers) -> str:
    """The secret key the request carries, or AuthFailure(MISSING | MALFORMED)."""
    authorization = headers.get("authorization")
    if authorization is not None and authorization.strip():
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and credentials:
            return credentials
        if scheme.lower() == "token":
            match = _TOKEN_CREDENTIALS.match(credentials)
            if match and match.group(2):
                return match.group(2)
            bare = _BARE_TOKEN.match(credentials)
            if bare:
                return bare.group(1)
        if not headers.get("x-api-key"):
            raise AuthFailure(AuthFailureReason.MALFORMED)
    api_key = (headers.get("x-api-key") or "").strip()
    if not api_key:
        raise AuthFailure(AuthFailureReason.MISSING)
    return api_key


def _look_up(request: Request, key: str | None, nomination_users: tuple[str, ...] | None) -> tuple[Principal, bool]:
    """`look_up` of `key` (by default the request's key header), noting the organisation
    for the access log."""
    with _noting_org(request):
        found = look_up(store_of(request), key_from_headers(request.headers) if key is None else key, nomination_users)
    request.state.org = found[0].tenant.org_public_id
    return found


@contextmanager
def _noting_org(request: Request) -> Iterator[None]:
    """A key refused for its organisation's state names the organisation in the access log."""
    try:
        yield
    except AuthFailure as failure:
        request.state.org = failure.org_public_id
        raise


def principal_of(
    request: Request, key: str | None = None, nomination_users: tuple[str, ...] | None = None
) -> Principal:
    """Authenticate the request's key (or `key`), blocking (for code already on the thread
    pool). With `nomination_users`, the lookup also reads those users' nomination versions
    (`Principal.nomination_versions`), for an answer cached under them."""
    principal, due = _look_up(request, key, nomination_users)
    if due:
        touch(store_of(request), principal)
    return principal


async def authenticate(
    request: Request, key: str | None = None, nomination_users: tuple[str, ...] | None = None
) -> Principal:
    """`principal_of` for the event loop: the key lookup waits on the loop where the store
    allows it (`Store.first_on_loop`: PostgreSQL's loop connection, SQLite's file), the
    occasional last-use write on the thread pool. What the APIs and the console's session
    both use."""
    store = store_of(request)
    with _noting_org(request):
        secret = key_from_headers(request.headers) if key is None else key
        principal, due = await look_up_on_loop(store, secret, nomination_users)
    request.state.org = principal.tenant.org_public_id
    if due:
        await run_in_threadpool(touch, store, principal)
    return principal


# The dependencies that authenticate, and the header forms each accepts, for the OpenAPI
# document (`web.openapi.with_security`). As FastAPI `Security` parameters the schemes
# were dependencies of their own, solved on every request for nothing (3 of the 10
# dependencies of a cached Sunbird list, about a twentieth of its CPU).
SECURED: dict[Callable[..., Any], tuple[SecurityBase, ...]] = {}

Dependency = TypeVar("Dependency", bound=Callable[..., Any])


def secured_by(*schemes: SecurityBase) -> Callable[[Dependency], Dependency]:
    """Declare that a dependency authenticates the request's key in these header forms."""

    def declare(dependency: Dependency) -> Dependency:
        SECURED[dependency] = schemes
        return dependency

    return declare


# Every form a key may come in.
KEY_SCHEMES = (BEARER_SCHEME, API_KEY_SCHEME, TOKEN_SCHEME)


@secured_by(*KEY_SCHEMES)
async def require_principal(request: Request) -> Principal:
    """The request's key, authenticated (`authenticate`)."""
    return await authenticate(request)


Authenticated = Annotated[Principal, Depends(require_principal)]
