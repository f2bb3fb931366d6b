"""Real clients, unchanged (issue 19): every program-service request of the coKreat
creation portal, with bodies as its source builds them (programs.service.ts, the
program-list and create-program components), and the create -> update -> publish ->
nominate -> approve flow of the ML migration scripts' sourcing helper. Each answer has the
reference's shape. Values are this test's own; the shapes are the clients'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from tests.dialects.sunbird.support import BASE, TS, post, read
from tests.support import TenantKey, Tenants

ROOT_ORG, SOURCING_ADMIN, CONTRIB_ORG, CONTRIB_ADMIN, CONTRIBUTOR = "0124784842112040965", "src-admin", "org-osid", "c-admin", "c-user"
CATEGORIES = [{"identifier": "obj-cat:observation_questionset_all", "name": "Observation", "targetObjectType": "QuestionSet"},
              {"identifier": "obj-cat:survey_questionset_all", "name": "Survey", "targetObjectType": "QuestionSet"}]
FRAMEWORK_FIELDS = ["board", "medium", "gradeLevel", "subject"]


def ok(response: Response, api: str) -> Any:
    """The reference's success envelope; the result."""
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == {"id", "ts", "params", "responseCode", "result"} and body["id"] == api, body
    assert body["responseCode"] == "OK" and body["params"]["status"] == "successful" and TS.match(body["ts"])
    return body["result"]


