"""The one authentication dependency every dialect uses.

Accepted forms: `Authorization: Bearer <key>`, `Authorization: Token token="<key>"` (quotes
optional, single or double; options after a comma ignored) and `X-Api-Key: <key>` (header
names are case-insensitive in HTTP).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.datastructures import Headers

from programhub.core.auth import AuthFailure, AuthFailureReason, Principal, authenticate
from programhub.web.deps import get_store

# `token="k"`, `token=k` or `token='k'`, optionally followed by `, name="value"` options
# (Rails' token parser allows them, e.g. a nonce; programhub ignores them).
_TOKEN_CREDENTIALS = re.compile(r"""^token\s*=\s*(["']?)([^"',\s]*)\1\s*(?:,.*)?$""", re.IGNORECASE | re.DOTALL)

# Declared for the OpenAPI document; the header parsing below is what decides.
_bearer_scheme = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
_api_key_scheme = APIKeyHeader(name="X-Api-Key", auto_error=False, description="`X-Api-Key: <key>`")


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
        if not headers.get("x-api-key"):
            raise AuthFailure(AuthFailureReason.MALFORMED)
    api_key = (headers.get("x-api-key") or "").strip()
    if not api_key:
        raise AuthFailure(AuthFailureReason.MISSING)
    return api_key


def require_principal(
    request: Request,
    _bearer: Annotated[object, Security(_bearer_scheme)] = None,
    _api_key: Annotated[object, Security(_api_key_scheme)] = None,
) -> Principal:
    try:
        principal = authenticate(get_store(request), key_from_headers(request.headers))
    except AuthFailure as failure:
        request.state.org = failure.org_public_id  # for the access log
        raise
    request.state.org = principal.tenant.org_public_id
    return principal


Authenticated = Annotated[Principal, Depends(require_principal)]
