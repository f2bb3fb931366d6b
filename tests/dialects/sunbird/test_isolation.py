"""Two organisations, both modes, look-alike programs and nominations: every Sunbird read
shows the caller's rows only, and others' ids are RESOURCE_NOT_FOUND on every route."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.dialects.sunbird.support import BASE, create, failure, list_programs, post, read
from tests.support import TenantKey, Tenants

FORMS: list[dict[str, Any]] = [
    {},
    {"status": ["Draft", "Live", "Unlisted", "Retired"]},
    {"name": "shared"},
    {"medium": "Hindi"},
    {"nomination": {"organisation_id": {"ne": "O-none"}}},
    {"nomination": {"organisation_id": {"eq": "O1"}}},
    {"nomination": {"user_id": {"eq": "u-1"}, "organisation_id": {"eq": "O1"}, "status": ["Approved"], "roles": {"or": ["REVIEWER"]}}},
    {"nomination": {"user_id": {"ne": "u-none"}}, "type": "public"},
    {"nomination": {"user_id": {"eq": "u-9"}}},
]


def _seed(client: TestClient, who: TenantKey) -> str:
    program_id = create(client, who, name="Shared Name", description=who.key_id, config={"medium": ["Hindi"]})
    for fields in ({"organisation_id": "O1", "user_id": "u-1", "rolemapping": {"REVIEWER": ["u-1"]}}, {"user_id": "u-9"}):
        response = post(client, "/nomination/add", {"program_id": program_id, "status": "Approved", **fields}, who)
        assert response.status_code == 200, response.json()
    return program_id


def _program_ids(result: dict[str, Any]) -> set[str]:
    return {item["program_id"] for item in result["programs"]}


def test_sunbird_reads_never_cross_tenants(client: TestClient, tenants: Tenants) -> None:
    programs = {who.key_id: _seed(client, who) for who in tenants.all()}
    for me in tenants.all():
        mine = programs[me.key_id]
        assert read(client, me, mine)["description"] == me.key_id
        for form in FORMS:
            result = list_programs(client, me, form)
            assert _program_ids(result) == {mine}, (me.key_id, form)
        assert list_programs(client, me, {"program_id": list(programs.values())})["count"] == 1
        response = post(client, "/nomination/list", {"filters": {}}, me)
        assert {n["program_id"] for n in response.json()["result"]} == {mine}
        assert len(response.json()["result"]) == 2
        for other in tenants.all():
            if other is me:
                continue
            theirs = programs[other.key_id]
            failure(client.get(f"{BASE}/read/{theirs}", headers=me.bearer), 404, "api.program.read", "ERR_PROGRAM_NOT_FOUND",
                    f"Program {theirs} not found.", code="RESOURCE_NOT_FOUND")
            assert list_programs(client, me, {"program_id": theirs}) == {"count": 0, "programs": []}
            assert post(client, "/nomination/list", {"filters": {"program_id": theirs}}, me).json()["result"] == []


def test_sunbird_writes_never_reach_other_tenants(client: TestClient, tenants: Tenants) -> None:
    programs = {who.key_id: _seed(client, who) for who in tenants.all()}
    me = tenants.a_test
    for other in (tenants.a_live, tenants.b_test, tenants.b_live):
        theirs = programs[other.key_id]
        before = read(client, other, theirs)
        nominations_before = post(client, "/nomination/list", {"filters": {}}, other).json()["result"]
        for path, request in [
            ("/update", {"program_id": theirs, "name": "Taken"}),
            ("/publish", {"program_id": theirs}),
            ("/unlist", {"program_id": theirs}),
            ("/delete", {"program_id": theirs}),
            ("/nomination/add", {"program_id": theirs, "user_id": "u-5", "status": "Pending"}),
            ("/nomination/update", {"program_id": theirs, "organisation_id": "O1", "status": "Rejected"}),
            ("/nomination/remove", {"program_id": theirs, "organisation_id": "O1"}),
        ]:
            api = "api.nomination." + path.split("/")[-1] if path.startswith("/nomination") else "api.program." + path[1:]
            failure(post(client, path, request, me), 404, api, "ERR_PROGRAM_NOT_FOUND", f"Program {theirs} not found.",
                    code="RESOURCE_NOT_FOUND")
        assert read(client, other, theirs) == before
        assert post(client, "/nomination/list", {"filters": {}}, other).json()["result"] == nominations_before


def test_the_reference_routes_never_cross_tenants(client: TestClient, tenants: Tenants) -> None:
    """/nomination/list aggregates, /tenant/list, the downloads, preferences and the gateway
    prefixes: only the caller's rows; others' program ids are unknown."""
    programs = {}
    for who in tenants.all():
        programs[who.key_id] = program_id = _seed(client, who)
        assert post(client, "/update", {"program_id": program_id, "rootorg_id": "root-shared"}, who).status_code == 200
        assert post(client, "/preference/create", {"program_id": program_id, "user_id": "u-1",
                                                   "preference": {"who": who.key_id}}, who).status_code == 200
    for me in tenants.all():
        mine = programs[me.key_id]
        facets = post(client, "/nomination/list", {"filters": {}, "facets": ["program_id"]}, me).json()["result"]
        assert facets == [{"program_id": mine, "count": 2}]
        aggregate = post(client, "/nomination/list", {"filters": {}, "limit": 0, "fields": ["status"]}, me).json()["result"]
        assert aggregate == {"nomination": {"count": 2, "fields": [{"name": "status", "fields": {"Approved": 2}}]}}
        tenants_list = post(client, "/tenant/list", {}, me).json()["result"]
        assert tenants_list == {"count": 1, "content": [{"id": "root-shared", "program_count": 1}]}
        downloads = post(client, "/list/download", {"filters": {"program_id": list(programs.values())}}, me).json()["result"]
        assert downloads == {"tableData": [{"program_id": mine, "values": []}]}
        preference = post(client, "/preference/read", {"program_id": mine, "user_id": "u-1"}, me).json()["result"]
        assert preference["contributor_preference"] == {"who": me.key_id}
        via_gateway = client.post("/api/program/v1/nomination/list", json={"request": {"filters": {}}}, headers=me.bearer)
        assert {n["program_id"] for n in via_gateway.json()["result"]} == {mine}
        for other in tenants.all():
            if other is me:
                continue
            theirs = programs[other.key_id]
            stats = post(client, "/nomination/list/download",
                         {"filters": {"program_id": theirs, "program_name": "x", "status": "Approved"}}, me).json()["result"]
            assert stats == {"stats": []}
            failure(post(client, "/preference/read", {"program_id": theirs, "user_id": "u-1"}, me), 404, "api.preference.read",
                    "ERR_PROGRAM_NOT_FOUND", f"Program {theirs} not found.", code="RESOURCE_NOT_FOUND")
            failure(post(client, "/preference/create", {"program_id": theirs, "user_id": "u-1", "preference": {}}, me), 404,
                    "api.preference.create", "ERR_PROGRAM_NOT_FOUND", f"Program {theirs} not found.", code="RESOURCE_NOT_FOUND")
            failure(client.get(f"/content/program/v1/read/{theirs}", headers=me.bearer), 404, "api.program.read",
                    "ERR_PROGRAM_NOT_FOUND", f"Program {theirs} not found.", code="RESOURCE_NOT_FOUND")
