"""WebAdMIT routes: whole bodies for identities, their programs and organizations, and
every error a WebAdMIT client can meet."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from programhub.core.keys import service as keys
from programhub.core.listings import service as listings
from programhub.core.orgs import service as orgs
from programhub.core.orgs.models import organisations
from programhub.store import Store
from tests.dialects.webadmit.conftest import Clock
from tests.dialects.webadmit.support import (
    BASE,
    CYCLE,
    MALFORMED_ID,
    make_identity,
    make_program,
    not_found,
    programs_body,
)
from tests.support import Tenants, assert_json_equal, count_queries


def test_user_identities_lists_the_keys_own_identities_in_full(client: TestClient, store: Store, tenants: Tenants) -> None:
    a = tenants.a_test
    first = make_identity(store, a.tenant, type="Association User", association="SOPHAS", institution="Demo University",
                          organization="Demo University School of Public Health", cycle="2014 - 2015")
    make_identity(store, tenants.a_live.tenant)  # other mode
    make_identity(store, tenants.b_test.tenant)  # other organisation
    second = make_identity(store, tenants.a_test.tenant, type="Institution User")

    response = client.get(BASE, headers=tenants.a_test.x_api_key)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "href": "/api/v1/user_identities",
        "user_identities": [
            {"id": first, "type": "Association User", "association": "SOPHAS", "institution": "Demo University",
             "organization": "Demo University School of Public Health", "cycle": "2014 - 2015"},
            {"id": second, "type": "Institution User", "association": None, "institution": "Organisation A",
             "organization": "Organisation A", "cycle": CYCLE},
        ],
    }


def test_no_identities_is_an_empty_list(client: TestClient, tenants: Tenants) -> None:
    response = client.get(BASE, headers=tenants.b_live.x_api_key)
    assert (response.status_code, response.json()) == (200, {"href": BASE, "user_identities": []})


def test_an_unlimited_identity_sees_every_live_program_whichever_api_made_it(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    tenant = tenants.a_test.tenant
    identity = make_identity(store, tenant)
    potions = make_program(store, tenant, "Potions")
    # As Sunbird creates them: a draft with Sunbird's own fields.
    sunbird = make_program(store, tenant, "Sourcing drive", status="draft", program_type="private",
                           content_types=["PracticeQuestionSet"], config={"board": "CBSE"})
    # As Canvas Catalog creates them, with a description, tags and a fee.
    catalog = make_program(store, tenant, "Data Science", description="<p>Learn</p>", tag_names=["data"],
                           enrollment_fee_cents=1500, listing_path="data-science")
    unlisted = make_program(store, tenant, "Quiet program", status="unlisted")
    make_program(store, tenant, "A course", kind="course")
    make_program(store, tenant, "Retired program", status="retired")
    deleted = make_program(store, tenant, "Deleted program")
    with store.write() as conn:
        listings.delete_listing(conn, tenant, deleted)

    response = client.get(f"{BASE}/{identity}/programs", headers=tenants.a_test.x_api_key)

    assert response.status_code == 200
    assert response.json() == programs_body(
        identity,
        [(potions, "Potions"), (sunbird, "Sourcing drive"), (catalog, "Data Science"), (unlisted, "Quiet program")],
        "Organisation A",
    )


def test_a_program_made_later_appears_for_unlimited_identities_only(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    tenant = tenants.a_test.tenant
    potions = make_program(store, tenant, "Potions")
    everything = make_identity(store, tenant)
    only_potions = make_identity(store, tenant, program_ids=[potions])
    herbology = make_program(store, tenant, "Herbology")

    headers = tenants.a_test.x_api_key
    assert client.get(f"{BASE}/{everything}/programs", headers=headers).json() == programs_body(
        everything, [(potions, "Potions"), (herbology, "Herbology")], "Organisation A")
    assert client.get(f"{BASE}/{only_potions}/programs", headers=headers).json() == programs_body(
        only_potions, [(potions, "Potions")], "Organisation A")


def test_a_limited_identity_sees_only_its_programs_while_they_are_live(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    tenant = tenants.a_test.tenant
    ids = [make_program(store, tenant, f"WebAdmitProgram {n}") for n in range(4)]
    identity = make_identity(store, tenant, organization="Hogwarts School of Witchcraft and Wizardry",
                             program_ids=[ids[2], ids[0], ids[2]])
    nothing = make_identity(store, tenant, program_ids=[])
    url = f"{BASE}/{identity}/programs"
    headers = tenants.a_test.x_api_key

    assert client.get(url, headers=headers).json() == programs_body(
        identity, [(ids[0], "WebAdmitProgram 0"), (ids[2], "WebAdmitProgram 2")], "Hogwarts School of Witchcraft and Wizardry")

    with store.write() as conn:
        listings.update(conn, tenant, ids[0], {"status": "retired", "name": "Renamed"})
        listings.update(conn, tenant, ids[2], {"name": "WebAdmitProgram 2, renamed"})
    assert client.get(url, headers=headers).json() == programs_body(
        identity, [(ids[2], "WebAdmitProgram 2, renamed")], "Hogwarts School of Witchcraft and Wizardry")

    with store.write() as conn:
        listings.delete_listing(conn, tenant, ids[2])
        listings.update(conn, tenant, ids[0], {"status": "live"})  # reactivated: granted still
    assert client.get(url, headers=headers).json() == programs_body(
        identity, [(ids[0], "Renamed")], "Hogwarts School of Witchcraft and Wizardry")
    assert client.get(f"{BASE}/{nothing}/programs", headers=headers).json() == programs_body(nothing, [], "Organisation A")


def test_names_reach_the_client_exactly_whatever_they_contain(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    """The database builds the list's JSON: quotes, backslashes, control characters and
    any Unicode come out as the same strings, and ids as integers."""
    tenant = tenants.a_test.tenant
    names = ['Quote " and \\ back', "Line\nbreak\tand tab\u0001", "Ünïcode ✓ 🧪", "'; DROP TABLE listings; --"]
    ids = [make_program(store, tenant, name) for name in names]
    organization = 'The "Hogwarts" \\ School\n'
    identity = make_identity(store, tenant, organization=organization)
    limited = make_identity(store, tenant, organization=organization, program_ids=ids[::-1])
    for who in (identity, limited):
        response = client.get(f"{BASE}/{who}/programs", headers=tenants.a_test.x_api_key)
        assert_json_equal(response.json(), programs_body(who, list(zip(ids, names, strict=True)), organization))


def test_organizations_of_an_identity(client: TestClient, store: Store, tenants: Tenants) -> None:
    a = tenants.a_test
    labelled = make_identity(store, a.tenant, association="SOPHAS", organization="School of Public Health",
                             cycle="2024 - 2025")
    plain = make_identity(store, a.tenant)

    response = client.get(f"{BASE}/{labelled}/organizations", headers=a.x_api_key)
    assert response.status_code == 200
    assert response.json() == {
        "href": f"{BASE}/{labelled}/organizations",
        "organizations": [{"id": a.tenant.org_id, "name": "School of Public Health", "cycle_name": "2024 - 2025",
                           "association_name": "SOPHAS", "cas3": True,
                           "config_portal_identifier": str(a.tenant.org_id)}],
    }
    assert client.get(f"{BASE}/{plain}/organizations", headers=a.x_api_key).json() == {
        "href": f"{BASE}/{plain}/organizations",
        "organizations": [{"id": a.tenant.org_id, "name": "Organisation A", "cycle_name": CYCLE,
                           "association_name": None, "cas3": True,
                           "config_portal_identifier": str(a.tenant.org_id)}],
    }


def test_the_organisation_name_follows_a_rename(client: TestClient, store: Store, tenants: Tenants) -> None:
    """Without its own label an identity shows its organisation's current name."""
    a = tenants.a_test
    identity = make_identity(store, a.tenant)
    program = make_program(store, a.tenant, "Potions")
    with store.write() as conn:
        conn.execute(organisations.update().where(organisations.c.id == a.tenant.org_id).values(name="Hogwarts"))
    assert client.get(f"{BASE}/{identity}/programs", headers=a.x_api_key).json() == programs_body(
        identity, [(program, "Potions")], "Hogwarts")


