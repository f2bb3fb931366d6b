"""Two organisations, both modes, look-alike programmes and batches: every Record read shows
the caller's rows only, and another tenant's ids are NOT_FOUND, never revealed."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from programhub.core.credentials.models import credential_batches
from programhub.store import Store
from tests.dialects.record.support import BASE, count_rows, error, issue_body, make_program
from tests.support import TenantKey, Tenants


@dataclass(frozen=True)
class Seeded:
    program_id: str
    batch_id: str
    recipient_id: str


def seed(client: TestClient, store: Store, tenants: Tenants) -> dict[str, Seeded]:
    """The same programme name, batch name and recipient in all four tenants."""
    seeded = {}
    for owner in tenants.all():
        program_id = make_program(store, owner, "Shared Name", owner.key_id)
        body = issue_body(program_id, [{"name": "Same Person", "email": "same@example.edu"}], "Shared Batch")
        batch = client.post(f"{BASE}/credentials", json=body, headers=owner.bearer).json()["data"]
        seeded[owner.key_id] = Seeded(program_id, batch["batchId"], batch["recipients"][0]["recipientId"])
    return seeded


def _is_mine(item: dict[str, object], me: TenantKey) -> bool:
    return item["orgId"] == me.org and item["mode"] == me.tenant.mode.value


def test_every_read_shows_only_the_callers_rows(client: TestClient, store: Store, tenants: Tenants) -> None:
    seeded = seed(client, store, tenants)
    for me in tenants.all():
        mine = seeded[me.key_id]

        programs = client.get(f"{BASE}/programs", headers=me.bearer).json()["data"]
        assert [(p["programId"], p["description"]) for p in programs] == [(mine.program_id, me.key_id)]
        assert all(_is_mine(p, me) for p in programs)

        batches = client.get(f"{BASE}/credentials", headers=me.bearer).json()["data"]
        assert [(b["batchId"], b["programId"]) for b in batches] == [(mine.batch_id, mine.program_id)]
        assert all(_is_mine(b, me) for b in batches)

        for other in tenants.all():
            theirs = seeded[other.key_id]
            program = client.get(f"{BASE}/programs/{theirs.program_id}", headers=me.bearer)
            batch = client.get(f"{BASE}/credentials/{theirs.batch_id}", headers=me.bearer)
            if other is me:
                assert program.status_code == batch.status_code == 200
                assert _is_mine(program.json()["data"], me) and _is_mine(batch.json()["data"], me)
                assert batch.json()["data"]["recipients"][0]["recipientId"] == mine.recipient_id
            else:
                assert program.status_code == batch.status_code == 404
                assert program.json() == error("NOT_FOUND", f"Program {theirs.program_id} not found.")
                assert batch.json() == error("NOT_FOUND", f"Batch {theirs.batch_id} not found.")


def test_no_one_issues_on_another_tenants_programme(client: TestClient, store: Store, tenants: Tenants) -> None:
    seeded = seed(client, store, tenants)
    for me in tenants.all():
        for other in tenants.all():
            if other is me:
                continue
            theirs = seeded[other.key_id].program_id
            response = client.post(f"{BASE}/credentials", json=issue_body(theirs), headers=me.bearer)
            assert response.status_code == 404
            assert response.json() == error("NOT_FOUND", f"Program {theirs} not found.")
    assert count_rows(store, credential_batches) == 4


def test_a_created_programme_belongs_to_the_keys_organisation_and_mode(client: TestClient, tenants: Tenants) -> None:
    created = client.post(f"{BASE}/programs", json={"name": "Only Mine"}, headers=tenants.b_live.bearer).json()["data"]
    assert (created["orgId"], created["mode"]) == (tenants.b_live.org, "live")
    for other in (tenants.a_test, tenants.a_live, tenants.b_test):
        assert client.get(f"{BASE}/programs", headers=other.bearer).json()["data"] == []
        assert client.get(f"{BASE}/programs/{created['programId']}", headers=other.bearer).status_code == 404
