"""Failures in Catalog's envelope, `{"errors": [{"message": ...}]}`: no key, a suspended
organisation, ids that are not ours, unknown paths, wrong methods, oversized bodies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from programhub.core.orgs import service as orgs
from programhub.store import Store
from tests.dialects.catalog.support import API, create, error
from tests.support import Tenants

READS = ["/programs", "/programs/1", "/courses", "/courses/1", "/catalogs", "/catalogs/1"]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "No API key was given."),
        ({"Authorization": 'Token token="sk_test_' + "x" * 40 + '"'}, "The API key is not valid."),
        ({"Authorization": "Token nonsense"}, "The API key is malformed."),
    ],
)
def test_without_a_valid_key_every_route_is_401(client: TestClient, tenants: Tenants, path: str, headers: dict[str, str], message: str) -> None:
    response = client.get(f"{API}{path}", headers=headers)
    assert (response.status_code, response.json()) == (401, error(message))


def test_writes_without_a_key_are_401_before_the_body_is_read(client: TestClient, tenants: Tenants) -> None:
    response = client.post(f"{API}/programs", content=b"{broken", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (401, error("No API key was given."))


def test_a_suspended_organisation_is_403(client: TestClient, tenants: Tenants, store: Store) -> None:
    with store.write() as conn:
        orgs.set_state(conn, tenants.a_test.org, "suspended")
    for key, status in ((tenants.a_test, 403), (tenants.a_live, 403), (tenants.b_test, 200)):
        response = client.get(f"{API}/programs", headers=key.token)
        assert response.status_code == status
    assert client.get(f"{API}/programs", headers=tenants.a_test.token).json() == error(
        "The organisation of this API key is suspended.")


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5", "99999999999", "%C2%B2", "1e3"])
def test_ids_that_cannot_be_ours_are_404(client: TestClient, tenants: Tenants, raw: str) -> None:
    for path in (f"/programs/{raw}", f"/courses/{raw}", f"/catalogs/{raw}"):
        response = client.get(f"{API}{path}", headers=tenants.a_test.token)
        assert (response.status_code, response.json()) == (404, error("The specified resource does not exist."))
    assert client.put(f"{API}/programs/{raw}", json={}, headers=tenants.a_test.token).status_code == 404
    assert client.delete(f"{API}/courses/{raw}", headers=tenants.a_test.token).status_code == 404


def test_an_id_that_is_not_ours_is_404_whatever_the_body(client: TestClient, tenants: Tenants) -> None:
    theirs = create(client, tenants.b_test, "program", title="Theirs")["id"]
    for listing_id in (theirs, 999999):
        response = client.put(f"{API}/programs/{listing_id}", json={"program": {"enrollment_cap": "lots"}}, headers=tenants.a_test.token)
        assert (response.status_code, response.json()) == (404, error("The specified resource does not exist."))


def test_unknown_paths_and_wrong_methods(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    program = create(client, key, "program", title="P")["id"]
    unknown = client.get(f"{API}/products", headers=key.token)
    assert (unknown.status_code, unknown.json()) == (404, error("The specified resource does not exist."))
    wrong = client.patch(f"{API}/programs/{program}", json={}, headers=key.token)
    assert (wrong.status_code, wrong.json()) == (405, error("Method Not Allowed"))
    assert wrong.headers["allow"] == "DELETE, GET, PUT"
    catalog = client.delete(f"{API}/catalogs/1", headers=key.token)
    assert (catalog.status_code, catalog.headers["allow"]) == (405, "GET")
    assert client.put(f"{API}/programs", headers=key.token).headers["allow"] == "GET, POST"


def test_an_oversized_body_is_413(client: TestClient, tenants: Tenants) -> None:
    body = b'{"program": {"title": "' + b"x" * (3 * 1024 * 1024) + b'"}}'
    response = client.post(f"{API}/programs", content=body, headers={**tenants.a_test.token, "Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (413, error("The request body is too large."))


def test_a_nul_in_any_key_is_refused_even_where_ignored(client: TestClient, tenants: Tenants) -> None:
    """Unknown keys are ignored, but a NUL in one, in JSON or in a form's field names, is
    still refused, as every NUL is (docs/security.md); before, such a POST created the
    listing and such a PUT answered 204. Found by tests/hardening/test_hostile_input.py."""
    key = tenants.a_test
    program = create(client, key, "program", title="Kept")
    refused = (422, error("body keys must not contain NUL characters", "body"))
    json_bodies = ({"program": {"title": "New", "x\u0000": 1}}, {"x\u0000": 1, "program": {"title": "New"}},
                   {"program": {"title": "New", "ignored": [{"a\u0000b": 1}]}})
    for body in json_bodies:
        created = client.post(f"{API}/programs", json=body, headers=key.token)
        assert (created.status_code, created.json()) == refused, body
        changed = client.put(f"{API}/programs/{program['id']}", json=body, headers=key.token)
        assert (changed.status_code, changed.json()) == refused, body
    form = {**key.token, "Content-Type": "application/x-www-form-urlencoded"}
    for content in (b"program[title]=New&program[x%00]=1", b"program[title]=New&ignored%00=1"):
        created = client.post(f"{API}/programs", content=content, headers=form)
        assert (created.status_code, created.json()) == refused, content
    listed = client.get(f"{API}/programs", headers=key.token).json()["programs"]
    assert [(p["id"], p["title"]) for p in listed] == [(program["id"], "Kept")]
