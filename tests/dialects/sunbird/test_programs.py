"""Program lifecycle: /create, /read, /update, /publish, /unlist, /delete."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from programhub.core.errors import NotFound
from programhub.core.listings import service as listings
from programhub.store import Store
from tests.dialects.sunbird.support import (
    BASE,
    TS,
    answer,
    create,
    failure,
    list_programs,
    nested,
    post,
    program,
    read,
)
from tests.support import Tenants

FULL = {
    "name": "GG",
    "description": "Content for classes 6 and 10",
    "type": "restricted",
    "startdate": "2020-05-31T18:30:00.000Z",
    "enddate": "2020-10-15T18:30:00.000Z",
    "nomination_enddate": "2020-10-04T18:30:00.000Z",
    "shortlisting_enddate": "2020-10-09T18:30:00.000Z",
    "content_submission_enddate": "2020-10-14T18:30:00.000Z",
    "content_types": ["PracticeQuestionSet"],
    "collection_ids": ["do_1130"],
    "target_collection_category": ["Digital Textbook"],
    "rolemapping": {"REVIEWER": ["u-1"], "CREATOR": []},
    "config": {"framework": "ekstep_ncert_k-12", "medium": ["Hindi", "English"], "board": None},
    "slug": "sunbird",
    "channel": "DIKSHA",
    "template_id": "template1",
    "guidelines_url": "https://example.org/guide.pdf",
    "image": "https://example.org/gg.png",
    "rootorg_id": "012983850117177344161",
    "sourcing_org_name": "Vidya2",
    "createdby": "48dc0e70-2775-474b-9b78-def27d047836",
    "updatedby": None,
}


def test_create_then_read_shows_every_field(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    response = post(client, "/create", FULL, me, msgid="create-1")
    result = answer(response, "api.program.create", {"program_id": response.json()["result"]["program_id"]}, msgid="create-1")
    program_id = result["program_id"]
    assert len(program_id) == 36
    shown = read(client, me, program_id)
    assert TS.match(shown["createdon"]) and shown["updatedon"] == shown["createdon"]
    assert shown == program(program_id, shown["createdon"], shown["updatedon"], **FULL, status="Draft")


def test_create_with_name_and_type_only_has_defaults(client: TestClient, tenants: Tenants) -> None:
    program_id = create(client, tenants.a_test, name="Bare", type="private")
    shown = read(client, tenants.a_test, program_id)
    assert shown == program(program_id, shown["createdon"], shown["updatedon"], name="Bare", type="private")


def test_read_answers_in_the_envelope(client: TestClient, tenants: Tenants) -> None:
    program_id = create(client, tenants.a_test)
    response = client.get(f"{BASE}/read/{program_id}", headers=tenants.a_test.bearer)
    shown = response.json()["result"]
    answer(response, "api.program.read", program(program_id, shown["createdon"], shown["updatedon"]))


@pytest.mark.parametrize(
    ("request_", "errmsg"),
    [
        ({"type": "public"}, "name is required"),
        ({"name": "X"}, "type is required"),
        ({"name": "  ", "type": "public"}, "name must not be blank"),
        ({"name": 5, "type": "public"}, "name must be a string"),
        ({"name": "X", "type": "secret"}, "type must be one of: public, private, restricted"),
        ({"name": "X", "type": "public", "status": "Live"}, "a new program's status is Draft; publish or unlist it afterwards"),
        ({"name": "X", "type": "public", "startdate": "31/05/2020"},
         "startdate must be an ISO 8601 date and time such as 2020-05-31T18:30:00.000Z, or null"),
        ({"name": "X", "type": "public", "enddate": "0001-01-01T00:00:00+01:00"},
         "enddate must be an ISO 8601 date and time such as 2020-05-31T18:30:00.000Z, or null"),
        ({"name": "X", "type": "public", "enddate": 1590949800000},
         "enddate must be an ISO 8601 date and time such as 2020-05-31T18:30:00.000Z, or null"),
        ({"name": "X", "type": "public", "content_types": "Story"}, "content_types must be a list of at most 1000 strings"),
        ({"name": "X", "type": "public", "collection_ids": [1]}, "collection_ids must be a string"),
        ({"name": "X", "type": "public", "config": ["medium"]}, "config must be an object"),
        ({"name": "X", "type": "public", "rolemapping": {"REVIEWER": "u-1"}}, "rolemapping.REVIEWER must be a list of user ids"),
        ({"name": "X", "type": "public", "rolemapping": {"REVIEWER": [1]}}, "rolemapping.REVIEWER must be a string"),
        ({"name": "X", "type": "public", "slug": "a\x00b"}, "slug must not contain NUL characters"),
        ({"name": "X", "type": "public", "content_types": ["x" * 256]}, "content_types values must be at most 255 characters"),
        ({"name": "X", "type": "public", "config": {"medium": "x" * 256}}, "config.medium values must be at most 255 characters"),
        ({"name": "X", "type": "public", "config": {"subject": ["a", "x" * 256]}},
         "config.subject values must be at most 255 characters"),
        ({"name": "X", "type": "public", "config": {"medium": [1]}}, "config.medium must be a string or a list of strings"),
        ({"name": "X", "type": "public", "config": {"board": {"code": "cbse"}}}, "config.board must be a string or a list of strings"),
        ({"name": "X", "type": "public", "config": {"deep": [[[[[[[[["too deep"]]]]]]]]]}}, "config.deep is nested more than 8 levels deep"),
        ({"name": "X", "type": "public", "config": {"big": {"n": 2**53}}}, "config.big has a number beyond ±9007199254740991"),
        ({"name": "X", "type": "public", "config": {"big": -1e300}}, "config.big has a number beyond ±9007199254740991"),
    ],
)
def test_create_refuses_bad_fields_naming_them(client: TestClient, tenants: Tenants, request_: dict[str, Any], errmsg: str) -> None:
    response = post(client, "/create", request_, tenants.a_test)
    failure(response, 400, "api.program.create", "ERR_CREATE_PROGRAM_DATA", errmsg)
    assert list_programs(client, tenants.a_test, {})["count"] == 0


def test_keys_a_route_does_not_know_are_ignored_as_the_reference_ignores_them(client: TestClient, tenants: Tenants) -> None:
    """Server-set and unknown keys are ignored (issue 19), as the reference ignores them;
    the program is created as if they were not there."""
    me = tenants.a_test
    program_id = create(client, me, program_id="", createdon="2020-01-01", colour="red", rewards=None,
                        default_roles=["CONTRIBUTOR"], rolemapping=[])
    shown = read(client, me, program_id)
    assert shown == program(program_id, shown["createdon"], shown["updatedon"])
    answer(post(client, "/update", {"program_id": program_id, "updatedon": "2020-01-01", "colour": "blue"}, me),
           "api.program.update", {"program_id": program_id})
    answer(post(client, "/publish", {"program_id": program_id, "status": "Live", "channel": "DIKSHA"}, me),
           "api.program.publish", {"program_id": program_id})
    assert read(client, me, program_id)["status"] == "Live"


def test_create_takes_a_null_status_as_draft_and_a_deep_config_within_limits(client: TestClient, tenants: Tenants) -> None:
    config = {"frameworkObj": {"categories": [{"terms": [{"name": "Class 6", "n": 9007199254740991}]}]}, "board": None}
    program_id = create(client, tenants.a_test, status=None, config=config)
    shown = read(client, tenants.a_test, program_id)
    assert (shown["status"], shown["config"]) == ("Draft", config)


def test_dates_without_zone_are_utc_and_keep_milliseconds(client: TestClient, tenants: Tenants) -> None:
    program_id = create(
        client, tenants.a_test, startdate="2021-03-01", enddate="2021-03-02T10:00:00.123456", nomination_enddate="2021-03-01T12:00:00+05:30"
    )
    shown = read(client, tenants.a_test, program_id)
    assert (shown["startdate"], shown["enddate"], shown["nomination_enddate"]) == (
        "2021-03-01T00:00:00.000Z", "2021-03-02T10:00:00.123Z", "2021-03-01T06:30:00.000Z"
    )


def test_update_changes_only_the_fields_given(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me, **{k: v for k, v in FULL.items()})
    before = read(client, me, program_id)
    changes = {"name": "GG 2", "type": "public", "config": {"subject": ["Science"]}, "enddate": None, "updatedby": "u-9"}
    response = post(client, "/update", {"program_id": program_id, **changes}, me)
    answer(response, "api.program.update", {"program_id": program_id})
    after = read(client, me, program_id)
    assert after["updatedon"] >= before["updatedon"]
    assert after == {**before, **changes, "updatedon": after["updatedon"]}


def test_update_may_set_any_status(client: TestClient, tenants: Tenants) -> None:
    program_id = create(client, tenants.a_test)
    for status in ("Live", "Unlisted", "Retired", "Draft"):
        answer(post(client, "/update", {"program_id": program_id, "status": status}, tenants.a_test), "api.program.update",
               {"program_id": program_id})
        assert read(client, tenants.a_test, program_id)["status"] == status


@pytest.mark.parametrize(
    ("request_", "errmsg"),
    [
        ({"name": "X"}, "program_id is required"),
        ({"program_id": 7}, "program_id must be a string"),
        ({"program_id": "P", "type": None}, "type must be one of: public, private, restricted"),
        ({"program_id": "P", "status": "Archived"}, "status must be one of: Draft, Live, Unlisted, Retired, Closed"),
        ({"program_id": "P", "status": {}}, "status must be one of: Draft, Live, Unlisted, Retired, Closed"),
        ({"program_id": "P", "startdate": "soon"},
         "startdate must be an ISO 8601 date and time such as 2020-05-31T18:30:00.000Z, or null"),
        ({"program_id": "P", "name": None}, "name must be a string"),
    ],
)
def test_update_refuses_bad_fields(client: TestClient, tenants: Tenants, request_: dict[str, Any], errmsg: str) -> None:
    program_id = create(client, tenants.a_test)
    before = read(client, tenants.a_test, program_id)
    if request_.get("program_id") == "P":
        request_ = {**request_, "program_id": program_id}
    failure(post(client, "/update", request_, tenants.a_test), 400, "api.program.update", "ERR_UPDATE_PROGRAM_DATA", errmsg)
    assert read(client, tenants.a_test, program_id) == before


@pytest.mark.parametrize(("path", "status", "api"), [
    ("/publish", "Live", "api.program.publish"),
    ("/unlist", "Unlisted", "api.program.unlist"),
    ("/delete", "Retired", "api.program.delete"),
])
def test_status_routes(client: TestClient, tenants: Tenants, path: str, status: str, api: str) -> None:
    program_id = create(client, tenants.a_test)
    answer(post(client, path, {"program_id": program_id, "channel": "DIKSHA"}, tenants.a_test), api, {"program_id": program_id})
    assert read(client, tenants.a_test, program_id)["status"] == status
    # Idempotent.
    answer(post(client, path, {"program_id": program_id}, tenants.a_test), api, {"program_id": program_id})


@pytest.mark.parametrize(("path", "err"), [
    ("/publish", "ERR_PUBLISH_PROGRAM_DATA"), ("/unlist", "ERR_UNLIST_PROGRAM_DATA"), ("/delete", "ERR_DELETE_PROGRAM_DATA"),
])
def test_status_routes_refuse_bad_requests(client: TestClient, tenants: Tenants, path: str, err: str) -> None:
    api = "api.program." + path[1:]
    failure(post(client, path, {}, tenants.a_test), 400, api, err, "program_id is required")
    failure(post(client, path, {"program_id": "x", "channel": 3}, tenants.a_test), 400, api, err, "channel must be a string")


def test_retired_programs_leave_default_lists_but_stay_readable(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    kept = create(client, me, name="Kept")
    retired = create(client, me, name="Retired one")
    answer(post(client, "/delete", {"program_id": retired}, me), "api.program.delete", {"program_id": retired})
    assert [p["program_id"] for p in list_programs(client, me, {})["programs"]] == [kept]
    assert [p["program_id"] for p in list_programs(client, me, {"status": "Retired"})["programs"]] == [retired]
    assert read(client, me, retired)["status"] == "Retired"


@pytest.mark.parametrize("path", ["/update", "/publish", "/unlist", "/delete"])
def test_unknown_program_ids_are_not_found(client: TestClient, tenants: Tenants, path: str) -> None:
    missing = "6298b0b0-d1ae-11ea-8ffc-bfe7a78f14e5"
    failure(post(client, path, {"program_id": missing}, tenants.a_test), 404, "api.program." + path[1:],
            "ERR_PROGRAM_NOT_FOUND", f"Program {missing} not found.", code="RESOURCE_NOT_FOUND")


def test_read_of_unknown_or_deleted_program_is_not_found(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    with store.write() as conn:
        listing_id = listings.id_for(conn, me.tenant, uuid=program_id)
        listings.delete_listing(conn, me.tenant, listing_id)
    for missing in (program_id, "nope", "a' OR '1'='1"):
        response = client.get(f"{BASE}/read/{missing}", headers=me.bearer)
        failure(response, 404, "api.program.read", "ERR_PROGRAM_NOT_FOUND", f"Program {missing} not found.", code="RESOURCE_NOT_FOUND")


def test_courses_are_not_programs(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    with store.write() as conn:
        course = listings.get(conn, me.tenant, listings.create(conn, me.tenant, "course", {"name": "A course"}))
    response = client.get(f"{BASE}/read/{course.uuid}", headers=me.bearer)
    assert response.status_code == 404
    assert list_programs(client, me, {})["count"] == 0


def test_programs_of_other_dialects_show_with_defaults(client: TestClient, tenants: Tenants) -> None:
    """A program created through Record is the same row: Sunbird reads it with its defaults."""
    me = tenants.a_test
    made = client.post("/api/external/issuance/programs", json={"name": "From Record", "description": "d"}, headers=me.bearer)
    assert made.status_code == 201, made.json()
    listed = list_programs(client, me, {"name": "from record"})
    assert listed["count"] == 1
    program_id = listed["programs"][0]["program_id"]
    shown = read(client, me, program_id)
    assert shown == program(program_id, shown["createdon"], shown["updatedon"], name="From Record", description="d",
                            status="Live")
    assert listed["programs"][0] == nested(shown)


def test_programs_created_here_show_in_other_dialects(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me, name="From Sunbird", description="made here")
    answer(post(client, "/publish", {"program_id": program_id}, me), "api.program.publish", {"program_id": program_id})
    record = client.get("/api/external/issuance/programs", headers=me.bearer).json()["data"]
    assert [(p["name"], p["description"]) for p in record] == [("From Sunbird", "made here")]
    answer(post(client, "/delete", {"program_id": program_id}, me), "api.program.delete", {"program_id": program_id})
    assert client.get("/api/external/issuance/programs", headers=me.bearer).json()["data"] == []


def test_a_program_deleted_during_a_request_is_named_by_its_program_id(
    client: TestClient, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request soft-deletes the program between lookup and write: the core then
    reports its internal id, which the caller must never see."""
    program_id = create(client, tenants.a_test)

    def vanished(*args: Any, **kwargs: Any) -> None:
        raise NotFound("program", 987654)

    monkeypatch.setattr(listings, "update", vanished)
    for path in ("/update", "/publish"):
        failure(post(client, path, {"program_id": program_id}, tenants.a_test), 404, "api.program." + path[1:],
                "ERR_PROGRAM_NOT_FOUND", f"Program {program_id} not found.", code="RESOURCE_NOT_FOUND")


def test_the_longest_facet_values_fit_their_index(client: TestClient, tenants: Tenants) -> None:
    """255 characters of four UTF-8 bytes each, hard to compress: PostgreSQL's index entries
    have a size limit, which the length limit keeps clear of."""
    longest = "".join(chr(0x10000 + (n * 7919) % 0xFFFF) for n in range(255))
    program_id = create(client, tenants.a_test, content_types=[longest], target_collection_category=[longest],
                        config={"medium": [longest], "board": longest})
    assert read(client, tenants.a_test, program_id)["content_types"] == [longest]
    assert list_programs(client, tenants.a_test, {"medium": longest})["count"] == 1
