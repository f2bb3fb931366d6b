"""/list's cached answers of some users' nominations (forms B, C, E naming users) are kept
under the shared data version and those users' nomination versions (core/versions.py):
another contributor's nomination keeps them, and every change they show is seen at once,
also while writes race the reads. A stale answer is a failure here: each cached answer is
compared with the one the data path gives with the cache off, or with the write just made."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.dialects.sunbird.support import BASE, create, list_programs, post
from tests.support import TenantKey, Tenants, at_once, cache_off, count_queries, serve_in_thread

FUTURE = "2099-01-01T00:00:00.000Z"
FORM_E = {"nomination": {"user_id": {"eq": "u-1"}}}
FORM_C = {"nomination": {"user_id": {"eq": "u-1"}, "organisation_id": {"eq": "O1"}, "status": ["Approved", "Pending"],
                         "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}}
THEIRS = {"nomination": {"user_id": {"eq": "u-2"}}}


def _nominate(client: TestClient, me: TenantKey, program_id: str, organisation: str, user: str, **fields: Any) -> None:
    request = {"program_id": program_id, "organisation_id": organisation, "user_id": user, "status": "Approved",
               "rolemapping": {"REVIEWER": [user]}, **fields}
    assert post(client, "/nomination/add", request, me).status_code == 200


def _update(client: TestClient, me: TenantKey, program_id: str, organisation: str, **changes: Any) -> None:
    request = {"program_id": program_id, "organisation_id": organisation, **changes}
    assert post(client, "/nomination/update", request, me).status_code == 200


@contextmanager
def _checkouts(store: Any) -> Iterator[list[object]]:
    """The connections requests take from the store's pools inside the block."""
    taken: list[object] = []

    def note(_dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        taken.append(_record)

    for engine in store.engines:
        sa.event.listen(engine, "checkout", note)
    try:
        yield taken
    finally:
        for engine in store.engines:
            sa.event.remove(engine, "checkout", note)


def _fresh(client: TestClient, me: TenantKey, filters: dict[str, Any]) -> dict[str, Any]:
    """The answer through the cache, asserted equal to the data path's."""
    cached = list_programs(client, me, filters)
    with cache_off(client.app):  # type: ignore[attr-defined]
        assert cached == list_programs(client, me, filters), filters
    return cached


def test_another_contributors_nomination_keeps_an_answer_and_every_change_it_shows_is_seen(
    client: TestClient, store: Any, tenants: Tenants
) -> None:
    me = tenants.a_test
    mine, other, theirs = (create(client, me, name=name, nomination_enddate=FUTURE) for name in ("Mine", "Other", "Theirs"))
    _nominate(client, me, mine, "O1", "u-1")
    _nominate(client, me, theirs, "O2", "u-2")
    for filters in (FORM_E, FORM_C, THEIRS):
        _fresh(client, me, filters)

    _update(client, me, theirs, "O2", status="Pending")  # u-2's nomination
    for filters in (FORM_E, FORM_C):
        before = list_programs(client, me, filters)
        with count_queries(store) as statements, _checkouts(store) as checkouts:
            assert list_programs(client, me, filters) == before
        # the key lookup, which also reads u-1's nomination version: no page read, no
        # connection checked out (`Store.lookups_on_this_loop`: on PostgreSQL the loop's own
        # connection, on a SQLite file one the event loop holds)
        assert len(statements) == 1 and len(checkouts) == 0, statements
    assert [item["status"] for item in _fresh(client, me, THEIRS)["programs"]] == ["Pending"]

    _update(client, me, mine, "O1", status="Rejected")  # u-1's own
    assert [item["status"] for item in _fresh(client, me, FORM_E)["programs"]] == ["Rejected"]
    assert _fresh(client, me, FORM_C)["programs"] == []
    _update(client, me, mine, "O1", status="Approved", rolemapping={"CONTRIBUTOR": ["u-1"]})
    assert len(_fresh(client, me, FORM_C)["programs"]) == 1
    _update(client, me, mine, "O1", rolemapping={"CONTRIBUTOR": ["someone else"]})  # u-1 holds no role now
    assert _fresh(client, me, FORM_C)["programs"] == []

    # u-1 reviews u-3's nomination: its changes are u-1's too
    _nominate(client, me, theirs, "O1", "u-3", rolemapping={"REVIEWER": ["u-1"]})
    assert [item["status"] for item in _fresh(client, me, FORM_C)["programs"]] == ["Approved"]
    _update(client, me, theirs, "O1", status="Pending")
    assert [item["status"] for item in _fresh(client, me, FORM_C)["programs"]] == ["Pending"]
    _update(client, me, theirs, "O1", rolemapping={"REVIEWER": ["u-3"]})
    assert _fresh(client, me, FORM_C)["programs"] == []

    assert post(client, "/update", {"program_id": mine, "name": "Renamed"}, me).status_code == 200  # shared data
    assert [item["program"]["name"] for item in _fresh(client, me, FORM_E)["programs"]] == ["Renamed"]
    _nominate(client, me, other, "O1", "u-1")
    assert len(_fresh(client, me, FORM_E)["programs"]) == 2
    assert post(client, "/nomination/remove", {"program_id": mine, "organisation_id": "O1"}, me).status_code == 200
    assert [item["program"]["name"] for item in _fresh(client, me, FORM_E)["programs"]] == ["Other"]
    assert post(client, "/delete", {"program_id": other}, me).status_code == 200
    assert _fresh(client, me, FORM_E)["programs"] == []
    # another tenant's user of the same id is someone else
    elsewhere = tenants.b_test
    _nominate(client, elsewhere, create(client, elsewhere, name="Elsewhere", nomination_enddate=FUTURE), "O1", "u-1")
    assert _fresh(client, me, FORM_E)["programs"] == []
    assert len(_fresh(client, elsewhere, FORM_E)["programs"]) == 1


def test_answers_read_while_a_users_nominations_change_are_never_kept_stale(
    app: FastAPI, client: TestClient, tenants: Tenants
) -> None:
    """Twelve threads: half change u-1's nominations, half read u-1's lists through the
    cache, all at once. Each writer reads u-1's list right after each of its writes and
    finds what it wrote (nobody else writes that nomination); the answers after the
    writes are the data's."""
    me = tenants.a_test
    programs = [create(client, me, name=f"P{n}", nomination_enddate=FUTURE) for n in range(6)]
    for n, program_id in enumerate(programs):
        _nominate(client, me, program_id, f"O{n}", "u-1")
        _nominate(client, me, program_id, f"X{n}", "u-2")
    statuses = ("Pending", "Rejected", "Approved")

    def send(index: int, http: httpx2.Client) -> httpx2.Response:
        if index % 2 == 0:  # three rounds of writes to u-1's nominations, and u-2's between them
            mine = f"O{index // 2}"
            for round_number in range(3):
                status = statuses[(index + round_number) % 3]
                for organisation in (mine, f"X{index // 2}"):
                    body = {"request": {"program_id": programs[index // 2], "organisation_id": organisation,
                                        "status": status}}
                    response = http.post(f"{BASE}/nomination/update", json=body, headers=me.bearer)
                    assert response.status_code == 200, response.text
                response = http.post(f"{BASE}/list", json={"request": {"filters": FORM_E}}, headers=me.bearer)
                shown = {item["organisation_id"]: item["status"] for item in response.json()["result"]["programs"]}
                assert shown[mine] == status, (mine, status, shown)  # read after my write: never older
            return response
        for _ in range(6):
            for filters in (FORM_E, FORM_C):
                response = http.post(f"{BASE}/list", json={"request": {"filters": filters}}, headers=me.bearer)
                assert response.status_code == 200, response.text
        return response

    with serve_in_thread(app) as base:
        at_once(12, send, base)
    for filters in (FORM_E, FORM_C, THEIRS):
        _fresh(client, me, filters)


def test_a_list_request_solves_one_dependency() -> None:
    """`/list` reads its body and authenticates in one dependency (`authenticated_list`):
    FastAPI solves each dependency at a cost, and most of the route's answers are hits,
    where solving five was a third of the CPU."""
    from programhub.dialects.sunbird.routes import lists

    (route,) = (route for route in lists.router.routes if getattr(route, "path", "").endswith("/list"))
    dependant = route.dependant  # type: ignore[attr-defined]
    assert [dependency.call for dependency in dependant.dependencies] == [lists.authenticated_list]
    assert dependant.dependencies[0].dependencies == []
