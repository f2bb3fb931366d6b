"""/enrollments and /applicants: whole bodies, the rules (window, cap, waitlist,
duplicates), completion through PUT, drop and promotion, lists, isolation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from programhub.store import Store
from tests.dialects.catalog.learners_support import (
    applicant_body,
    enroll,
    enrollment_body,
    new_user,
    stamped,
)
from tests.dialects.catalog.support import API, STAMP, create, error
from tests.support import Tenants, count_queries


def test_enroll_show_list_complete_and_drop_a_course(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    user = new_user(client, key, "ada@example.com", first_name="Ada", last_name="Lovelace")
    course = create(client, key, "course", title="Engines", canvas_course_id=42, days_to_complete=10)
    status, body = enroll(client, key, user["id"], course["id"])
    assert status == 201
    enrollment_id = body["enrollment"]["id"]
    ends = body["enrollment"]["ends_at"]
    expected = enrollment_body(enrollment_id, user, course, ends_at=ends)
    assert ends is not None
    assert stamped(body) == {"enrollment": expected}
    assert stamped(client.get(f"{API}/enrollments/{enrollment_id}", headers=key.token).json()) == {
        "enrollment": expected
    }
    assert stamped(client.get(f"{API}/enrollments", headers=key.token).json()) == {"enrollments": [expected]}
    done = client.put(
        f"{API}/enrollments/{enrollment_id}",
        json={"enrollment": {"completed_at": "2026-02-03T04:05:06Z"}},
        headers=key.token,
    )
    completed = {**expected, "status": "completed", "requirements_completed_at": "2026/02/03 04:05:06 +0000"}
    assert (done.status_code, stamped(done.json())) == (200, {"enrollment": completed})
    undone = client.put(f"{API}/enrollments/{enrollment_id}", json={"completed_at": None}, headers=key.token)
    assert stamped(undone.json()) == {"enrollment": expected}
    dropped = client.delete(f"{API}/enrollments/{enrollment_id}", headers=key.token)
    assert (dropped.status_code, stamped(dropped.json())) == (200, {"enrollment": {**expected, "status": "dropped"}})
    assert client.get(f"{API}/enrollments", headers=key.token).json() == {"enrollments": []}
    listed = client.get(f"{API}/enrollments?status=dropped", headers=key.token).json()
    assert stamped(listed) == {"enrollments": [{**expected, "status": "dropped"}]}


def test_refusals_name_the_field(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    user = new_user(client, key, "r@example.com")
    closed = create(client, key, "course", title="Closed", enrollment_open=False)
    later = create(client, key, "course", title="Later", enrollment_open_from="2999-01-01T00:00:00Z")
    over = create(client, key, "course", title="Over", enrollment_open_to="2001-01-01T00:00:00Z")
    full = create(client, key, "course", title="Full", enrollment_cap=0)
    waitlist_full = create(client, key, "course", title="WL", enrollment_cap=0, waitlist=True, waitlist_cap=0)
    cases = [
        (closed, f"listing {closed['id']} is not open for enrollment", "listing_id"),
        (later, f"listing {later['id']} opens for enrollment at 2999-01-01T00:00:00+00:00", "listing_id"),
        (over, f"listing {over['id']} closed for enrollment at 2001-01-01T00:00:00+00:00", "listing_id"),
        (full, f"listing {full['id']} is full (0 enrolled)", "listing_id"),
        (waitlist_full, f"listing {waitlist_full['id']} is full and so is its waitlist (0 waiting)", "listing_id"),
    ]
    for listing, message, field in cases:
        assert enroll(client, key, user["id"], listing["id"]) == (422, error(message, field))
    open_course = create(client, key, "course", title="Open")
    assert enroll(client, key, user["id"], open_course["id"])[0] == 201
    assert enroll(client, key, user["id"], open_course["id"]) == (
        422,
        error(f"user {user['id']} is already enrolled in listing {open_course['id']}", "user_id"),
    )
    assert enroll(client, key, user["id"], 999999) == (
        422,
        error("listing_id: no program or course with id 999999", "listing_id"),
    )
    assert enroll(client, key, 999999, open_course["id"]) == (422, error("user_id: no user with id 999999", "user_id"))
    missing = client.post(f"{API}/enrollments", json={"user_id": user["id"]}, headers=key.token)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "listing_id"
    by_canvas = client.post(
        f"{API}/enrollments", json={"canvas_user_id": 7, "listing_id": open_course["id"]}, headers=key.token
    )
    assert by_canvas.json() == error("canvas_user_id: no user with canvas_user_id 7", "canvas_user_id")


def test_a_full_listing_with_a_waitlist_answers_202_and_promotes_on_drop(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Popular", enrollment_cap=1, waitlist=True, waitlist_cap=2)
    first, second, third = (new_user(client, key, f"{name}@example.com") for name in ("first", "second", "third"))
    status, seated = enroll(client, key, first["id"], course["id"])
    assert status == 201
    status, waiting = enroll(client, key, second["id"], course["id"])
    applicant = waiting["applicant"]
    assert (status, stamped(waiting)) == (202, {"applicant": applicant_body(applicant["id"], second, course)})
    enroll(client, key, third["id"], course["id"])
    assert enroll(client, key, second["id"], course["id"]) == (
        422,
        error(f"user {second['id']} is already on the waitlist of listing {course['id']}", "user_id"),
    )
    client.delete(f"{API}/enrollments/{seated['enrollment']['id']}", headers=key.token)
    shown = client.get(f"{API}/applicants/{applicant['id']}", headers=key.token).json()
    assert shown["applicant"]["notified_of_opening_at"] is not None
    assert stamped(shown) == {
        "applicant": applicant_body(applicant["id"], second, course, status="accepted", notified_of_opening_at=STAMP)
    }
    enrolled = client.get(f"{API}/enrollments?listing_id={course['id']}", headers=key.token).json()["enrollments"]
    assert [e["user"]["id"] for e in enrolled] == [second["id"]]
    waiting_now = client.get(f"{API}/applicants?listing_id={course['id']}&status=waitlist", headers=key.token).json()
    assert [a["user"]["id"] for a in waiting_now["applicants"]] == [third["id"]]
    # the listing is full again: not enrollable
    full = client.get(f"{API}/courses?is_enrollable=false", headers=key.token).json()["courses"]
    assert [c["id"] for c in full] == [course["id"]]
    # raising the cap promotes the next one
    client.put(f"{API}/courses/{course['id']}", json={"course": {"enrollment_cap": 5}}, headers=key.token)
    assert client.get(f"{API}/applicants?status=waitlist", headers=key.token).json() == {"applicants": []}
    assert [c["id"] for c in client.get(f"{API}/courses?is_enrollable=true", headers=key.token).json()["courses"]] == [
        course["id"]
    ]
    # DELETE /applicants removes the listing's records
    gone = client.request(
        "DELETE",
        f"{API}/applicants",
        content=f"listing_id={course['id']}",
        headers={**key.token, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (gone.status_code, gone.json()) == (200, {})
    assert client.get(f"{API}/applicants", headers=key.token).json() == {"applicants": []}
    bad = client.request("DELETE", f"{API}/applicants", json={}, headers=key.token)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "listing_id"


def test_lists_filter_page_and_cost_the_same_whatever_their_size(
    client: TestClient, tenants: Tenants, store: Store
) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Lots")
    other = create(client, key, "course", title="Other")
    users = [new_user(client, key, f"l{n}@example.com", canvas_user_id=100 + n) for n in range(12)]
    for user in users:
        enroll(client, key, user["id"], course["id"])
    enroll(client, key, users[0]["id"], other["id"])
    mine = client.get(f"{API}/enrollments?canvas_user_id=100", headers=key.token).json()["enrollments"]
    assert [e["listing"]["id"] for e in mine] == [course["id"], other["id"]]
    by_user = client.get(f"{API}/enrollments?user_id={users[0]['id']}&listing_id={other['id']}", headers=key.token)
    assert len(by_user.json()["enrollments"]) == 1
    page = client.get(f"{API}/enrollments?per_page=5&page=3", headers=key.token)
    assert len(page.json()["enrollments"]) == 3 and 'rel="prev"' in page.headers["Link"]
    assert client.get(f"{API}/enrollments?created_at_to=2000-01-01", headers=key.token).json() == {"enrollments": []}
    assert client.get(f"{API}/enrollments?status=nope", headers=key.token).json() == error(
        "status must be one of: pending, active, completed, dropped", "status"
    )
    assert client.get(f"{API}/applicants?status=nope", headers=key.token).status_code == 422
    for path in ("enrollments", "applicants"):
        counts = []
        for per_page in (1, 13):
            with count_queries(store) as statements:
                assert client.get(f"{API}/{path}?per_page={per_page}", headers=key.token).status_code == 200
            counts.append(len(statements))
        assert counts[0] == counts[1], path


def test_other_tenants_ids_are_not_found(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Mine", enrollment_cap=0, waitlist=True)
    open_course = create(client, key, "course", title="Open")
    user = new_user(client, key, "mine@example.com")
    applicant_id = enroll(client, key, user["id"], course["id"])[1]["applicant"]["id"]
    enrollment_id = enroll(client, key, user["id"], open_course["id"])[1]["enrollment"]["id"]
    not_found = (404, error("The specified resource does not exist."))
    for other in (tenants.b_test, tenants.a_live):
        stranger = new_user(client, other, "mine@example.com")
        for method, path in (
            ("GET", f"/enrollments/{enrollment_id}"),
            ("PUT", f"/enrollments/{enrollment_id}"),
            ("DELETE", f"/enrollments/{enrollment_id}"),
            ("GET", f"/applicants/{applicant_id}"),
        ):
            response = client.request(method, f"{API}{path}", json={"completed_at": None}, headers=other.token)
            assert (response.status_code, response.json()) == not_found, (method, path)
        for path in ("enrollments", "applicants"):
            assert client.get(f"{API}/{path}", headers=other.token).json() == {path: []}
        assert enroll(client, other, stranger["id"], open_course["id"]) == (
            422,
            error(f"listing_id: no program or course with id {open_course['id']}", "listing_id"),
        )
        deleted = client.request("DELETE", f"{API}/applicants?listing_id={course['id']}", headers=other.token)
        assert deleted.status_code == 422
    assert client.get(f"{API}/applicants/{applicant_id}", headers=key.token).status_code == 200


def test_idempotency_key_on_enrollments(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Once")
    user = new_user(client, key, "once@example.com")
    headers = {**key.token, "Idempotency-Key": "enroll-1"}
    body = {"enrollment": {"user_id": user["id"], "listing_id": course["id"]}}
    first = client.post(f"{API}/enrollments", json=body, headers=headers)
    second = client.post(f"{API}/enrollments", json=body, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"


def test_completion_errors(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="C")
    program = create(client, key, "program", title="P", requirement_ids=[course["id"]])
    user = new_user(client, key, "c@example.com")
    root = enroll(client, key, user["id"], program["id"])[1]["enrollment"]["id"]
    on_program = client.put(f"{API}/enrollments/{root}", json={"completed_at": "2026-01-01"}, headers=key.token)
    assert on_program.json() == error(
        "completed_at applies to course enrollments; a program completes with its requirements", "completed_at"
    )
    no_key = client.put(f"{API}/enrollments/{root}", json={}, headers=key.token)
    assert no_key.status_code == 422 and no_key.json()["errors"][0]["field"] == "completed_at"
    bad = client.put(f"{API}/enrollments/{root}", json={"completed_at": "soon"}, headers=key.token)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "completed_at"
    member = client.get(f"{API}/enrollments?root_program_id={program['id']}", headers=key.token).json()
    member_id = member["enrollments"][0]["id"]
    refused = client.delete(f"{API}/enrollments/{member_id}", headers=key.token)
    assert refused.status_code == 409
