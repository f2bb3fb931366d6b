"""Render on write keeps every stored rendering fresh (core/renderings): after each kind of
write through each API, and after concurrent writes to one tree, no stored form differs
from a fresh rendering. A write path that forgets to re-render, or re-renders the wrong
rows, fails here on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.core.renderings import service as renderings
from programhub.store import Store
from tests.dialects.catalog.support import API
from tests.support import Tenants, at_once, serve_in_thread

RECORD = "/api/external/issuance"
SUNBIRD = "/program/v1"


def _fresh(store: Store) -> None:
    with store.read() as conn:
        assert renderings.stale(conn) == []


def _created(response: httpx2.Response, root: str) -> int:
    assert response.status_code == 201, response.text
    return int(response.json()[root]["id"])


def test_every_write_of_every_api_leaves_nothing_stale(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    assert {face.name for face in renderings.faces()} >= {"catalog.listing", "record.program"}
    course = _created(client.post(f"{API}/courses", json={"course": {"title": "C", "credits": 3}}, headers=me.token), "course")
    program = _created(
        client.post(f"{API}/programs", json={"program": {"title": "P", "requirement_ids": [course]}}, headers=me.token),
        "program",
    )
    _fresh(store)
    writes = [
        ("PUT", f"{API}/courses/{course}", {"course": {"title": "C2", "credits": 4, "tag_names": ["x"]}}),
        ("PUT", f"{API}/programs/{program}", {"program": {"description": "d", "requirement_ids": []}}),
        ("PUT", f"{API}/programs/{program}", {"program": {"requirement_ids": [course]}}),
        ("POST", f"{API}/programs/archived", {"product_action": "archive", "product_ids": [program]}),
        ("POST", f"{API}/programs/archived", {"product_action": "reactivate", "product_ids": [program]}),
        ("POST", f"{RECORD}/programs", {"name": "Record made", "description": "r"}),
    ]
    for method, path, body in writes:
        headers = me.bearer if path.startswith(RECORD) else me.token
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, (path, response.text)
        _fresh(store)
    made = client.post(
        f"{SUNBIRD}/create", json={"request": {"name": "S", "type": "public"}}, headers=me.bearer
    ).json()["result"]["program_id"]
    for path, request in (
        ("/update", {"program_id": made, "name": "S2", "config": {"medium": ["Hindi"]}}),
        ("/publish", {"program_id": made}),
        ("/nomination/add", {"program_id": made, "organisation_id": "O", "user_id": "u", "status": "Pending"}),
        ("/nomination/update", {"program_id": made, "organisation_id": "O", "status": "Approved"}),
        ("/nomination/remove", {"program_id": made, "organisation_id": "O"}),
        ("/unlist", {"program_id": made}),
    ):
        response = client.post(f"{SUNBIRD}{path}", json={"request": request}, headers=me.bearer)
        assert response.status_code == 200, (path, response.text)
        _fresh(store)
    assert client.delete(f"{API}/programs/{program}", headers=me.token).status_code == 204
    _fresh(store)


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    with serve_in_thread(app) as base_url:
        yield base_url


def test_concurrent_writes_to_one_tree_leave_nothing_stale(client: TestClient, store: Store, tenants: Tenants, live: str) -> None:
    me = tenants.a_test
    courses = [
        _created(client.post(f"{API}/courses", json={"course": {"title": f"C{n}"}}, headers=me.token), "course")
        for n in range(4)
    ]
    middle = _created(
        client.post(f"{API}/programs", json={"program": {"title": "M", "requirement_ids": courses[:2]}}, headers=me.token),
        "program",
    )
    top = _created(
        client.post(
            f"{API}/programs", json={"program": {"title": "T", "requirement_ids": [middle, *courses[2:]]}}, headers=me.token
        ),
        "program",
    )
    targets = [("courses", c) for c in courses] + [("programs", middle), ("programs", top)]

    def edit(index: int, http: httpx2.Client) -> httpx2.Response:
        plural, listing = targets[index % len(targets)]
        body = {plural[:-1]: {"title": f"edited {index}", "credits": index % 5, "description": f"by {index}"}}
        return http.put(f"{API}/{plural}/{listing}", json=body, headers=me.token)

    for _round in range(3):
        answers = at_once(len(targets) * 2, edit, live)
        assert {answer.status_code for answer in answers} == {204}
        _fresh(store)
    tree = client.get(f"{API}/programs/{top}", headers=me.token).json()["program"]
    assert tree["requirements"][0]["id"] == middle and len(tree["requirements"][0]["requirements"]) == 2
