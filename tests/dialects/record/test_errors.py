"""Record's error envelope on every route, and no input that yields a 500."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from programhub.core.keys import service as keys
from programhub.core.orgs import service as orgs
from programhub.store import Store
from tests.dialects.record.support import BASE, error
from tests.support import Tenants

ROUTES = [
    ("GET", "/programs"),
    ("GET", "/programs/prog_1779175802952_zlymqs"),
    ("POST", "/programs"),
    ("POST", "/credentials"),
    ("GET", "/credentials"),
    ("GET", "/credentials/batch_1779175802952_zlymqs"),
]


def test_every_route_needs_a_key(client: TestClient, store: Store, tenants: Tenants) -> None:
    for method, path in ROUTES:
        url = f"{BASE}{path}"
        missing = client.request(method, url, json={})
        assert (missing.status_code, missing.json()) == (401, error("UNAUTHORIZED", "No API key was given.")), path
        malformed = client.request(method, url, json={}, headers={"Authorization": "Bearer sk_test_x"})
        assert (malformed.status_code, malformed.json()) == (401, error("UNAUTHORIZED", "The API key is malformed.")), path
    with store.write() as conn:
        keys.revoke(conn, tenants.a_test.key_id)
        orgs.set_state(conn, tenants.b_test.org, "suspended")
    for method, path in ROUTES:
        url = f"{BASE}{path}"
        revoked = client.request(method, url, json={}, headers=tenants.a_test.bearer)
        assert (revoked.status_code, revoked.json()) == (401, error("UNAUTHORIZED", "The API key is not valid.")), path
        suspended = client.request(method, url, json={}, headers=tenants.b_live.x_api_key)
        assert (suspended.status_code, suspended.json()) == (
            403, error("FORBIDDEN", "The organisation of this API key is suspended."),
        ), path


def test_authentication_comes_before_reading_the_body(client: TestClient) -> None:
    response = client.post(f"{BASE}/credentials", content=b"{not json")
    assert (response.status_code, response.json()["code"]) == (401, "UNAUTHORIZED")


def test_unknown_paths_and_methods(client: TestClient, tenants: Tenants) -> None:
    response = client.get(f"{BASE}/batches", headers=tenants.a_test.bearer)
    assert (response.status_code, response.json()) == (404, error("NOT_FOUND", "Not Found."))
    response = client.delete(f"{BASE}/credentials", headers=tenants.a_test.bearer)
    assert (response.status_code, response.json()) == (405, error("METHOD_NOT_ALLOWED", "Method Not Allowed."))


def test_a_body_over_the_limit_is_refused_before_parsing(client: TestClient, tenants: Tenants) -> None:
    huge = b'{"batchName": "' + b"n" * (2 * 1024 * 1024) + b'"}'  # over PROGRAMHUB_MAX_BODY_BYTES' default
    for path in ("/credentials", "/programs"):
        response = client.post(f"{BASE}{path}", content=huge, headers=tenants.a_test.bearer)
        assert (response.status_code, response.json()) == (413, error("PAYLOAD_TOO_LARGE", "The request body is too large."))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
_recipient = st.fixed_dictionaries(
    {}, optional={"name": _json | st.text(max_size=30), "email": _json | st.emails() | st.text(max_size=30)}
)
_issue = st.fixed_dictionaries(
    {},
    optional={
        "programId": _json | st.just("PROGRAM"),
        "batchName": _json | st.text(max_size=30),
        "recipients": _json | st.lists(_recipient | _json, max_size=4),
    },
)
_CODES = {201, 400, 404}


def _substitute(value: Any, program_id: str) -> Any:
    return {**value, "programId": program_id} if isinstance(value, dict) and value.get("programId") == "PROGRAM" else value


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_issue | _json)
def test_no_issue_body_gives_a_500(client: TestClient, tenants: Tenants, program_id: str, body: Any) -> None:
    response = client.post(f"{BASE}/credentials", json=_substitute(body, program_id), headers=tenants.a_test.bearer)
    assert response.status_code in _CODES, response.text
    parsed = response.json()
    if response.status_code == 201:
        assert parsed["success"] is True and parsed["data"]["status"] == "issued"
    else:
        assert set(parsed) == {"success", "code", "message"} and parsed["success"] is False


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.fixed_dictionaries({}, optional={"name": _json | st.text(), "description": _json | st.text()}) | _json)
def test_no_programme_body_gives_a_500(client: TestClient, tenants: Tenants, body: Any) -> None:
    response = client.post(f"{BASE}/programs", json=body, headers=tenants.a_test.bearer)
    assert response.status_code in (201, 400), response.text
    assert response.json()["success"] is (response.status_code == 201)


def test_the_openapi_document_describes_every_record_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    operations = {
        (method.upper(), path)
        for path, item in paths.items()
        for method in item
        if path.startswith(BASE) or path.startswith("/credentials/")
    }
    assert operations == {
        ("GET", f"{BASE}/programs"),
        ("POST", f"{BASE}/programs"),
        ("GET", f"{BASE}/programs/{{programId}}"),
        ("POST", f"{BASE}/credentials"),
        ("GET", f"{BASE}/credentials"),
        ("GET", f"{BASE}/credentials/{{batchId}}"),
        ("POST", f"{BASE}/credentials/revoke"),
        ("POST", f"{BASE}/credentials/recipients/{{recipientId}}/revoke"),
        ("GET", "/credentials/{recipientId}"),
        ("GET", "/credentials/{recipientId}/credential.json"),
    }
    issue = paths[f"{BASE}/credentials"]["post"]
    body_schema = issue["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema["required"] == ["programId", "batchName", "recipients"]
    assert body_schema["properties"]["recipients"]["maxItems"] == 1000
    assert set(issue["responses"]) >= {"201", "400", "401", "403", "404", "409", "413"}
    assert issue["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RecordBatchResponse"}
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in issue["parameters"])
    page = paths["/credentials/{recipientId}"]["get"]
    assert set(page["responses"]["200"]["content"]) == {"application/json", "text/html", "application/vc", "application/ld+json"}
    assert "security" not in page
    error_schema = document["components"]["schemas"]["RecordError"]
    assert {"MISSING_PROGRAM_ID", "MISSING_BATCH_NAME", "MISSING_RECIPIENTS", "IDEMPOTENCY_CONFLICT", "NOT_FOUND"} <= set(
        error_schema["properties"]["code"]["enum"]
    )


def test_a_nul_in_any_key_is_refused_even_where_ignored(client: TestClient, tenants: Tenants, program_id: str) -> None:
    """Unknown fields are ignored, but a NUL in a key is still refused, as every NUL is
    (docs/security.md); before, such a body issued the batch. Found by
    tests/hardening/test_hostile_input.py."""
    issue = {"programId": program_id, "batchName": "B", "recipients": [{"name": "Ada", "email": "ada@example.edu"}]}
    refused = error("VALIDATION_ERROR", "body keys must not contain NUL characters.")
    for path, body in (("/programs", {"name": "P", "x\u0000": 1}), ("/programs", {"name": "P", "note": [{"a\u0000": 1}]}),
                       ("/credentials", {**issue, "k\u0000": 1}), ("/credentials", {**issue, "recipients": [
                           {"name": "Ada", "email": "ada@example.edu", "x": {"y\u0000": 0}}]})):
        response = client.post(f"{BASE}{path}", json=body, headers=tenants.a_test.bearer)
        assert (response.status_code, response.json()) == (400, refused), body
    assert client.get(f"{BASE}/credentials", headers=tenants.a_test.bearer).json()["data"] == []
    assert [p["name"] for p in client.get(f"{BASE}/programs", headers=tenants.a_test.bearer).json()["data"]] == ["Cyber Security"]
