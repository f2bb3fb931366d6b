"""The demo organisation's Catalog data is the seed's tree, read back as the seed shows it."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from programhub.core.keys import service as keys
from programhub.core.tenancy import Mode
from programhub.demo import ensure_demo
from programhub.store import Store
from tests.dialects.catalog.support import API, unstamped
from tests.dialects.catalog.test_seed import SEED_GET, _renumbered
from tests.support import assert_json_equal, signing


def test_the_demo_holds_the_seed_tree(client: TestClient, store: Store) -> None:
    with store.write() as conn:
        org = ensure_demo(conn, signing()).org
        secret = keys.create(conn, org.public_id, Mode.TEST, "demo").secret
    headers = {"Authorization": f'Token token="{secret}"'}
    listed = client.get(f"{API}/programs?query=description_&per_page=100", headers=headers).json()["programs"]
    by_title = {program["title"]: program for program in listed}
    courses = {c["title"]: c for c in client.get(f"{API}/courses", headers=headers).json()["courses"]}
    seed = orjson.loads(SEED_GET)
    ids = {22: by_title["Program 21"]["id"], 23: by_title["Program 22"]["id"], 24: by_title["Program 23"]["id"],
           25: courses["Course 24"]["id"], 26: courses["Course 25"]["id"], 27: courses["Course 26"]["id"]}
    catalog_id = by_title["Program 21"]["catalog"]["id"]
    shown = client.get(f"{API}/programs/{ids[22]}", headers=headers).json()
    assert_json_equal(unstamped(shown), _renumbered(seed, ids, catalog_id))
