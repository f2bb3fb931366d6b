"""The envelope on every answer, and bodies that are not what Sunbird expects."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.dialects.sunbird import queries
from tests.dialects.sunbird.support import BASE, answer, create, failure, list_programs, post
from tests.support import Tenants

ROUTES = [
    ("/create", "api.program.create", "ERR_CREATE_PROGRAM_DATA"),
    ("/update", "api.program.update", "ERR_UPDATE_PROGRAM_DATA"),
    ("/publish", "api.program.publish", "ERR_PUBLISH_PROGRAM_DATA"),
    ("/unlist", "api.program.unlist", "ERR_UNLIST_PROGRAM_DATA"),
    ("/delete", "api.program.delete", "ERR_DELETE_PROGRAM_DATA"),
    ("/list", "api.program.list", "ERR_LIST_PROGRAM_DATA"),
    ("/nomination/add", "api.nomination.add", "ERR_CREATE_NOMINATION_DATA"),
    ("/nomination/update", "api.nomination.update", "ERR_UPDATE_NOMINATION_DATA"),
    ("/nomination/remove", "api.nomination.remove", "ERR_REMOVE_NOMINATION_DATA"),
    ("/nomination/list", "api.nomination.list", "ERR_GET_NOMINATION_LIST"),
]
BAD_BODIES: list[tuple[bytes, str] | tuple[bytes, str, str]] = [
    (b"", "The request body is not valid JSON."),
    (b"{request: 1}", "The request body is not valid JSON."),
    (b'{"request": {"filters": {}}', "The request body is not valid JSON."),
    (b"[]", "The request body must be a JSON object."),
    (b'"request"', "The request body must be a JSON object."),
    (b"null", "The request body must be a JSON object."),
    (b"{}", "request is required"),
    (b'{"params": {"msgid": "m"}}', "request is required", "m"),
    (b'{"request": null}', "request must be an object"),
    (b'{"request": []}', "request must be an object"),
    (b'{"request": "list"}', "request must be an object"),
    (b'{"request": {}, "params": []}', "params must be an object"),
    (b'{"request": {}, "params": {"msgid": 7}}', "params.msgid must be a string"),
    # A NUL in any key is refused, in keys Sunbird ignores too (found by the hostile corpus).
    (b'{"request": {"name": "P", "type": "public"}, "id\\u0000": 1}', "body keys must not contain NUL characters"),
    (b'{"request": {"name": "P", "type": "public"}, "params": {"msgid": "m", "x\\u0000": {}}}',
     "body keys must not contain NUL characters", "m"),
]


@pytest.mark.parametrize(("path", "api", "err"), ROUTES)
def test_bad_bodies_are_client_errors_and_the_service_keeps_serving(client: TestClient, tenants: Tenants, path: str, api: str, err: str) -> None:
    me = tenants.a_test
    for raw, errmsg, *msgid in BAD_BODIES:
        response = client.post(BASE + path, content=raw, headers={**me.bearer, "Content-Type": "application/json"})
        failure(response, 400, api, err, errmsg, msgid=msgid[0] if msgid else None)
    assert list_programs(client, me, {}) == {"count": 0, "programs": []}


def test_msgid_is_echoed_on_success_and_on_every_failure(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    answer(post(client, "/list", {"filters": {}}, me, msgid="m-1"), "api.program.list", {"count": 0, "programs": []}, msgid="m-1")
    failure(post(client, "/list", {"filters": {"x": 1}}, me, msgid="m-2"), 400, "api.program.list", "ERR_LIST_PROGRAM_DATA",
            "filters.x is not supported; use one of: type, status, program_id, name, nomination_enddate, content_submission_enddate, "
            "content_types, target_collection_category, board, medium, gradeLevel, subject, rootorg_id, createdby, channel, target_type, "
            "role, user_id, nomination",
            msgid="m-2")
    failure(post(client, "/list", {"filters": {}}, None, msgid="m-3"), 401, "api.program.list", "ERR_UNAUTHORIZED",
            "No API key was given.", code="UNAUTHORIZED", msgid="m-3")
    failure(post(client, "/update", {"program_id": "none"}, me, msgid="m-4"), 404, "api.program.update", "ERR_PROGRAM_NOT_FOUND",
            "Program none not found.", code="RESOURCE_NOT_FOUND", msgid="m-4")
    # Answers no route gave: an unknown path, a wrong method.
    failure(post(client, "/nope", {}, me, msgid="m-5"), 404, "api.program.unknown", "ERR_NOT_FOUND", "Not Found",
            code="RESOURCE_NOT_FOUND", msgid="m-5")
    failure(post(client, "/read/x", {}, me, msgid="m-6"), 405, "api.program.read", "ERR_METHOD_NOT_ALLOWED",
            "Method Not Allowed", msgid="m-6")
    # Without params.msgid the echo is null.
    answer(post(client, "/list", {"filters": {}}, me), "api.program.list", {"count": 0, "programs": []})


def test_a_caller_without_a_key_learns_nothing_about_the_body(client: TestClient) -> None:
    response = client.post(f"{BASE}/list", content=b"not json", headers={"Authorization": "Bearer sk_test_wrong"})
    assert response.status_code == 401
    assert response.json()["responseCode"] == "UNAUTHORIZED"
    response = client.get(f"{BASE}/read/x")
    failure(response, 401, "api.program.read", "ERR_UNAUTHORIZED", "No API key was given.", code="UNAUTHORIZED")


def test_routes_the_reference_never_answers_are_answered(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    answer(post(client, "/delete", {"program_id": program_id}, me), "api.program.delete", {"program_id": program_id})
    response = client.post(f"{BASE}/search", json={"request": {}}, headers=me.bearer)
    failure(response, 404, "api.program.search", "ERR_NOT_FOUND", "Not Found", code="RESOURCE_NOT_FOUND")
    response = client.get(f"{BASE}/list", headers=me.bearer)
    failure(response, 405, "api.program.list", "ERR_METHOD_NOT_ALLOWED", "Method Not Allowed")
    assert response.headers["allow"] == "POST"


def test_a_body_too_large_is_refused_in_the_envelope(client: TestClient, tenants: Tenants) -> None:
    names = ["x" * 1000] * 3000
    response = post(client, "/list", {"filters": {"program_id": names}}, tenants.a_test)
    failure(response, 413, "api.program.list", "ERR_PAYLOAD_TOO_LARGE", "The request body is too large.")


@pytest.mark.parametrize(
    ("error", "status", "code", "err", "errmsg"),
    [
        (sa.exc.ProgrammingError("SELECT * FROM listings WHERE name = 'x'", {}, Exception("syntax error at or near")),
         500, "SERVER_ERROR", "ERR_INTERNAL", "An internal error occurred."),
        (sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused")),
         503, "SERVER_ERROR", "ERR_SERVICE_UNAVAILABLE", "The service is temporarily unavailable; try again shortly."),
    ],
)
def test_database_errors_never_show_sql(client: TestClient, tenants: Tenants, monkeypatch: pytest.MonkeyPatch, error: Exception,
                                        status: int, code: str, err: str, errmsg: str) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(queries, "list_items_json", broken)  # where the page is read, statement built or not
    response = post(client, "/list", {"filters": {}}, tenants.a_test, msgid="m")
    failure(response, status, "api.program.list", err, errmsg, code=code, msgid="m")
    assert "SELECT" not in response.text


def test_every_route_is_described_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, _api, _err in ROUTES:
        operation = paths[BASE + path]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["request"]
        assert {"200", "400", "401"} <= set(operation["responses"])
    assert {"200", "404"} <= set(paths[BASE + "/read/{program_id}"]["get"]["responses"])
