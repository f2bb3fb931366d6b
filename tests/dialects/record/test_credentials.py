"""POST /credentials, GET /credentials and GET /credentials/{batchId}."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from programhub.core.credentials import service as credentials_service
from programhub.core.credentials.models import credential_batches, credential_recipients
from programhub.core.idempotency.models import idempotency_keys
from programhub.dialects.record.routes import credentials as credential_routes
from programhub.store import Store
from tests.dialects.record.support import (
    BASE,
    PUBLIC_URL,
    check_id,
    check_timestamp,
    count_rows,
    delete,
    error,
    issue_body,
    make_program,
    people,
    retire,
)
from tests.support import Tenants, count_queries


def expected_batch(body: dict[str, Any], response_data: dict[str, Any], owner_org: str, mode: str) -> dict[str, Any]:
    """The whole batch a request should produce, with the generated ids and time taken from
    the response after checking their format."""
    batch_id = check_id(response_data["batchId"], "batch")
    issued_at = check_timestamp(response_data["issuedAt"])
    recipient_ids = [check_id(r["recipientId"], "rec") for r in response_data["recipients"]]
    assert batch_id.split("_")[1] == recipient_ids[0].split("_")[1]  # one moment: the issue time
    return {
        "batchId": batch_id,
        "programId": body["programId"],
        "batchName": body["batchName"],
        "orgId": owner_org,
        "mode": mode,
        "status": "issued",
        "recipients": [
            {
                "recipientId": recipient_id,
                "name": person["name"],
                "email": person["email"],
                "credentialUrl": f"{PUBLIC_URL}/credentials/{recipient_id}",
                "status": "issued",
                "expiresAt": None,
                "revokedAt": None,
                "revocationReason": None,
            }
            for recipient_id, person in zip(recipient_ids, body["recipients"], strict=True)
        ],
        "issuedAt": issued_at,
        "expiresAt": None,
    }


def test_issue_returns_the_documented_batch(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    body = issue_body(program_id, [{"name": "Ada Lovelace", "email": "Ada@Example.edu"}, {"name": "Alan Turing", "email": "alan@example.edu"}])
    response = client.post(f"{BASE}/credentials", json=body, headers=tenants.a_test.bearer)
    assert response.status_code == 201
    data = response.json()["data"]
    assert response.json() == {
        "success": True,
        "message": "Credentials issued successfully",
        "data": expected_batch(body, data, tenants.a_test.org, "test"),
    }
    assert len({r["recipientId"] for r in data["recipients"]}) == 2
    with store.read() as conn:
        batch = conn.execute(select(credential_batches)).one()
        recipients = conn.execute(select(credential_recipients).order_by(credential_recipients.c.position)).all()
    assert (batch.public_id, batch.name, batch.status, batch.recipient_count) == (data["batchId"], "Spring 2025", "issued", 2)
    assert [(r.position, r.public_id, r.name, r.email) for r in recipients] == [
        (0, data["recipients"][0]["recipientId"], "Ada Lovelace", "Ada@Example.edu"),
        (1, data["recipients"][1]["recipientId"], "Alan Turing", "alan@example.edu"),
    ]


def test_get_batch_returns_it_whole_and_the_list_summarises_newest_first(
    client: TestClient, tenants: Tenants, program_id: str, store: Store
) -> None:
    me = tenants.a_test
    other_program = make_program(store, me, "MongoDB", "MongoDB Program")
    first = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(3), "Autumn"), headers=me.bearer).json()["data"]
    second = client.post(f"{BASE}/credentials", json=issue_body(other_program, people(1), "Winter"), headers=me.x_api_key).json()["data"]

    for batch in (first, second):
        response = client.get(f"{BASE}/credentials/{batch['batchId']}", headers=me.bearer)
        assert response.status_code == 200
        assert response.json() == {"success": True, "message": "Credential batch fetched successfully", "data": batch}

    def summary(batch: dict[str, Any]) -> dict[str, Any]:
        return {
            "batchId": batch["batchId"],
            "programId": batch["programId"],
            "batchName": batch["batchName"],
            "orgId": me.org,
            "mode": "test",
            "status": "issued",
            "recipientCount": len(batch["recipients"]),
            "issuedAt": batch["issuedAt"],
            "expiresAt": None,
        }

    response = client.get(f"{BASE}/credentials", headers=me.bearer)
    assert response.json() == {
        "success": True,
        "message": "Credential batches fetched successfully",
        "data": [summary(second), summary(first)],
    }


def test_an_organisation_without_batches_gets_an_empty_list(client: TestClient, tenants: Tenants) -> None:
    response = client.get(f"{BASE}/credentials", headers=tenants.b_test.bearer)
    assert response.json() == {"success": True, "message": "Credential batches fetched successfully", "data": []}


def test_unknown_batch_is_not_found(client: TestClient, tenants: Tenants) -> None:
    for batch_id in ("batch_1779175802952_zlymqs", "rec_1779175802952_zlymqs", "x" * 41, "%00"):
        response = client.get(f"{BASE}/credentials/{batch_id}", headers=tenants.a_test.bearer)
        assert response.status_code == 404
        echoed = "\\x00" if batch_id == "%00" else batch_id  # control characters escaped
        assert response.json() == error("NOT_FOUND", f"Batch {echoed} not found.")


def test_unknown_recipient_fields_and_top_level_fields_are_ignored(
    client: TestClient, tenants: Tenants, program_id: str
) -> None:
    body = issue_body(program_id, [{"name": "Ada", "email": "ada@example.edu", "phone": "+1", "grade": {"a": 1}}])
    response = client.post(f"{BASE}/credentials", json={**body, "orgId": "org_x", "mode": "live"}, headers=tenants.a_test.bearer)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["recipients"][0] == {
        "recipientId": data["recipients"][0]["recipientId"],
        "name": "Ada",
        "email": "ada@example.edu",
        "credentialUrl": f"{PUBLIC_URL}/credentials/{data['recipients'][0]['recipientId']}",
        "status": "issued",
        "expiresAt": None,
        "revokedAt": None,
        "revocationReason": None,
    }
    assert (data["orgId"], data["mode"]) == (tenants.a_test.org, "test")


# --- refusals ----------------------------------------------------------------------------

GOOD = [{"name": "Ada", "email": "ada@example.edu"}]


MISSING_CASES = [
        ({"batchName": "B", "recipients": GOOD}, "MISSING_PROGRAM_ID", "programId is required."),
        ({"programId": None, "batchName": "B", "recipients": GOOD}, "MISSING_PROGRAM_ID", "programId is required."),
        ({"programId": "", "batchName": "B", "recipients": GOOD}, "MISSING_PROGRAM_ID", "programId is required."),
        ({"programId": "  ", "batchName": "B", "recipients": GOOD}, "MISSING_PROGRAM_ID", "programId is required."),
        ({}, "MISSING_PROGRAM_ID", "programId is required."),
        ({"programId": "P", "recipients": GOOD}, "MISSING_BATCH_NAME", "batchName is required."),
        ({"programId": "P", "batchName": None, "recipients": GOOD}, "MISSING_BATCH_NAME", "batchName is required."),
        ({"programId": "P", "batchName": "", "recipients": GOOD}, "MISSING_BATCH_NAME", "batchName is required."),
        ({"programId": "P", "batchName": "\t\n"}, "MISSING_BATCH_NAME", "batchName is required."),
        ({"programId": "P", "batchName": "B"}, "MISSING_RECIPIENTS", "recipients is required and must list at least one recipient."),
        ({"programId": "P", "batchName": "B", "recipients": None}, "MISSING_RECIPIENTS", "recipients is required and must list at least one recipient."),
        ({"programId": "P", "batchName": "B", "recipients": []}, "MISSING_RECIPIENTS", "recipients is required and must list at least one recipient."),
    ]


def _with_program(body: Any, program_id: str) -> Any:
    """Cases name the programme "P"; put the real one in."""
    return {**body, "programId": program_id} if isinstance(body, dict) and body.get("programId") == "P" else body


def test_missing_fields_have_their_own_codes(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    for body, code, message in MISSING_CASES:
        response = client.post(f"{BASE}/credentials", json=_with_program(body, program_id), headers=tenants.a_test.bearer)
        assert (response.status_code, response.json()) == (400, error(code, message)), body
    assert count_rows(store, credential_batches) == 0


def _person(**fields: Any) -> list[dict[str, Any]]:
    return [{"name": "Ada", "email": "ada@example.edu", **fields}]


INVALID_CASES = [
        ("not an object", "The request body must be a JSON object."),
        ([{"programId": "P"}], "The request body must be a JSON object."),
        ({"programId": 12, "batchName": "B", "recipients": GOOD}, "programId must be a string."),
        ({"programId": ["P"], "batchName": "B", "recipients": GOOD}, "programId must be a string."),
        ({"programId": "P", "batchName": 2025, "recipients": GOOD}, "batchName must be a string."),
        ({"programId": "P", "batchName": "B\u0000", "recipients": GOOD}, "batchName must not contain NUL characters."),
        ({"programId": "P", "batchName": "B" * 2001, "recipients": GOOD}, "batchName must be at most 2000 characters."),
        ({"programId": "P", "batchName": "B", "recipients": {"name": "Ada"}}, "recipients must be an array of {name, email} objects."),
        ({"programId": "P", "batchName": "B", "recipients": "ada@example.edu"}, "recipients must be an array of {name, email} objects."),
        ({"programId": "P", "batchName": "B", "recipients": ["ada@example.edu"]}, "recipients[0] must be an object with name and email."),
        ({"programId": "P", "batchName": "B", "recipients": [*GOOD, None]}, "recipients[1] must be an object with name and email."),
        ({"programId": "P", "batchName": "B", "recipients": [{"email": "a@example.edu"}]}, "recipients[0].name is required."),
        ({"programId": "P", "batchName": "B", "recipients": _person(name=None)}, "recipients[0].name is required."),
        ({"programId": "P", "batchName": "B", "recipients": _person(name=" ")}, "recipients[0].name must not be blank."),
        ({"programId": "P", "batchName": "B", "recipients": _person(name=1)}, "recipients[0].name must be a string."),
        ({"programId": "P", "batchName": "B", "recipients": [{"name": "Ada"}]}, "recipients[0].email is required."),
        ({"programId": "P", "batchName": "B", "recipients": _person(email=True)}, "recipients[0].email must be a string."),
        ({"programId": "P", "batchName": "B", "recipients": _person(email="")}, "recipients[0].email must not be blank."),
        (
            {"programId": "P", "batchName": "B", "recipients": _person(email="ada.example.edu")},
            "recipients[0].email is not a valid email address: An email address must have an @-sign.",
        ),
        (
            {"programId": "P", "batchName": "B", "recipients": _person(email="ada@localhost")},
            "recipients[0].email is not a valid email address: The part after the @-sign is not valid. It should have a period.",
        ),
        (
            {"programId": "P", "batchName": "B", "recipients": _person(email=" ada@example.edu")},
            "recipients[0].email is not a valid email address: The email address contains invalid characters before the @-sign: SPACE.",
        ),
        (
            {"programId": "P", "batchName": "B", "recipients": _person(email="a" * 250 + "@x.io")},
            "recipients[0].email must be at most 254 characters.",
        ),
        (
            {"programId": "P", "batchName": "B", "recipients": [*people(3), {"name": "Again", "email": "PERSON1@Example.EDU"}]},
            "recipients[3].email repeats the email of recipients[1]; each recipient of a batch needs a different email.",
        ),
        (
            {"programId": "P", "batchName": "B", "recipients": people(1001)},
            "recipients must hold at most 1000 recipients, not 1001.",
        ),
    ]


def test_malformed_requests_are_validation_errors_naming_the_field(
    client: TestClient, store: Store, tenants: Tenants, program_id: str
) -> None:
    for body, message in INVALID_CASES:
        response = client.post(f"{BASE}/credentials", json=_with_program(body, program_id), headers=tenants.a_test.bearer)
        assert (response.status_code, response.json()) == (400, error("VALIDATION_ERROR", message)), message
    assert count_rows(store, credential_batches) == count_rows(store, credential_recipients) == 0


MALFORMED_JSON = [
        (b"", "The request body is empty; send a JSON object."),
        (b"   \n", "The request body is empty; send a JSON object."),
        (b'{"programId": ', "The request body is not valid JSON."),
        (b"{'programId': 'x'}", "The request body is not valid JSON."),
        (b"\xff\xfe{}", "The request body is not valid JSON."),
        (b"[" * 5000 + b"]" * 5000, "The request body is not valid JSON."),
        (b"null", "The request body must be a JSON object."),
    ]


def test_malformed_json_is_a_validation_error(client: TestClient, tenants: Tenants) -> None:
    headers = {**tenants.a_test.bearer, "Content-Type": "application/json"}
    for content, message in MALFORMED_JSON:
        response = client.post(f"{BASE}/credentials", content=content, headers=headers)
        assert (response.status_code, response.json()) == (400, error("VALIDATION_ERROR", message)), content[:20]


def test_a_body_without_content_type_is_still_read_as_json(client: TestClient, tenants: Tenants, program_id: str) -> None:
    import orjson

    response = client.post(f"{BASE}/credentials", content=orjson.dumps(issue_body(program_id)), headers=tenants.a_test.bearer)
    assert response.status_code == 201


def test_unknown_programme_is_not_found(client: TestClient, store: Store, tenants: Tenants) -> None:
    for program, echoed in (("prog_1779175802952_zlymqs", "prog_1779175802952_zlymqs"), ("not an id", "not an id"),
                            ("x" * 41, "x" * 41), ("a\u0000b", "a\\x00b"), ("y" * 100_000, "y" * 63 + "…")):
        response = client.post(f"{BASE}/credentials", json=issue_body(program), headers=tenants.a_test.bearer)
        assert (response.status_code, response.json()) == (404, error("NOT_FOUND", f"Program {echoed} not found."))
    assert count_rows(store, credential_batches) == 0


def test_retired_programmes_can_issue_deleted_ones_and_courses_cannot(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    me = tenants.a_test
    retired = make_program(store, me, "Retired")
    deleted = make_program(store, me, "Deleted")
    course = make_program(store, me, "A course", kind="course")
    retire(store, me, retired)
    delete(store, me, deleted)
    assert client.post(f"{BASE}/credentials", json=issue_body(retired), headers=me.bearer).status_code == 201
    for gone in (deleted, course):
        response = client.post(f"{BASE}/credentials", json=issue_body(gone), headers=me.bearer)
        assert response.json() == error("NOT_FOUND", f"Program {gone} not found.")


def test_batches_outlive_their_programme(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    issued = client.post(f"{BASE}/credentials", json=issue_body(program_id), headers=me.bearer).json()["data"]
    delete(store, me, program_id)
    assert client.get(f"{BASE}/credentials/{issued['batchId']}", headers=me.bearer).json()["data"] == issued
    assert [b["batchId"] for b in client.get(f"{BASE}/credentials", headers=me.bearer).json()["data"]] == [issued["batchId"]]


# --- size, atomicity, speed --------------------------------------------------------------


def without_job_polls(statements: list[str]) -> list[str]:
    """The request's statements: the app's job runner polls the same engine meanwhile."""
    return [statement for statement in statements if "FROM jobs" not in statement]


def test_a_thousand_recipients_in_one_request_with_one_insert(
    client: TestClient, store: Store, tenants: Tenants, program_id: str
) -> None:
    me = tenants.a_test
    client.get(f"{BASE}/programs", headers=me.bearer)  # records last_used_at once
    body = issue_body(program_id, people(credentials_service.MAX_RECIPIENTS))
    with count_queries(store) as statements:
        response = client.post(f"{BASE}/credentials", json=body, headers=me.bearer)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data == expected_batch(body, data, me.org, "test")
    assert len({r["recipientId"] for r in data["recipients"]}) == 1000
    recipient_inserts = [s for s in statements if s.startswith("INSERT INTO credential_recipients")]
    assert len(recipient_inserts) == 1
    assert len([s for s in statements if s.startswith("INSERT INTO signed_credentials")]) == 1
    # authenticate, bump the tenant's data version, find the programme, insert the batch, its
    # recipients, read their ids; sign: the current key (the tenant's first: select, insert,
    # select), the programme and its requirements, the newest status list (the first: insert),
    # take entries, insert the signed credentials
    assert len(without_job_polls(statements)) == 14
    assert client.get(f"{BASE}/credentials/{data['batchId']}", headers=me.bearer).json()["data"] == data


def test_issue_costs_the_same_queries_for_one_recipient_or_many(
    client: TestClient, store: Store, tenants: Tenants, program_id: str
) -> None:
    me = tenants.a_test
    client.get(f"{BASE}/programs", headers=me.bearer)
    client.post(f"{BASE}/credentials", json=issue_body(program_id, people(1)), headers=me.bearer)  # the tenant's key and status list
    counts = []
    for size in (1, 40):
        with count_queries(store) as statements:
            client.post(f"{BASE}/credentials", json=issue_body(program_id, people(size)), headers=me.bearer)
        counts.append(len(without_job_polls(statements)))
    keyed = []
    for size in (1, 40):
        with count_queries(store) as statements:
            client.post(f"{BASE}/credentials", json=issue_body(program_id, people(size)), headers={**me.bearer, "Idempotency-Key": f"k{size}"})
        keyed.append(len(without_job_polls(statements)))
    assert counts == [11, 11]  # the 14 of the test above, less making the key and the status list
    assert keyed == [13, 13]  # plus claiming the key and storing the response


def test_reads_cost_the_same_queries_whatever_the_size(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    small = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(1)), headers=me.bearer).json()["data"]
    client.get(f"{BASE}/programs", headers=me.bearer)
    with count_queries(store) as list_one:
        client.get(f"{BASE}/credentials", headers=me.bearer)
    with count_queries(store) as get_small:
        client.get(f"{BASE}/credentials/{small['batchId']}", headers=me.bearer)
    big = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(60)), headers=me.bearer).json()["data"]
    for n in range(4):
        client.post(f"{BASE}/credentials", json=issue_body(program_id, people(2, 100 + n)), headers=me.bearer)
    with count_queries(store) as list_many:
        assert len(client.get(f"{BASE}/credentials", headers=me.bearer).json()["data"]) == 6
    with count_queries(store) as get_big:
        assert len(client.get(f"{BASE}/credentials/{big['batchId']}", headers=me.bearer).json()["data"]["recipients"]) == 60
    assert len(list_one) == len(list_many) == 2  # authenticate, list
    assert len(get_small) == len(get_big) == 3  # authenticate, batch, recipients


def test_a_failure_after_writing_leaves_no_partial_batch(
    client: TestClient, store: Store, tenants: Tenants, program_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch and its recipients are inserted, then building the response fails: the
    transaction rolls back everything, the idempotency key included."""
    me = tenants.a_test
    headers = {**me.bearer, "Idempotency-Key": "retry-me"}
    body = issue_body(program_id, people(5))

    def broken(*_args: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(credential_routes, "batch_json", broken)
        response = client.post(f"{BASE}/credentials", json=body, headers=headers)
    assert response.status_code == 500
    assert response.json() == error("INTERNAL_ERROR", "An internal error occurred.")
    assert count_rows(store, credential_batches) == count_rows(store, credential_recipients) == 0
    assert count_rows(store, idempotency_keys) == 0
    retried = client.post(f"{BASE}/credentials", json=body, headers=headers)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert count_rows(store, credential_recipients) == 5


def test_a_database_refusal_mid_batch_leaves_nothing(
    client: TestClient, store: Store, tenants: Tenants, program_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last recipient's insert fails in the database (its id is taken, every attempt):
    neither the batch nor any recipient remains."""
    me = tenants.a_test
    taken = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(1)), headers=me.bearer).json()["data"]
    taken_id = taken["recipients"][0]["recipientId"]
    real = credentials_service.unguessable_ids
    monkeypatch.setattr(credentials_service, "unguessable_ids", lambda *a: [*real(*a)[:-1], taken_id])
    response = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(4, 10)), headers=me.bearer)
    assert response.status_code == 500
    assert count_rows(store, credential_batches) == count_rows(store, credential_recipients) == 1


def test_a_taken_public_id_is_replaced_and_the_batch_issued(
    client: TestClient, store: Store, tenants: Tenants, program_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = tenants.a_test
    taken = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(1)), headers=me.bearer).json()["data"]
    real = credentials_service.public_id
    handed_out: list[str] = []

    def colliding_once(prefix: str, moment: Any = None) -> str:
        value = taken["batchId"] if prefix == "batch" and not handed_out else real(prefix, moment)
        handed_out.append(value)
        return value

    monkeypatch.setattr(credentials_service, "public_id", colliding_once)
    response = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(2, 5)), headers=me.bearer)
    assert response.status_code == 201
    assert response.json()["data"]["batchId"] not in (taken["batchId"],)
    assert handed_out[0] == taken["batchId"]
    assert count_rows(store, credential_batches) == 2 and count_rows(store, credential_recipients) == 3