@pytest.mark.parametrize("route", ["programs", "organizations"])
@pytest.mark.parametrize("raw", ["999", "0", "-1", "2147483648", "99999999999999999999999999", "0000000999"])
def test_an_unknown_identity_is_404_in_webadmits_words(
    client: TestClient, tenants: Tenants, route: str, raw: str
) -> None:
    response = client.get(f"{BASE}/{raw}/{route}", headers=tenants.a_test.x_api_key)
    assert response.status_code == 404
    shown = str(int(raw)) if 0 < int(raw) <= 2**31 - 1 else raw
    assert response.json() == not_found(shown)


@pytest.mark.parametrize("route", ["programs", "organizations"])
@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "+1", "%201", "0x10", "%E2%91%A0", "%D9%A3", "1_000", "%00"])
def test_a_malformed_identity_id_is_422(client: TestClient, store: Store, tenants: Tenants, route: str, raw: str) -> None:
    make_identity(store, tenants.a_test.tenant)
    response = client.get(f"{BASE}/{raw}/{route}", headers=tenants.a_test.x_api_key)
    assert (response.status_code, response.json()) == (422, {"errors": {"schema": [MALFORMED_ID]}})


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# No "%" and no dot segments: the test client decodes paths twice ("%252F" reaches the
# app as "/") and resolves "." and ".." before sending (servers decode once, resolve none).
@given(raw=st.one_of(st.text(min_size=1, max_size=40).filter(lambda text: "%" not in text and text not in (".", "..")),
                    st.sampled_from(["/", "1/2", "1/"]),
                    st.integers().map(str), st.from_regex(r"-?[0-9]{1,30}", fullmatch=True)))
