"""Tenant and mode isolation: two organisations, both modes, look-alike data; every read
route must show each key its own rows only. Dialects add their routes to READS."""

from __future__ import annotations

from fastapi.testclient import TestClient

from programhub.core.listings import service as listings
from programhub.store import Store
from tests.support import Tenants


def seed_lookalikes(store: Store, tenants: Tenants) -> dict[str, str]:
    """The same program name in all four tenants; returns each tenant's Record id."""
    public_ids = {}
    for tenant_key in tenants.all():
        with store.write() as conn:
            listing_id = listings.create(conn, tenant_key.tenant, "program", {"name": "Shared Name", "description": tenant_key.key_id})
            public_ids[tenant_key.key_id] = listings.get(conn, tenant_key.tenant, listing_id).public_id
    return public_ids


def test_record_reads_never_cross_tenants(client: TestClient, store: Store, tenants: Tenants) -> None:
    public_ids = seed_lookalikes(store, tenants)
    for me in tenants.all():
        response = client.get("/api/external/issuance/programs", headers=me.bearer)
        data = response.json()["data"]
        assert [p["description"] for p in data] == [me.key_id]
        assert all(p["orgId"] == me.org and p["mode"] == me.tenant.mode.value for p in data)
        for other in tenants.all():
            status = client.get(f"/api/external/issuance/programs/{public_ids[other.key_id]}", headers=me.bearer).status_code
            assert status == (200 if other is me else 404)


