"""The combined OpenAPI document, as the dialects describe their routes.

FastAPI adds a 422 `HTTPValidationError` answer to every route with parameters. No route
here ever sends that body: every request validation error is rendered by the route's
dialect (Record and Sunbird as 400, Catalog and WebAdMIT as 422 in their own envelopes,
which they document themselves). So the default is taken out, and the document lists
only the answers the routes really give."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase

from programhub.web.auth import SECURED
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


def _schemes(dependant: Dependant) -> Iterator[SecurityBase]:
    """The security schemes of the authenticating dependencies (`web.auth.secured_by`) in
    `dependant`'s tree, depth first, as FastAPI lists `Security` dependencies."""
    if dependant.call is not None and dependant.call in SECURED:
        yield from SECURED[dependant.call]
    for dependency in dependant.dependencies:
        yield from _schemes(dependency)


def with_security(document: dict[str, Any], routes: Iterable[APIRoute]) -> dict[str, Any]:
    """`document` with the key's header forms of every operation whose route authenticates,
    and their definitions, as FastAPI writes those of `Security` dependencies."""
    operations = {
        operation["operationId"]: operation
        for path_operations in document.get("paths", {}).values()
        for operation in path_operations.values()
        if "operationId" in operation
    }
    definitions = document.setdefault("components", {}).setdefault("securitySchemes", {})
    for route in routes:
        operation = operations.get(route.unique_id)
        schemes = {scheme.scheme_name: scheme for scheme in _schemes(route.dependant)}
        if operation is None or not schemes:
            continue
        operation["security"] = [{name: []} for name in schemes]
        for name, scheme in schemes.items():
            definitions[name] = jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
    if not definitions:
        del document["components"]["securitySchemes"]
    return document


def install_openapi(app: FastAPI, routes: Iterable[APIRoute]) -> None:
    """Serve the document without FastAPI's defaults, with the request models' definitions
    and the header forms of the key `routes` authenticate with (built once, on first
    request)."""
    build = app.openapi
    documented = tuple(routes)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = without_fastapi_defaults(build())
            app.openapi_schema = with_request_definitions(with_security(document, documented))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
