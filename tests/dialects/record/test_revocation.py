"""Record extensions: revoking one credential or many (Canvas Credentials' bulk shape),
expiry, and `status` on recipients and batches; isolation and bad input."""

from __future__ import annotations

import base64
import gzip
from typing import Any

from fastapi.testclient import TestClient

from programhub.core.credentials import service as credentials
from programhub.core.credentials.models import signed_credentials, status_lists
from programhub.store import Store
from tests.dialects.record.support import BASE, PUBLIC_URL, check_timestamp, error, issue_body, make_program, people
from tests.support import TenantKey, Tenants, count_queries


def _issue(client: TestClient, owner: TenantKey, program_id: str, count: int = 3, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/credentials", json={**issue_body(program_id, people(count)), **extra}, headers=owner.bearer)
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def _recipient(recipient: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**recipient, **changes}


def _bits(client: TestClient, credential_id: str) -> tuple[bytes, int]:
    """The status list bits a verifier reads for a credential, and its index."""
    signed = client.get(f"/credentials/{credential_id}", headers={"Accept": "application/vc"}).json()
    entry = signed["credentialStatus"]
    url = entry["statusListCredential"].removeprefix(PUBLIC_URL)
    listed = client.get(url).json()
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded[0] == "u"
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    return gzip.decompress(raw), int(entry["statusListIndex"])


def _is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revoking_one_credential_flips_its_status_and_its_bit(client: TestClient, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    batch = _issue(client, me, program_id)
    target = batch["recipients"][1]
    bits, index = _bits(client, target["recipientId"])
    assert not _is_set(bits, index)
    response = client.post(
        f"{BASE}/credentials/recipients/{target['recipientId']}/revoke",
        json={"revocationReason": "Awarded in error"},
        headers=me.bearer,
    )
    assert response.status_code == 200
    revoked_at = check_timestamp(response.json()["data"]["revokedAt"])
    revoked = _recipient(target, status="revoked", revokedAt=revoked_at, revocationReason="Awarded in error")
    assert response.json() == {"success": True, "message": "Credential revoked successfully", "data": revoked}
    bits, index = _bits(client, target["recipientId"])
    assert _is_set(bits, index) and bin(int.from_bytes(bits, "big")).count("1") == 1  # that bit, and only it
    # again: nothing changes, the first reason and time stay
    again = client.post(f"{BASE}/credentials/recipients/{target['recipientId']}/revoke", json={"revocationReason": "Other"}, headers=me.bearer)
    assert (again.status_code, again.json()["data"]) == (200, revoked)
    # without a body
    other = batch["recipients"][0]
    bare = client.post(f"{BASE}/credentials/recipients/{other['recipientId']}/revoke", headers=me.bearer)
    assert bare.status_code == 200
    assert bare.json()["data"] == _recipient(other, status="revoked", revokedAt=bare.json()["data"]["revokedAt"], revocationReason=None)
    # the batch shows it; it is revoked itself once all are
    shown = client.get(f"{BASE}/credentials/{batch['batchId']}", headers=me.bearer).json()["data"]
    assert shown == {**batch, "recipients": [bare.json()["data"], revoked, batch["recipients"][2]]}
    last = batch["recipients"][2]["recipientId"]
    client.post(f"{BASE}/credentials/recipients/{last}/revoke", headers=me.bearer)
    assert client.get(f"{BASE}/credentials/{batch['batchId']}", headers=me.bearer).json()["data"]["status"] == "revoked"
    listed = client.get(f"{BASE}/credentials", headers=me.bearer).json()["data"]
    assert [b["status"] for b in listed] == ["revoked"]
    page = client.get(f"/credentials/{last}", headers={"Accept": "application/json"}).json()["data"]
    assert (page["status"], page["revocationReason"]) == ("revoked", None)
    assert "Revoked" in client.get(f"/credentials/{last}").text


def test_bulk_revoke_in_canvas_credentials_shape(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    first = _issue(client, me, program_id, 2)
    second = _issue(client, me, program_id, 2)
    ids = [first["recipients"][1]["recipientId"], second["recipients"][0]["recipientId"]]
    with count_queries(store) as statements:
        response = client.post(
            f"{BASE}/credentials/revoke",
            json=[{"id": ids[0], "revocationReason": "Plagiarism"}, {"id": ids[1]}],
            headers=me.bearer,
        )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert response.json() == {
        "success": True,
        "message": "Credentials revoked successfully",
        "data": [
            _recipient(first["recipients"][1], status="revoked", revokedAt=check_timestamp(data[0]["revokedAt"]), revocationReason="Plagiarism"),
            _recipient(second["recipients"][0], status="revoked", revokedAt=data[1]["revokedAt"], revocationReason=None),
        ],
    }
    few = _request_statements(statements)
    many_ids = [r["recipientId"] for r in _issue(client, me, program_id, 40)["recipients"]]
    with count_queries(store) as statements:
        assert client.post(f"{BASE}/credentials/revoke", json=[{"id": i} for i in many_ids], headers=me.bearer).status_code == 200
    assert _request_statements(statements) == few  # a constant number, not one per credential


def _request_statements(statements: list[str]) -> int:
    return len([statement for statement in statements if "FROM jobs" not in statement])  # the job runner polls too


def test_an_unknown_or_foreign_id_revokes_nothing(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    mine = _issue(client, tenants.a_test, program_id)["recipients"][0]["recipientId"]
    live_program = make_program(store, tenants.a_live, "Live one")
    other_program = make_program(store, tenants.b_test, "Other org")
    live = _issue(client, tenants.a_live, live_program)["recipients"][0]["recipientId"]
    foreign = _issue(client, tenants.b_test, other_program)["recipients"][0]["recipientId"]
    for stranger in (live, foreign, "rec_1779175802952_zlymqs", "x" * 41):
        single = client.post(f"{BASE}/credentials/recipients/{stranger}/revoke", headers=tenants.a_test.bearer)
        assert (single.status_code, single.json()) == (404, error("NOT_FOUND", f"Credential {stranger if len(stranger) < 41 else stranger[:63]} not found."))
        bulk = client.post(f"{BASE}/credentials/revoke", json=[{"id": mine}, {"id": stranger}], headers=tenants.a_test.bearer)
        assert bulk.status_code == 404 and bulk.json()["code"] == "NOT_FOUND"
    with store.read() as conn:
        assert conn.execute(signed_credentials.select().where(signed_credentials.c.revoked_at.is_not(None))).first() is None
        assert {bytes(row.bits).count(0) for row in conn.execute(status_lists.select())} == {131072 // 8}
    assert client.post(f"{BASE}/credentials/recipients/{mine}/revoke", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_bad_revocation_bodies(client: TestClient, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    rid = _issue(client, me, program_id, 1)["recipients"][0]["recipientId"]
    cases = [
        ({"id": rid}, "body must be a non-empty array of {id, revocationReason} objects."),
        ([], "body must be a non-empty array of {id, revocationReason} objects."),
        ([rid], "body[0] must be an object with id and revocationReason."),
        ([{"revocationReason": "x"}], "[0].id is required."),
        ([{"id": " "}], "[0].id is required."),
        ([{"id": 5}], "[0].id must be a string."),
        ([{"id": rid, "revocationReason": 5}], "[0].revocationReason must be a string."),
        ([{"id": rid, "revocationReason": "a\u0000"}], "[0].revocationReason must not contain NUL characters."),
        ([{"id": rid}, {"id": rid}], "[1].id repeats [0].id; name each credential once."),
        ([{"id": f"r{i}"} for i in range(1001)], "body must hold at most 1000 items, not 1001."),
    ]
    for body, message in cases:
        response = client.post(f"{BASE}/credentials/revoke", json=body, headers=me.bearer)
        assert (response.status_code, response.json()) == (400, error("VALIDATION_ERROR", message)), body
    single = client.post(f"{BASE}/credentials/recipients/{rid}/revoke", json={"revocationReason": ["x"]}, headers=me.bearer)
    assert (single.status_code, single.json()) == (400, error("VALIDATION_ERROR", "revocationReason must be a string."))
    assert client.post(f"{BASE}/credentials/recipients/{rid}/revoke", content=b"[1]", headers=me.bearer).status_code == 400
    page = client.get(f"/credentials/{rid}", headers={"Accept": "application/json"}).json()["data"]
    assert page["status"] == "issued"


def test_expiry_is_set_at_issue_and_shown(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    batch = _issue(client, me, program_id, 1, expiresAt="2031-01-01T00:00:00Z")
    assert batch["expiresAt"] == "2031-01-01T00:00:00.000Z" and batch["status"] == "issued"
    assert batch["recipients"][0]["expiresAt"] == "2031-01-01T00:00:00.000Z"
    signed = client.get(f"/credentials/{batch['recipients'][0]['recipientId']}", headers={"Accept": "application/ld+json"})
    assert signed.headers["content-type"] == "application/ld+json"
    assert signed.json()["validUntil"] == "2031-01-01T00:00:00.000Z"
    for value, message in (
        ("2001-01-01T00:00:00Z", "expiresAt must be in the future."),
        ("soon", "expiresAt must be an ISO 8601 date and time, e.g. 2026-06-30T23:59:59Z."),
        (12, "expiresAt must be an ISO 8601 date and time, e.g. 2026-06-30T23:59:59Z."),
    ):
        response = client.post(f"{BASE}/credentials", json={**issue_body(program_id, people(1)), "expiresAt": value}, headers=me.bearer)
        assert (response.status_code, response.json()) == (400, error("VALIDATION_ERROR", message))
    # once the moment has passed, the credential and its batch read `expired`
    with store.write() as conn:
        conn.execute(signed_credentials.update().values(expires_at=credentials.utcnow()))
        conn.execute(credentials.credential_batches.update().values(expires_at=credentials.utcnow()))
    shown = client.get(f"{BASE}/credentials/{batch['batchId']}", headers=me.bearer).json()["data"]
    assert (shown["status"], shown["recipients"][0]["status"]) == ("expired", "expired")
    assert client.get(f"{BASE}/credentials", headers=me.bearer).json()["data"][0]["status"] == "expired"
    assert "Expired" in client.get(f"/credentials/{batch['recipients'][0]['recipientId']}").text


def test_the_signed_credential_is_served_by_accept_and_as_a_download(client: TestClient, tenants: Tenants, program_id: str) -> None:
    rid = _issue(client, tenants.a_test, program_id, 1)["recipients"][0]["recipientId"]
    as_vc = client.get(f"/credentials/{rid}", headers={"Accept": "application/vc"})
    assert as_vc.headers["content-type"] == "application/vc" and as_vc.headers["vary"] == "Accept"
    download = client.get(f"/credentials/{rid}/credential.json")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="{rid}.json"'
    assert download.content == as_vc.content
    credential = as_vc.json()
    assert credential["id"] == f"{PUBLIC_URL}/credentials/{rid}"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["description"].startswith("A test credential")
    assert credential["credentialSubject"]["identifier"][0] == {
        "type": "IdentityObject", "identityHash": "Person 0", "identityType": "name", "hashed": False,
    }
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    for accept in ("application/json", "text/html", "application/*", "*/*"):
        assert client.get(f"/credentials/{rid}", headers={"Accept": accept}).headers["content-type"] != "application/vc"
    missing = client.get("/credentials/rec_1779175802952_zlymqs/credential.json", headers={"Accept": "application/json"})
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")
