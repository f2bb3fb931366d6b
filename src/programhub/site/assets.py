"""The site's one stylesheet, served from the package (no CDN)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from starlette.responses import Response

from programhub.site.errors import SITE_ERRORS
from programhub.web.dialect import dialect_route_class

PREFIX = "/assets"
router = APIRouter(route_class=dialect_route_class(SITE_ERRORS), include_in_schema=False)
_STYLESHEET = (files("programhub.web") / "static" / "site.css").read_bytes()


@router.get(PREFIX + "/site.css")
async def stylesheet() -> Response:
    return Response(
        _STYLESHEET,
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
