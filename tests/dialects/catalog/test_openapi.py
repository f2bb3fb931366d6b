"""The Catalog routes describe themselves in /openapi.json, and what they answer matches
what they describe (the documented models, strictly: exact keys and JSON types)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel

from programhub.dialects.catalog import docs as doc
from tests.dialects.catalog.support import API, create
from tests.support import Tenants

CATALOG_PATHS = ("/api/v1/programs", "/api/v1/courses", "/api/v1/catalogs")


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        if path.startswith(CATALOG_PATHS)
        for method, operation in methods.items()
    ]


def test_every_route_documents_its_answers_and_bodies(client: TestClient) -> None:
    operations = _operations(client)
    assert len(operations) == 15
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "403"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status != "204":
                assert "application/json" in response["content"], (method, path, status)
        if method in ("post", "put"):
            assert "application/json" in operation["requestBody"]["content"], (method, path)
            assert {"400", "413", "415", "422"} <= set(responses), (method, path)
        if "{id}" in path:
            assert "404" in responses, (method, path)
        assert "HTTPValidationError" not in str(responses), (method, path)


def _valid(model: type[BaseModel], body: Any) -> None:
    model.model_validate(body, strict=True)


def test_answers_match_their_documented_shapes(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    catalog = client.post(f"{API}/catalogs", json={"account": {"name": "Shapes", "url": "https://shapes.example"}}, headers=key.token)
    _valid(doc.CatalogAccountBody, catalog.json())
    course = client.post(f"{API}/courses", json={"course": {"title": "C", "credits": 1.5, "enrollment_fee": 12,
                                                            "canvas_course_id": 9, "start_date": "2025-01-01"}}, headers=key.token)
    _valid(doc.CatalogCourseBody, course.json())
    bare = create(client, key, "course", title="Bare")
    program = client.post(f"{API}/programs", json={"program": {"title": "P", "requirement_ids": [course.json()["course"]["id"], bare["id"]]}},
                          headers=key.token)
    _valid(doc.CatalogProgramBody, program.json())
    top = create(client, key, "program", title="Top", requirement_ids=[program.json()["program"]["id"]])
    _valid(doc.CatalogProgramBody, client.get(f"{API}/programs/{top['id']}", headers=key.token).json())
    _valid(doc.CatalogProgramList, client.get(f"{API}/programs", headers=key.token).json())
    _valid(doc.CatalogCourseList, client.get(f"{API}/courses", headers=key.token).json())
    _valid(doc.CatalogAccountList, client.get(f"{API}/catalogs", headers=key.token).json())
    _valid(doc.CatalogAccountBody, client.get(f"{API}/catalogs/{catalog.json()['account']['id']}", headers=key.token).json())
    failed = client.post(f"{API}/programs/archived", json={"product_action": "archive", "product_ids": [999999]}, headers=key.token)
    _valid(doc.CatalogArchiveFailure, failed.json())
    for response in (
        client.get(f"{API}/programs/999999", headers=key.token),
        client.get(f"{API}/programs?page=0", headers=key.token),
        client.get(f"{API}/programs"),
        client.post(f"{API}/programs", content=b"{", headers=key.token),
    ):
        _valid(doc.CatalogErrors, response.json())
