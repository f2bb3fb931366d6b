"""Nominations: /nomination/add, /update, /remove, /list."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.nominations import service as nominations
from programhub.core.nominations.models import nomination_roles
from programhub.store import Store
from tests.dialects.sunbird.support import TS, answer, create, failure, post
from tests.support import TenantKey, Tenants


def add(client: TestClient, who: TenantKey, program_id: str, **fields: Any) -> int:
    request = {"program_id": program_id, "status": "Pending", **fields}
    response = post(client, "/nomination/add", request, who)
    result = answer(response, "api.nomination.add",
                    {"program_id": program_id, "user_id": fields.get("user_id"), "id": response.json()["result"].get("id")})
    return int(result["id"])


def nominations_of(client: TestClient, who: TenantKey, **filters: Any) -> list[dict[str, Any]]:
    response = post(client, "/nomination/list", {"filters": filters}, who)
    return list(answer(response, "api.nomination.list", response.json()["result"]))


def nomination(id_: int, program_id: str, createdon: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": id_, "program_id": program_id, "user_id": None, "organisation_id": None, "status": "Pending",
        "content_types": None, "targetprimarycategories": None, "targetprimarycategorynames": None,
        "collection_ids": None, "feedback": None, "rolemapping": None,
        "createdby": None, "updatedby": None, "createdon": createdon, "updatedon": None, **fields,
    }


def test_add_and_list_show_every_field(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    fields = {
        "user_id": "cca53828", "organisation_id": "b8c2d284", "status": "Initiated", "content_types": ["Story"],
        "collection_ids": ["do_1"], "feedback": "fine", "rolemapping": {"REVIEWER": ["u-1", "u-2"]},
        "createdby": "ff3a7b70", "updatedby": None,
    }
    nomination_id = add(client, me, program_id, **fields)
    [shown] = nominations_of(client, me)
    assert TS.match(shown["createdon"])
    assert shown == nomination(nomination_id, program_id, shown["createdon"], **fields)


def test_one_nomination_per_organisation_and_per_individual(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    add(client, me, program_id, user_id="u-1", organisation_id="org-1")
    add(client, me, program_id, user_id="u-1")  # the same user alone is another nominee
    add(client, me, program_id, user_id="u-2", organisation_id="org-2")
    add(client, me, create(client, me), user_id="u-1", organisation_id="org-1")  # another program
    failure(post(client, "/nomination/add", {"program_id": program_id, "user_id": "u-9", "organisation_id": "org-1", "status": "Pending"}, me),
            409, "api.nomination.add", "ERR_NOMINATION_EXISTS", "organisation org-1 has already nominated to this program")
    failure(post(client, "/nomination/add", {"program_id": program_id, "user_id": "u-1", "status": "Approved"}, me),
            409, "api.nomination.add", "ERR_NOMINATION_EXISTS", "user u-1 has already nominated to this program")
    assert len(nominations_of(client, me, program_id=program_id)) == 3


def test_a_concurrent_duplicate_is_the_same_client_error(client: TestClient, tenants: Tenants, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check finds nothing (another request is inserting at the same moment): the unique
    index refuses the row and the caller still gets CLIENT_ERROR, not a 500."""
    me = tenants.a_test
    program_id = create(client, me)
    add(client, me, program_id, user_id="u-1", organisation_id="org-1")
    add(client, me, program_id, user_id="u-5")
    monkeypatch.setattr(nominations, "matching_ids", lambda *args, **kwargs: [])
    failure(post(client, "/nomination/add", {"program_id": program_id, "user_id": "u-2", "organisation_id": "org-1", "status": "Pending"}, me),
            409, "api.nomination.add", "ERR_NOMINATION_EXISTS", "organisation org-1 has already nominated to this program")
    failure(post(client, "/nomination/add", {"program_id": program_id, "user_id": "u-5", "status": "Pending"}, me),
            409, "api.nomination.add", "ERR_NOMINATION_EXISTS", "user u-5 has already nominated to this program")
    monkeypatch.undo()
    assert len(nominations_of(client, me)) == 2


