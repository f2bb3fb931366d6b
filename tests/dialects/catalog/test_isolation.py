"""Two organisations, both modes, look-alike data: every Catalog read shows a key its own
rows only, and every id of another tenant is 404, exactly like an id that never existed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from programhub.core.listings import service as listings
from programhub.store import Store
from tests.dialects.catalog.support import API, error
from tests.support import TenantKey, Tenants

NOT_FOUND = error("The specified resource does not exist.")


def _lookalikes(client: TestClient, store: Store, key: TenantKey) -> dict[str, int]:
    """The same names, paths and catalog name in every tenant; the description tells them apart."""
    catalog = client.post(f"{API}/catalogs", json={"account": {"name": "Same Catalog", "url": "https://same.example"}},
                          headers=key.token).json()["account"]["id"]
    with store.write() as conn:
        course = listings.create(conn, key.tenant, "course", {"name": "Same Course", "listing_path": "same",
                                                              "description": key.key_id, "catalog_id": catalog, "credits": 3})
        program = listings.create(conn, key.tenant, "program", {"name": "Same Program", "listing_path": "same",
                                                                "description": key.key_id, "tag_names": ["same"]})
        listings.set_requirements(conn, key.tenant, program, [course])
    return {"program": program, "course": course, "catalog": catalog}


def test_catalog_reads_never_cross_tenants(client: TestClient, store: Store, tenants: Tenants) -> None:
    ids = {key.key_id: _lookalikes(client, store, key) for key in tenants.all()}
    for me in tenants.all():
        mine = ids[me.key_id]
        for query in ("", "?query=same", "?listing_path=same", "?is_enrollable=true", f"?description={me.key_id}"):
            programs = client.get(f"{API}/programs{query}", headers=me.token).json()["programs"]
            assert [(p["id"], p["description"]) for p in programs] == [(mine["program"], me.key_id)]
            assert [r["id"] for r in programs[0]["requirements"]] == [mine["course"]]
            courses = client.get(f"{API}/courses{query}", headers=me.token).json()["courses"]
            assert [(c["id"], c["description"]) for c in courses] == [(mine["course"], me.key_id)]
        catalogs = client.get(f"{API}/catalogs", headers=me.token).json()["catalogs"]
        assert [c["name"] for c in catalogs] == [me.tenant.org_name, "Same Catalog"]
        assert catalogs[1]["id"] == mine["catalog"]
        for other in tenants.all():
            theirs = ids[other.key_id]
            for kind in ("program", "course", "catalog"):
                response = client.get(f"{API}/{kind}s/{theirs[kind]}", headers=me.token)
                if other is me:
                    assert response.status_code == 200
                    assert response.json()["account" if kind == "catalog" else kind]["id"] == theirs[kind]
                else:
                    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_writes_cannot_reach_another_tenants_rows(client: TestClient, store: Store, tenants: Tenants) -> None:
    ids = {key.key_id: _lookalikes(client, store, key) for key in tenants.all()}
    me, them = tenants.a_test, ids[tenants.a_live.key_id]
    assert client.put(f"{API}/programs/{them['program']}", json={"program": {"title": "Stolen"}}, headers=me.token).json() == NOT_FOUND
    assert client.delete(f"{API}/courses/{them['course']}", headers=me.token).json() == NOT_FOUND
    moved = client.put(f"{API}/programs/{ids[me.key_id]['program']}", json={"program": {"account_id": them["catalog"]}},
                       headers=me.token)
    assert moved.json() == error(f"account_id: no catalog with id {them['catalog']}", "account_id")
    archived = client.post(f"{API}/programs/archived", json={"product_action": "archive", "product_ids": [them["program"]]},
                           headers=me.token)
    assert archived.json()["failed_product_ids"] == [them["program"]]
    for key in tenants.all():
        programs = client.get(f"{API}/programs", headers=key.token).json()["programs"]
        assert [(p["title"], p["catalog"]["name"]) for p in programs] == [("Same Program", key.tenant.org_name)]


def test_learner_reads_never_cross_tenants(client: TestClient, store: Store, tenants: Tenants) -> None:
    """The same email, user and course names in every tenant: each key lists and reads its
    own users, enrollments and applicants only; every other tenant's id is 404."""
    ids: dict[str, dict[str, int]] = {}
    for key in tenants.all():
        course = client.post(f"{API}/courses", json={"course": {"title": "Same", "enrollment_cap": 1, "waitlist": True}},
                             headers=key.token).json()["course"]["id"]
        users = [client.post(f"{API}/users", json={"user": {"email_address": f"same{n}@example.com", "canvas_user_id": 7}},
                             headers=key.token).json()["user"]["id"] for n in range(2)]
        enrolled = client.post(f"{API}/enrollments", json={"user_id": users[0], "listing_id": course}, headers=key.token)
        waiting = client.post(f"{API}/enrollments", json={"user_id": users[1], "listing_id": course}, headers=key.token)
        ids[key.key_id] = {"user": users[0], "enrollment": enrolled.json()["enrollment"]["id"],
                           "applicant": waiting.json()["applicant"]["id"], "course": course}
    for me in tenants.all():
        mine = ids[me.key_id]
        for query in ("", "?canvas_user_id=7"):
            users = client.get(f"{API}/users{query}", headers=me.token).json()["users"]
            assert [u["email_address"] for u in users] == ["same0@example.com", "same1@example.com"]
            assert users[0]["id"] == mine["user"]
        for query in ("", "?canvas_user_id=7", f"?listing_id={mine['course']}"):
            listed = client.get(f"{API}/enrollments{query}", headers=me.token).json()["enrollments"]
            assert [e["id"] for e in listed] == [mine["enrollment"]]
        applicants = client.get(f"{API}/applicants?status=waitlist", headers=me.token).json()["applicants"]
        assert [a["id"] for a in applicants] == [mine["applicant"]]
        for other in tenants.all():
            theirs = ids[other.key_id]
            for path, root, wanted in (
                (f"/users/{theirs['user']}", "user", theirs["user"]),
                (f"/user_registrations/{theirs['user']}", "user_registration", theirs["user"]),
                (f"/enrollments/{theirs['enrollment']}", "enrollment", theirs["enrollment"]),
                (f"/applicants/{theirs['applicant']}", "applicant", theirs["applicant"]),
            ):
                response = client.get(f"{API}{path}", headers=me.token)
                if other is me:
                    assert response.json()[root]["id"] == wanted
                else:
                    assert (response.status_code, response.json()) == (404, NOT_FOUND)
            if other is not me:
                listed = client.get(f"{API}/enrollments?listing_id={theirs['course']}", headers=me.token).json()
                assert listed == {"enrollments": []}
