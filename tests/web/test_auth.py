"""The one authentication dependency, exercised through a protected route."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.security.base import SecurityBase
from fastapi.testclient import TestClient
from sqlalchemy import select

from programhub import dialects
from programhub.core.keys import service as keys
from programhub.core.keys.models import api_keys
from programhub.core.orgs import service as orgs
from programhub.site import site
from programhub.store import Store
from tests.support import Tenants

PROTECTED = "/api/external/issuance/programs"


def _headers_forms(key: str) -> list[dict[str, str]]:
    return [
        {"Authorization": f"Bearer {key}"},
        {"authorization": f"bearer {key}"},
        {"X-Api-Key": key},
        {"x-api-key": key},
        {"X-API-KEY": key},
        {"Authorization": f'Token token="{key}"'},
        {"Authorization": f"Token token={key}"},
        {"Authorization": f'Token token = "{key}"'},
        {"Authorization": f"Token token='{key}'"},
        {"Authorization": f'Token token="{key}", nonce="abc"'},
        {"Authorization": f"Token {key}"},  # Rails takes a bare first value as the token
        {"Authorization": f'Token {key}, nonce="abc"'},
    ]


def test_every_accepted_header_form_authenticates(client: TestClient, tenants: Tenants) -> None:
    for headers in _headers_forms(tenants.a_test.key):
        response = client.get(PROTECTED, headers=headers)
        assert response.status_code == 200, headers


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        ({"Authorization": ""}, "missing"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "malformed"),
        ({"Authorization": "Bearer"}, "malformed"),
        ({"Authorization": "Bearer not-a-key"}, "malformed"),
        ({"Authorization": 'Token token=""'}, "malformed"),
        ({"Authorization": 'Token token="sk_test_aaa\''}, "malformed"),
        ({"Authorization": 'Token nonce="x"'}, "malformed"),
        ({"Authorization": "Token"}, "malformed"),
        ({"Authorization": "Token not-a-key"}, "malformed"),
        ({"X-Api-Key": "sk_test_short"}, "malformed"),
        ({"X-Api-Key": "sk_prod_" + "a" * 40}, "malformed"),
        ({"X-Api-Key": "sk_test_" + "a" * 40}, "unknown"),
    ],
)
def test_bad_keys_get_401_in_the_dialect_envelope(
    client: TestClient, tenants: Tenants, headers: dict[str, str], reason: str
) -> None:
    response = client.get(PROTECTED, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False and body["code"] == "UNAUTHORIZED"
    assert isinstance(body["message"], str) and body["message"]


def test_revoked_key_gets_401_and_suspended_org_gets_403(client: TestClient, store: Store, tenants: Tenants) -> None:
    with store.write() as conn:
        keys.revoke(conn, tenants.a_test.key_id)
    assert client.get(PROTECTED, headers=tenants.a_test.bearer).status_code == 401
    with store.write() as conn:
        orgs.set_state(conn, tenants.b_test.org, "suspended")
    response = client.get(PROTECTED, headers=tenants.b_test.bearer)
    assert response.status_code == 403
    assert response.json() == {"success": False, "code": "FORBIDDEN", "message": response.json()["message"]}
    assert client.get(PROTECTED, headers=tenants.b_live.bearer).status_code == 403
    with store.write() as conn:
        orgs.set_state(conn, tenants.b_test.org, "active")
    assert client.get(PROTECTED, headers=tenants.b_test.bearer).status_code == 200


def test_last_used_time_is_recorded(client: TestClient, store: Store, tenants: Tenants) -> None:
    def last_used() -> object:
        with store.read() as conn:
            return conn.execute(
                select(api_keys.c.last_used_at).where(api_keys.c.public_id == tenants.a_live.key_id)
            ).scalar_one()

    assert last_used() is None
    client.get(PROTECTED, headers=tenants.a_live.bearer)
    first = last_used()
    assert first is not None
    client.get(PROTECTED, headers=tenants.a_live.bearer)
    assert last_used() == first  # written at most once a minute


def test_authorization_header_wins_over_x_api_key(client: TestClient, tenants: Tenants) -> None:
    headers = {"Authorization": f"Bearer {tenants.a_test.key}", "X-Api-Key": "sk_test_" + "z" * 40}
    assert client.get(PROTECTED, headers=headers).status_code == 200
    headers = {"Authorization": "Basic abc", "X-Api-Key": tenants.a_test.key}
    assert client.get(PROTECTED, headers=headers).status_code == 200


def test_the_openapi_document_declares_every_accepted_form(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["CatalogToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Canvas Catalog\'s form: `Authorization: Token token="<key>"` (or `Token <key>`).',
    }
    assert schemes["HTTPBearer"]["scheme"] == "bearer" and schemes["APIKeyHeader"]["name"] == "X-Api-Key"


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependencies(dependency)


def test_every_operation_documents_the_key_forms_it_accepts_and_none_is_solved_per_request(client: TestClient) -> None:
    """The forms come from the authenticating dependency (`web.auth.secured_by`), not from
    FastAPI `Security` parameters, which FastAPI would solve on every request."""
    document = client.get("/openapi.json").json()
    forms = {
        (method, path): [name for requirement in operation.get("security", []) for name in requirement]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    public = ("/credentials/", "/orgs/")  # Record's credential pages, DID documents, status lists
    webadmit = ("/api/v1/user_identities", "/api/v2/user_identities", "/api/v1/exports")
    for (method, path), names in forms.items():
        if path.startswith(public):
            assert names == [], path
        elif path.startswith(webadmit):
            assert names == ["HTTPBearer", "APIKeyHeader"], path
        else:
            assert names == ["HTTPBearer", "APIKeyHeader", "CatalogToken"], (method, path)
    assert len(forms) > 90
    for owner in (*dialects.ALL, site):
        for route in owner.routes():
            solved = [dependency.call for dependency in _dependencies(route.dependant)]
            assert not [call for call in solved if isinstance(call, SecurityBase)], route.path


def test_the_loop_looks_keys_up_on_one_connection_that_sees_every_commit(
    app: FastAPI, store: Store, tenants: Tenants
) -> None:
    """`Store.lookups_on_this_loop`: the app's lifespan gives its event loop one connection
    for the key lookups, in autocommit, so a key revoked by another connection is refused
    at once. On a SQLite file one of the lookups' pool, held (no checkout per request) and
    back in the pool after; on PostgreSQL a connection of the loop's own
    (store/on_loop.py): the lookups' pool is not touched, and the connection is closed
    with the lifespan."""
    lookups = store.engines[-1]
    taken: list[object] = []
    seen: list[str] = []

    def note(*_checkout: object) -> None:
        taken.append(_checkout)

    sa.event.listen(lookups, "checkout", note)
    store.statement_observers.append(seen.append)
    try:
        with TestClient(app) as client:
            for _ in range(3):
                assert client.get(PROTECTED, headers=tenants.a_test.bearer).status_code == 200
            with store.write() as conn:
                keys.revoke(conn, tenants.a_test.key_id)
            assert client.get(PROTECTED, headers=tenants.a_test.bearer).status_code == 401
            assert client.get(PROTECTED, headers=tenants.b_test.bearer).status_code == 200
            if store.reads_on_loop:
                assert len(taken) == 1 and lookups.pool.checkedout() == 1  # type: ignore[attr-defined]
                assert seen == []
            else:
                assert taken == [] and lookups.pool.checkedout() == 0  # type: ignore[attr-defined]
                assert len(seen) == 5 and all("api_keys.secret_hash" in statement for statement in seen)
                loop_connection = store._loop_lookups._connection  # type: ignore[union-attr]
                assert loop_connection is not None and not loop_connection.closed
        assert lookups.pool.checkedout() == 0  # type: ignore[attr-defined]
        if not store.reads_on_loop:
            assert store._loop_lookups is None and loop_connection.closed
    finally:
        store.statement_observers.remove(seen.append)
        sa.event.remove(lookups, "checkout", note)