@pytest.mark.parametrize(
    ("request_", "errmsg"),
    [
        ({"user_id": "u"}, "status is required"),
        ({"status": "Pending"}, "user_id is required"),  # as the reference: an organisation's names its admin
        ({"organisation_id": "org-1", "status": "Pending"}, "user_id is required"),
        ({"user_id": "u", "status": "Done"}, "status must be one of: Pending, Approved, Rejected, Initiated"),
        ({"user_id": 5, "status": "Pending"}, "user_id must be a string"),
        ({"user_id": "", "status": "Pending"}, "user_id must not be blank"),
        ({"user_id": "u", "status": "Pending", "rolemapping": ["REVIEWER"]},
         "rolemapping must be an object of role names to lists of user ids"),
        ({"user_id": "u", "status": "Pending", "content_types": [None]}, "content_types must be a string"),
        ({"user_id": "u", "status": "Pending", "rolemapping": {"REVIEWER": ["x" * 256]}},
         "rolemapping roles and user ids must be at most 255 characters"),
        ({"user_id": "u", "status": "Pending", "rolemapping": {"R" * 256: []}},
         "rolemapping roles and user ids must be at most 255 characters"),
        ({"user_id": "u" * 256, "status": "Pending"}, "user_id must be at most 255 characters"),
    ],
)
def test_add_refuses_bad_fields(client: TestClient, tenants: Tenants, request_: dict[str, Any], errmsg: str) -> None:
    program_id = create(client, tenants.a_test)
    failure(post(client, "/nomination/add", {"program_id": program_id, **request_}, tenants.a_test),
            400, "api.nomination.add", "ERR_CREATE_NOMINATION_DATA", errmsg)
    assert nominations_of(client, tenants.a_test) == []


