"""Reading `{"params": {"msgid": ...}, "request": {...}}` bodies.

The body is read before authentication, so that every answer, even a 401, echoes the
caller's `params.msgid`; its faults are raised only when the route asks for `request`,
after authentication, so a caller without a key learns nothing about the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request

from programhub.core import validation as check
from programhub.core.errors import Invalid


@dataclass(frozen=True, slots=True)
class SunbirdBody:
    data: Any
    fault: Invalid | None = None

    def request(self) -> dict[str, Any]:
        """The `request` object, or Invalid naming what is wrong with the body."""
        if self.fault is not None:
            raise self.fault
        if not isinstance(self.data, Mapping):
            raise Invalid("body", "The request body must be a JSON object.")
        if "request" not in self.data:
            raise Invalid("request", "request is required")
        request = self.data["request"]
        if not isinstance(request, Mapping):
            raise Invalid("request", "request must be an object")
        return dict(request)


async def read_body(request: Request) -> SunbirdBody:
    raw = await request.body()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return SunbirdBody(None, Invalid("body", "The request body is not valid JSON."))
    fault = _note_msgid(request, data)
    if fault is None and b"\\u0000" in raw:  # only an escape can put a NUL in parsed JSON
        try:
            check.storable_keys("body", data)  # in the keys the routes ignore too
        except Invalid as nul:
            fault = nul
    return SunbirdBody(data, fault)


async def note_msgid(request: Request) -> None:
    """Remember `params.msgid` for an answer given before any route read the body (an
    unknown path, a wrong method), so that it is echoed there too. A body that cannot be
    read or parsed simply has no msgid."""
    try:
        data = orjson.loads(await request.body())
    except Exception:  # noqa: BLE001 - too large, disconnected, not JSON: nothing to echo
        return
    _note_msgid(request, data)


def _note_msgid(request: Request, data: Any) -> Invalid | None:
    """Keep a valid `params.msgid` on the request; the fault of bad `params`, if any."""
    params = data.get("params") if isinstance(data, Mapping) else None
    if params is None:
        return None
    if not isinstance(params, Mapping):
        return Invalid("params", "params must be an object")
    msgid = params.get("msgid")
    if msgid is not None:
        try:
            request.state.msgid = check.text("params.msgid", msgid, max_length=255)
        except Invalid as fault:
            return fault
    return None


Body = Annotated[SunbirdBody, Depends(read_body)]
