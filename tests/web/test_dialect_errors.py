"""Each dialect turns the typed auth failures (and unknown paths) into its own body."""

from __future__ import annotations

import orjson
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.requests import Request

from programhub import dialects
from programhub.core.auth import AuthFailure, AuthFailureReason
from programhub.dialects.sunbird.responses import GATEWAY_PREFIXES
from programhub.web.dialect import Dialect, joined


def _request(path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""})


def _render(name: str, reason: AuthFailureReason, path: str) -> tuple[int, bytes]:
    dialect = next(d for d in dialects.ALL if d.name == name)
    response = dialect.errors.auth_failure(_request(path), AuthFailure(reason))
    return response.status_code, bytes(response.body)


@pytest.mark.parametrize("reason", list(AuthFailureReason))
def test_auth_failures_per_dialect(reason: AuthFailureReason) -> None:
    status = 403 if reason is AuthFailureReason.SUSPENDED else 401

    code, body = _render("record", reason, "/api/external/issuance/programs")
    assert code == status
    assert orjson.loads(body)["code"] == ("FORBIDDEN" if status == 403 else "UNAUTHORIZED")

    code, body = _render("catalog", reason, "/api/v1/programs")
    assert code == status
    assert list(orjson.loads(body)) == ["errors"] and orjson.loads(body)["errors"][0]["message"]

    code, body = _render("sunbird", reason, "/program/v1/list")
    parsed = orjson.loads(body)
    assert code == status
    assert parsed["id"] == "api.program.list" and parsed["params"]["status"] == "failed"
    assert parsed["responseCode"] == "UNAUTHORIZED" and parsed["params"]["err"]

    code, body = _render("webadmit", reason, "/api/v1/user_identities")
    assert (code, body) == (status, b"")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/external/issuance/nope", lambda b: b["code"] == "NOT_FOUND" and b["success"] is False),
        ("/api/v1/nope", lambda b: b["errors"][0]["message"]),
        ("/program/v1/nope", lambda b: b["responseCode"] == "RESOURCE_NOT_FOUND" and b["id"] == "api.program.unknown"),
        ("/program/v1/nomination/nope", lambda b: b["id"] == "api.nomination.unknown"),
        ("/api/v1/user_identities/1/nope", lambda b: b == {"message": "Not Found"}),
        ("/nowhere", lambda b: b["error"]["code"] == "not_found"),
    ],
)
def test_unknown_paths_answer_in_the_owning_dialects_envelope(client: TestClient, path: str, expected) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 404
    assert expected(response.json())


def test_wrong_method_is_405_in_envelope(client: TestClient) -> None:
    response = client.delete("/api/external/issuance/programs")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/external/issuance/programs", "GET, POST"),
        ("PATCH", "/api/v1/programs/5", "DELETE, GET, PUT"),
        ("GET", "/program/v1/list", "POST"),
        ("POST", "/api/v1/user_identities", "GET"),
    ],
)
def test_405_names_every_method_of_the_path(client: TestClient, method: str, path: str, allowed: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/external/issuance/programs/", 401),
        ("GET", "/api/v1/programs/", 401),
        ("POST", "/program/v1/list/", 401),
        ("GET", "/api/v1/user_identities/", 401),
        ("GET", "/credentials/rec_1779175802952_zlymqs/", 404),
        ("GET", "/healthz/", 200),
    ],
)
def test_a_trailing_slash_is_ignored_never_redirected(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code == status
    assert "location" not in response.headers


def test_head_is_answered_as_get_without_the_body(client: TestClient) -> None:
    get, head = client.get("/healthz"), client.head("/healthz")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    assert client.head("/api/v1/programs").status_code == 401  # as GET without a key


def _owners() -> tuple[Dialect, ...]:
    from programhub.site import site

    return (*dialects.ALL, site)


def _paths(router: APIRouter) -> list[str]:
    """The path of every route a request can reach through `router`."""
    paths: list[str] = []
    for route in router.routes:
        if isinstance(route, APIRoute):
            paths.append(route.path_format)
        else:
            paths.extend(context.path_format for context in route.effective_route_contexts())  # type: ignore[attr-defined]
    return paths


def test_every_route_lives_under_its_owners_prefixes() -> None:
    """The app looks into a dialect's routes only for paths under its prefixes
    (OwnedPathsRouter): a route outside them would never be reached."""
    for owner in _owners():
        paths = _paths(owner.owned_router())
        assert paths and [path for path in paths if not path.startswith(owner.paths())] == [], owner.name


def test_each_owners_routes_sit_in_one_router() -> None:
    """FastAPI matches a request through every level of included routers, twice, and
    walks them all for changes (`web.dialect.joined`): each owner's routes sit in its one
    router, but for Sunbird's gateway copies, included after the service's own routes."""
    for owner in _owners():
        routes = owner.owned_router().routes
        included = [index for index, route in enumerate(routes) if not isinstance(route, APIRoute)]
        gateways = len(GATEWAY_PREFIXES) if owner.name == "sunbird" else 0
        assert included == list(range(len(routes) - gateways, len(routes))), owner.name
    sunbird = next(owner for owner in _owners() if owner.name == "sunbird")
    with pytest.raises(TypeError):  # joining would drop the gateways' prefix
        joined(sunbird.owned_router())


def test_an_owners_path_expression_matches_exactly_what_one_of_its_routes_matches() -> None:
    """A path under an owner's prefixes that none of its routes serves is declined by one
    expression (WebAdMIT's paths under Catalog's `/api/v1`), never differently from the
    routes one by one: every route's path (its parameters filled, with a slash more or
    less, a segment more) and other paths under the prefixes agree with the routes."""
    import re

    from starlette.routing import Match

    checked = 0
    for owner in _owners():
        router = owner.owned_router()
        routes = [route for route in router.routes if isinstance(route, APIRoute)]
        if router.paths is None:
            assert owner.name == "sunbird"  # its gateway copies are included routers
            continue
        candidates = [f"{prefix}/nothing/here" for prefix in owner.paths()]
        for route in routes:
            path = re.sub(r"\{[^}]+\}", "123", route.path_format)
            candidates += [path, path + "/", path.rstrip("/") + "/more", path.replace("123", "a/b")]
        for other in _owners():
            candidates += [re.sub(r"\{[^}]+\}", "7", route.path_format) for route in other.owned_router().routes
                           if isinstance(route, APIRoute)]
        for path in candidates:
            by_routes = any(route.path_regex.match(path) for route in routes)
            assert (router.paths.match(path) is not None) == by_routes, (owner.name, path)
            scope = {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": [], "query_string": b""}
            if not by_routes:
                assert router.matches(scope)[0] == Match.NONE
            checked += 1
    assert checked > 200
