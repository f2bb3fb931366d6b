"""What WebAdMIT's routes share: their router settings, with the route class that tells
every counted answer its quota."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import Response

from programhub.dialects.webadmit.errors import ERRORS
from programhub.dialects.webadmit.ratelimit import with_quota_headers
from programhub.dialects.webadmit.responses import PREFIX
from programhub.web.body import WhenEmpty, read_body
from programhub.web.dialect import dialect_route_class


class WebAdmitRoute(dialect_route_class(ERRORS)):  # type: ignore[misc]
    """A WebAdMIT route: every failure in WebAdMIT's envelope, and the rate-limit headers
    on whatever the route answers once the call was counted."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_quota(request: Request) -> Response:
            return with_quota_headers(request, await handler(request))

        return with_quota


ROUTER_OPTIONS: dict[str, Any] = {"prefix": PREFIX, "route_class": WebAdmitRoute, "tags": ["WebAdMIT"]}


def router_options(prefix: str) -> dict[str, Any]:
    """ROUTER_OPTIONS for routes under another of WebAdMIT's prefixes."""
    return {**ROUTER_OPTIONS, "prefix": prefix}


async def _json_body(request: Request) -> Any:
    """The JSON body as sent, any JSON value (the route's schema check names what is
    wrong in WebAdMIT's words); an empty body is `{}`, as Rails reads it."""
    return await read_body(request, when_empty=WhenEmpty.EMPTY_OBJECT, object_only=False)


JsonBody = Annotated[Any, Depends(_json_body)]
