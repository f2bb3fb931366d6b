"""The whole learner flow through the Catalog API, on both databases: create users, enroll
them into a capped, waitlisted, sequential program, fill it, wait, drop, promotion,
complete the courses one after the other, and the program completes (and un-completes
when a completion is withdrawn)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.dialects.catalog.learners_support import enroll, enrollment_body, new_user, stamped
from tests.dialects.catalog.support import API, STAMP, create
from tests.support import TenantKey, Tenants


def _tree(client: TestClient, key: TenantKey, program_id: int, user_id: int) -> dict[int, dict[str, Any]]:
    """The user's enrollments in the program's tree (the program's own included), by listing."""
    own = client.get(f"{API}/enrollments?user_id={user_id}&listing_id={program_id}", headers=key.token).json()
    members = client.get(f"{API}/enrollments?user_id={user_id}&root_program_id={program_id}", headers=key.token).json()
    return {e["listing"]["id"]: e for e in own["enrollments"] + members["enrollments"]}


def _complete(client: TestClient, key: TenantKey, enrollment_id: int, at: str | None) -> dict[str, Any]:
    response = client.put(f"{API}/enrollments/{enrollment_id}", json={"completed_at": at}, headers=key.token)
    assert response.status_code == 200, response.text
    return response.json()["enrollment"]


def test_capped_waitlisted_sequential_program_from_enrollment_to_completion(
    client: TestClient, tenants: Tenants
) -> None:
    key = tenants.a_test
    first = create(client, key, "course", title="Foundations", canvas_course_id=101)
    second = create(client, key, "course", title="Practice", canvas_course_id=102)
    program = create(
        client,
        key,
        "program",
        title="Certificate",
        enrollment_cap=2,
        waitlist=True,
        waitlist_cap=1,
        sequential=True,
        requirement_ids=[first["id"], second["id"]],
    )
    ada, bob, cy, dee = (
        new_user(client, key, f"{name}@example.com", first_name=name.title()) for name in ("ada", "bob", "cy", "dee")
    )

    # fill it: two seats, then the waitlist's one place, then refused
    assert enroll(client, key, ada["id"], program["id"])[0] == 201
    status, bob_enrollment = enroll(client, key, bob["id"], program["id"])
    assert status == 201
    status, waiting = enroll(client, key, cy["id"], program["id"])
    assert status == 202 and waiting["applicant"]["status"] == "waitlist"
    status, refused = enroll(client, key, dee["id"], program["id"])
    assert (status, refused["errors"][0]["field"]) == (422, "listing_id")
    assert [
        p["id"] for p in client.get(f"{API}/programs?is_enrollable=false", headers=key.token).json()["programs"]
    ] == [program["id"]]

    # the program's tree: the program active, the first course open, the second pending
    tree = _tree(client, key, program["id"], ada["id"])
    root_id = tree[program["id"]]["id"]
    assert stamped(tree[program["id"]]) == enrollment_body(root_id, ada, program)
    assert stamped(tree[first["id"]]) == enrollment_body(
        tree[first["id"]]["id"], ada, first, root_program_id=program["id"]
    )
    assert stamped(tree[second["id"]]) == enrollment_body(
        tree[second["id"]]["id"], ada, second, root_program_id=program["id"], status="pending"
    )
    # the second course is not open yet
    early = client.put(
        f"{API}/enrollments/{tree[second['id']]['id']}",
        json={"completed_at": "2026-01-01T00:00:00Z"},
        headers=key.token,
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "completed_at"

    # bob drops: cy, first on the waitlist, is promoted into the program and its tree
    dropped = client.delete(f"{API}/enrollments/{bob_enrollment['enrollment']['id']}", headers=key.token)
    assert dropped.json()["enrollment"]["status"] == "dropped"
    applicant = client.get(f"{API}/applicants/{waiting['applicant']['id']}", headers=key.token).json()["applicant"]
    assert applicant["status"] == "accepted" and applicant["notified_of_opening_at"] is not None
    cy_tree = _tree(client, key, program["id"], cy["id"])
    assert {listing: e["status"] for listing, e in cy_tree.items()} == {
        program["id"]: "active",
        first["id"]: "active",
        second["id"]: "pending",
    }
    seated = client.get(f"{API}/enrollments?listing_id={program['id']}", headers=key.token).json()["enrollments"]
    assert sorted(e["user"]["id"] for e in seated) == sorted([ada["id"], cy["id"]])  # never more than the cap

    # ada completes the courses in order; the program completes with the last
    done_first = _complete(client, key, tree[first["id"]]["id"], "2026-02-01T10:00:00Z")
    assert done_first["status"] == "completed"
    tree = _tree(client, key, program["id"], ada["id"])
    assert tree[second["id"]]["status"] == "active" and tree[program["id"]]["requirements_completed_at"] is None
    _complete(client, key, tree[second["id"]]["id"], "2026-03-01T10:00:00Z")
    tree = _tree(client, key, program["id"], ada["id"])
    assert stamped(tree[program["id"]]) == enrollment_body(
        root_id, ada, program, status="completed", requirements_completed_at="2026/03/01 10:00:00 +0000"
    )

    # a withdrawn completion un-completes the program
    _complete(client, key, tree[second["id"]]["id"], None)
    tree = _tree(client, key, program["id"], ada["id"])
    assert (tree[program["id"]]["status"], tree[program["id"]]["requirements_completed_at"]) == ("active", None)
    assert tree[second["id"]]["status"] == "active" and tree[first["id"]]["status"] == "completed"
    assert tree[first["id"]]["created_at"] != STAMP
