"""Sunbird's envelope, on every answer, success or failure."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request

from programhub.core.clock import utcnow
from programhub.web.formats import iso_millis
from programhub.web.responses import JSONResponse

PREFIX = "/program/v1"


# The reference service's routes (its /search, which never answered, is a 404 here).
PROGRAM_ROUTES = frozenset({"list", "create", "read", "update", "publish", "unlist", "delete", "search"})
NOMINATION_ROUTES = frozenset({"add", "update", "remove", "list"})


def api_id(path: str) -> str:
    """`/program/v1/list` -> `api.program.list`; `/program/v1/nomination/add` -> `api.nomination.add`;
    `/program/v1/read/<id>` -> `api.program.read`; a path of no route -> `api.program.unknown`
    (never text from the path)."""
    parts = [p for p in path.removeprefix(PREFIX).split("/") if p]
    if parts[:1] == ["nomination"]:
        return "api.nomination." + (parts[1] if len(parts) > 1 and parts[1] in NOMINATION_ROUTES else "unknown")
    return "api.program." + (parts[0] if parts and parts[0] in PROGRAM_ROUTES else "unknown")


def envelope(
    api: str,
    result: Any,
    *,
    msgid: str | None = None,
    err: str | None = None,
    errmsg: str | None = None,
    response_code: str = "OK",
) -> dict[str, Any]:
    return {
        "id": api,
        "ts": iso_millis(utcnow()),
        "params": {
            "resmsgid": str(uuid.uuid4()),
            "msgid": msgid,
            "status": "failed" if err else "successful",
            "err": err,
            "errmsg": errmsg,
        },
        "responseCode": response_code,
        "result": result,
    }


def msgid_of(request: Request) -> str | None:
    """The caller's `params.msgid`, once the body has been read (see body.py)."""
    return getattr(request.state, "msgid", None)


def ok(request: Request, result: Any) -> JSONResponse:
    return JSONResponse(envelope(api_id(request.url.path), result, msgid=msgid_of(request)))
