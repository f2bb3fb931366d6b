"""Admit enrolls (issue 16, item 7), across faces on both databases: an admit decision in
WebAdMIT enrolls the applicant in Catalog (a user matched by email), under the learners'
rules; deny and withdraw undo what the admit made and nothing else; through completion the
learner gets a Record credential; concurrent admits act once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.core.learners.models import enrollments
from programhub.store import Store
from tests.dialects.webadmit.support import BASE
from tests.dialects.webadmit.test_admissions import World, make_world, post
from tests.support import Tenants, at_once, serve_in_thread

CATALOG = "/api/v1"
RECORD = "/api/external/issuance"


@pytest.fixture
def world(client: TestClient, store: Store, tenants: Tenants) -> World:
    made = make_world(client, store, tenants.a_test)
    post(client, f"{BASE}/{made.identity}/decisions", {"decision": {"name": "Withdrawn", "outcome": "withdraw"}},
         made.headers)
    return made


def _decide(client: TestClient, world: World, decision_id: int | None, cas_id: str = "3") -> Any:
    response = client.patch(world.applicant(cas_id) + "/designation", json={"designation": {"decision_id": decision_id}},
                            headers=world.headers)
    return response


def _decision(client: TestClient, world: World, name: str) -> int:
    listed = client.get(f"{BASE}/{world.identity}/decisions", headers=world.headers).json()["decisions"]
    return next(decision["id"] for decision in listed if decision["name"] == name)


def _catalog_enrollments(client: TestClient, world: World, email: str, status: str = "") -> list[dict[str, Any]]:
    users = client.get(f"{CATALOG}/users?per_page=100", headers=world.key.token).json()["users"]
    matching = [user for user in users if user["email_address"] == email]
    if not matching:
        return []
    (user,) = matching
    query = f"user_id={user['id']}&listing_id={world.potions}" + (f"&status={status}" if status else "")
    return client.get(f"{CATALOG}/enrollments?{query}", headers=world.key.token).json()["enrollments"]


def test_an_admit_enrolls_and_a_deny_drops(client: TestClient, world: World) -> None:
    assert _catalog_enrollments(client, world, "applicant3@example.edu") == []
    assert _decide(client, world, world.admit).status_code == 200
    (enrolled,) = _catalog_enrollments(client, world, "applicant3@example.edu")
    assert (enrolled["status"], enrolled["listing"]["id"], enrolled["user"]["email"]) == (
        "active", world.potions, "applicant3@example.edu")
    assert enrolled["user"]["name"] == "Harry Potter"
    # the same decision again acts no more; a decision with no outcome leaves the enrollment
    assert _decide(client, world, world.admit).status_code == 200
    assert _decide(client, world, None).status_code == 200
    assert [e["status"] for e in _catalog_enrollments(client, world, "applicant3@example.edu")] == ["active"]
    # admitted again after "none": the admission made that enrollment already
    assert _decide(client, world, world.admit).status_code == 200
    assert _decide(client, world, world.deny).status_code == 200
    assert _catalog_enrollments(client, world, "applicant3@example.edu") == []
    dropped = _catalog_enrollments(client, world, "applicant3@example.edu", status="dropped")
    assert [(e["id"], e["status"]) for e in dropped] == [(enrolled["id"], "dropped")]


def test_an_enrollment_the_learner_had_before_is_never_dropped(client: TestClient, world: World) -> None:
    user = client.post(f"{CATALOG}/users", json={"user": {"email_address": "APPLICANT3@example.edu"}},
                       headers=world.key.token).json()["user"]
    own = client.post(f"{CATALOG}/enrollments", json={"user_id": user["id"], "listing_id": world.potions},
                      headers=world.key.token)
    assert own.status_code == 201, own.text
    assert _decide(client, world, world.admit).status_code == 200  # matched by email, case ignored
    assert _decide(client, world, _decision(client, world, "Withdrawn")).status_code == 200
    assert [e["status"] for e in _catalog_enrollments(client, world, "APPLICANT3@example.edu")] == ["active"]


def test_a_full_program_waitlists_and_a_withdraw_takes_the_place_back(client: TestClient, world: World) -> None:
    response = client.put(f"{CATALOG}/programs/{world.potions}",
                          json={"program": {"enrollment_cap": 0, "waitlist": True}}, headers=world.key.token)
    assert response.status_code == 204, response.text
    assert _decide(client, world, world.admit).status_code == 200
    waiting = client.get(f"{CATALOG}/applicants?listing_id={world.potions}", headers=world.key.token).json()
    assert [a["status"] for a in waiting["applicants"]] == ["waitlist"]
    assert _decide(client, world, _decision(client, world, "Withdrawn")).status_code == 200
    after = client.get(f"{CATALOG}/applicants?listing_id={world.potions}", headers=world.key.token).json()
    assert [a["status"] for a in after["applicants"]] == ["declined"]


def test_a_closed_program_refuses_the_admit_and_nothing_changes(client: TestClient, world: World) -> None:
    closed = client.put(f"{CATALOG}/programs/{world.potions}", json={"program": {"enrollment_open": False}},
                        headers=world.key.token)
    assert closed.status_code == 204
    response = _decide(client, world, world.admit)
    assert (response.status_code, response.json()) == (
        409, {"errors": {"schema": [f"listing {world.potions} is not open for enrollment"]}})
    applicant = client.get(world.applicant(), headers=world.headers).json()
    assert applicant["applicant"]["decision"] is None  # the decision was not recorded either
    assert _catalog_enrollments(client, world, "applicant3@example.edu") == []


def test_an_admitted_learner_completing_gets_a_record_credential(client: TestClient, world: World) -> None:
    course = client.post(f"{CATALOG}/courses", json={"course": {"title": "Brewing"}}, headers=world.key.token)
    course_id = course.json()["course"]["id"]
    assert client.put(f"{CATALOG}/programs/{world.potions}", json={"program": {"requirement_ids": [course_id]}},
                      headers=world.key.token).status_code == 204
    certificate = {"certificate": {"listing_id": world.potions, "name": "Potions Master"}}
    assert client.post(f"{CATALOG}/certificates", json=certificate, headers=world.key.token).status_code == 201
    assert _decide(client, world, world.admit).status_code == 200
    (enrolled,) = _catalog_enrollments(client, world, "applicant3@example.edu")
    members = client.get(f"{CATALOG}/enrollments?root_program_id={world.potions}", headers=world.key.token).json()
    (member,) = members["enrollments"]
    done = client.put(f"{CATALOG}/enrollments/{member['id']}", json={"completed_at": "2026-11-01T10:00:00Z"},
                      headers=world.key.token)
    assert done.status_code == 200, done.text
    batches = client.get(f"{RECORD}/credentials", headers=world.key.bearer).json()["data"]
    assert [(batch["batchName"], batch["status"]) for batch in batches] == [("Potions Master", "issued")]
    assert enrolled["id"] != member["id"]


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    with serve_in_thread(app) as base_url:
        yield base_url


def test_concurrent_admits_enroll_once(client: TestClient, world: World, store: Store, live: str) -> None:
    path = world.applicant() + "/designation"
    responses = at_once(8, lambda i, http: http.patch(
        path, json={"designation": {"decision_id": world.admit}}, headers=world.headers), live)
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    with store.read() as conn:
        own = conn.execute(sa.select(sa.func.count()).select_from(enrollments).where(
            enrollments.c.listing_id == world.potions, enrollments.c.root_enrollment_id.is_(None))).scalar_one()
    assert own == 1


def test_a_batch_fails_only_the_admits_the_program_refuses(
    client: TestClient, store: Store, tenants: Tenants, settings: Any
) -> None:
    from programhub.app import create_app

    # the batch runs when the test says so
    app = create_app(settings.model_copy(update={"run_jobs": False}))
    with TestClient(app) as batch_client:
        world = make_world(batch_client, store, tenants.a_test)
        post(batch_client, f"{BASE}/{world.identity}/applicants", {"applicant": {
            "cas_id": "5", "email": "applicant5@example.edu", "first_name": "Ron", "last_name": "Weasley",
            "program_ids": [world.potions]}}, world.headers)
        capped = batch_client.put(f"{CATALOG}/programs/{world.potions}", json={"program": {"enrollment_cap": 1}},
                                  headers=world.key.token)
        assert capped.status_code == 204
        path = f"/api/v2/user_identities/{world.identity}/programs/{world.potions}/batch_designations"
        created = post(batch_client, path, {"designations": [
            {"applicant_cas_id": "3", "decision_id": world.admit},
            {"applicant_cas_id": "5", "decision_id": world.admit}]}, world.headers)
        app.state.jobs.run_pending()
        batch = batch_client.get(f"{path}/{created['batch']['id']}", headers=world.headers).json()["batch"]
        assert batch["status"] == "Success With Errors"
        assert [row["errors"] for row in batch["results"]] == [
            None, {"update_error": f"listing {world.potions} is full (1 enrolled)"}]
        assert batch_client.get(world.applicant("5"), headers=world.headers).json()["applicant"]["decision"] is None
        assert [e["status"] for e in _catalog_enrollments(batch_client, world, "applicant3@example.edu")] == ["active"]
