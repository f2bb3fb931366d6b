"""Programs created through other faces (Record and WebAdMIT with a name and description,
Sunbird as a draft with its own fields) appear in Catalog with Catalog's defaults."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from programhub.core.listings import service as listings
from programhub.store import Store
from tests.dialects.catalog.support import API, default_catalog, get, listing, unstamped
from tests.support import Tenants, assert_json_equal


def test_programs_of_other_faces_show_with_catalog_defaults(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_test
    with store.write() as conn:
        record = listings.create(conn, key.tenant, "program", {"name": "Cyber Security", "description": "Cyber Security Program"})
        sunbird = listings.create(conn, key.tenant, "program", {
            "name": "GG", "status": "draft", "program_type": "private", "slug": "sunbird",
            "start_date": datetime(2020, 5, 31, 18, 30, tzinfo=UTC), "config": {"medium": ["Hindi"]},
        })
        again = listings.create(conn, key.tenant, "program", {"name": "Cyber Security"})
    catalog = default_catalog(client, key)
    response = client.get(f"{API}/programs", headers=key.token)
    assert_json_equal(unstamped(response.json()), {"programs": [
        listing("program", record, "Cyber Security", catalog, path="cyber-security", description="Cyber Security Program"),
        listing("program", sunbird, "GG", catalog, path="gg", start_date="2020/05/31 18:30:00 +0000"),
        listing("program", again, "Cyber Security", catalog, path="cyber-security-2"),
    ]})
    assert get(client, key, "program", record)["listing_url"] == f"http://programhub.test/catalogs/{catalog['id']}/programs/cyber-security"
