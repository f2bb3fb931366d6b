"""The combined OpenAPI document, as the dialects describe their routes.

FastAPI adds a 422 `HTTPValidationError` answer to every route with parameters. No route
here ever sends that body: every request validation error is rendered by the route's
dialect (Record and Sunbird as 400, Catalog and WebAdMIT as 422 in their own envelopes,
which they document themselves). So the default is taken out, and the document lists
only the answers the routes really give."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from programhub.web.requests import definitions

_DEFAULT_ERROR = "#/components/schemas/HTTPValidationError"
_DEFAULT_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _is_fastapi_default(response: dict[str, Any]) -> bool:
    schemas = [media.get("schema", {}) for media in response.get("content", {}).values()]
    return bool(schemas) and all(schema.get("$ref") == _DEFAULT_ERROR for schema in schemas)


def without_fastapi_defaults(document: dict[str, Any]) -> dict[str, Any]:
    """`document` without FastAPI's default 422 answers (and their schemas, once unused)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "422" in responses and _is_fastapi_default(responses["422"]):
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in _DEFAULT_SCHEMAS:
        schemas.pop(name, None)
    return document


def with_request_definitions(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the definitions the request models refer to (web/requests.py)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in definitions().items():
        schemas.setdefault(name, schema)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the document without FastAPI's defaults and with the request models'
    definitions (built once, on first request)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_request_definitions(without_fastapi_defaults(build()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
