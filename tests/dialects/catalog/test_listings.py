"""Creating, reading, updating and deleting programs and courses: every request field,
its text form, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from programhub.core.listings.models import listings as listings_table
from programhub.core.renderings import service as renderings
from programhub.store import Store
from tests.dialects.catalog.support import (
    API,
    create,
    default_catalog,
    error,
    get,
    listing,
    new_catalog,
    unstamped,
)
from tests.support import Tenants, assert_json_equal, count_queries

EVERY_FIELD: dict[str, Any] = {
    "title": "Potions", "description": "Brewing", "path": "potions", "teaser": "Brew", "enrollment_open": False,
    "enrollment_open_from": "2025-03-01T09:00:00Z", "enrollment_open_to": "2025-04-01",
    "visibility": "unlisted", "enrollment_cap": 30, "enrollment_fee": 120.5, "allowed_payment_types": ["standard", "invoice"],
    "days_to_complete": 90, "list_order": 4, "waitlist": True, "waitlist_cap": 5,
    "listing_image": "https://img.example/p.png", "image_alt_text": "A cauldron", "tag_names": ["Magic", "Lab"],
    "show_free_banner": False, "start_date": "2025-05-01T08:30:00+02:00", "end_date": "2025-06-30",
    "credits": 4.5, "currency": "eur", "measurement": "hours", "sku": "POT-1", "canvas_section_id": 77,
}
EVERY_FIELD_SHOWN: dict[str, Any] = {
    "description": "Brewing", "short_description": "Brew", "enrollment_open": False,
    "enrollment_open_from": "2025/03/01 09:00:00 +0000", "enrollment_open_to": "2025/04/01 00:00:00 +0000",
    "visibility": "unlisted", "enrollment_cap": 30, "enrollment_fee": 120.5, "allowed_payment_types": ["standard", "invoice"],
    "list_order": 4, "waitlist": True, "waitlist_cap": 5, "listing_image": "https://img.example/p.png",
    "image_alt_text": "A cauldron", "tag_names": ["Magic", "Lab"], "show_free_banner": False,
    "start_date": "2025/05/01 06:30:00 +0000", "end_date": "2025/06/30 00:00:00 +0000", "credits": 4.5,
    "currency": "EUR", "measurement": "hours", "sku": "POT-1", "canvas_section_id": 77,
}


def test_a_course_with_every_field(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    catalog = new_catalog(client, key, "Hogwarts", "https://catalog.hogwarts.example/")
    created = create(client, key, "course", **EVERY_FIELD, account_id=catalog["id"], canvas_course_id=1234)
    expected = listing("course", created["id"], "Potions", catalog, path="potions", site="https://catalog.hogwarts.example",
                       canvas_course={"id": 1234}, **EVERY_FIELD_SHOWN)
    assert_json_equal(unstamped(created), expected)
    assert_json_equal(unstamped(get(client, key, "course", created["id"])), expected)


def test_a_program_with_every_field_sent_as_text(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    as_text = {name: (value if isinstance(value, list | str) else str(value).lower() if isinstance(value, bool) else str(value))
               for name, value in EVERY_FIELD.items()}
    created = create(client, key, "program", **as_text, sequential="false")
    expected = listing("program", created["id"], "Potions", default_catalog(client, key), path="potions",
                       sequential=False, **EVERY_FIELD_SHOWN)
    assert_json_equal(unstamped(created), expected)


def test_whole_numbers_may_be_sent_with_a_zero_fraction_in_either_form(client: TestClient, tenants: Tenants) -> None:
    created = create(client, tenants.a_test, "course", title="T", enrollment_cap="150.0", waitlist_cap=5.0, list_order="-2.00")
    assert (created["enrollment_cap"], created["waitlist_cap"], created["list_order"]) == (150, 5, -2)


def test_a_listing_with_only_a_title_gets_defaults_and_a_path(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    created = create(client, key, "program", title="Intro to Ünïcode: 101")
    assert_json_equal(unstamped(created), listing("program", created["id"], "Intro to Ünïcode: 101",
                                                  default_catalog(client, key), path="intro-to-unicode-101"))


def test_the_body_may_be_unwrapped_or_a_rails_form(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    bare = client.post(f"{API}/courses", json={"title": "Bare", "credits": "2"}, headers=key.token)
    assert bare.status_code == 201 and bare.json()["course"]["credits"] == 2
    form = client.post(
        f"{API}/programs",
        content=b"program%5Btitle%5D=Form&program%5Btag_names%5D%5B%5D=A&program%5Btag_names%5D%5B%5D=B"
        b"&program%5Benrollment_fee%5D=9.5&program%5Bwaitlist%5D=1&program%5Brequirement_ids%5D%5B%5D="
        + str(bare.json()["course"]["id"]).encode(),
        headers={**key.token, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 201, form.text
    program = form.json()["program"]
    assert (program["title"], program["tag_names"], program["enrollment_fee"], program["waitlist"]) == ("Form", ["A", "B"], 9.5, True)
    assert [r["id"] for r in program["requirements"]] == [bare.json()["course"]["id"]]
    assert program["credits"] == 2


def test_put_changes_only_the_fields_named_and_answers_204(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    created = create(client, key, "program", title="Before", description="Kept", tag_names=["T"], enrollment_cap=10)
    response = client.put(f"{API}/programs/{created['id']}", json={"program": {"title": "After", "enrollment_cap": ""}},
                          headers=key.token)
    assert (response.status_code, response.content) == (204, b"")
    after = get(client, key, "program", created["id"])
    assert_json_equal(unstamped(after), {**unstamped(created), "title": "After", "enrollment_cap": None})
    assert after["created_at"] == created["created_at"]
    empty = client.put(f"{API}/programs/{created['id']}", headers=key.token)
    assert empty.status_code == 204
    assert get(client, key, "program", created["id"]) == after


def test_edits_run_statements_built_once_that_bind_each_tenant(client: TestClient, tenants: Tenants) -> None:
    """A listing edit reads and changes its listing by statements built once per kind and
    shape of change (`core.tenancy.update_owned`): each tenant edits its own listing alone,
    another's id is not found, and new values build nothing new."""
    from programhub.core.listings.service import _live_listing
    from programhub.core.tenancy import _bound_update

    keys = tenants.all()
    created = {key: create(client, key, "program", title="Start", description="d") for key in keys}
    for round_ in range(2):
        for index, key in enumerate(keys):
            response = client.put(f"{API}/programs/{created[key]['id']}",
                                  json={"program": {"description": f"{round_}-{index}"}}, headers=key.token)
            assert response.status_code == 204, response.text
            if round_ == 0 and index == 0:
                built = (_live_listing.cache_info().currsize, _bound_update.cache_info().currsize)
            stranger = keys[(index + 1) % len(keys)]
            refused = client.put(f"{API}/programs/{created[key]['id']}", json={"program": {"description": "theirs"}},
                                 headers=stranger.token)
            assert refused.status_code == 404, refused.text
        assert [get(client, key, "program", created[key]["id"])["description"] for key in keys] == [
            f"{round_}-{index}" for index in range(len(keys))]
    assert (_live_listing.cache_info().currsize, _bound_update.cache_info().currsize) == built


