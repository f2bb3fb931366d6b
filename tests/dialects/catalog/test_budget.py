"""One answer has a bounded cost (issue 18, finding 1): within every documented cap (25
levels, 1,000 listings per tree), a page of large trees, or one tree of long texts, could
have made an answer of hundreds of megabytes. Now an answer over the budget is refused
before any text is read, telling the client how many per page fit."""

from __future__ import annotations

import re
import tracemalloc

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.listings import service as listings
from programhub.core.listings import tree
from programhub.core.listings.tree import MAX_ANSWER_BYTES, MAX_ANSWER_LISTINGS
from programhub.core.renderings.models import renderings
from programhub.dialects.catalog import queries
from programhub.dialects.catalog.responses import PIECE_COLUMNS, STORED_PIECES, STORED_SIZE, STORED_SOURCE, TREE_COLUMNS
from programhub.store import Store
from tests.dialects.catalog.support import API, error
from tests.support import Tenants


def _shared_tree(
    store: Store, tenant, courses: int, middles: int, tops: int, description: str | None = None
) -> list[int]:  # type: ignore[no-untyped-def]
    """`tops` programs, each requiring one program that requires `middles` programs that
    all require the same `courses` courses: each top's tree nests 2 + middles * (1 + courses)
    listings, from few rows."""
    with store.write() as conn:
        course_ids = [
            listings.create(conn, tenant, "course", {"name": f"C{n}", "description": description})
            for n in range(courses)
        ]
        middle_ids = []
        for n in range(middles):
            middle_ids.append(listings.create(conn, tenant, "program", {"name": f"M{n}"}))
            listings.set_requirements(conn, tenant, middle_ids[-1], course_ids)
        shared = listings.create(conn, tenant, "program", {"name": "Shared"})
        listings.set_requirements(conn, tenant, shared, middle_ids)
        top_ids = []
        for n in range(tops):
            top_ids.append(listings.create(conn, tenant, "program", {"name": f"T{n}", "list_order": n}))
            listings.set_requirements(conn, tenant, top_ids[-1], [shared])
    return top_ids


def test_a_page_of_large_trees_is_refused_with_the_page_size_that_fits(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    me = tenants.a_test
    tops = _shared_tree(store, me.tenant, courses=100, middles=9, tops=100)
    per_tree = 2 + 9 * 101  # 911 listings nested in each top program's answer
    fits = MAX_ANSWER_LISTINGS // per_tree
    tracemalloc.start()
    try:
        refused = client.get(f"{API}/programs?per_page=100", headers=me.token)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.status_code == 422
    size = re.search(r"\((\d+\.\d) MB\)", refused.text)
    assert size is not None and float(size.group(1)) > 32, refused.text  # over both bounds
    assert refused.json() == error(
        f"this answer would hold {100 * per_tree:,} listings with their requirement trees ({size.group(1)} MB); "
        f"one answer holds at most {MAX_ANSWER_LISTINGS:,} listings and {MAX_ANSWER_BYTES // 1_048_576} MB; "
        f"ask for fewer per page: per_page={fits} fits",
        "per_page",
    )
    assert peak < 64 * 1_048_576  # nothing of the refused answer was built
    page = client.get(f"{API}/programs?per_page={fits}", headers=me.token)
    assert page.status_code == 200 and [p["id"] for p in page.json()["programs"]] == tops[:fits]
    assert client.get(f"{API}/programs/{tops[0]}", headers=me.token).status_code == 200


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "rendered on the spot"])
def test_one_tree_of_long_texts_over_the_budget_is_refused_whole(
    client: TestClient, store: Store, tenants: Tenants, stored: bool
) -> None:
    me = tenants.a_test
    (top,) = _shared_tree(store, me.tenant, courses=100, middles=9, tops=1, description="x" * 40_000)
    if not stored:  # the listings' sizes then come from renderings made for this answer
        with store.write() as conn:
            conn.execute(sa.delete(renderings).where(renderings.c.org_id == me.tenant.org_id))
    answer = client.get(f"{API}/programs/{top}", headers=me.token)
    assert answer.status_code == 422
    (problem,) = answer.json()["errors"]
    assert problem["field"] == "per_page"
    assert problem["message"].endswith("; this tree is too large to answer whole")
    assert "911 listings with their requirement trees" in problem["message"]


@pytest.mark.parametrize("per_page", [1, 20])
def test_answers_within_the_budget_are_unchanged(
    client: TestClient, store: Store, tenants: Tenants, per_page: int
) -> None:
    me = tenants.a_test
    tops = _shared_tree(store, me.tenant, courses=3, middles=2, tops=3)
    listed = client.get(f"{API}/programs?per_page={per_page}", headers=me.token).json()["programs"]
    assert [p["id"] for p in listed][: min(per_page, 3)] == tops[:per_page]
    tree = listed[0]["requirements"][0]
    assert [m["title"] for m in tree["requirements"]] == ["M0", "M1"]
    assert [c["title"] for c in tree["requirements"][0]["requirements"]] == ["C0", "C1", "C2"]


def test_a_tree_brings_its_stored_texts_only_when_they_fit_the_budget(store: Store, tenants: Tenants) -> None:
    """On PostgreSQL a tree's one statement carries its listings' stored pieces when all its
    rows' pieces fit the budget, and none of them when they do not: the database sums them
    first, so a refused answer's texts never reach the process. SQLite reads them apart."""
    me = tenants.a_test
    (small,) = _shared_tree(store, me.tenant, courses=3, middles=2, tops=1)
    (large,) = _shared_tree(store, me.tenant, courses=100, middles=9, tops=1, description="x" * 40_000)
    with store.read() as conn:
        fitting = tree.load(
            conn, me.tenant, [small], TREE_COLUMNS, source=STORED_SOURCE, texts=STORED_PIECES, texts_length=STORED_SIZE
        )
        over = tree.load(
            conn, me.tenant, [large], TREE_COLUMNS, source=STORED_SOURCE, texts=STORED_PIECES, texts_length=STORED_SIZE
        )
        stored = tree.pieces(conn, list(fitting.rows), PIECE_COLUMNS, STORED_SOURCE)
    assert len(fitting.rows) == 1 + 1 + 2 + 3
    pieces = ("body", "middle", "tail")
    for listing_id, row in fitting.rows.items():
        brought = tuple(row.get(name) for name in pieces)
        assert brought == ((None,) * 3 if store.is_sqlite else tuple(stored[listing_id][name] for name in pieces))
    assert over.rows[large]["size"] > 0  # its shape and sizes came, for the refusal
    assert all(row.get(name) is None for row in over.rows.values() for name in pieces)
    with store.read() as conn, pytest.raises(tree.TooLarge):
        queries.rendered(conn, over, [large], "https://example.test")
