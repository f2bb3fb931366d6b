"""The counts behind the default lists' Link headers are kept by database triggers
(migration 0002_catalog); after any mix of writes, through any face, they equal a count."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.listings import service as listings
from programhub.core.listings.models import listing_counts
from programhub.core.listings.models import listings as table
from programhub.store import Store
from tests.dialects.catalog.support import API, create
from tests.support import Tenants


def _kept(store: Store) -> set[tuple[int, str, str, int, int]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(listing_counts.c.org_id, listing_counts.c.mode, listing_counts.c.kind, listing_counts.c.listed,
                      listing_counts.c.listed_with_order)
        ).all()
    return {tuple(row) for row in rows if row.listed or row.listed_with_order}  # type: ignore[misc]


def _counted(store: Store) -> set[tuple[int, str, str, int, int]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(table.c.org_id, table.c.mode, table.c.kind, sa.func.count(), sa.func.count(table.c.list_order))
            .where(table.c.deleted_at.is_(None), table.c.status != "retired")
            .group_by(table.c.org_id, table.c.mode, table.c.kind)
        ).all()
    return {tuple(row) for row in rows}  # type: ignore[misc]


def test_kept_counts_follow_every_kind_of_write(client: TestClient, store: Store, tenants: Tenants) -> None:
    a, b = tenants.a_test, tenants.b_live
    ordered = [create(client, a, "program", title=f"O{n}", list_order=n)["id"] for n in range(3)]
    plain = [create(client, a, "course", title=f"C{n}")["id"] for n in range(3)]
    create(client, b, "program", title="B")
    assert _kept(store) == _counted(store)

    client.put(f"{API}/programs/{ordered[0]}", json={"program": {"list_order": None}}, headers=a.token)
    client.put(f"{API}/courses/{plain[0]}", json={"course": {"list_order": 7}}, headers=a.token)
    client.post(f"{API}/programs/archived", json={"product_action": "archive", "product_ids": ordered[1:]}, headers=a.token)
    client.post(f"{API}/programs/archived", json={"product_action": "reactivate", "product_ids": [ordered[2]]}, headers=a.token)
    client.delete(f"{API}/courses/{plain[1]}", headers=a.token)
    with store.write() as conn:  # another face: a Sunbird draft, then retired and deleted through the core
        draft = listings.create(conn, a.tenant, "program", {"name": "Draft", "status": "draft", "list_order": 1})
        listings.update(conn, a.tenant, plain[2], {"status": "retired"})
        listings.delete_listing(conn, a.tenant, plain[2])
        listings.update(conn, a.tenant, draft, {"description": "touched, not moved"})
    assert _kept(store) == _counted(store)
    assert _kept(store) == {
        (a.tenant.org_id, "test", "program", 3, 2),  # O0 (no order now), O2 (reactivated), Draft
        (a.tenant.org_id, "test", "course", 1, 1),  # C0 (ordered now)
        (b.tenant.org_id, "live", "program", 1, 0),
    }


def test_the_default_list_and_a_filter_matching_everything_page_alike(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    for n in range(5):
        create(client, key, "program", title=f"P{n}", list_order=n if n % 2 else None)
    plain = client.get(f"{API}/programs?per_page=2&page=2", headers=key.token)
    filtered = client.get(f"{API}/programs?per_page=2&page=2&query=p", headers=key.token)
    assert plain.json() == filtered.json()
    assert plain.headers["link"] == filtered.headers["link"].replace("&query=p", "")
