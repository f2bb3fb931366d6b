"""The API's documentation, served whole from the package (no CDN: `/docs` works on a
machine without internet), and `/`, which says where everything is."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response
from swagger_ui_bundle import swagger_ui_path

from programhub import __version__
from programhub.web.pages import page
from programhub.web.responses import JSONResponse

router = APIRouter(include_in_schema=False)

# Swagger UI's own files, and the one that starts it.
_ASSETS = {
    "swagger-ui.css": (Path(str(swagger_ui_path)) / "swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": (Path(str(swagger_ui_path)) / "swagger-ui-bundle.js", "text/javascript"),
    "docs.js": (Path(str(files("programhub.web") / "static" / "docs.js")), "text/javascript"),
}
# Swagger UI sets inline styles from its script; it needs no other origin.
_DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
BASE_PATHS = {
    "record": "/api/external/issuance",
    "catalog": "/api/v1",
    "sunbird": "/program/v1",
    "webadmit": "/api/v1/user_identities",
}


@router.get("/docs")
async def docs(request: Request) -> Response:
    return page("docs.html", headers={"Content-Security-Policy": _DOCS_POLICY}, title=request.app.title)


@router.get("/docs/assets/{name}")
async def docs_asset(name: str) -> Response:
    found = _ASSETS.get(name)
    if found is None:
        return JSONResponse({"error": {"code": "not_found", "message": "No such file."}}, 404)
    path, media_type = found
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/")
async def index() -> JSONResponse:
    """Where the APIs, their documentation and the health checks are."""
    return JSONResponse(
        {
            "name": "programhub",
            "version": __version__,
            "documentation": "/docs",
            "openapi": "/openapi.json",
            "apis": BASE_PATHS,
            "health": {"live": "/healthz", "ready": "/readyz"},
        }
    )
