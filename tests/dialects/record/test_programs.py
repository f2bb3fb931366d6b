"""GET /programs, GET /programs/{programId} and the POST /programs extension."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from programhub.core.listings.models import listings
from programhub.core.renderings import service as renderings
from programhub.store import Store
from tests.dialects.record.support import (
    BASE,
    check_id,
    check_timestamp,
    count_rows,
    delete,
    error,
    make_program,
    retire,
)
from tests.support import TenantKey, Tenants, count_queries


def _millis(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def expected_program(store: Store, owner: TenantKey, public_id: str) -> dict[str, Any]:
    """The wire form of a stored programme, built from its row independently of the code."""
    with store.read() as conn:
        row = conn.execute(select(listings).where(listings.c.public_id == public_id)).one()
    return {
        "programId": public_id,
        "name": row.name,
        "description": row.description or "",
        "orgId": owner.org,
        "mode": owner.tenant.mode.value,
        "createdAt": _millis(row.created_at),
        "updatedAt": _millis(row.updated_at),
    }


def test_list_is_the_seed_envelope_newest_first(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    mongodb = make_program(store, me, "MongoDB", "MongoDB Program")
    cyber = make_program(store, me, "Cyber Security", "Cyber Security Program")
    response = client.get(f"{BASE}/programs", headers=me.bearer)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {
        "success": True,
        "message": "Programs fetched successfully",
        "data": [expected_program(store, me, cyber), expected_program(store, me, mongodb)],
    }
    for program in body["data"]:
        check_id(program["programId"], "prog")
        check_id(program["orgId"], "org")
        check_timestamp(program["createdAt"])
        check_timestamp(program["updatedAt"])
    assert client.get(f"{BASE}/programs", headers=me.x_api_key).json() == body


def test_the_list_cuts_sub_millisecond_digits_as_a_read_does(client: TestClient, store: Store, tenants: Tenants) -> None:
    """The list is rendered by the database, a read by Python; both cut .999999 to .999
    (SQLite's `%f` alone rounded it up to the next second)."""
    me = tenants.a_test
    program = make_program(store, me, "Edge", "Edge Program")
    with store.write() as conn:
        changed = conn.execute(listings.update().where(listings.c.public_id == program)
                               .values(created_at=datetime(2031, 5, 6, 7, 8, 9, 999_999, tzinfo=UTC))
                               .returning(listings.c.id)).scalars().all()
        renderings.refresh(conn, listings, changed)  # written behind the services' back
    listed = client.get(f"{BASE}/programs", headers=me.bearer).json()["data"]
    assert [p["createdAt"] for p in listed] == ["2031-05-06T07:08:09.999Z"]
    assert listed == [expected_program(store, me, program)]


def test_an_organisation_without_programmes_gets_an_empty_list(client: TestClient, tenants: Tenants) -> None:
    response = client.get(f"{BASE}/programs", headers=tenants.b_live.bearer)
    assert response.json() == {"success": True, "message": "Programs fetched successfully", "data": []}


def test_each_tenant_and_mode_lists_its_own_programmes_alone(client: TestClient, store: Store, tenants: Tenants) -> None:
    """The list's statement is built once and run for every tenant, bound to each."""
    for key in tenants.all():
        make_program(store, key, f"{key.org} {key.tenant.mode.value}")
    for _round in range(2):
        for key in tenants.all():
            listed = client.get(f"{BASE}/programs", headers=key.bearer).json()["data"]
            assert [program["name"] for program in listed] == [f"{key.org} {key.tenant.mode.value}"]


def test_programmes_of_every_dialect_appear_but_not_courses_retired_or_deleted(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    me = tenants.a_live
    catalog = make_program(store, me, "Program 21", "description_21", listing_path="program-path-21", tag_names=["Tag"])
    sunbird = make_program(store, me, "GG", status="draft", program_type="public", content_types=["PracticeQuestionSet"])
    webadmit = make_program(store, me, "Potions")
    course = make_program(store, me, "Course 24", "description_24", kind="course")
    retired = make_program(store, me, "Old Programme", "Retired")
    deleted = make_program(store, me, "Gone Programme", "Deleted")
    retire(store, me, retired)
    delete(store, me, deleted)

    listed = client.get(f"{BASE}/programs", headers=me.bearer).json()["data"]
    assert listed == [expected_program(store, me, pid) for pid in (webadmit, sunbird, catalog)]
    assert listed[0]["description"] == ""  # a programme created without one

    for readable in (catalog, sunbird, webadmit, retired):
        response = client.get(f"{BASE}/programs/{readable}", headers=me.bearer)
        assert response.json() == {
            "success": True,
            "message": "Program fetched successfully",
            "data": expected_program(store, me, readable),
        }
    for hidden, kind in ((course, "course"), (deleted, "prog")):
        check_id(hidden, kind)
        response = client.get(f"{BASE}/programs/{hidden}", headers=me.bearer)
        assert response.status_code == 404
        assert response.json() == error("NOT_FOUND", f"Program {hidden} not found.")


UNKNOWN_IDS = [
        ("prog_1779175802952_zlymqs", "prog_1779175802952_zlymqs"),
        ("nope", "nope"),
        ("x" * 300, "x" * 63 + "…"),  # echoed cut short
        ("%00", "\\x00"),  # control characters escaped
        ("prog_1%27%20OR%201=1", "prog_1' OR 1=1"),
    ]


def test_unknown_programme_is_not_found(client: TestClient, tenants: Tenants) -> None:
    for path_id, echoed in UNKNOWN_IDS:
        response = client.get(f"{BASE}/programs/{path_id}", headers=tenants.a_test.bearer)
        assert (response.status_code, response.json()) == (404, error("NOT_FOUND", f"Program {echoed} not found."))


def test_listing_costs_the_same_queries_for_one_programme_or_many(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    client.get(f"{BASE}/programs", headers=me.bearer)  # records last_used_at once
    make_program(store, me, "First")
    with count_queries(store) as one:
        assert len(client.get(f"{BASE}/programs", headers=me.bearer).json()["data"]) == 1
    for n in range(6):
        make_program(store, me, f"More {n}")
    with count_queries(store) as many:
        assert len(client.get(f"{BASE}/programs", headers=me.bearer).json()["data"]) == 7
    with count_queries(store) as again:
        assert len(client.get(f"{BASE}/programs", headers=me.bearer).json()["data"]) == 7
    assert len(one) == len(many) == 2  # authenticate, list (every write makes the next list a cache miss)
    assert len(again) == 1  # authenticate; the answer comes from the response cache


# --- POST /programs (extension) ----------------------------------------------------------


def test_create_programme(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.b_test
    response = client.post(
        f"{BASE}/programs", json={"name": "Data Science", "description": "Data Science Program", "extra": 1}, headers=me.bearer
    )
    assert response.status_code == 201
    body = response.json()
    program_id = check_id(body["data"]["programId"], "prog")
    assert body == {"success": True, "message": "Program created successfully", "data": expected_program(store, me, program_id)}
    assert body["data"]["createdAt"] == body["data"]["updatedAt"]
    assert body["data"]["name"] == "Data Science" and body["data"]["description"] == "Data Science Program"
    assert client.get(f"{BASE}/programs", headers=me.bearer).json()["data"] == [body["data"]]
    assert client.get(f"{BASE}/programs/{program_id}", headers=me.bearer).json()["data"] == body["data"]
    with store.read() as conn:
        row = conn.execute(select(listings.c.kind, listings.c.status).where(listings.c.public_id == program_id)).one()
    assert tuple(row) == ("program", "live")


@pytest.mark.parametrize("description", [None, "absent"])
def test_description_is_optional(client: TestClient, tenants: Tenants, description: str | None) -> None:
    body: dict[str, Any] = {"name": "Short"} if description == "absent" else {"name": "Short", "description": None}
    response = client.post(f"{BASE}/programs", json=body, headers=tenants.a_test.bearer)
    assert response.status_code == 201
    assert response.json()["data"]["description"] == ""


BAD_PROGRAMMES = [
        (b"", "The request body is empty; send a JSON object."),
        (b"{", "The request body is not valid JSON."),
        (b'["name"]', "The request body must be a JSON object."),
        (b"{}", "name is required."),
        (b'{"name": null}', "name is required."),
        (b'{"name": 7}', "name must be a string."),
        (b'{"name": "   "}', "name must not be blank."),
        (b'{"name": "a\\u0000b"}', "name must not contain NUL characters."),
        (b'{"name": "a\\ud800"}', "The request body is not valid JSON."),
        (b'{"name": "ok", "description": ["x"]}', "description must be a string."),
        (b'{"name": "' + b"n" * 2001 + b'"}', "name must be at most 2000 characters."),
    ]


def test_create_programme_refuses_bad_bodies(client: TestClient, store: Store, tenants: Tenants) -> None:
    headers = {**tenants.a_test.bearer, "Content-Type": "application/json"}
    for content, message in BAD_PROGRAMMES:
        response = client.post(f"{BASE}/programs", content=content, headers=headers)
        assert (response.status_code, response.json()) == (400, error("VALIDATION_ERROR", message)), content[:30]
    assert count_rows(store, listings) == 0


def test_create_programme_is_idempotent_with_a_key(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    headers = {**me.bearer, "Idempotency-Key": "create-programme-1"}
    first = client.post(f"{BASE}/programs", json={"name": "Rust", "description": "Rust Program"}, headers=headers)
    again = client.post(f"{BASE}/programs", json={"description": "Rust Program", "name": "Rust"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    other = client.post(f"{BASE}/programs", json={"name": "Go"}, headers=headers)
    assert other.status_code == 409
    assert other.json() == error(
        "IDEMPOTENCY_CONFLICT",
        "This Idempotency-Key was already used with a different request; use a new key for a new request.",
    )
    assert [p["name"] for p in client.get(f"{BASE}/programs", headers=me.bearer).json()["data"]] == ["Rust"]