def test_an_edit_reads_its_listing_once_and_renders_every_face_in_one_statement(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    """Inside its tenant's lock a Catalog edit makes as few round trips as it can: the
    listing read once (the route's read is handed to the change) and its three faces
    (Catalog, Record, WebAdMIT) stored by one statement; each face shows the edit."""
    key = tenants.a_test
    program = create(client, key, "program", title="Start", description="d")
    with count_queries(store) as statements:
        response = client.put(f"{API}/programs/{program['id']}", json={"program": {"title": "Renamed"}},
                              headers=key.token)
    assert response.status_code == 204, response.text
    written = [statement for statement in statements if not statement.startswith("SELECT api_keys")]
    reads_of_the_listing = [s for s in written if s.startswith("SELECT listings.id, listings.org_id")]
    renders = [s for s in written if s.startswith("INSERT INTO renderings")]
    assert len(reads_of_the_listing) == 1 and len(renders) == 1, written
    assert renders[0].count("UNION ALL") == len(renderings.faces(listings_table)) - 1 == 2
    assert get(client, key, "program", program["id"])["title"] == "Renamed"
    with store.read() as conn:
        assert renderings.stale(conn) == []


def test_put_replaces_the_requirements_in_the_order_given(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    a, b = (create(client, key, "course", title=name)["id"] for name in ("A", "B"))
    program = create(client, key, "program", title="P", requirement_ids=[a, b])
    assert [r["id"] for r in program["requirements"]] == [a, b]
    for ids in ([b, a], [b], []):
        assert client.put(f"{API}/programs/{program['id']}", json={"program": {"requirement_ids": ids}},
                          headers=key.token).status_code == 204
        assert [r["id"] for r in get(client, key, "program", program["id"])["requirements"]] == ids


def test_delete_answers_204_and_the_listing_is_gone(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Gone", path="gone")
    response = client.delete(f"{API}/courses/{course['id']}", headers=key.token)
    assert (response.status_code, response.content) == (204, b"")
    for method in ("get", "put", "delete"):
        missing = client.request(method.upper(), f"{API}/courses/{course['id']}", headers=key.token)
        assert (missing.status_code, missing.json()) == (404, error("The specified resource does not exist."))
    assert create(client, key, "course", title="Again", path="gone")["listing_path"] == "gone"  # the path is free again


def test_a_required_listing_cannot_be_deleted(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Shared")["id"]
    first = create(client, key, "program", title="First", requirement_ids=[course])["id"]
    second = create(client, key, "program", title="Second", requirement_ids=[course])["id"]
    response = client.delete(f"{API}/courses/{course}", headers=key.token)
    assert response.status_code == 409
    assert response.json() == error(f"course {course} is a requirement of program(s) {first}, {second}; remove it from them first")
    assert get(client, key, "course", course)["id"] == course
    client.put(f"{API}/programs/{first}", json={"program": {"requirement_ids": []}}, headers=key.token)
    client.delete(f"{API}/programs/{second}", headers=key.token)
    assert client.delete(f"{API}/courses/{course}", headers=key.token).status_code == 204


def test_programs_and_courses_share_one_id_space_but_not_routes(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    program = create(client, key, "program", title="P")["id"]
    course = create(client, key, "course", title="C")["id"]
    assert course == program + 1
    assert client.get(f"{API}/courses/{program}", headers=key.token).status_code == 404
    assert client.get(f"{API}/programs/{course}", headers=key.token).status_code == 404
    assert client.delete(f"{API}/programs/{course}", headers=key.token).status_code == 404


def test_listing_path_is_unique_per_catalog_and_kind(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    other = new_catalog(client, key, "Other")
    first = create(client, key, "program", title="One", path="same")
    create(client, key, "course", title="Course", path="same")
    create(client, key, "program", title="Elsewhere", path="same", account_id=other["id"])
    clash = client.post(f"{API}/programs", json={"program": {"title": "Two", "path": "same"}}, headers=key.token)
    assert (clash.status_code, clash.json()) == (422, error("path 'same' is already taken in this catalog", "path"))
    moved = client.put(f"{API}/programs/{first['id']}", json={"program": {"account_id": other["id"]}}, headers=key.token)
    assert (moved.status_code, moved.json()) == (422, error("path 'same' is already taken in this catalog", "path"))
    renamed = create(client, key, "program", title="Three", path="three")
    taken = client.put(f"{API}/programs/{renamed['id']}", json={"program": {"path": "same"}}, headers=key.token)
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "path"


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({}, "title is required", "title"),
        ({"title": "  "}, "title must not be blank", "title"),
        ({"title": 5}, "title must be a string", "title"),
        ({"title": "a\u0000b"}, "title must not contain NUL characters", "title"),
        ({"title": "x" * 256}, "title must be at most 255 characters", "title"),
        ({"title": "T", "path": "has space"}, "path may contain only letters, digits, '-', '_', '.' and '~', and must start with a letter or digit", "path"),
        ({"title": "T", "enrollment_open": "maybe"}, "enrollment_open must be true or false", "enrollment_open"),
        ({"title": "T", "enrollment_open": None}, "enrollment_open must be true or false", "enrollment_open"),
        ({"title": "T", "enrollment_cap": "many"}, "enrollment_cap must be a whole number", "enrollment_cap"),
        ({"title": "T", "enrollment_cap": -1}, "enrollment_cap must not be negative", "enrollment_cap"),
        ({"title": "T", "enrollment_cap": 2**40}, "enrollment_cap must be between -2147483648 and 2147483647", "enrollment_cap"),
        ({"title": "T", "enrollment_cap": 1.5}, "enrollment_cap must be a whole number", "enrollment_cap"),
        ({"title": "T", "enrollment_cap": "1.5"}, "enrollment_cap must be a whole number", "enrollment_cap"),
        ({"title": "T", "enrollment_fee": "free"}, "enrollment_fee must be a number", "enrollment_fee"),
        ({"title": "T", "enrollment_fee": "1.005"}, "enrollment_fee must have at most two decimal places", "enrollment_fee"),
        ({"title": "T", "enrollment_fee": -1}, "enrollment_fee must not be negative", "enrollment_fee"),
        ({"title": "T", "enrollment_fee": "1e400"}, "enrollment_fee must be at most 99999999.99", "enrollment_fee"),
        ({"title": "T", "enrollment_fee": None}, "enrollment_fee must be a number", "enrollment_fee"),
        ({"title": "T", "credits": "NaN"}, "credits must be a number", "credits"),
        ({"title": "T", "enrollment_open_from": "soon"}, "enrollment_open_from must be a date or a date and time, e.g. 2025-03-21T13:11:23Z", "enrollment_open_from"),
        ({"title": "T", "start_date": 20250101}, "start_date must be a date or a date and time", "start_date"),
        ({"title": "T", "end_date": "0001-01-01T00:00:00+05:00"}, "end_date is out of range", "end_date"),
        ({"title": "T", "enrollment_open_from": "2025-02-01", "enrollment_open_to": "2025-01-01"},
         "enrollment_open_to must not be before enrollment_open_from", "enrollment_open_to"),
        ({"title": "T", "start_date": "2025-02-01", "end_date": "2025-01-01"}, "end_date must not be before start_date", "end_date"),
        ({"title": "T", "visibility": "hidden"}, "visibility must be one of: listed, unlisted", "visibility"),
        ({"title": "T", "tag_names": [1]}, "tag_names must be a string", "tag_names"),
        ({"title": "T", "tag_names": {"a": 1}}, "tag_names must be a list of at most 1000 strings", "tag_names"),
        ({"title": "T", "currency": "dollars"}, "currency must be a three-letter currency code", "currency"),
        ({"title": "T", "account_id": "x"}, "account_id must be a whole number", "account_id"),
        ({"title": "T", "account_id": 999999}, "account_id: no catalog with id 999999", "account_id"),
        ({"title": "T", "associated_account_ids": "1,x"}, "associated_account_ids must be a list of whole numbers", "associated_account_ids"),
        ({"title": "T", "associated_account_ids": [999999]}, "associated_account_ids: no catalog with id 999999", "associated_account_ids"),
        ({"title": "T", "requirement_ids": [999999]}, "requirement_ids: no program or course with id 999999", "requirement_ids"),
        ({"title": "T", "requirement_ids": "1,1"}, "requirement_ids lists 1 more than once", "requirement_ids"),
        ({"title": "T", "canvas_course_id": 5}, "canvas_course_id applies only to courses", "canvas_course_id"),
    ],
)
def test_invalid_program_fields_are_422_naming_the_field(
    client: TestClient, tenants: Tenants, fields: dict[str, Any], message: str, field: str
) -> None:
    response = client.post(f"{API}/programs", json={"program": fields}, headers=tenants.a_test.token)
    assert (response.status_code, response.json()) == (422, error(message, field))
    assert client.get(f"{API}/programs", headers=tenants.a_test.token).json() == {"programs": []}  # nothing half written


@pytest.mark.parametrize("field", ["requirement_ids", "sequential"])
def test_program_only_fields_are_refused_on_courses(client: TestClient, tenants: Tenants, field: str) -> None:
    response = client.post(f"{API}/courses", json={"course": {"title": "C", field: "true"}}, headers=tenants.a_test.token)
    assert (response.status_code, response.json()) == (422, error(f"{field} applies only to programs", field))


def test_unknown_and_read_only_keys_are_ignored(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    created = create(client, key, "course", title="C", id=999999, type="Program", listing_url="x", created_at="never",
                     requirements=[], colour="red")
    assert_json_equal(unstamped(created), listing("course", created["id"], "C", default_catalog(client, key), path="c"))
    assert created["id"] != 999999


def test_an_update_that_fails_changes_nothing(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    program = create(client, key, "program", title="P")
    response = client.put(f"{API}/programs/{program['id']}",
                          json={"program": {"title": "Changed", "requirement_ids": [program["id"]]}}, headers=key.token)
    assert response.json() == error(f"requirement_ids would create a cycle: {program['id']} → {program['id']}", "requirement_ids")
    assert get(client, key, "program", program["id"]) == program


@pytest.mark.parametrize(
    ("content", "content_type", "status", "body"),
    [
        (b"{not json", "application/json", 400, error("The request body is not valid JSON.")),
        (b'{"program": ', "application/json", 400, error("The request body is not valid JSON.")),
        (b"[1, 2]", "application/json", 422, error("The request body must be a JSON object.", "body")),
        (b'{"program": "Potions"}', "application/json", 422, error("program must be an object", "program")),
        (b"program[title]=a&program[title][]=b", "application/x-www-form-urlencoded", 400,
         error("The form field 'program[title][]' mixes a list with a single value.")),
        (b"--x\r\n", "multipart/form-data; boundary=x", 415, error("Send the request body as JSON or as a URL-encoded form.")),
    ],
)
def test_bodies_that_cannot_be_read(
    client: TestClient, tenants: Tenants, content: bytes, content_type: str, status: int, body: dict[str, Any]
) -> None:
    response = client.post(f"{API}/programs", content=content, headers={**tenants.a_test.token, "Content-Type": content_type})
    assert (response.status_code, response.json()) == (status, body)
