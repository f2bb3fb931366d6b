"""WebAdMIT's per-key rate limit: `settings.webadmit_rate_limit` calls per key per hour,
counted in the database (so it holds across server processes), told in
`X-RateLimit-Limit` / `X-RateLimit-Remaining` on every answer once the key is known, and
answered past the limit with 429, `Retry-After` and WebAdMIT's error body.

Requests refused before the key is known (401) or for a suspended organisation (403)
are neither counted nor given the headers: there is no valid key to count them against.
Routes count through `Caller`; unknown paths and wrong methods under the prefix are
counted too, when their key is valid (`count_if_authenticated`, from errors.py).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.core.auth import AuthFailure, Principal
from programhub.core.ratelimit import service as ratelimit
from programhub.core.ratelimit.service import Quota
from programhub.settings import Settings
from programhub.store import Store
from programhub.web.auth import API_KEY_SCHEME, BEARER_SCHEME, authenticate, principal_of, secured_by
from programhub.web.deps import SettingsDep, StoreDep, store_of

SCOPE = "webadmit"
_STATE = "webadmit_quota"


def clock() -> float:
    """Epoch seconds now (a function, so tests can move time)."""
    return time.time()


def count_against(request: Request, principal: Principal, store: Store, settings: Settings) -> None:
    """Count this call against its key; refuse it with 429 past the limit (blocking)."""
    quota = ratelimit.count(store, principal.key_id, SCOPE, settings.webadmit_rate_limit, now=clock())
    _judge(request, quota)


def _judge(request: Request, quota: Quota) -> None:
    setattr(request.state, _STATE, quota)
    if not quota.allowed:
        raise HTTPException(
            429,
            f"API rate limit exceeded: at most {quota.limit} calls per hour per API key; "
            f"try again in {quota.retry_after} seconds.",
        )


@secured_by(BEARER_SCHEME, API_KEY_SCHEME)
async def count_call(request: Request, store: StoreDep, settings: SettingsDep) -> Principal:
    """Authenticate and count the call from the event loop: on PostgreSQL both on the loop's
    connection, without a hop to a thread (`Store.count_on_loop`); on SQLite the lookup on
    the loop and the count on the process's one counting thread."""
    principal = await authenticate(request)
    quota = await ratelimit.count_on_loop(store, principal.key_id, SCOPE, settings.webadmit_rate_limit, now=clock())
    _judge(request, quota)
    return principal


Caller = Annotated[Principal, Depends(count_call)]
"""The authenticated key of a WebAdMIT call, counted against its rate limit."""


def quota_headers(quota: Quota) -> dict[str, str]:
    headers = {"X-RateLimit-Limit": str(quota.limit), "X-RateLimit-Remaining": str(quota.remaining)}
    if not quota.allowed:
        headers["Retry-After"] = str(quota.retry_after)
    return headers


def with_quota_headers(request: Request, response: Response) -> Response:
    """`response` with the quota of the call, once it was counted."""
    quota = getattr(request.state, _STATE, None)
    if quota is not None:
        response.headers.update(quota_headers(quota))
    return response


def count_if_authenticated(request: Request) -> None:
    """Count a call no route answers (an unknown path, a wrong method) when its key is
    valid; without one it is answered all the same, uncounted, since it reveals nothing."""
    try:
        principal = principal_of(request)
    except AuthFailure:
        return  # no valid key to count against
    count_against(request, principal, store_of(request), request.app.state.settings)
