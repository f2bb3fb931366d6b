"""Requirements: ordered, nested to any depth, shared, never cyclic; credits derived
from them; trees kept to a renderable depth and size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.listings import tree
from programhub.core.listings.models import listings
from programhub.core.renderings import service as renderings
from programhub.store import Store
from tests.dialects.catalog.support import API, create, default_catalog, error, get, listing, unstamped
from tests.support import Tenants, assert_json_equal


def _chain(client: TestClient, key, depth: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Programs P0 -> P1 -> ... -> P(depth-1) -> one course of 2 credits; returns [P0, ..., course]."""
    ids = [create(client, key, "course", title="Leaf", credits=2)["id"]]
    for level in reversed(range(depth)):
        ids.insert(0, create(client, key, "program", title=f"P{level}", requirement_ids=[ids[0]])["id"])
    return ids


def test_a_five_level_tree_is_rendered_whole(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    ids = _chain(client, key, 5)
    catalog = default_catalog(client, key)
    expected = listing("course", ids[-1], "Leaf", catalog, path="leaf", credits=2)
    for level in reversed(range(5)):
        expected = listing("program", ids[level], f"P{level}", catalog, path=f"p{level}", credits=2, requirements=[expected])
    assert_json_equal(unstamped(get(client, key, "program", ids[0])), expected)


def test_credits_are_the_sum_of_the_requirements_unless_set(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    half, quarter, none = (create(client, key, "course", title=t, credits=c)["id"]
                           for t, c in (("Half", "1.5"), ("Quarter", 1.25), ("None", None)))
    inner = create(client, key, "program", title="Inner", requirement_ids=[half, quarter])
    assert inner["credits"] == 2.75
    outer = create(client, key, "program", title="Outer", requirement_ids=[inner["id"], none, half])
    assert outer["credits"] == 4.25
    fixed = create(client, key, "program", title="Fixed", credits=10, requirement_ids=[inner["id"]])
    assert fixed["credits"] == 10
    empty = create(client, key, "program", title="Empty", requirement_ids=[none])
    assert empty["credits"] is None
    client.put(f"{API}/courses/{half}", json={"course": {"credits": 3}}, headers=key.token)
    assert get(client, key, "program", outer["id"])["credits"] == 7.25
    assert [r["credits"] for r in get(client, key, "program", outer["id"])["requirements"]] == [4.25, None, 3]


def test_a_shared_requirement_appears_under_each_program_that_requires_it(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Shared", credits=3)
    left = create(client, key, "program", title="Left", requirement_ids=[course["id"]])
    right = create(client, key, "program", title="Right", requirement_ids=[course["id"]])
    top = create(client, key, "program", title="Top", requirement_ids=[left["id"], right["id"], course["id"]])
    assert top["credits"] == 9
    assert [r["requirements"] for r in top["requirements"][:2]] == [[course], [course]]
    assert top["requirements"][2] == course


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_a_cycle_through_any_number_of_programs_is_refused_naming_it(client: TestClient, tenants: Tenants, depth: int) -> None:
    key = tenants.a_test
    ids = _chain(client, key, depth)
    bottom = ids[depth - 1]
    response = client.put(f"{API}/programs/{bottom}", json={"program": {"requirement_ids": [ids[-1], ids[0]]}}, headers=key.token)
    path = " → ".join(str(i) for i in [bottom, *ids[:depth]])
    assert (response.status_code, response.json()) == (422, error(f"requirement_ids would create a cycle: {path}", "requirement_ids"))
    assert [r["id"] for r in get(client, key, "program", bottom)["requirements"]] == [ids[-1]]


def test_a_requirement_of_another_tenant_is_not_found(client: TestClient, tenants: Tenants) -> None:
    theirs = create(client, tenants.b_test, "course", title="Theirs")["id"]
    live = create(client, tenants.a_live, "course", title="Live")["id"]
    for foreign in (theirs, live):
        response = client.post(f"{API}/programs", json={"program": {"title": "P", "requirement_ids": [foreign]}},
                               headers=tenants.a_test.token)
        assert response.json() == error(f"requirement_ids: no program or course with id {foreign}", "requirement_ids")


def test_changing_requirements_updates_the_program(client: TestClient, tenants: Tenants, store: Store) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="C")["id"]
    program = create(client, key, "program", title="P")["id"]
    with store.write() as conn:
        conn.execute(sa.update(listings).where(listings.c.id == program).values(updated_at=datetime(2020, 1, 1, tzinfo=UTC)))
        renderings.refresh(conn, listings, [program])  # written behind the services' back
    assert get(client, key, "program", program)["updated_at"] == "2020/01/01 00:00:00 +0000"
    client.put(f"{API}/programs/{program}", json={"program": {"requirement_ids": [course]}}, headers=key.token)
    assert get(client, key, "program", program)["updated_at"] > "2020/01/01 00:00:00 +0000"


def test_deleting_a_program_releases_what_it_required(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="C")["id"]
    program = create(client, key, "program", title="P", requirement_ids=[course])["id"]
    assert client.delete(f"{API}/courses/{course}", headers=key.token).status_code == 409
    assert client.delete(f"{API}/programs/{program}", headers=key.token).status_code == 204
    assert client.delete(f"{API}/courses/{course}", headers=key.token).status_code == 204


def test_archived_requirements_stay_in_the_tree(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Old", credits=1)["id"]
    program = create(client, key, "program", title="P", requirement_ids=[course])["id"]
    client.post(f"{API}/courses/archived", json={"product_action": "archive", "product_ids": [course]}, headers=key.token)
    shown = get(client, key, "program", program)
    assert ([r["id"] for r in shown["requirements"]], shown["credits"]) == ([course], 1)


def test_trees_deeper_than_the_limit_are_refused(client: TestClient, tenants: Tenants, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tenants.a_test
    monkeypatch.setattr(tree, "MAX_DEPTH", 3)
    ids = _chain(client, key, 3)  # three levels below P0: P1, P2, the course
    above = client.post(f"{API}/programs", json={"program": {"title": "Above", "requirement_ids": [ids[0]]}}, headers=key.token)
    assert (above.status_code, above.json()["errors"][0]["field"]) == (422, "requirement_ids")
    # Deepening the bottom also deepens every tree above it; the program named is the top one.
    other = create(client, key, "program", title="Other", requirement_ids=[ids[-1]])["id"]
    deeper = client.put(f"{API}/programs/{ids[2]}", json={"program": {"requirement_ids": [other]}}, headers=key.token)
    assert deeper.json() == error(
        f"requirement_ids would make the requirement tree of program {ids[0]} 4 levels deep; at most 3 are allowed",
        "requirement_ids",
    )
    assert client.get(f"{API}/programs?query=Above", headers=key.token).json() == {"programs": []}


def test_trees_expanding_past_the_size_limit_are_refused(client: TestClient, tenants: Tenants, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tenants.a_test
    monkeypatch.setattr(tree, "MAX_LISTINGS", 6)
    course = create(client, key, "course", title="C")["id"]
    pair = create(client, key, "program", title="Pair", requirement_ids=[course])["id"]  # 2 listings
    ok = create(client, key, "program", title="Ok", requirement_ids=[pair, course])  # 1 + 2 + 1 listings
    assert ok["credits"] is None
    response = client.post(f"{API}/programs", json={"program": {"title": "Big", "requirement_ids": [pair, ok["id"]]}},
                           headers=key.token)  # 1 + 2 + 4 = 7 listings when nested
    assert response.json()["errors"][0]["message"].endswith("hold 7 listings; at most 6 are allowed")
