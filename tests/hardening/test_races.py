"""Races: truly concurrent requests (threads, each with its own connection, released
together) against a live server, on SQLite and on PostgreSQL. Exactly one wins, the
others get the dialect's documented error, and the data stays consistent.

- Catalog: one `listing_path` taken by several requests at once (creates, and updates of
  existing listings); one title without a path (generated paths must not collide);
  requirement edits that together would form a cycle (A requires B and B requires A, and a
  three-program ring).
- Sunbird: one nomination added by several requests at once (an organisation's, and an
  individual's).
- Record: Idempotency-Key retries arriving together are tested in
  tests/dialects/record/test_idempotency.py (same request: issued once; different
  requests, for batches and for programmes: one 201, the rest 409 IDEMPOTENCY_CONFLICT),
  over the same kind of live server on both databases; crash-interrupted retries are in
  test_crash_safety.py.

The listing_path and nomination races run a second time with the check before the insert
switched off, so that the unique index alone must give the same answer, however the
requests interleave. The ring test asserts behaviour, not the mechanism that serialises a
tenant's graph edits (an advisory lock once, a row lock now): with that switched off, a
ring forms and the test fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings, requirements
from programhub.core.nominations import service as nominations_service
from programhub.core.nominations.models import nomination_roles, nominations
from programhub.store import Store
from tests.dialects.catalog.support import API, error
from tests.dialects.sunbird.support import failure
from tests.support import TenantKey, Tenants, at_once, serve_in_thread

RACERS = 6
SUNBIRD = "/program/v1"


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    with serve_in_thread(app) as base_url:
        yield base_url


def _create(http: httpx2.Client, key: TenantKey, kind: str, **fields: Any) -> int:
    response = http.post(f"{API}/{kind}s", json={kind: fields}, headers=key.token)
    assert response.status_code == 201, response.text
    return int(response.json()[kind]["id"])


def _paths(store: Store, key: TenantKey, title: str) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(
            sa.select(listings.c.listing_path).where(
                listings.c.org_id == key.tenant.org_id, listings.c.mode == key.tenant.mode.value,
                listings.c.name == title, listings.c.deleted_at.is_(None))
        ).scalars())


# --- Catalog: one listing_path -----------------------------------------------------------


@pytest.mark.parametrize("check", ["on", "off"])
def test_one_listing_path_created_at_once_is_created_once(
    live: str, store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    if check == "off":  # every request passes the check: only the unique index stands
        monkeypatch.setattr(listings_service, "_ensure_path_free", lambda *_args, **_kwargs: None)
    key = tenants.a_test
    for round_ in range(3):
        path = f"data-science-{round_}"
        responses = at_once(RACERS, lambda i, http: http.post(
            f"{API}/programs", json={"program": {"title": f"Racer {round_}.{i}", "path": path}}, headers=key.token), live)
        won = [r for r in responses if r.status_code == 201]
        lost = [r for r in responses if r.status_code != 201]
        assert len(won) == 1, [r.text for r in responses]
        assert won[0].json()["program"]["listing_path"] == path
        for response in lost:
            assert (response.status_code, response.json()) == (
                422, error(f"path '{path}' is already taken in this catalog", "path"))
        with store.read() as conn:
            holders = conn.execute(sa.select(listings.c.id, listings.c.name).where(listings.c.listing_path == path)).all()
        assert [tuple(h) for h in holders] == [(won[0].json()["program"]["id"], won[0].json()["program"]["title"])]
    # the other tenant's catalog is another namespace: its path is free however A raced
    with httpx2.Client(base_url=live) as http:
        _create(http, tenants.b_test, "program", title="B's", path="data-science-0")


@pytest.mark.parametrize("check", ["on", "off"])
def test_one_listing_path_taken_by_several_updates_at_once_is_taken_once(
    live: str, store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    if check == "off":
        monkeypatch.setattr(listings_service, "_ensure_path_free", lambda *_args, **_kwargs: None)
    key = tenants.a_test
    with httpx2.Client(base_url=live) as http:
        ids = [_create(http, key, "course", title=f"Course {i}") for i in range(RACERS)]
    responses = at_once(RACERS, lambda i, http: http.put(
        f"{API}/courses/{ids[i]}", json={"course": {"path": "statistics"}}, headers=key.token), live)
    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [204] + [422] * (RACERS - 1), statuses
    for response in responses:
        if response.status_code == 422:
            assert response.json() == error("path 'statistics' is already taken in this catalog", "path")
    with store.read() as conn:
        holders = conn.execute(sa.select(listings.c.id).where(listings.c.listing_path == "statistics")).scalars().all()
    assert holders == [ids[statuses.index(204)]]


def test_one_title_created_at_once_gets_distinct_generated_paths(live: str, store: Store, tenants: Tenants) -> None:
    key = tenants.a_test
    responses = at_once(RACERS, lambda _i, http: http.post(
        f"{API}/courses", json={"course": {"title": "Intro to Statistics"}}, headers=key.token), live)
    assert [r.status_code for r in responses] == [201] * RACERS, [r.text for r in responses]
    shown = sorted(r.json()["course"]["listing_path"] for r in responses)
    assert len(set(shown)) == RACERS and all(p.startswith("intro-to-statistics") for p in shown)
    assert sorted(_paths(store, key, "Intro to Statistics")) == shown


# --- Catalog: requirement edits that together would form a cycle ----------------------------


def _edges(store: Store, key: TenantKey) -> dict[int, list[int]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(requirements.c.program_id, requirements.c.requirement_id)
            .where(requirements.c.org_id == key.tenant.org_id, requirements.c.mode == key.tenant.mode.value)
            .order_by(requirements.c.program_id, requirements.c.position)
        ).all()
    graph: dict[int, list[int]] = {}
    for parent, child in rows:
        graph.setdefault(parent, []).append(child)
    return graph


def _cycle(graph: dict[int, list[int]]) -> list[int] | None:
    """A cycle of the requirement graph, if it has one."""
    state: dict[int, str] = {}

    def visit(node: int, trail: list[int]) -> list[int] | None:
        state[node] = "open"
        for child in graph.get(node, ()):
            if state.get(child) == "open":
                return [*trail, node, child]
            if child not in state and (found := visit(child, [*trail, node])):
                return found
        state[node] = "done"
        return None

    for start in list(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


@pytest.mark.parametrize("ring", [2, 3])
def test_requirement_edits_that_together_close_a_ring_leave_it_open(
    live: str, store: Store, tenants: Tenants, ring: int
) -> None:
    """Each of `ring` programs is made to require the next, all at once: every edit alone
    is fine, together they close a ring. The one that would close it must be refused."""
    key = tenants.a_test
    with httpx2.Client(base_url=live) as http:
        for _round in range(4):
            ids = [_create(http, key, "program", title=f"Ring {_round}.{n}") for n in range(ring)]
            responses = at_once(ring, lambda i, http: http.put(
                f"{API}/programs/{ids[i]}", json={"program": {"requirement_ids": [ids[(i + 1) % ring]]}},
                headers=key.token), live)
            statuses = [r.status_code for r in responses]
            assert sorted(statuses) == [204] * (ring - 1) + [422], statuses
            [refused] = [i for i, r in enumerate(responses) if r.status_code == 422]
            # the refused edit names the ring it would have closed, through the others
            ring_path = [ids[(refused + step) % ring] for step in range(ring + 1)]
            expected = "requirement_ids would create a cycle: " + " → ".join(str(i) for i in ring_path)
            assert responses[refused].json() == error(expected, "requirement_ids")
            graph = _edges(store, key)
            assert _cycle(graph) is None, graph
            assert {p: graph.get(p) for p in ids} == {
                ids[i]: (None if i == refused else [ids[(i + 1) % ring]]) for i in range(ring)}
            # what the API shows agrees: each accepted edit is there, the refused one is not
            for i, program_id in enumerate(ids):
                shown = http.get(f"{API}/programs/{program_id}", headers=key.token).json()["program"]["requirements"]
                assert [r["id"] for r in shown] == ([] if i == refused else [ids[(i + 1) % ring]])


# --- Sunbird: one nomination --------------------------------------------------------------


def _sunbird_program(http: httpx2.Client, key: TenantKey) -> str:
    response = http.post(f"{SUNBIRD}/create", json={"request": {"name": "Science 6", "type": "public"}}, headers=key.bearer)
    assert response.status_code == 200, response.text
    return str(response.json()["result"]["program_id"])


@pytest.mark.parametrize("check", ["on", "off"])
@pytest.mark.parametrize("nominee", ["organisation", "individual"])
def test_one_nomination_added_at_once_is_added_once(
    live: str, store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch, nominee: str, check: str
) -> None:
    if check == "off":  # every request passes the check: only the unique index stands
        monkeypatch.setattr(nominations_service, "matching_ids", lambda *_args, **_kwargs: [])
    key = tenants.a_test
    with httpx2.Client(base_url=live) as http:
        program_id = _sunbird_program(http, key)
    who = {"organisation_id": "org-7", "user_id": "u-{i}"} if nominee == "organisation" else {"user_id": "u-7"}

    def add(i: int, http: httpx2.Client) -> httpx2.Response:
        fields = {name: value.format(i=i) for name, value in who.items()}
        request = {"program_id": program_id, "status": "Pending", **fields,
                   "rolemapping": {"REVIEWER": [f"r-{i}-a", f"r-{i}-b"], "CONTRIBUTOR": [f"c-{i}"]}}
        return http.post(f"{SUNBIRD}/nomination/add", json={"request": request, "params": {"msgid": f"m-{i}"}},
                         headers=key.bearer)

    responses = at_once(RACERS, add, live)
    won = [i for i, r in enumerate(responses) if r.status_code == 200]
    assert len(won) == 1, [r.text for r in responses]
    message = "organisation org-7 has already nominated to this program" if nominee == "organisation" else (
        "user u-7 has already nominated to this program")
    for i, response in enumerate(responses):
        if i not in won:
            failure(response, 409, "api.nomination.add", "ERR_NOMINATION_EXISTS", message, msgid=f"m-{i}")
    winner = won[0]
    with store.read() as conn:
        rows = conn.execute(sa.select(nominations.c.id, nominations.c.user_id, nominations.c.rolemapping)).all()
        roles = conn.execute(sa.select(nomination_roles.c.nomination_id, nomination_roles.c.role, nomination_roles.c.user_id)).all()
    [(nomination_id, user_id, rolemapping)] = rows
    assert nomination_id == responses[winner].json()["result"]["id"]
    assert user_id == who["user_id"].format(i=winner)
    assert rolemapping == {"REVIEWER": [f"r-{winner}-a", f"r-{winner}-b"], "CONTRIBUTOR": [f"c-{winner}"]}
    assert sorted((r.role, r.user_id) for r in roles) == sorted(
        [("REVIEWER", f"r-{winner}-a"), ("REVIEWER", f"r-{winner}-b"), ("CONTRIBUTOR", f"c-{winner}")])
    assert {r.nomination_id for r in roles} == {nomination_id}
