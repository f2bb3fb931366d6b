"""Idempotency-Key on POST /credentials and POST /programs: one request per key, even when
the retries arrive at the same moment."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from programhub.core.credentials.models import credential_batches, credential_recipients
from programhub.core.idempotency.models import idempotency_keys
from programhub.core.listings.models import listings
from programhub.store import Store
from tests.dialects.record.support import BASE, count_rows, error, issue_body, make_program, people
from tests.support import Tenants, at_once

CONFLICT = error(
    "IDEMPOTENCY_CONFLICT", "This Idempotency-Key was already used with a different request; use a new key for a new request."
)


def test_a_retry_returns_the_first_response_without_issuing_again(
    client: TestClient, store: Store, tenants: Tenants, program_id: str
) -> None:
    headers = {**tenants.a_test.bearer, "Idempotency-Key": "batch-2025-spring"}
    body = issue_body(program_id, people(3))
    first = client.post(f"{BASE}/credentials", json=body, headers=headers)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    for _ in range(2):
        again = client.post(f"{BASE}/credentials", json=body, headers=headers)
        assert again.status_code == 201
        assert again.content == first.content
        assert again.headers["idempotent-replayed"] == "true"
    assert count_rows(store, credential_batches) == 1 and count_rows(store, credential_recipients) == 3
    with store.read() as conn:
        row = conn.execute(select(idempotency_keys)).one()
    assert (row.org_id, row.mode, row.scope, row.key, row.status_code) == (
        tenants.a_test.tenant.org_id, "test", "record.credentials", "batch-2025-spring", 201,
    )


def test_the_same_request_written_differently_is_still_a_retry(
    client: TestClient, tenants: Tenants, program_id: str
) -> None:
    headers = {**tenants.a_test.bearer, "Idempotency-Key": "k", "Content-Type": "application/json"}
    first = client.post(
        f"{BASE}/credentials",
        content=b'{"programId":"%s","batchName":"B","recipients":[{"name":"Ada","email":"ada@example.edu"}]}' % program_id.encode(),
        headers=headers,
    )
    again = client.post(
        f"{BASE}/credentials",
        content=b'{ "recipients": [ {"email": "ada@example.edu", "name": "Ada", "note": "ignored"} ],\n'
        b'  "batchName": "B", "programId": "%s", "extra": true }' % program_id.encode(),
        headers=headers,
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()


CHANGES = [
        {"batchName": "Other"},
        {"recipients": people(2)[::-1]},
        {"recipients": [{"name": "Person 0", "email": "PERSON0@example.edu"}, people(2)[1]]},
        {"programId": "prog_1779175802952_zlymqs"},
    ]


def test_the_same_key_with_another_request_is_a_conflict(
    client: TestClient, store: Store, tenants: Tenants, program_id: str
) -> None:
    headers = {**tenants.a_test.bearer, "Idempotency-Key": "once"}
    body = issue_body(program_id, people(2))
    assert client.post(f"{BASE}/credentials", json=body, headers=headers).status_code == 201
    for change in CHANGES:
        response = client.post(f"{BASE}/credentials", json={**body, **change}, headers=headers)
        assert (response.status_code, response.json()) == (409, CONFLICT), change
    assert count_rows(store, credential_batches) == 1


def test_keys_belong_to_one_organisation_mode_and_route(
    client: TestClient, store: Store, tenants: Tenants, program_id: str
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    bodies = {}
    for owner in tenants.all():
        mine = program_id if owner is tenants.a_test else make_program(store, owner, "Cyber Security")
        response = client.post(f"{BASE}/credentials", json=issue_body(mine), headers={**owner.bearer, **key})
        assert response.status_code == 201 and "idempotent-replayed" not in response.headers
        bodies[owner.key_id] = response.json()["data"]["batchId"]
    assert len(set(bodies.values())) == 4
    created = client.post(f"{BASE}/programs", json={"name": "Same key, other route"}, headers={**tenants.a_test.bearer, **key})
    assert created.status_code == 201 and "idempotent-replayed" not in created.headers
    assert count_rows(store, idempotency_keys) == 5


def test_a_failed_request_does_not_use_up_its_key(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    headers = {**tenants.a_test.bearer, "Idempotency-Key": "try-again"}
    missing = client.post(f"{BASE}/credentials", json=issue_body("prog_1779175802952_zlymqs"), headers=headers)
    assert missing.status_code == 404
    invalid = client.post(f"{BASE}/credentials", json=issue_body(program_id, [{"name": "A", "email": "nope"}]), headers=headers)
    assert invalid.status_code == 400
    assert count_rows(store, idempotency_keys) == 0
    response = client.post(f"{BASE}/credentials", json=issue_body(program_id), headers=headers)
    assert response.status_code == 201 and "idempotent-replayed" not in response.headers


def test_a_malformed_key_is_a_validation_error(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    refused = error("VALIDATION_ERROR", "Idempotency-Key must be 1 to 255 printable ASCII characters.")
    for key in (b"", b"k" * 256, b"caf\xe9", b"tab\there"):
        headers: dict[str, Any] = {**tenants.a_test.bearer, "Idempotency-Key": key}
        for path, body in (("/credentials", issue_body(program_id)), ("/programs", {"name": "P"})):
            response = client.post(f"{BASE}{path}", json=body, headers=headers)
            assert (response.status_code, response.json()) == (400, refused), key
    assert count_rows(store, credential_batches) == count_rows(store, idempotency_keys) == 0


def test_the_longest_key_and_inner_spaces_are_accepted(client: TestClient, tenants: Tenants, program_id: str) -> None:
    for key in ("k" * 255, "order 42 / retry"):
        response = client.post(f"{BASE}/credentials", json=issue_body(program_id), headers={**tenants.a_test.bearer, "Idempotency-Key": key})
        assert response.status_code == 201


# --- at the same time, over real sockets -------------------------------------------------


def test_concurrent_retries_issue_once(live_server: str, store: Store, tenants: Tenants, program_id: str) -> None:
    body = issue_body(program_id, people(200))
    headers = {**tenants.a_test.bearer, "Idempotency-Key": "concurrent"}
    responses = at_once(6, lambda _i, http: http.post(f"{BASE}/credentials", json=body, headers=headers), live_server)
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.content for r in responses}) == 1
    assert sum("idempotent-replayed" not in r.headers for r in responses) == 1
    assert count_rows(store, credential_batches) == 1 and count_rows(store, credential_recipients) == 200
    assert count_rows(store, idempotency_keys) == 1


def test_concurrent_different_requests_with_one_key_issue_one(
    live_server: str, store: Store, tenants: Tenants, program_id: str
) -> None:
    headers = {**tenants.a_test.bearer, "Idempotency-Key": "contested"}
    responses = at_once(
        5,
        lambda i, http: http.post(f"{BASE}/credentials", json=issue_body(program_id, people(50, 100 * i)), headers=headers),
        live_server,
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409]
    assert all(r.json() == CONFLICT for r in responses if r.status_code == 409)
    assert count_rows(store, credential_batches) == 1 and count_rows(store, credential_recipients) == 50


def test_concurrent_programme_creation_with_one_key_creates_one(live_server: str, store: Store, tenants: Tenants) -> None:
    headers = {**tenants.b_live.bearer, "Idempotency-Key": "new-programme"}
    body = {"name": "Machine Learning", "description": "Machine Learning Program"}
    responses = at_once(5, lambda _i, http: http.post(f"{BASE}/programs", json=body, headers=headers), live_server)
    assert [r.status_code for r in responses] == [201] * 5
    assert len({r.json()["data"]["programId"] for r in responses}) == 1
    assert count_rows(store, listings) == 1


def test_concurrent_different_programmes_with_one_key_create_one(live_server: str, store: Store, tenants: Tenants) -> None:
    headers = {**tenants.a_test.bearer, "Idempotency-Key": "contested-programme"}
    responses = at_once(5, lambda i, http: http.post(f"{BASE}/programs", json={"name": f"Programme {i}"}, headers=headers),
                        live_server)
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    assert all(r.json() == CONFLICT for r in responses if r.status_code == 409)
    [created] = [r.json()["data"] for r in responses if r.status_code == 201]
    with store.read() as conn:
        assert conn.execute(select(listings.c.public_id, listings.c.name)).all() == [(created["programId"], created["name"])]


def test_without_a_key_concurrent_requests_each_issue(live_server: str, store: Store, tenants: Tenants, program_id: str) -> None:
    body = issue_body(program_id, people(20))
    responses = at_once(4, lambda _i, http: http.post(f"{BASE}/credentials", json=body, headers=tenants.a_test.bearer), live_server)
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["data"]["batchId"] for r in responses}) == 4
    assert count_rows(store, credential_batches) == 4