def test_add_needs_a_known_program_that_is_not_retired(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    failure(post(client, "/nomination/add", {"status": "Pending", "user_id": "u"}, me), 400, "api.nomination.add",
            "ERR_CREATE_NOMINATION_DATA", "program_id is required")
    failure(post(client, "/nomination/add", {"program_id": "nope", "status": "Pending", "user_id": "u"}, me), 404,
            "api.nomination.add", "ERR_PROGRAM_NOT_FOUND", "Program nope not found.", code="RESOURCE_NOT_FOUND")
    retired = create(client, me)
    post(client, "/delete", {"program_id": retired}, me)
    failure(post(client, "/nomination/add", {"program_id": retired, "status": "Pending", "user_id": "u"}, me), 409,
            "api.nomination.add", "ERR_PROGRAM_RETIRED", "the program is retired and takes no nominations")


def test_update_by_organisation_or_user(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    by_org = add(client, me, program_id, user_id="u-1", organisation_id="org-1")
    alone = add(client, me, program_id, user_id="u-2")
    response = post(client, "/nomination/update", {"program_id": program_id, "organisation_id": "org-1", "status": "Approved",
                                                  "feedback": "welcome", "updatedby": "admin"}, me)
    answer(response, "api.nomination.update", {"program_id": program_id, "organisation_id": "org-1"})
    response = post(client, "/nomination/update", {"program_id": program_id, "user_id": "u-2", "status": "Rejected"}, me)
    answer(response, "api.nomination.update", {"program_id": program_id, "user_id": "u-2"})
    shown = {n["id"]: n for n in nominations_of(client, me)}
    assert TS.match(shown[by_org]["updatedon"]) and TS.match(shown[alone]["updatedon"])
    assert shown[by_org] == nomination(by_org, program_id, shown[by_org]["createdon"], user_id="u-1", organisation_id="org-1",
                                       status="Approved", feedback="welcome", updatedby="admin", updatedon=shown[by_org]["updatedon"])
    assert shown[alone] == nomination(alone, program_id, shown[alone]["createdon"], user_id="u-2", status="Rejected",
                                      updatedon=shown[alone]["updatedon"])


def test_update_may_be_narrowed_by_id(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    first = add(client, me, program_id, user_id="u-1", organisation_id="org-1")
    second = add(client, me, program_id, user_id="u-1")
    answer(post(client, "/nomination/update", {"program_id": program_id, "user_id": "u-1", "id": float(second), "status": "Approved"}, me),
           "api.nomination.update", {"program_id": program_id, "user_id": "u-1"})
    assert {n["id"]: n["status"] for n in nominations_of(client, me)} == {first: "Pending", second: "Approved"}
    # Without an id, every nomination of the program by that user changes.
    answer(post(client, "/nomination/update", {"program_id": program_id, "user_id": "u-1", "status": "Rejected"}, me),
           "api.nomination.update", {"program_id": program_id, "user_id": "u-1"})
    assert {n["id"]: n["status"] for n in nominations_of(client, me)} == {first: "Rejected", second: "Rejected"}


def test_update_of_rolemapping_replaces_the_role_rows(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    nomination_id = add(client, me, program_id, organisation_id="org-1", user_id="admin",
                        rolemapping={"REVIEWER": ["u-1", "u-1"], "CONTRIBUTOR": ["u-2"]})

    def roles() -> set[tuple[str, str]]:
        with store.read() as conn:
            rows = conn.execute(sa.select(nomination_roles.c.role, nomination_roles.c.user_id)
                                .where(nomination_roles.c.nomination_id == nomination_id))
            return {(r.role, r.user_id) for r in rows}

    assert roles() == {("REVIEWER", "u-1"), ("CONTRIBUTOR", "u-2")}
    post(client, "/nomination/update", {"program_id": program_id, "organisation_id": "org-1", "rolemapping": {"CREATOR": ["u-3"]}}, me)
    assert roles() == {("CREATOR", "u-3")}
    post(client, "/nomination/update", {"program_id": program_id, "organisation_id": "org-1", "rolemapping": None}, me)
    assert roles() == set()
    assert nominations_of(client, me)[0]["rolemapping"] is None


@pytest.mark.parametrize(
    ("request_", "errmsg"),
    [
        ({"status": "Approved"}, "user_id or organisation_id is required"),
        ({"user_id": "u-1", "status": "Maybe"}, "status must be one of: Pending, Approved, Rejected, Initiated"),
        ({"user_id": "u-1", "status": None}, "status must be one of: Pending, Approved, Rejected, Initiated"),
        ({"user_id": "u-1", "id": "x"}, "id must be a whole number"),
    ],
)
def test_update_refuses_bad_fields(client: TestClient, tenants: Tenants, request_: dict[str, Any], errmsg: str) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    add(client, me, program_id, user_id="u-1")
    failure(post(client, "/nomination/update", {"program_id": program_id, **request_}, me), 400, "api.nomination.update",
            "ERR_UPDATE_NOMINATION_DATA", errmsg)
    assert nominations_of(client, me)[0]["status"] == "Pending"


@pytest.mark.parametrize(("path", "api"), [("/nomination/update", "api.nomination.update"), ("/nomination/remove", "api.nomination.remove")])
def test_update_and_remove_of_unknown_nominations_are_not_found(client: TestClient, tenants: Tenants, path: str, api: str) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    add(client, me, program_id, user_id="u-1", organisation_id="org-1")
    failure(post(client, path, {"program_id": program_id, "organisation_id": "org-2"}, me), 404, api,
            "ERR_NOMINATION_NOT_FOUND", "Nomination by organisation org-2 not found.", code="RESOURCE_NOT_FOUND")
    failure(post(client, path, {"program_id": program_id, "organisation_id": "org-1", "user_id": "u-2"}, me), 404, api,
            "ERR_NOMINATION_NOT_FOUND", "Nomination by organisation org-1 and user u-2 not found.", code="RESOURCE_NOT_FOUND")
    failure(post(client, path, {"program_id": "nope", "user_id": "u-1"}, me), 404, api,
            "ERR_PROGRAM_NOT_FOUND", "Program nope not found.", code="RESOURCE_NOT_FOUND")


def test_remove_withdraws_the_nomination_and_its_roles(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    add(client, me, program_id, organisation_id="org-1", user_id="admin", rolemapping={"REVIEWER": ["u-1"]})
    kept = add(client, me, program_id, user_id="u-2")
    answer(post(client, "/nomination/remove", {"program_id": program_id, "organisation_id": "org-1"}, me),
           "api.nomination.remove", {"program_id": program_id, "organisation_id": "org-1"})
    assert [n["id"] for n in nominations_of(client, me)] == [kept]
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(nomination_roles)).scalar_one() == 0
    # The organisation may nominate again.
    add(client, me, program_id, organisation_id="org-1", user_id="admin")


def test_nomination_list_filters_and_pages(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    first, second = create(client, me), create(client, me)
    a = add(client, me, first, user_id="u-1", organisation_id="org-1", status="Approved")
    b = add(client, me, first, user_id="u-2", status="Pending")
    c = add(client, me, second, user_id="u-1", organisation_id="org-2", status="Rejected")
    d = add(client, me, second, user_id="u-3", organisation_id="org-1", status="Approved")

    def ids(**request: Any) -> list[int]:
        response = post(client, "/nomination/list", request, me)
        return [n["id"] for n in answer(response, "api.nomination.list", response.json()["result"])]

    assert ids() == [d, c, b, a]  # newest first
    assert ids(filters={}) == [d, c, b, a]
    assert ids(filters={"program_id": first}) == [b, a]
    assert ids(filters={"program_id": [first, second], "user_id": "u-1"}) == [c, a]
    assert ids(filters={"organisation_id": "org-1"}) == [d, a]
    assert ids(filters={"status": ["Approved", "Rejected"]}) == [d, c, a]
    assert ids(filters={"status": "Pending", "user_id": ["u-2", "u-3"]}) == [b]
    assert ids(filters={"user_id": "a' OR '1'='1"}) == []
    assert ids(limit=2) == [d, c]
    assert ids(limit=2, offset=2) == [b, a]
    assert ids(limit=2, offset=4) == []
    # As the reference orders them (updatedon descending): never-changed nominations first,
    # then the changed ones, the most recent change first.
    post(client, "/nomination/update", {"program_id": first, "user_id": "u-2", "status": "Approved"}, me)
    post(client, "/nomination/update", {"program_id": second, "user_id": "u-3", "status": "Rejected"}, me)
    assert ids() == [c, a, d, b]


@pytest.mark.parametrize(
    ("request_", "errmsg"),
    [
        ({"filters": {"bogus": 1}}, "filters.bogus is not supported; use one of: program_id, user_id, organisation_id, status"),
        ({"filters": []}, "filters must be an object"),
        ({"filters": {"status": "Done"}}, "filters.status must be one of: Pending, Approved, Rejected, Initiated (or a list of them)"),
        ({"filters": {"user_id": {"ne": "u"}}}, "filters.user_id must be a string or a list of at most 1000 strings"),
        ({"limit": -1}, "limit must be between 0 and 2147483647"),
        ({"offset": "2"}, "offset must be a whole number"),
        ({"facets": ["colour"]}, "facets must be a list of: program_id, user_id, organisation_id, status, createdby, updatedby"),
        ({"facets": []}, "facets must be a list of: program_id, user_id, organisation_id, status, createdby, updatedby"),
    ],
)
def test_nomination_list_refuses_bad_requests(client: TestClient, tenants: Tenants, request_: dict[str, Any], errmsg: str) -> None:
    failure(post(client, "/nomination/list", request_, tenants.a_test), 400, "api.nomination.list", "ERR_GET_NOMINATION_LIST", errmsg)


def test_the_longest_identifiers_fit_their_indexes(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    longest = "".join(chr(0x10000 + (n * 7919) % 0xFFFF) for n in range(255))
    program_id = create(client, me)
    add(client, me, program_id, user_id=longest, organisation_id=longest, rolemapping={longest: [longest]})
    request = {"filters": {"nomination": {"user_id": longest, "organisation_id": longest, "roles": {"or": [longest]}}}}
    assert post(client, "/list", request, me).json()["result"]["count"] == 1


def test_write_statements_are_built_once_per_shape_and_bind_each_tenant(client: TestClient, tenants: Tenants) -> None:
    """A nomination write's statements (the version bump, the program by its uuid, the
    nominations by nominee, the change, an added nomination's program) are built once per
    shape and run for every tenant with its values: each tenant changes its own nominations
    alone, another's program is not found, and new values build nothing new."""
    from programhub.core.listings.service import _program_id_by
    from programhub.core.nominations.service import _matching_statement
    from programhub.core.tenancy import _bound_update

    keys = tenants.all()
    programs = {key: create(client, key) for key in keys}
    ids = {key: add(client, key, programs[key], user_id="u-1", organisation_id="org-1") for key in keys}
    built = (_program_id_by.cache_info().currsize, _matching_statement.cache_info().currsize)
    changes_built = _bound_update.cache_info().currsize
    for round_, status in enumerate(("Approved", "Rejected")):
        for changed, key in enumerate(keys):
            response = post(client, "/nomination/update", {"program_id": programs[key], "organisation_id": "org-1",
                                                          "status": status, "feedback": f"{round_}-{changed}"}, key)
            answer(response, "api.nomination.update", {"program_id": programs[key], "organisation_id": "org-1"})
            for other in keys:
                [shown] = nominations_of(client, other)
                index = keys.index(other)
                expected = (status, f"{round_}-{index}") if index <= changed else (
                    ("Pending", None) if round_ == 0 else ("Approved", f"0-{index}"))
                assert shown["id"] == ids[other] and (shown["status"], shown["feedback"]) == expected
        stranger = keys[(round_ + 1) % len(keys)]
        failure(post(client, "/nomination/update", {"program_id": programs[keys[0]], "organisation_id": "org-1",
                                                    "status": "Pending"}, stranger), 404, "api.nomination.update",
                "ERR_PROGRAM_NOT_FOUND", f"Program {programs[keys[0]]} not found.", code="RESOURCE_NOT_FOUND")
        refused = post(client, "/nomination/add", {"program_id": programs[keys[0]], "user_id": "u-9", "status": "Pending"},
                       stranger)
        assert refused.status_code == 404, refused.text
    assert (_program_id_by.cache_info().currsize, _matching_statement.cache_info().currsize) == built
    assert _bound_update.cache_info().currsize <= changes_built + 1  # one shape of change: status, feedback