def later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_the_ml_scripts_sourcing_flow(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    template = {  # createProgramTemplate, as the helper builds it
        "name": "Need Assessment sourcing project", "description": "Need Assessment sourcing project description",
        "nomination_enddate": later(1), "rewards": None, "shortlisting_enddate": later(1), "enddate": later(2),
        "content_submission_enddate": later(1), "type": "public", "target_type": "searchCriteria", "content_types": [],
        "target_collection_category": [], "sourcing_org_name": "dockstaging", "rootorg_id": ROOT_ORG,
        "createdby": SOURCING_ADMIN, "createdOn": later(0), "startdate": later(1), "slug": "sunbird", "status": "Draft",
        "program_id": "", "rolemapping": [],
        "config": {"defaultContributeOrgReview": False, "roles": [
            {"id": 1, "name": "CONTRIBUTOR", "tabs": [1], "default": True, "defaultTab": 1},
            {"id": 2, "name": "REVIEWER", "tabs": [2], "defaultTab": 2}]},
    }
    program_id = ok(post(client, "/create", template, me), "api.program.create")["program_id"]
    update = {"config": {**template["config"], "framework": ["fw_1"],
                         "frameworkObj": {"code": "fw_1", "name": "Framework", "type": "K-12", "identifier": "fw_1"},
                         "sharedContext": []},
              "targetprimarycategories": CATEGORIES, "targetprimarycategorynames": ["Observation", "Survey"],
              "program_id": program_id}
    assert ok(post(client, "/update", update, me), "api.program.update") == {"program_id": program_id}
    assert ok(post(client, "/publish", {"channel": "sunbird", "program_id": program_id}, me), "api.program.publish") == \
        {"program_id": program_id}
    nomination = {"program_id": program_id, "status": "Pending", "collection_ids": [], "targetprimarycategories": CATEGORIES,
                  "content_types": [], "organisation_id": CONTRIB_ORG, "user_id": CONTRIB_ADMIN}
    added = ok(post(client, "/nomination/add", nomination, me), "api.nomination.add")
    assert added == {"program_id": program_id, "user_id": CONTRIB_ADMIN, "id": added["id"]}
    contributor = {"program_id": program_id, "user_id": CONTRIB_ADMIN, "rolemapping": {"CONTRIBUTOR": [CONTRIBUTOR]}}
    assert ok(post(client, "/nomination/update", contributor, me), "api.nomination.update") == \
        {"program_id": program_id, "user_id": CONTRIB_ADMIN}
    accept = {"program_id": program_id, "user_id": CONTRIB_ADMIN, "status": "Approved", "updatedby": SOURCING_ADMIN}
    ok(post(client, "/nomination/update", accept, me), "api.nomination.update")
    shown = read(client, me, program_id)
    assert (shown["status"], shown["target_type"], shown["targetprimarycategorynames"]) == ("Live", "searchCriteria",
                                                                                          ["Observation", "Survey"])
    [approved] = ok(post(client, "/nomination/list", {"filters": {"program_id": program_id}}, me), "api.nomination.list")
    assert (approved["status"], approved["rolemapping"], approved["targetprimarycategorynames"]) == \
        ("Approved", {"CONTRIBUTOR": [CONTRIBUTOR]}, ["Observation", "Survey"])
    # the contributor now finds it among the programs of their organisation (form C)
    mine = ok(post(client, "/list", {"filters": {"nomination": {
        "user_id": {"eq": CONTRIBUTOR}, "organisation_id": {"eq": CONTRIB_ORG}, "status": ["Approved"],
        "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}}}, me), "api.program.list")
    assert [item["program_id"] for item in mine["programs"]] == [program_id]


def portal_program(me: TenantKey, client: TestClient, **fields: Any) -> str:
    """create-program's saveProgram: the form's values and what it adds."""
    program = {
        "name": "Science worksheets", "description": "For class 6", "nomination_enddate": later(10),
        "shortlisting_enddate": later(11), "enddate": later(30), "content_submission_enddate": later(20),
        "rewards": None, "type": "public", "target_type": "collections", "target_collection_category": ["Digital Textbook"],
        "content_types": [], "targetprimarycategories": CATEGORIES[:1], "sourcing_org_name": "Vidya2", "rootorg_id": ROOT_ORG,
        "createdby": SOURCING_ADMIN, "createdon": later(0), "startdate": later(0), "slug": "sunbird", "guidelines_url": None,
        "status": "Draft", "program_id": "",
        "config": {"defaultContributeOrgReview": False, "board": "CBSE", "medium": ["English"], "gradeLevel": ["Class 6"],
                   "subject": ["Science"], "framework": "ekstep_ncert_k-12", "blueprintMap": {},
                   "roles": [{"id": 1, "name": "CONTRIBUTOR", "tabs": [1], "default": True, "defaultTab": 1}]},
        **fields,
    }
    return str(ok(post(client, "/create", program, me), "api.program.create")["program_id"])


def test_every_program_service_request_of_the_portal(client: TestClient, tenants: Tenants) -> None:
    me = tenants.a_test
    public = portal_program(me, client)
    private = portal_program(me, client, name="Private one", type="private")
    # publishProject: public and restricted through /publish, private through /unlist/publish
    ok(post(client, "/publish", {"program_id": public, "channel": "sunbird"}, me), "api.program.publish")
    ok(post(client, "/unlist/publish", {"program_id": private, "channel": "sunbird"}, me), "api.program.unlist")
    program = ok(client.get(f"{BASE}/read/{public}", headers=me.bearer), "api.program.read")
    assert program["status"] == "Live" and program["targetprimarycategorynames"] == ["Observation"]
    # updateProgram (the form's edit): {request: {...}}
    ok(post(client, "/update", {"program_id": public, "rolemapping": {"REVIEWER": ["r-1"]}, "updatedby": SOURCING_ADMIN}, me),
       "api.program.update")
    # addorUpdateNomination: the nomination list by program and organisation, then add
    nominations = ok(post(client, "/nomination/list", {"filters": {"program_id": public, "organisation_id": CONTRIB_ORG}}, me),
                     "api.nomination.list")
    assert nominations == []
    request = {"program_id": public, "status": "Initiated", "content_types": [], "collection_ids": [],
               "targetprimarycategories": CATEGORIES[:1], "organisation_id": CONTRIB_ORG, "user_id": CONTRIB_ADMIN,
               "createdby": CONTRIB_ADMIN}
    ok(post(client, "/nomination/add", request, me), "api.nomination.add")
    ok(post(client, "/nomination/update", {**request, "status": "Pending", "updatedby": CONTRIB_ADMIN}, me),
       "api.nomination.update")
    # the sourcing admin's nominations page: pending and approved
    listed = ok(post(client, "/nomination/list", {"filters": {"program_id": public, "status": ["Pending", "Approved"]}}, me),
                "api.nomination.list")
    assert [n["organisation_id"] for n in listed] == [CONTRIB_ORG]
    ok(post(client, "/nomination/update", {"program_id": public, "organisation_id": CONTRIB_ORG, "status": "Approved",
                                           "rolemapping": {"CONTRIBUTOR": [CONTRIBUTOR], "REVIEWER": [CONTRIB_ADMIN]},
                                           "updatedby": SOURCING_ADMIN}, me), "api.nomination.update")
    # program-list: all programs for a contributing org admin (form A) and an individual (form D)
    for nomination in ({"organisation_id": {"ne": "another-org"}}, {"user_id": {"ne": "someone"}}):
        result = ok(post(client, "/list", {"filters": {"nomination": nomination, "status": ["Live", "Unlisted"], "type": "public",
                                                       "nomination_enddate": "open"},
                                           "frameworkCategoryFields": FRAMEWORK_FIELDS}, me), "api.program.list")
        assert [p["program_id"] for p in result["programs"]] == [public] and result["count"] == 1
    # my programs: the individual (E), the contributing org admin (B), its contributor (C)
    for nomination, expected in (({"user_id": {"eq": CONTRIB_ADMIN}}, [public]), ({"organisation_id": {"eq": CONTRIB_ORG}}, [public]),
                                 ({"user_id": {"eq": CONTRIBUTOR}, "organisation_id": {"eq": CONTRIB_ORG}, "status": ["Approved"],
                                   "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}, [public])):
        result = ok(post(client, "/list", {"filters": {"nomination": nomination, "status": ["Live", "Unlisted", "Closed"]},
                                           "frameworkCategoryFields": FRAMEWORK_FIELDS}, me), "api.program.list")
        assert [item["program"]["program_id"] for item in result["programs"]] == expected, nomination
    # my programs for the sourcing org: its admin, then a reviewer
    admin = ok(post(client, "/list", {"filters": {"rootorg_id": ROOT_ORG, "status": ["Live", "Unlisted", "Draft", "Closed"],
                                                  "target_type": "collections"},
                                      "frameworkCategoryFields": FRAMEWORK_FIELDS}, me), "api.program.list")
    assert sorted(p["program_id"] for p in admin["programs"]) == sorted([public, private])
    reviewer = ok(post(client, "/list", {"filters": {"status": ["Live", "Unlisted", "Closed"], "role": ["REVIEWER"],
                                                     "user_id": "r-1"},
                                         "frameworkCategoryFields": FRAMEWORK_FIELDS}, me), "api.program.list")
    assert [p["program_id"] for p in reviewer["programs"]] == [public]
    # closeProject and deleteProject
    ok(post(client, "/update", {"program_id": private, "status": "Closed"}, me), "api.program.update")
    ok(post(client, "/update", {"program_id": private, "status": "Retired"}, me), "api.program.update")
    # configuration the portal reads, preferences, tenants, content types, reports
    assert ok(post(client, "/configuration/search", {"key": "projectFeedDays", "status": "active"}, me),
              "api.configuration.search")["configuration"]["value"] == "3"
    assert ok(post(client, "/configuration/search", {"key": "overrideMetaData", "status": "active"}, me),
              "api.configuration.search")["configuration"]["value"].startswith('[{"code":"name"')
    preference = {"user_id": CONTRIBUTOR, "program_id": public, "preference": {"medium": ["English"]}, "type": "contributor"}
    ok(post(client, "/preference/create", preference, me), "api.preference.create")
    assert ok(post(client, "/preference/read", {"user_id": CONTRIBUTOR, "program_id": public}, me),
              "api.preference.read")["contributor_preference"] == {"medium": ["English"]}
    assert ok(post(client, "/tenant/list", {"filters": {"status": "Live"}}, me), "api.program.tenant.list") == \
        {"count": 1, "content": [{"id": ROOT_ORG, "program_count": 1}]}
    assert ok(client.get(BASE + "/contenttypes/list", headers=me.bearer), "api.contenttypes.list")["count"] == 17
    assert ok(post(client, "/list/download", {"filters": {"program_id": [public]}}, me), "api.program.list.download") == \
        {"tableData": [{"program_id": public, "values": []}]}
    stats = ok(post(client, "/nomination/list/download", {"filters": {"program_id": public, "program_name": "Science worksheets",
                                                                      "status": ["Approved"]}}, me),
               "api.nomination.list.download")["stats"]
    assert [set(row) for row in stats] == [{"programName", "name", "type", "textbooks", "sample", "createdon", "status"}]
