"""The reference's reference data: content types and configuration values (seeded by the
reference service, answered here as the dialect's data; see responses.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from programhub.dialects.sunbird import docs
from programhub.dialects.sunbird.requests import Body, ConfigurationSearchRequest, request_body
from programhub.dialects.sunbird.responses import configuration_json, configuration_rows, content_types_json, ok
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS
from programhub.web.auth import Authenticated
from programhub.web.requests import parse
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)
READ_ERRORS = (401, 403, 500, 503)


@router.get("/contenttypes/list", responses=docs.responses(docs.ContentTypes, statuses=READ_ERRORS))
async def list_content_types(request: Request, body: Body, principal: Authenticated) -> JSONResponse:
    """The content types a program may ask for, as the reference lists them."""
    return ok(request, content_types_json())


@router.get("/configuration/list", responses=docs.responses(docs.Configurations, statuses=READ_ERRORS))
async def list_configuration(request: Request, body: Body, principal: Authenticated) -> JSONResponse:
    """The reference's configuration values."""
    rows = configuration_rows()
    return ok(request, {"count": len(rows), "configuration": rows})


@router.post(
    "/configuration/search",
    responses=docs.responses(docs.ConfigurationFound, statuses=(400, 401, 403, 405, 413, 500, 503)),
    openapi_extra=request_body(ConfigurationSearchRequest),
)
async def search_configuration(request: Request, body: Body, principal: Authenticated) -> JSONResponse:
    """One configuration value by `key` and `status`; `[]` when there is none."""
    wanted = parse(ConfigurationSearchRequest, body.request())
    return ok(request, configuration_json(wanted.key, wanted.status))
