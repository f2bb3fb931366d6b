"""`FromQuery` reads a query string as FastAPI reads the same model declared `Query()`:
the same values and the same errors, and the route documents the same parameters."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import pytest
from fastapi import Query
from fastapi.dependencies.utils import get_dependant, request_params_to_args
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.datastructures import QueryParams
from starlette.requests import Request

from programhub.dialects.catalog.learners.requests import ApplicantQuery, EnrollmentQuery, UserDeletion, UserQuery
from programhub.dialects.catalog.requests import CompletedCertificatesQuery, ListingQuery, PageQuery
from programhub.web.query import QueryModel, reader

MODELS = [PageQuery, ListingQuery, UserQuery, EnrollmentQuery, ApplicantQuery, UserDeletion, CompletedCertificatesQuery]
QUERIES = [
    "",
    "page=2&per_page=30",
    "per_page=1&per_page=7&junk=x",
    "page=0",
    "page=two",
    "page=",
    "per_page=-5&page=99999999999",
    "is_enrollable=perhaps&archived=true",
    "is_enrollable=false&query=a%00b",
    "description=%00&listing_path=p",
    "user_id=5&include_without_certificates=no",
    "user_id=0",
    "created_at_from=2026-01-01T00:00:00Z&updated_at_to=yesterday",
    "listing_id=3&status=active&canvas_user_id=-2147483649",
    "status=waitlist&root_program_id=1",
    "only_orders_and_enrollments=true",
    "only_orders_and_enrollments=perhaps",
]


def _fastapi_reads(model: type[BaseModel], query: str) -> tuple[Any, list[dict[str, Any]]]:
    def endpoint(params: Any) -> None: ...

    endpoint.__annotations__ = {"params": Annotated[model, Query()]}
    dependant = get_dependant(path="/", call=endpoint)
    values, errors = request_params_to_args(dependant.query_params, QueryParams(query))
    return values.get("params"), [_comparable(error) for error in errors]


def _comparable(error: dict[str, Any]) -> dict[str, Any]:
    return {key: error[key] for key in ("type", "loc", "msg") if key in error}


def _ours(model: type[BaseModel], query: str) -> tuple[Any, list[dict[str, Any]]]:
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": query.encode(), "headers": []})
    try:
        return asyncio.run(reader(model)(request)), []
    except RequestValidationError as exc:
        return None, [_comparable(error) for error in exc.errors()]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_query_model_reads_what_fastapi_reads(model: type[BaseModel]) -> None:
    for query in QUERIES:
        ours, fastapis = _ours(model, query), _fastapi_reads(model, query)
        assert ours == fastapis, query
    assert any(_ours(model, query)[1] for query in QUERIES)  # errors were compared too


def test_a_query_model_is_read_on_the_event_loop() -> None:
    """FastAPI runs a dependency that is a plain function on a thread: a hop per request."""
    from fastapi.dependencies.models import _is_coroutine_callable

    assert _is_coroutine_callable(reader(ListingQuery))


def test_a_list_field_is_left_to_fastapi() -> None:
    class Tags(BaseModel):
        tag: list[str] = []
        ids: set[int] | None = None
        pair: tuple[int, int] | None = None
        name: str | None = None
        mapping: dict[str, str] = {}

    with pytest.raises(ValueError, match=r"list fields \(tag, ids, pair\)"):
        QueryModel(Tags)


def test_the_routes_document_the_models_parameters(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    listed = spec["paths"]["/api/v1/programs"]["get"]["parameters"]
    assert [parameter["name"] for parameter in listed] == [
        "page", "per_page", "is_enrollable", "archived", "description", "listing_path", "query",
    ]
    deletion = spec["paths"]["/api/v1/users/{id}"]["delete"]["parameters"]
    assert [(parameter["name"], parameter["in"]) for parameter in deletion] == [
        ("id", "path"), ("only_orders_and_enrollments", "query"),
    ]


def test_every_dependency_of_every_route_runs_on_the_event_loop() -> None:
    """FastAPI runs a dependency that is a plain function on a thread: a hop per request
    (FromQuery's first version, a sync one, made Catalog's lists 1.06-1.12x the CPU).
    Blocking work belongs in the handler, which says where it runs."""
    from fastapi.dependencies.models import _is_coroutine_callable

    from programhub.dialects import ALL

    def dependencies(dependant: Any) -> Any:
        for sub in dependant.dependencies:
            yield sub
            yield from dependencies(sub)

    found = [route for dialect in ALL for route in dialect.routes()]
    assert len(found) > 50
    blocking = sorted(
        f"{route.path} {sub.call}"
        for route in found
        for sub in dependencies(route.dependant)
        if sub.call is not None and not _is_coroutine_callable(sub.call)
    )
    assert blocking == []
