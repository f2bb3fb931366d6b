"""/bulk_enrollments and /progresses: JSON and CSV rows enrolled in the background, per-row
errors, one running per catalog (409 naming it), 413 over the body limit, isolation."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from programhub.core.jobs.runner import JobRunner
from programhub.store import Store
from tests.dialects.catalog.learners_support import stamped
from tests.dialects.catalog.support import API, STAMP, create, default_catalog, error, new_catalog
from tests.support import TenantKey, Tenants, count_queries


def _finished(client: TestClient, key: TenantKey, bulk_id: int) -> dict[str, Any]:
    """The bulk enrollment once its job has finished (the app's job runner runs it)."""
    for _ in range(200):
        shown = client.get(f"{API}/bulk_enrollments/{bulk_id}", headers=key.token).json()["bulk_enrollment"]
        if shown["workflow_state"] in ("completed", "failed"):
            return shown
        time.sleep(0.05)
    raise AssertionError(f"bulk enrollment {bulk_id} did not finish")


def _bulk_body(bulk_id: int, catalog: int, total: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": bulk_id,
        "account_id": catalog,
        "workflow_state": "queued",
        "progress_id": bulk_id,
        "total_rows": total,
        "processed_rows": 0,
        "enrolled_count": 0,
        "waitlisted_count": 0,
        "failed_count": 0,
        "row_errors": [],
        "created_at": STAMP,
        "updated_at": STAMP,
        "completed_at": None,
    }
    return {**body, **changes}


def test_json_rows_are_enrolled_in_the_background(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    catalog = default_catalog(client, key)["id"]
    course = create(client, key, "course", title="Bulk", enrollment_cap=2, waitlist=True)
    rows = [{"email_address": f"b{n}@example.com", "first_name": f"B{n}", "listing_id": course["id"]} for n in range(3)]
    rows.append({"email_address": "b0@example.com", "listing_id": course["id"]})  # the same person again
    response = client.post(f"{API}/bulk_enrollments", json={"bulk_enrollment": {"rows": rows}}, headers=key.token)
    assert response.status_code == 201, response.text
    bulk_id = response.json()["bulk_enrollment"]["id"]
    assert stamped(response.json()) == {"bulk_enrollment": _bulk_body(bulk_id, catalog, 4)}
    done = _finished(client, key, bulk_id)
    first_user = client.get(f"{API}/users", headers=key.token).json()["users"][0]["id"]
    assert stamped(done) == _bulk_body(
        bulk_id,
        catalog,
        4,
        workflow_state="completed",
        processed_rows=4,
        enrolled_count=2,
        waitlisted_count=1,
        failed_count=1,
        row_errors=[{"row": 4, "message": f"user {first_user} is already enrolled in listing {course['id']}"}],
        completed_at=STAMP,
    )
    progress = client.get(f"{API}/progresses/{bulk_id}", headers=key.token).json()
    assert stamped(progress) == {
        "progress": {
            "id": bulk_id,
            "context_id": bulk_id,
            "context_type": "BulkEnrollment",
            "tag": "bulk_enrollment",
            "completion_percent": 100,
            "workflow_state": "completed",
            "message": None,
            "payload": {"enrolled": 2, "waitlisted": 1, "failed": 1},
            "created_at": STAMP,
            "updated_at": STAMP,
        }
    }
    enrolled = client.get(f"{API}/enrollments?listing_id={course['id']}", headers=key.token).json()["enrollments"]
    assert [e["user"]["email"] for e in enrolled] == ["b0@example.com", "b1@example.com"]
    assert [e["user"]["name"] for e in enrolled] == ["B0", "B1"]
    listed = client.get(f"{API}/bulk_enrollments", headers=key.token).json()
    assert [b["id"] for b in listed["bulk_enrollments"]] == [bulk_id]


def test_a_csv_file_with_its_catalog(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    other = new_catalog(client, key, "Sub")["id"]
    course = create(client, key, "course", title="CSV")
    csv = f"Email,First Name,Last Name,listing_id\r\nc1@example.com,Cy,One,{course['id']}\r\n\r\nnot-an-email,,,{course['id']}\r\n"
    response = client.post(
        f"{API}/bulk_enrollments?account_id={other}",
        content=csv.encode(),
        headers={**key.token, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    done = _finished(client, key, response.json()["bulk_enrollment"]["id"])
    assert (done["account_id"], done["enrolled_count"], done["failed_count"]) == (other, 1, 1)
    assert done["row_errors"][0]["row"] == 2
    user = client.get(f"{API}/users", headers=key.token).json()["users"][0]
    assert (user["user_name"], user["registered_account_id"]) == ("Cy One", other)
    csv_headers = {**key.token, "Content-Type": "text/csv"}
    no_listing = client.post(f"{API}/bulk_enrollments", content=b"email\na@example.com\n", headers=csv_headers)
    assert no_listing.json() == error(
        "the CSV file's header must name listing_id (and user_id or email_address)", "body"
    )
    not_utf8 = client.post(f"{API}/bulk_enrollments", content=b"listing_id\n\xff\n", headers=csv_headers)
    assert not_utf8.json() == error("the CSV file must be UTF-8 text", "body")


def test_one_at_a_time_per_catalog_and_bad_requests(client: TestClient, tenants: Tenants, store: Store) -> None:
    key = tenants.a_test
    client.app.state.jobs.stop()  # type: ignore[attr-defined]  # the first stays queued
    course = create(client, key, "course", title="Held")
    body = {"rows": [{"user_id": 1, "listing_id": course["id"]}]}
    first = client.post(f"{API}/bulk_enrollments", json=body, headers=key.token)
    assert first.status_code == 201
    first_id = first.json()["bulk_enrollment"]["id"]
    second = client.post(f"{API}/bulk_enrollments", json=body, headers=key.token)
    assert (second.status_code, second.json()) == (
        409,
        error(f"bulk enrollment {first_id} of this catalog is still running; wait until it has finished"),
    )
    other_catalog = new_catalog(client, key, "Elsewhere")["id"]
    elsewhere = client.post(f"{API}/bulk_enrollments", json={**body, "account_id": other_catalog}, headers=key.token)
    assert elsewhere.status_code == 201  # another catalog is not held up
    assert JobRunner(store).run_pending() == 2
    assert client.post(f"{API}/bulk_enrollments", json=body, headers=key.token).status_code == 201
    for bad, field in (
        ({"rows": []}, "rows"),
        ({"rows": [1]}, "rows[0]"),
        ({"rows": [{"listing_id": [1]}]}, "rows[0].listing_id"),
        ({"account_id": 999999, "rows": [{"listing_id": 1}]}, "catalog_id"),
        ({}, "rows"),
    ):
        response = client.post(f"{API}/bulk_enrollments", json=bad, headers=key.token)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field, (bad, response.text)
    too_large = client.post(
        f"{API}/bulk_enrollments",
        content=b"listing_id\n" + b"1\n" * 1_100_000,
        headers={**key.token, "Content-Type": "text/csv"},
    )
    assert too_large.status_code == 413 and "errors" in too_large.json()


def test_other_tenants_bulk_enrollments_are_not_found_and_lists_cost_the_same(
    client: TestClient, tenants: Tenants, store: Store
) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Mine")
    ids = []
    for n in range(3):
        response = client.post(
            f"{API}/bulk_enrollments",
            json={"rows": [{"email_address": f"i{n}@example.com", "listing_id": course["id"]}]},
            headers=key.token,
        )
        ids.append(response.json()["bulk_enrollment"]["id"])
        _finished(client, key, ids[-1])
    for other in (tenants.b_test, tenants.a_live):
        for path in (f"/bulk_enrollments/{ids[0]}", f"/progresses/{ids[0]}"):
            response = client.get(f"{API}{path}", headers=other.token)
            assert (response.status_code, response.json()) == (404, error("The specified resource does not exist."))
        assert client.get(f"{API}/bulk_enrollments", headers=other.token).json() == {"bulk_enrollments": []}
    counts = []
    for per_page in (1, 3):
        with count_queries(store) as statements:
            listed = client.get(f"{API}/bulk_enrollments?per_page={per_page}", headers=key.token)
        counts.append(len(statements))
        assert [b["id"] for b in listed.json()["bulk_enrollments"]] == ids[::-1][:per_page]
    assert counts[0] == counts[1]
    replay = {**key.token, "Idempotency-Key": "bulk-1"}
    body = {"rows": [{"email_address": "again@example.com", "listing_id": course["id"]}]}
    first = client.post(f"{API}/bulk_enrollments", json=body, headers=replay)
    again = client.post(f"{API}/bulk_enrollments", json=body, headers=replay)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