def test_any_identity_id_gets_a_documented_answer(client: TestClient, tenants: Tenants, raw: str) -> None:
    """Whatever a client puts where the id goes: 404 or 422 in WebAdMIT's words (or the
    legacy 404 when it spans path segments), never a 500."""
    path = f"{BASE}/{quote(raw, safe='')}/programs"
    response = client.get(path, headers=tenants.a_test.x_api_key)
    body = response.json()
    if response.status_code == 422:
        assert body == {"errors": {"schema": [MALFORMED_ID]}}
    else:
        assert response.status_code == 404, (raw, response.status_code, body)
        if "/" in raw:  # the id spans path segments: no such route
            assert body == {"message": "Not Found"}
        else:
            assert body == not_found(str(int(raw)) if 0 < int(raw) < 2**31 else raw)


@pytest.mark.parametrize(
    "path", [f"{BASE}/1", f"{BASE}/1/programs/1", f"{BASE}/1/nope", f"{BASE}/abc/pdf_manager_batches"]
)
def test_unknown_paths_get_the_legacy_not_found(client: TestClient, store: Store, tenants: Tenants, path: str) -> None:
    make_identity(store, tenants.a_test.tenant)
    response = client.get(path, headers=tenants.a_test.x_api_key, follow_redirects=False)
    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})


def test_other_methods_are_405_in_the_legacy_shape(client: TestClient, tenants: Tenants) -> None:
    for response in (client.post(BASE, headers=tenants.a_test.x_api_key, json={}),
                     client.delete(f"{BASE}/1/programs", headers=tenants.a_test.x_api_key)):
        assert (response.status_code, response.json()) == (405, {"message": "Method Not Allowed"})


def test_missing_unknown_malformed_and_revoked_keys_get_401_with_an_empty_body(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    identity = make_identity(store, tenants.a_test.tenant)
    with store.write() as conn:
        keys.revoke(conn, tenants.a_live.key_id)
    attempts = [
        {},
        {"x-api-key": ""},
        {"x-api-key": "sk_test_" + "0" * 40},
        {"x-api-key": "0123456789abcdef0123456789abcdef"},
        {"x-api-key": tenants.a_live.key},
        {"Authorization": "Basic Zm9vOmJhcg=="},
    ]
    for headers in attempts:
        for path in (BASE, f"{BASE}/{identity}/programs", f"{BASE}/{identity}/organizations", f"{BASE}/abc/programs"):
            response = client.get(path, headers=headers)
            assert (response.status_code, response.content) == (401, b""), (headers, path)
            assert "x-ratelimit-limit" not in response.headers and "x-ratelimit-remaining" not in response.headers


def test_a_suspended_organisation_gets_403_with_an_empty_body(client: TestClient, store: Store, tenants: Tenants) -> None:
    with store.write() as conn:
        orgs.set_state(conn, tenants.b_test.org, "suspended")
    response = client.get(BASE, headers=tenants.b_test.x_api_key)
    assert (response.status_code, response.content) == (403, b"")
    assert "x-ratelimit-remaining" not in response.headers


def test_the_key_works_in_any_header_spelling(client: TestClient, tenants: Tenants) -> None:
    for name in ("x-api-key", "X-API-KEY", "X-Api-Key"):
        assert client.get(BASE, headers={name: tenants.a_test.key}).status_code == 200


def test_lists_cost_a_constant_number_of_queries(
    client: TestClient, store: Store, tenants: Tenants, clock: Clock
) -> None:
    """auth, rate-limit count (one statement), then one query per kind of thing, whatever
    the count."""
    a = tenants.a_test
    client.get(BASE, headers=a.x_api_key)  # last_used_at and the hour's first count are written now

    def cost(path: str) -> int:
        with count_queries(store) as statements:
            assert client.get(path, headers=a.x_api_key).status_code == 200
        return len(statements)

    one = make_program(store, a.tenant, "Only")
    unlimited, limited = make_identity(store, a.tenant), make_identity(store, a.tenant, program_ids=[one])
    small = [cost(BASE), cost(f"{BASE}/{unlimited}/programs"), cost(f"{BASE}/{limited}/programs"),
             cost(f"{BASE}/{unlimited}/organizations")]
    more = [make_program(store, a.tenant, f"WebAdmitProgram {n}") for n in range(30)]
    for _ in range(10):
        make_identity(store, a.tenant, program_ids=more)
    limited_many = make_identity(store, a.tenant, program_ids=more)
    large = [cost(BASE), cost(f"{BASE}/{unlimited}/programs"), cost(f"{BASE}/{limited_many}/programs"),
             cost(f"{BASE}/{unlimited}/organizations")]
    assert small == large == [3, 4, 4, 3]


def test_routes_describe_themselves_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    identities = paths[BASE]["get"]
    programs = paths[f"{BASE}/{{user_identity_id}}/programs"]["get"]
    organizations = paths[f"{BASE}/{{user_identity_id}}/organizations"]["get"]
    assert set(identities["responses"]) == {"200", "401", "403", "429", "503"}
    for operation in (programs, organizations):
        assert set(operation["responses"]) == {"200", "401", "403", "404", "422", "429", "503"}
        assert operation["parameters"][0]["schema"]["type"] == "integer"
        assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/WebAdmitSchemaErrors"}
    assert programs["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WebAdmitProgramList"}
    assert set(identities["responses"]["429"]["headers"]) == {"X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After"}
