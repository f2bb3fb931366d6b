"""The demo organisation through Record: the seed's programmes and one issued batch."""

from __future__ import annotations

from fastapi.testclient import TestClient

from programhub.core.keys import service as keys
from programhub.core.tenancy import Mode
from programhub.demo import ensure_demo
from tests.support import signing
from programhub.demo.record import DEMO_BATCH
from programhub.store import Store
from tests.dialects.record.support import BASE


def test_the_demo_shows_the_seed_programmes_and_a_batch_with_working_pages(client: TestClient, store: Store) -> None:
    with store.write() as conn:
        org = ensure_demo(conn, signing()).org
        secret = keys.create(conn, org.public_id, Mode.TEST, "demo").secret
    headers = {"Authorization": f"Bearer {secret}"}

    names = [p["name"] for p in client.get(f"{BASE}/programs", headers=headers).json()["data"]]
    assert names.index("Cyber Security") + 1 == names.index("MongoDB")  # the seed's order
    cyber_security = next(p for p in client.get(f"{BASE}/programs", headers=headers).json()["data"] if p["name"] == "Cyber Security")

    batches = client.get(f"{BASE}/credentials", headers=headers).json()["data"]
    assert [(b["batchName"], b["programId"], b["recipientCount"], b["mode"]) for b in batches] == [
        (DEMO_BATCH, cyber_security["programId"], 2, "test")
    ]
    batch = client.get(f"{BASE}/credentials/{batches[0]['batchId']}", headers=headers).json()["data"]
    assert [r["name"] for r in batch["recipients"]] == ["Ada Lovelace", "Alan Turing"]
    page = client.get(f"/credentials/{batch['recipients'][0]['recipientId']}", headers={"Accept": "application/json"})
    assert page.json()["data"]["programName"] == "Cyber Security"
    assert page.json()["data"]["orgName"] == org.name
