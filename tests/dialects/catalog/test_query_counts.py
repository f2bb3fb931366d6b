"""A list page and a program tree each cost a constant number of SQL queries, whatever the
page size and the depth of the trees."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.listings import service as listings
from programhub.core.renderings.models import renderings
from programhub.store import Store
from tests.dialects.catalog.support import API
from tests.support import TenantKey, Tenants, cache_off, count_queries


def _chains(store: Store, key: TenantKey, depths: list[int]) -> list[int]:
    """One requirement chain per depth (each level also requires a course); returns the roots."""
    roots = []
    with store.write() as conn:
        for chain, depth in enumerate(depths):
            below: int | None = None
            for level in reversed(range(depth)):
                course = listings.create(conn, key.tenant, "course", {"name": f"C{chain}.{level}", "credits": 1})
                program = listings.create(conn, key.tenant, "program", {"name": f"P{chain}.{level}"})
                listings.set_requirements(conn, key.tenant, program, [course] if below is None else [below, course])
                below = program
            assert below is not None
            roots.append(below)
    return roots


def _counted(client: TestClient, store: Store, key: TenantKey, path: str) -> tuple[list[str], dict]:  # type: ignore[type-arg]
    client.get(path, headers=key.token)  # the key's last_used_at is written at most once a minute: not in the count
    with cache_off(client.app), count_queries(store) as statements:  # the data path, not the response cache
        response = client.get(path, headers=key.token)
    assert response.status_code == 200, response.text
    with count_queries(store) as cached:  # answered again (cached above) it costs the key lookup only
        assert client.get(path, headers=key.token).content == response.content
    assert len(cached) == 1
    return statements, response.json()


def test_a_list_page_costs_the_same_whatever_its_size(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_test
    roots = _chains(store, key, [5, 5, 5, 1])
    small, one = _counted(client, store, key, f"{API}/programs?per_page=1")
    large, many = _counted(client, store, key, f"{API}/programs?per_page=100")
    courses, _ = _counted(client, store, key, f"{API}/courses?per_page=100")
    assert len(one["programs"]) == 1 and len(many["programs"]) == 16
    node = next(program for program in many["programs"] if program["id"] == roots[0])
    assert node["credits"] == 5
    depth = 0
    while node["type"] == "Program":
        node, depth = node["requirements"][0], depth + 1
    assert depth == 5
    # key, count, page's ids, the trees with their renderings (on SQLite: the trees, then their renderings)
    assert len(small) == len(large) == len(courses) == (5 if store.is_sqlite else 4)


def test_a_tree_costs_the_same_whatever_its_depth(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_test
    deep, shallow = _chains(store, key, [5, 1])
    deep_statements, deep_body = _counted(client, store, key, f"{API}/programs/{deep}")
    shallow_statements, shallow_body = _counted(client, store, key, f"{API}/programs/{shallow}")
    assert (deep_body["program"]["credits"], shallow_body["program"]["credits"]) == (5, 1)
    # key, the tree with its renderings (on SQLite: the tree, then its renderings)
    assert len(deep_statements) == len(shallow_statements) == (3 if store.is_sqlite else 2)


def test_listings_without_a_stored_rendering_are_rendered_on_the_spot(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    """The tree's statements read stored renderings alone; a listing that has none (a
    refresh forgotten, a backfill under way) costs one more statement, never a wrong answer."""
    key = tenants.a_test
    (root,) = _chains(store, key, [3])
    paths = [f"{API}/programs/{root}", f"{API}/programs?per_page=100", f"{API}/courses?per_page=100"]
    stored = {path: _counted(client, store, key, path) for path in paths}
    with store.write() as conn:
        below = (
            conn.execute(
                sa.select(renderings.c.source_id).where(
                    renderings.c.face == "catalog.listing", renderings.c.source_id != root
                )
            )
            .scalars()
            .all()
        )
        conn.execute(sa.delete(renderings).where(renderings.c.source_id.in_([root, below[0], below[-1]])))
    with cache_off(client.app):
        for path in paths:
            with count_queries(store) as statements:
                response = client.get(path, headers=key.token)
            assert response.json() == stored[path][1]
            assert len(statements) == len(stored[path][0]) + 1


def test_a_pages_statements_stay_short_enough_for_the_driver_to_parse_once(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    """psycopg parses a statement longer than MAX_CACHED_STATEMENT_LENGTH again on every
    execution (its regular expressions over the whole text): the tree statement that also
    carries the renderings must stay under it."""
    if store.is_sqlite:
        pytest.skip("psycopg's limit")
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    key = tenants.a_test
    (root,) = _chains(store, key, [3])
    for path in (f"{API}/programs?per_page=100", f"{API}/programs/{root}"):
        statements, _body = _counted(client, store, key, path)
        assert any("OVER ()" in statement for statement in statements)  # the tree with its renderings
        assert max(len(statement) for statement in statements) <= MAX_CACHED_STATEMENT_LENGTH
