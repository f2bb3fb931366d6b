"""Cached Catalog answers checked instead of made again (core/listings/shown.py): after a
write, an answer whose listings and order did not change is kept, checked by one query;
any change to what it shows, through the API or behind its back, is seen at once, also
while other requests read and write. Every answer through the cache is compared whole with
the same request's answer from an app without the cache, on the same database."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.app import create_app
from programhub.core.catalogs.models import catalogs
from programhub.core.listings.models import listings, requirements
from programhub.settings import Settings
from programhub.store import Store
from tests.dialects.catalog.support import API, create
from tests.support import Tenants, TenantKey

PAGE = f"{API}/programs?per_page=3"


@pytest.fixture
def uncached(settings: Settings, store: Store) -> Iterator[TestClient]:
    """The same service on the same database, without a response cache: the truth."""
    with TestClient(create_app(settings.model_copy(update={"response_cache_mb": 0}), store=store)) as truth:
        yield truth


class Tree:
    """Top -> Middle -> Leaf (a course), and Other, a program of its own, first on the page."""

    def __init__(self, client: TestClient, key: TenantKey) -> None:
        self.leaf = create(client, key, "course", title="Leaf", credits=2)["id"]
        self.middle = create(client, key, "program", title="Middle", requirement_ids=[self.leaf])["id"]
        self.top = create(client, key, "program", title="Top", requirement_ids=[self.middle])["id"]
        self.other = create(client, key, "program", title="Other", list_order=1)["id"]
        self.spare = create(client, key, "course", title="Spare", credits=5)["id"]


def _checked(client: TestClient) -> float:
    found = re.search(r'programhub_response_cache_lookups_total\{result="checked"\} ([0-9.e+]+)', client.get("/metrics").text)
    return float(found.group(1)) if found else 0.0


def _same(client: TestClient, uncached: TestClient, key: TenantKey, path: str) -> dict[str, Any]:
    """The answer through the cache, asserted equal (body and Link) to the uncached one."""
    cached, truth = client.get(path, headers=key.token), uncached.get(path, headers=key.token)
    assert cached.status_code == truth.status_code == 200, (cached.text, truth.text)
    assert cached.json() == truth.json(), path
    assert cached.headers.get("link") == truth.headers.get("link"), path
    return cached.json()


def _all_same(client: TestClient, uncached: TestClient, key: TenantKey, tree: Tree) -> None:
    for path in (PAGE, f"{PAGE}&page=2", f"{API}/programs/{tree.top}", f"{API}/programs/{tree.other}",
                 f"{API}/courses/{tree.leaf}", f"{API}/courses?per_page=5", f"{API}/programs?archived=true"):
        _same(client, uncached, key, path)


def test_an_edit_elsewhere_keeps_an_answer_checked_by_one_query(
    client: TestClient, uncached: TestClient, tenants: Tenants
) -> None:
    key = tenants.a_test
    tree = Tree(client, key)
    top = _same(client, uncached, key, f"{API}/programs/{tree.top}")
    before = _checked(client)
    response = client.put(f"{API}/programs/{tree.other}", json={"program": {"description": "edited"}}, headers=key.token)
    assert response.status_code == 204, response.text
    assert _same(client, uncached, key, f"{API}/programs/{tree.top}") == top
    assert _checked(client) == before + 1
    # the edited program's own answer, and the page that shows it, are made again
    assert _same(client, uncached, key, f"{API}/programs/{tree.other}")["program"]["description"] == "edited"
    assert _same(client, uncached, key, PAGE)["programs"][0]["description"] == "edited"
    # another tenant's writes do not concern this tenant's answers at all (its version stands)
    create(client, tenants.b_test, "program", title="Elsewhere")
    _same(client, uncached, key, f"{API}/programs/{tree.top}")
    assert _checked(client) == before + 1


@pytest.mark.parametrize(
    "change",
    ["edit the leaf", "edit the middle", "require another", "archive", "reorder", "delete", "create", "create a course"],
)
def test_every_change_through_the_api_is_seen(
    client: TestClient, uncached: TestClient, tenants: Tenants, change: str
) -> None:
    key = tenants.a_test
    tree = Tree(client, key)
    _all_same(client, uncached, key, tree)  # every answer kept
    if change == "edit the leaf":
        response = client.put(f"{API}/courses/{tree.leaf}", json={"course": {"credits": 7, "title": "Leaf 2"}}, headers=key.token)
    elif change == "edit the middle":
        response = client.put(f"{API}/programs/{tree.middle}", json={"program": {"sequential": True}}, headers=key.token)
    elif change == "require another":
        response = client.put(f"{API}/programs/{tree.middle}", json={"program": {"requirement_ids": [tree.leaf, tree.spare]}},
                              headers=key.token)
    elif change == "archive":
        response = client.post(f"{API}/programs/archived", json={"product_action": "archive", "product_ids": [tree.other]},
                               headers=key.token)
    elif change == "reorder":
        response = client.put(f"{API}/programs/{tree.top}", json={"program": {"list_order": 0}}, headers=key.token)
    elif change == "delete":
        response = client.delete(f"{API}/programs/{tree.other}", headers=key.token)
    elif change == "create":
        response = client.post(f"{API}/programs", json={"program": {"title": "New", "list_order": 0}}, headers=key.token)
    else:
        response = client.post(f"{API}/courses", json={"course": {"title": "New course"}}, headers=key.token)
    assert response.status_code < 300, response.text
    if change == "delete":
        assert client.get(f"{API}/programs/{tree.other}", headers=key.token).status_code == 404
        tree.other = tree.top
    _all_same(client, uncached, key, tree)


def _behind_the_back(store: Store, tenant, change: str, tree: Tree) -> None:  # type: ignore[no-untyped-def]
    t = listings.c
    with store.write() as conn:
        if change == "a listing":
            conn.execute(sa.update(listings).where(t.id == tree.leaf).values(credits=9))
        elif change == "a requirement":
            conn.execute(sa.insert(requirements).values(program_id=tree.middle, position=5, requirement_id=tree.spare,
                                                         org_id=tenant.org_id, mode=tenant.mode.value))
        elif change == "a requirement's removal":
            conn.execute(sa.delete(requirements).where(requirements.c.program_id == tree.middle))
        elif change == "the catalog":
            catalog_id = conn.execute(sa.select(t.catalog_id).where(t.id == tree.leaf)).scalar_one()
            conn.execute(sa.update(catalogs).where(catalogs.c.id == catalog_id).values(name="Renamed", url="https://x.example"))
        else:  # an order
            conn.execute(sa.update(listings).where(t.id == tree.top).values(list_order=-5))


@pytest.mark.parametrize("change", ["a listing", "a requirement", "a requirement's removal", "the catalog", "an order"])
def test_every_change_behind_the_services_back_is_seen(
    client: TestClient, uncached: TestClient, tenants: Tenants, store: Store, change: str
) -> None:
    """The triggers, not the write paths, record what changed: a write no service made
    (an operator's SQL, a migration) does not leave a kept answer standing. (Such a write
    leaves the stored renderings behind until refreshed, the uncached answer's too; what
    is read live, derived credits, trees, catalog URLs, order, shows it.)"""
    key = tenants.a_test
    tree = Tree(client, key)
    _all_same(client, uncached, key, tree)
    before = _same(client, uncached, key, f"{API}/programs/{tree.top}")
    _behind_the_back(store, key.tenant, change, tree)
    _all_same(client, uncached, key, tree)
    if change != "an order":
        assert _same(client, uncached, key, f"{API}/programs/{tree.top}") != before


def test_no_answer_is_stale_after_a_write_answered_while_others_read_and_write(
    client: TestClient, uncached: TestClient, tenants: Tenants
) -> None:
    """Readers keep every answer cached and checked while a writer renames the leaf deep in
    a tree and a second one edits an unrelated program: once the rename is answered, every
    read shows it (never an answer kept from before it)."""
    key = tenants.a_test
    tree = Tree(client, key)
    stop = threading.Event()
    failures: list[str] = []

    def read() -> None:
        while not stop.is_set():
            for path in (f"{API}/programs/{tree.top}", PAGE, f"{API}/programs/{tree.other}"):
                if client.get(path, headers=key.token).status_code != 200:
                    failures.append(path)

    def edit_elsewhere() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            client.put(f"{API}/programs/{tree.other}", json={"program": {"description": f"d{n}"}}, headers=key.token)

    workers = [threading.Thread(target=read) for _ in range(3)] + [threading.Thread(target=edit_elsewhere)]
    for worker in workers:
        worker.start()
    try:
        for n in range(25):
            title = f"Leaf {n}"
            response = client.put(f"{API}/courses/{tree.leaf}", json={"course": {"title": title}}, headers=key.token)
            assert response.status_code == 204, response.text
            top = client.get(f"{API}/programs/{tree.top}", headers=key.token).json()["program"]
            assert top["requirements"][0]["requirements"][0]["title"] == title
            page = client.get(PAGE, headers=key.token).json()["programs"]
            shown = next(item for item in page if item["id"] == tree.top)
            assert shown["requirements"][0]["requirements"][0]["title"] == title
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert failures == []
    _all_same(client, uncached, key, tree)
    assert _checked(client) > 0
