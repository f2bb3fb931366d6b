"""/users and /user_registrations/{id}: whole bodies, filters, paging, merge rules, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.dialects.catalog.learners_support import new_user, stamped, user_body
from tests.dialects.catalog.support import API, STAMP, default_catalog, error, new_catalog
from tests.support import Tenants, count_queries


def test_create_get_update_and_the_legacy_alias(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    catalog = default_catalog(client, key)["id"]
    response = client.post(
        f"{API}/users",
        json={
            "user": {
                "user_name": "Firstname Lastname",
                "first_name": "Firstname",
                "last_name": "Lastname",
                "email_address": "First@Example.com",
                "custom_fields": {"favorite_color": "#BADA55", "age": "19"},
                "canvas_user_id": "2",
                "time_zone": "America/Denver",
            }
        },
        headers=key.token,
    )
    assert response.status_code == 201, response.text
    user_id = response.json()["user"]["id"]
    expected = user_body(
        user_id,
        "First@Example.com",
        catalog,
        user_name="Firstname Lastname",
        first_name="Firstname",
        last_name="Lastname",
        custom_fields={"favorite_color": "#BADA55", "age": "19"},
        canvas_user_id=2,
        time_zone="America/Denver",
    )
    assert stamped(response.json(), iso=True) == {"user": expected}
    got = client.get(f"{API}/users/{user_id}", headers=key.token)
    assert stamped(got.json(), iso=True) == {"user": expected}
    legacy = client.get(f"{API}/user_registrations/{user_id}", headers=key.token)
    assert stamped(legacy.json(), iso=True) == {"user_registration": expected}
    changed = client.put(
        f"{API}/users/{user_id}",
        json={"custom_fields": {"age": None, "phone": "867-5309"}, "first_name": "Ada"},
        headers=key.token,
    )
    assert changed.status_code == 200
    assert stamped(changed.json(), iso=True) == {
        "user": {**expected, "first_name": "Ada", "custom_fields": {"favorite_color": "#BADA55", "phone": "867-5309"}}
    }


def test_form_bodies_and_merge_clearing(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    first = new_user(client, key, "a@example.com")
    second = new_user(client, key, "b@example.com")
    merged = client.put(f"{API}/users/{second['id']}", json={"merged_into_user_id": first["id"]}, headers=key.token)
    assert merged.json()["user"]["merged_into_user_id"] == first["id"]
    cleared = client.put(
        f"{API}/users/{second['id']}",
        content="id=1&clear_merged_into_user_id=true",
        headers={**key.token, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert cleared.status_code == 200 and cleared.json()["user"]["merged_into_user_id"] is None


def test_emails_unique_ignoring_case_and_errors_name_the_field(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    new_user(client, key, "Same@example.com")
    cases = [
        (
            {"email_address": "same@EXAMPLE.com"},
            422,
            error("email_address 'same@EXAMPLE.com' is already taken", "email_address"),
        ),
        ({"first_name": "No email"}, 422, error("email_address is required", "email_address")),
        ({"email_address": "nope"}, 422, None),
        ({"email_address": "c@example.com", "custom_fields": {"n": 3}}, 422, None),
        ({"email_address": "c@example.com", "time_zone": "Mars/Olympus"}, 422, None),
        ({"email_address": "c@example.com", "registered_account_id": 999}, 422, None),
    ]
    fields = ["email_address", "email_address", "email_address", "custom_fields", "time_zone", "registered_account_id"]
    for (body, status, expected), field in zip(cases, fields, strict=True):
        response = client.post(f"{API}/users", json={"user": body}, headers=key.token)
        assert response.status_code == status, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, response.text
        if expected is not None:
            assert response.json() == expected
    # another organisation, and the other mode, may use the same address
    new_user(client, tenants.b_test, "same@example.com")
    new_user(client, tenants.a_live, "same@example.com")


def test_registered_account_and_filters_and_paging(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    root = default_catalog(client, key)["id"]
    other = new_catalog(client, key, "Sub")["id"]
    users = [new_user(client, key, f"u{n}@example.com", canvas_user_id=n % 2) for n in range(5)]
    sub = new_user(client, key, "sub@example.com", registered_account_id=other)
    assert stamped(sub, iso=True) == user_body(sub["id"], "sub@example.com", root, registered_account_id=other)
    page = client.get(f"{API}/users?per_page=2&page=2", headers=key.token)
    assert [u["id"] for u in page.json()["users"]] == [users[2]["id"], users[3]["id"]]
    assert 'rel="next"' in page.headers["Link"] and 'rel="prev"' in page.headers["Link"]
    odd = client.get(f"{API}/users?canvas_user_id=1", headers=key.token).json()["users"]
    assert [u["id"] for u in odd] == [users[1]["id"], users[3]["id"]]
    assert client.get(f"{API}/users?created_at_to=2000-01-01", headers=key.token).json() == {"users": []}
    assert len(client.get(f"{API}/users?updated_at_from=2000-01-01", headers=key.token).json()["users"]) == 6
    bad = client.get(f"{API}/users?created_at_from=yesterday", headers=key.token)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "created_at_from"


def test_a_list_costs_the_same_whatever_its_size(client: TestClient, tenants: Tenants, store) -> None:  # type: ignore[no-untyped-def]
    key = tenants.a_test
    for n in range(30):
        new_user(client, key, f"q{n}@example.com")
    counts = []
    for per_page in (1, 30):
        with count_queries(store) as statements:
            assert client.get(f"{API}/users?per_page={per_page}", headers=key.token).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_delete_drops_enrollments_and_frees_the_address(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    user = new_user(client, key, "gone@example.com")
    keep = client.request("DELETE", f"{API}/users/{user['id']}?only_orders_and_enrollments=true", headers=key.token)
    assert (keep.status_code, keep.json()) == (200, {})
    assert client.get(f"{API}/users/{user['id']}", headers=key.token).status_code == 200
    response = client.delete(f"{API}/users/{user['id']}", headers=key.token)
    assert (response.status_code, response.json()) == (200, {})
    assert client.get(f"{API}/users/{user['id']}", headers=key.token).json() == error(
        "The specified resource does not exist."
    )
    again = new_user(client, key, "GONE@example.com")
    assert again["id"] != user["id"] and again["created_at"] != STAMP


def test_other_tenants_users_are_not_found(client: TestClient, tenants: Tenants) -> None:
    user = new_user(client, tenants.a_test, "mine@example.com")
    for other in (tenants.b_test, tenants.a_live):
        for method, path in (
            ("GET", f"/users/{user['id']}"),
            ("GET", f"/user_registrations/{user['id']}"),
            ("PUT", f"/users/{user['id']}"),
            ("DELETE", f"/users/{user['id']}"),
        ):
            response = client.request(method, f"{API}{path}", json={}, headers=other.token)
            assert (response.status_code, response.json()) == (404, error("The specified resource does not exist."))
        assert client.get(f"{API}/users", headers=other.token).json() == {"users": []}


def test_idempotency_key_replays_the_first_answer(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    headers = {**key.token, "Idempotency-Key": "user-1"}
    body = {"user": {"email_address": "once@example.com"}}
    first = client.post(f"{API}/users", json=body, headers=headers)
    second = client.post(f"{API}/users", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second.headers["Idempotent-Replayed"] == "true"
    other = client.post(f"{API}/users", json={"user": {"email_address": "two@example.com"}}, headers=headers)
    assert (other.status_code, other.json()) == (
        409,
        error(
            "This Idempotency-Key was already used with a different request; use a new key for a new request.",
            "Idempotency-Key",
        ),
    )
    assert len(client.get(f"{API}/users", headers=key.token).json()["users"]) == 1
