"""What the reference service's clients send and rely on (issue 19): the coKreat creation
portal's requests as its source builds them, the ML scripts' sourcing flow, the rest of the
reference model, unknown keys ignored, the /list and /nomination/list forms the portal
uses, the reference's other read routes, and the gateway prefixes. Both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from programhub.store import Store
from tests.dialects.sunbird.support import BASE, TS, answer, create, failure, list_programs, post, program, read, set_times
from tests.support import TenantKey, Tenants, count_queries

CATEGORIES = [{"name": "Exam Question", "identifier": "obj-cat:exam-question", "targetObjectType": "Content"},
              {"name": "Question Paper", "identifier": "obj-cat:question-paper", "targetObjectType": "Collection"}]


def deep(levels: int) -> dict[str, Any]:
    """An object nested `levels` levels deep (itself the first)."""
    inner: dict[str, Any] = {"leaf": "x"}
    for _ in range(levels - 1):
        inner = {"next": inner}
    return inner


def fixture_program(**fields: Any) -> dict[str, Any]:
    """A /create body shaped as the reference's own test fixture is: server-set keys
    (`createdon`), keys of no column (`default_roles`), a config nesting 8 levels below
    one of its keys."""
    return {
        "name": "Second Program", "description": "next and next", "nomination_enddate": "2020-03-27T18:30:00.000Z",
        "shortlisting_enddate": "2020-04-03T18:30:00.000Z", "content_submission_enddate": "2020-03-30T18:30:00.000Z",
        "content_types": None, "template_id": "template1", "rootorg_id": "0124784842112040965",
        "createdby": "ab467e6e", "createdon": "2020-03-11T00:19:14.086Z", "startdate": "2020-03-11T00:19:14.086Z",
        "slug": "sunbird", "status": "Draft", "type": "public", "default_roles": ["CONTRIBUTOR"],
        "enddate": "2020-03-31T18:30:00.000Z",
        "config": {"framework": "NCFCOPY", "board": "State (Tamil Nadu)", "gradeLevel": ["Class 1"], "medium": ["English"],
                   "subject": ["English"], "roles": [{"id": 1, "name": "CONTRIBUTOR", "tabs": [1]}],
                   "header": {"config": {"tabs": [{"index": 1, "label": "Contribute"}]}}, "components": deep(8)},
        **fields,
    }


# --- 1. the reference model, whole ---------------------------------------------------------


def test_the_reference_models_fields_are_stored_and_shown(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    fields = {"target_type": "searchCriteria", "targetprimarycategories": CATEGORIES,
              "acceptedcontents": ["do_1"], "rejectedcontents": ["do_2", "do_3"],
              "sourcingrejectedcomments": {"do_2": "Blurred images"}}
    program_id = create(client, me, **fields)
    shown = read(client, me, program_id)
    # the names are derived from the categories, as the reference derives them
    assert shown == program(program_id, shown["createdon"], shown["updatedon"], **fields,
                            targetprimarycategorynames=["Exam Question", "Question Paper"])
    [item] = list_programs(client, me, {"program_id": program_id})["programs"]
    assert {key: item[key] for key in (*fields, "targetprimarycategorynames")} == \
        {**fields, "targetprimarycategorynames": ["Exam Question", "Question Paper"]}
    assert list(item)[6:9] == ["targetprimarycategories", "targetprimarycategorynames", "target_type"]
    # nominations carry primary categories too
    answer(post(client, "/nomination/add", {"program_id": program_id, "user_id": "u-1", "status": "Pending",
                                            "targetprimarycategories": CATEGORIES[:1]}, me),
           "api.nomination.add", {"program_id": program_id, "user_id": "u-1", "id": 1})
    [nomination] = post(client, "/nomination/list", {"filters": {"program_id": program_id}}, me).json()["result"]
    assert (nomination["targetprimarycategories"], nomination["targetprimarycategorynames"]) == (CATEGORIES[:1], ["Exam Question"])
    answer(post(client, "/nomination/update", {"program_id": program_id, "user_id": "u-1",
                                               "targetprimarycategories": CATEGORIES[1:]}, me),
           "api.nomination.update", {"program_id": program_id, "user_id": "u-1"})
    [nomination] = post(client, "/nomination/list", {"filters": {"program_id": program_id}}, me).json()["result"]
    assert nomination["targetprimarycategorynames"] == ["Question Paper"]
    # and the list filters on target_type, as the portal's sourcing admin asks
    other = create(client, me, target_type="collections")
    assert [p["program_id"] for p in list_programs(client, me, {"target_type": "searchCriteria"})["programs"]] == [program_id]
    assert [p["program_id"] for p in list_programs(client, me, {"target_type": ["collections"]})["programs"]] == [other]


# --- 2. unknown keys ignored, known ones still checked -------------------------------------


def test_unknown_keys_are_ignored_and_known_ones_still_checked(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me, program_id="", rewards=None, createdOn="2020-01-01", rolemapping=[])
    assert read(client, me, program_id)["rolemapping"] is None
    answer(post(client, "/nomination/add", {"program_id": program_id, "user_id": "u-1", "status": "Pending",
                                            "frameworkCategories": {"board": ["CBSE"]}, "createdon": "2020-01-01",
                                            "rolemapping": []}, me),
           "api.nomination.add", {"program_id": program_id, "user_id": "u-1", "id": 1})
    answer(post(client, "/list", {"filters": {}, "id": "api.program.list", "rewards": 3}, me), "api.program.list",
           post(client, "/list", {"filters": {}}, me).json()["result"])
    answer(post(client, "/nomination/list", {"filters": {}, "fields_unknown": True}, me), "api.nomination.list",
           post(client, "/nomination/list", {"filters": {}}, me).json()["result"])
    # a known key of the wrong type is still refused, naming it
    failure(post(client, "/create", {"name": "X", "type": "public", "acceptedcontents": "do_1"}, me), 400,
            "api.program.create", "ERR_CREATE_PROGRAM_DATA", "acceptedcontents must be a list of at most 1000 strings")
    failure(post(client, "/create", {"name": "X", "type": "public", "targetprimarycategories": ["Exam"]}, me), 400,
            "api.program.create", "ERR_CREATE_PROGRAM_DATA", "targetprimarycategories[0] must be an object")
    failure(post(client, "/update", {"program_id": program_id, "target_type": 5}, me), 400,
            "api.program.update", "ERR_UPDATE_PROGRAM_DATA", "target_type must be a string")
    # NUL refusals stay, in ignored keys too
    response = client.post(BASE + "/create", content=b'{"request": {"name": "X", "type": "public", "re\\u0000wards": 1}}',
                           headers={**me.bearer, "Content-Type": "application/json"})
    failure(response, 400, "api.program.create", "ERR_CREATE_PROGRAM_DATA", "body keys must not contain NUL characters")


def test_create_accepts_the_reference_fixture_and_configs_as_deep_as_cokreats(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    body = fixture_program()
    response = post(client, "/create", body, me)
    program_id = answer(response, "api.program.create", {"program_id": response.json()["result"].get("program_id")})["program_id"]
    shown = read(client, me, program_id)
    assert shown["config"] == body["config"] and shown["status"] == "Draft" and shown["createdon"] != body["createdon"]
    failure(post(client, "/create", fixture_program(config={"components": deep(9)}), me), 400, "api.program.create",
            "ERR_CREATE_PROGRAM_DATA", "config.components is nested more than 8 levels deep")


def test_a_nomination_needs_a_user_id(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    failure(post(client, "/nomination/add", {"program_id": program_id, "organisation_id": "O1", "status": "Pending"}, me),
            400, "api.nomination.add", "ERR_CREATE_NOMINATION_DATA", "user_id is required")


# --- 3. /list as the portal calls it --------------------------------------------------------


def test_list_takes_role_with_user_id_exactly(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    reviewing = create(client, me, name="Reviewing", rolemapping={"REVIEWER": ["u-7"], "CONTRIBUTOR": ["u-70"]})
    contributing = create(client, me, name="Contributing", rolemapping={"CONTRIBUTOR": ["u-7"]})
    create(client, me, name="Neither", rolemapping={"REVIEWER": ["u-70", "xu-7"]})
    create(client, me, name="None")
    for roles, user, expected in [(["REVIEWER"], "u-7", [reviewing]), (["REVIEWER", "CONTRIBUTOR"], "u-7", [contributing, reviewing]),
                                  ("CONTRIBUTOR", "u-70", [reviewing]), (["REVIEWER"], "u", []), (["CREATOR"], "u-7", [])]:
        result = list_programs(client, me, {"role": roles, "user_id": user})
        assert [p["program_id"] for p in result["programs"]] == expected, (roles, user)
        assert result["count"] == len(expected)


def test_list_takes_closed_status_root_org_and_framework_category_fields(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    live = create(client, me, name="Live one", rootorg_id="root-1", config={"medium": ["Hindi"], "targetFWIds": ["fw_1"]})
    post(client, "/publish", {"program_id": live, "channel": "DIKSHA"}, me)
    create(client, me, name="Draft one", rootorg_id="root-2")
    # The portal's sourcing admin: status Live, Unlisted, Draft, Closed (programhub closes nothing)
    result = list_programs(client, me, {"rootorg_id": "root-1", "status": ["Live", "Unlisted", "Draft", "Closed"],
                                        "target_type": None}, frameworkCategoryFields=["board", "medium", "targetFWIds"])
    [item] = result["programs"]
    assert item["program_id"] == live and item["medium"] == '["Hindi"]' and item["targetFWIds"] == '["fw_1"]'
    assert list(item)[-7:] == ["subject", "defaultContributeOrgReview", "framework", "board", "gradeLevel", "medium",
                               "targetFWIds"]
    assert list_programs(client, me, {"status": "Closed"}) == {"count": 0, "programs": []}  # none closed yet


def test_a_program_closed_as_the_portal_closes_it(client: TestClient, tenants: Tenants) -> None:
    """The portal closes a project with /update status Closed: it shows as Closed, lists
    only when a status filter names Closed (or with no status filter), and publishing
    reopens it."""
    me = tenants.a_test
    closed = create(client, me, name="Closed one")
    live = create(client, me, name="Live one")
    unlisted = create(client, me, name="Unlisted one")
    for program_id in (closed, live):
        post(client, "/publish", {"program_id": program_id, "channel": "sunbird"}, me)
    post(client, "/unlist", {"program_id": unlisted}, me)
    answer(post(client, "/update", {"program_id": closed, "status": "Closed"}, me), "api.program.update", {"program_id": closed})
    assert read(client, me, closed)["status"] == "Closed"
    ids = lambda filters: sorted(p["program_id"] for p in list_programs(client, me, filters)["programs"])  # noqa: E731
    assert ids({}) == sorted([closed, live, unlisted])
    assert ids({"status": ["Live", "Unlisted"]}) == sorted([live, unlisted])
    assert ids({"status": ["Live", "Unlisted", "Closed"]}) == sorted([closed, live, unlisted])
    assert ids({"status": "Closed"}) == [closed]
    assert ids({"status": ["Live", "Closed"]}) == sorted([closed, live])
    [item] = list_programs(client, me, {"status": "Closed"})["programs"]
    assert item["status"] == "Closed"
    assert post(client, "/tenant/list", {"filters": {"status": "Closed"}}, me).json()["result"] == {"count": 0, "content": []}
    post(client, "/publish", {"program_id": closed, "channel": "sunbird"}, me)
    assert read(client, me, closed)["status"] == "Live"
    assert ids({"status": "Closed"}) == []


def test_list_sorts_on_more_columns_and_counts_the_page(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    early = create(client, me, name="Early", content_submission_enddate="2030-01-01", type="private")
    late = create(client, me, name="Late", content_submission_enddate="2031-01-01")
    none = create(client, me, name="None")
    for n, program_id in enumerate((early, late, none)):
        set_times(store, program_id, updated=f"2021-0{n + 1}-01T00:00:00Z")
    by = lambda **sort: [p["program_id"] for p in list_programs(client, me, {}, sort=sort)["programs"]]  # noqa: E731
    assert by(content_submission_enddate="desc") == [late, early, none]
    assert by(type="asc") == [early, late, none]  # by the text: private before public; ties in creation order
    page = list_programs(client, me, {}, limit=2)
    assert (page["count"], len(page["programs"])) == (2, 2)


def test_a_sort_on_framework_categories_answers_match_count(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    both = create(client, me, name="Both", config={"medium": ["Hindi", "English"], "subject": ["Science"]})
    one = create(client, me, name="One", config={"medium": ["English"]})
    none = create(client, me, name="None", config={"medium": ["Tamil"]})
    result = list_programs(client, me, {}, sort={"medium": ["Hindi", "English"], "gradeLevel": ["Class 10"],
                                                 "subject": ["Science", "English"]})
    assert [(p["program_id"], p["matchCount"]) for p in result["programs"]] == [(both, 3), (one, 1), (none, 0)]


# --- 4. /nomination/list aggregates ---------------------------------------------------------


def nominate_three(client: TestClient, me: TenantKey) -> str:
    program_id = create(client, me)
    for user, organisation, status, types in (("u-1", "O1", "Pending", ["Story"]), ("u-2", None, "Pending", ["Story", "Quiz"]),
                                              ("u-3", None, "Approved", None)):
        request = {"program_id": program_id, "user_id": user, "status": status, "content_types": types}
        if organisation:
            request["organisation_id"] = organisation
        assert post(client, "/nomination/add", request, me).status_code == 200
    return program_id


def test_nomination_list_facets_are_grouped_counts(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = nominate_three(client, me)
    answer(post(client, "/nomination/list", {"filters": {"program_id": program_id}, "facets": ["status"]}, me),
           "api.nomination.list", [{"status": "Approved", "count": 1}, {"status": "Pending", "count": 2}])
    answer(post(client, "/nomination/list", {"filters": {}, "facets": ["organisation_id", "status"]}, me),
           "api.nomination.list", [{"organisation_id": None, "status": "Approved", "count": 0},
                                   {"organisation_id": None, "status": "Pending", "count": 0},
                                   {"organisation_id": "O1", "status": "Pending", "count": 1}])


def test_nomination_list_limit_0_aggregates_the_fields(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    nominate_three(client, me)
    answer(post(client, "/nomination/list", {"fields": ["status", "content_types"], "limit": 0}, me), "api.nomination.list",
           {"nomination": {"count": 3, "fields": [{"name": "status", "fields": {"Pending": 2, "Approved": 1}},
                                                  {"name": "content_types", "count": 2}]}})
    answer(post(client, "/nomination/list", {"filters": {"status": "Rejected"}, "fields": ["status"], "limit": 0}, me),
           "api.nomination.list", {"nomination": {"count": 0}})


# --- 5. the reference's other routes --------------------------------------------------------


def test_reference_data_routes(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    types = answer(client.get(BASE + "/contenttypes/list", headers=me.bearer), "api.contenttypes.list",
                   client.get(BASE + "/contenttypes/list", headers=me.bearer).json()["result"])
    assert types["count"] == len(types["contentType"]) == 17
    assert types["contentType"][4] == {"id": 5, "name": "Practice Question Set", "value": "PracticeQuestionSet"}
    listed = client.get(BASE + "/configuration/list", headers=me.bearer).json()["result"]
    assert listed["count"] == len(listed["configuration"]) == 9
    answer(post(client, "/configuration/search", {"key": "contentVideoSize", "status": "active"}, me),
           "api.configuration.search", {"configuration": {"id": 6, "key": "contentVideoSize", "value": "15360", "status": "active"}})
    answer(post(client, "/configuration/search", {"key": "nothing", "status": "active"}, me), "api.configuration.search",
           {"configuration": []})
    failure(post(client, "/configuration/search", {"key": "contentVideoSize"}, me), 400, "api.configuration.search",
            "ERR_CONFIGURATION_SEARCH", "status is required")
    failure(client.get(BASE + "/contenttypes/list"), 401, "api.contenttypes.list", "ERR_UNAUTHORIZED",
            "No API key was given.", code="UNAUTHORIZED")


def test_tenant_list_counts_programs_per_root_organisation(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    for root in ("root-1", "root-2", "root-1", None):
        program_id = create(client, me, rootorg_id=root)
        post(client, "/publish", {"program_id": program_id}, me)
    create(client, me, rootorg_id="root-3")  # a draft
    answer(post(client, "/tenant/list", {"filters": {"status": "Live"}}, me), "api.program.tenant.list",
           {"count": 2, "content": [{"id": "root-1", "program_count": 2}, {"id": "root-2", "program_count": 1}]})
    assert post(client, "/tenant/list", {}, me).json()["result"]["count"] == 3
    assert post(client, "/tenant/list", {}, tenants.b_test).json()["result"] == {"count": 0, "content": []}


def test_downloads(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = nominate_three(client, me)
    answer(post(client, "/list/download", {"filters": {"program_id": [program_id, "elsewhere"]}}, me),
           "api.program.list.download", {"tableData": [{"program_id": program_id, "values": []}]})
    failure(post(client, "/list/download", {"filters": {}}, me), 400, "api.program.list.download",
            "ERR_GENERATE_PROGRAM_DETAILS", "filters.program_id is required")
    stats = answer(post(client, "/nomination/list/download",
                        {"filters": {"program_id": program_id, "program_name": "Test case", "status": "Pending"}}, me),
                   "api.nomination.list.download",
                   post(client, "/nomination/list/download",
                        {"filters": {"program_id": program_id, "program_name": "Test case", "status": "Pending"}}, me)
                   .json()["result"])["stats"]
    assert [{k: v for k, v in row.items() if k != "createdon"} for row in stats] == [
        {"programName": "Test case", "name": "u-2", "type": "Individual", "textbooks": None, "sample": 0, "status": "Pending"},
        {"programName": "Test case", "name": "O1", "type": "Organisation", "textbooks": None, "sample": 0, "status": "Pending"},
    ]
    failure(post(client, "/nomination/list/download", {"filters": {"program_id": program_id, "status": "Pending"}}, me),
            400, "api.nomination.list.download", "ERR_DOWNLOAD_NOMINATION_LIST", "filters.program_name is required")


# --- 7. gateway prefixes --------------------------------------------------------------------


@pytest.mark.parametrize("gateway", ["/api/program/v1", "/content/program/v1"])
def test_gateway_prefixes_answer_as_the_service(client: TestClient, tenants: Tenants, gateway: str) -> None:
    me = tenants.a_test
    created = client.post(gateway + "/create", json={"request": {"name": "Via gateway", "type": "public"}}, headers=me.bearer)
    program_id = answer(created, "api.program.create", {"program_id": created.json()["result"]["program_id"]})["program_id"]
    direct = client.get(f"{BASE}/read/{program_id}", headers=me.bearer).json()["result"]
    answer(client.get(f"{gateway}/read/{program_id}", headers=me.bearer), "api.program.read", direct)
    listed = client.post(gateway + "/list", json={"request": {"filters": {}}, "params": {"msgid": "m"}}, headers=me.bearer)
    answer(listed, "api.program.list", list_programs(client, me, {}), msgid="m")
    failure(client.post(gateway + "/list", json={"request": {}}, headers=me.bearer), 400, "api.program.list",
            "ERR_LIST_PROGRAM_DATA", "filters is required")
    failure(client.get(gateway + "/nope", headers=me.bearer), 404, "api.program.unknown", "ERR_NOT_FOUND", "Not Found",
            code="RESOURCE_NOT_FOUND")
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(gateway)]


def test_lists_cost_one_page_query(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    for n in range(5):
        create(client, me, name=f"P{n}", rolemapping={"REVIEWER": ["u-1"]})
    list_programs(client, me, {"role": ["REVIEWER"], "user_id": "u-1"})
    for limit in (1, 5):
        with count_queries(store) as statements:
            result = client.post(BASE + "/list", json={"request": {"filters": {"role": ["REVIEWER"], "user_id": "u-1"},
                                                                   "limit": limit, "sort": {"name": "asc"}}},
                                 headers=me.bearer).json()["result"]
        assert result["count"] == limit and len(statements) <= 2, statements
    assert TS.match(result["programs"][0]["createdon"])


def test_preferences_are_kept_per_program_and_user(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    program_id = create(client, me)
    empty = {"contributor_preference": {}, "sourcing_preference": {}, "synced": True}
    answer(post(client, "/preference/read", {"program_id": program_id, "user_id": "u-1"}, me), "api.preference.read", empty)
    answer(post(client, "/preference/create", {"program_id": program_id, "user_id": "u-1", "type": "sourcing",
                                               "preference": {"medium": ["English"]}}, me),
           "api.preference.create", {"program_id": program_id, "user_id": "u-1", "type": "sourcing",
                                     "contributor_preference": {}, "sourcing_preference": {"medium": ["English"]}})
    answer(post(client, "/preference/update", {"program_id": program_id, "user_id": "u-1",
                                               "preference": {"subject": ["Maths"]}}, me),
           "api.preference.update", {"program_id": program_id, "user_id": "u-1", "contributor_preference": {"subject": ["Maths"]},
                                     "sourcing_preference": {"medium": ["English"]}})
    answer(post(client, "/preference/read", {"program_id": program_id, "user_id": "u-1"}, me), "api.preference.read",
           {"contributor_preference": {"subject": ["Maths"]}, "sourcing_preference": {"medium": ["English"]}, "synced": True})
    answer(post(client, "/preference/read", {"program_id": program_id, "user_id": "u-2"}, me), "api.preference.read", empty)
    failure(post(client, "/preference/create", {"program_id": program_id, "user_id": "u-1", "preference": ["x"]}, me), 400,
            "api.preference.create", "ERR_SET_USER_PREFERENCE", "preference must be an object")
    failure(post(client, "/preference/read", {"program_id": program_id}, me), 400, "api.preference.read",
            "ERR_GET_USER_PREFERENCE", "user_id is required")
    # another organisation's key sees nothing of it
    failure(post(client, "/preference/read", {"program_id": program_id, "user_id": "u-1"}, tenants.b_test), 404,
            "api.preference.read", "ERR_PROGRAM_NOT_FOUND", f"Program {program_id} not found.", code="RESOURCE_NOT_FOUND")


def test_at_most_twenty_framework_categories_a_request(client: TestClient, tenants: Tenants) -> None:
    """Each category becomes a member of every item the database builds; SQLite's
    json_object takes at most 127 arguments, so a long list was a 500. Found by the
    schema fuzz."""
    me = tenants.a_test
    create(client, me, name="P", config={"medium": ["Hindi"], "c1": "x"})
    codes = [f"c{n}" for n in range(21)]
    refused = post(client, "/list", {"filters": {}, "frameworkCategoryFields": codes}, me)
    assert refused.status_code == 400
    assert refused.json()["params"]["errmsg"] == "frameworkCategoryFields may name at most 20 categories"
    answered = post(client, "/list", {"filters": {}, "frameworkCategoryFields": codes[:20]}, me)
    assert answered.status_code == 200
    (item,) = answered.json()["result"]["programs"]
    assert item["c1"] == "x" and item["c19"] is None
