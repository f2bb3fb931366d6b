"""What verifiers fetch without a key: DID documents and status lists under /orgs, and
credentials issued before programhub signed them, which are signed when first needed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.credentials import keys
from programhub.core.credentials.models import credential_batches, credential_recipients, signed_credentials
from programhub.core.listings import service as listings
from programhub.store import Store
from tests.dialects.record.support import BASE, PUBLIC_URL, error, issue_body, people
from tests.support import CREDENTIAL_KEY_SECRET, TenantKey, Tenants, count_queries


def _issue(client: TestClient, owner: TenantKey, program_id: str) -> dict[str, Any]:
    response = client.post(f"{BASE}/credentials", json=issue_body(program_id, people(1)), headers=owner.bearer)
    assert response.status_code == 201
    return response.json()["data"]  # type: ignore[no-any-return]


def test_the_did_document_lists_every_key_current_first(client: TestClient, store: Store, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    assert client.get(f"/orgs/{me.org}/test/did.json").status_code == 404  # no key until it signs
    _issue(client, me, program_id)
    first = client.get(f"/orgs/{me.org}/test/did.json")
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/ld+json"
    assert first.headers["access-control-allow-origin"] == "*"
    did = f"did:web:programhub.test:orgs:{me.org}:test"
    with store.write() as conn:
        keys.rotate(conn, me.tenant, keys.KeyVault(secret=CREDENTIAL_KEY_SECRET))
        found = keys.public_keys(conn, me.tenant)
    methods = [
        {"id": f"{did}#{key.multibase}", "type": "Multikey", "controller": did, "publicKeyMultibase": key.multibase}
        for key in found
    ]
    assert len(methods) == 2 and found[0].retired_at is None and found[1].retired_at is not None
    assert client.get(f"/orgs/{me.org}/test/did.json").json() == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
    assert keys.public_key_from_multibase(found[0].multibase) == found[0].public_key
    # the live issuer is another DID, with no key yet; unknown organisations are not found
    assert client.get(f"/orgs/{me.org}/did.json").status_code == 404
    for path in ("/orgs/org_1779175802952_zlymqs/did.json", "/orgs/x%00/did.json", f"/orgs/{me.org}/other.json", "/orgs"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND", path


def test_a_status_list_is_public_signed_and_revalidated(client: TestClient, tenants: Tenants, program_id: str) -> None:
    me = tenants.a_test
    rid = _issue(client, me, program_id)["recipients"][0]["recipientId"]
    url = f"/orgs/{me.org}/test/status/1"
    listed = client.get(url)
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-cache"
    document = listed.json()
    assert {key: value for key, value in document.items() if key not in ("validFrom", "proof", "credentialSubject")} == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"{PUBLIC_URL}{url}",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": f"did:web:programhub.test:orgs:{me.org}:test",
    }
    assert set(document["credentialSubject"]) == {"id", "type", "statusPurpose", "encodedList"}
    assert "created" not in document["proof"]  # nothing tells when a bit last changed
    etag = listed.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    client.post(f"{BASE}/credentials/recipients/{rid}/revoke", headers=me.bearer)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["validFrom"] == document["validFrom"]
    for missing in (f"/orgs/{me.org}/test/status/2", f"/orgs/{me.org}/status/1", f"/orgs/{me.org}/test/status/x", f"/orgs/{me.org}/test/status/0"):
        response = client.get(missing)
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND", missing
    assert client.get(f"/orgs/{tenants.b_test.org}/test/status/1").status_code == 404


def test_credentials_issued_before_signing_are_signed_when_first_needed(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    me = tenants.a_live
    now = datetime.now(UTC)
    tenant = {"org_id": me.tenant.org_id, "mode": "live"}
    with store.write() as conn:
        program = listings.create(conn, me.tenant, "program", {"name": "Old programme"})
        batch = conn.execute(sa.insert(credential_batches).values(
            public_id="batch_1_legacy", listing_id=program, name="Old", recipient_count=2, issued_at=now, **tenant,
        ).returning(credential_batches.c.id)).scalar_one()
        conn.execute(sa.insert(credential_recipients), [
            {"public_id": f"rec_1_legacy{n}", "batch_id": batch, "position": n, "name": f"Old {n}", "email": f"o{n}@example.edu", **tenant}
            for n in range(2)
        ])
    page = client.get("/credentials/rec_1_legacy0")
    assert page.status_code == 200 and "Verified" in page.text
    with count_queries(store) as statements:
        assert "Verified" in client.get("/credentials/rec_1_legacy0").text
    # Signed now: the page is one query again, besides counting the visit against the
    # client's address (a write of its own, tests/hardening/test_credential_links.py).
    reads = [s for s in statements if "address_rate_limit_windows" not in s and not s.startswith("SET LOCAL")]
    assert len(reads) == 1
    revoked = client.post(f"{BASE}/credentials/revoke", json=[{"id": "rec_1_legacy1"}], headers=me.bearer)
    assert revoked.status_code == 200 and revoked.json()["data"][0]["status"] == "revoked"
    assert "Revoked" in client.get("/credentials/rec_1_legacy1").text
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(signed_credentials)).scalar_one() == 2
    assert client.get("/credentials/rec_1_legacy0", headers={"Accept": "application/json"}).json()["data"]["status"] == "issued"
    assert client.get("/credentials/rec_1_legacyX").status_code == 404
    assert client.post(f"{BASE}/credentials/recipients/rec_1_legacy0/revoke", headers=tenants.a_test.bearer).json() == error(
        "NOT_FOUND", "Credential rec_1_legacy0 not found."
    )
