"""No input produces a 500: arbitrary JSON (and arbitrary values under every known field)
sent to every Catalog write route, and arbitrary list parameters, are answered with a
documented status in Catalog's envelope."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programhub.dialects.catalog.requests import CatalogSettingsRequest, CourseRequest, ProgramRequest
from tests.dialects.catalog.support import API, create
from tests.support import Tenants

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
FIELD_VALUES = SCALARS | st.lists(SCALARS, max_size=3) | st.sampled_from(["", "1", "true", "2025-03-21", "49.99", "1,2", "-1"])
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _fields(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(names) | TEXT, FIELD_VALUES, max_size=8)


def _bodies(root: str, names: list[str]) -> st.SearchStrategy[Any]:
    return JSON | _fields(names) | _fields(names).map(lambda fields: {root: fields})


def _answered(response: Any, allowed: set[int]) -> None:
    assert response.status_code in allowed, (response.status_code, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert set(body) <= {"errors", "failed_product_ids"} and body["errors"][0]["message"], body


# Every field a program or a course body names (the other kind's are refused by name).
LISTING_NAMES = sorted({field.alias or name for model in (ProgramRequest, CourseRequest) for name, field in model.model_fields.items()})


def _dumps(body: Any) -> bytes:
    return json.dumps(body).encode()  # the standard library writes integers of any size


def test_listing_writes_never_fail(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    program = create(client, key, "program", title="Fuzzed program")["id"]
    course = create(client, key, "course", title="Fuzzed course")["id"]

    @FUZZ
    @given(kind=st.sampled_from(["program", "course"]), body=_bodies("program", LISTING_NAMES) | _bodies("course", LISTING_NAMES),
           update=st.booleans())
    def run(kind: str, body: Any, update: bool) -> None:
        content = _dumps(body)
        headers = {**key.token, "Content-Type": "application/json"}
        if update:
            target = program if kind == "program" else course
            response = client.put(f"{API}/{kind}s/{target}", content=content, headers=headers)
            _answered(response, {204, 400, 422})
        else:
            response = client.post(f"{API}/{kind}s", content=content, headers=headers)
            _answered(response, {201, 400, 422})

    run()


def test_actions_and_catalogs_never_fail(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    create(client, key, "course", title="Target")

    @FUZZ
    @given(
        action=JSON | _fields(["product_action", "product_ids"]),
        catalog=_bodies("account", ["name", "url", "canvas_domain", "canvas_id", "settings"])
        | st.dictionaries(st.sampled_from(sorted(CatalogSettingsRequest.model_fields)) | TEXT, FIELD_VALUES, max_size=4).map(
            lambda values: {"account": {"name": "N", "settings": values}}),
    )
    def run(action: Any, catalog: Any) -> None:
        headers = {**key.token, "Content-Type": "application/json"}
        _answered(client.post(f"{API}/courses/archived", content=_dumps(action), headers=headers), {200, 400, 422})
        _answered(client.post(f"{API}/catalogs", content=_dumps(catalog), headers=headers), {201, 400, 422})

    run()


def test_list_parameters_never_fail(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    names = ["page", "per_page", "description", "listing_path", "is_enrollable", "query", "archived", "other"]

    @FUZZ
    @given(params=st.dictionaries(st.sampled_from(names), TEXT | st.integers().map(str), max_size=5),
           path=st.sampled_from(["programs", "courses", "catalogs"]))
    def run(params: dict[str, str], path: str) -> None:
        _answered(client.get(f"{API}/{path}", params=params, headers=key.token), {200, 422})

    run()
