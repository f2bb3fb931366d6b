"""WebAdMIT admissions routes: applicants by CAS ID, designations, decisions, custom fields
and answers, whole bodies in WebAdMIT's documented shapes, with every refusal in its
words; programhub's extension routes that create what WebAdMIT's own screens would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from programhub.core.admissions import service as admissions
from programhub.core.admissions.service import OutcomeChange
from programhub.store import Store
from tests.dialects.webadmit.support import BASE, make_identity, make_program
from tests.support import TenantKey, Tenants, assert_json_equal, count_queries


@dataclass
class World:
    key: TenantKey
    identity: int
    potions: int
    charms: int
    admit: int
    deny: int
    status: int
    house: int
    age: int

    @property
    def headers(self) -> dict[str, str]:
        return self.key.x_api_key

    def applicant(self, cas_id: str = "3", program: int | None = None) -> str:
        return f"{BASE}/{self.identity}/programs/{program or self.potions}/applicants_by_cas_id/{cas_id}"


def post(client: TestClient, path: str, body: Any, headers: dict[str, str], status: int = 201) -> Any:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def make_world(client: TestClient, store: Store, key: TenantKey) -> World:
    """Through the routes (extensions included): two programs, an identity, decisions, a
    local status, two custom fields of Potions, applicant 3 in both programs, 4 in Charms."""
    potions, charms = make_program(store, key.tenant, "Potions"), make_program(store, key.tenant, "Charms")
    identity = make_identity(store, key.tenant, organization="Hogwarts School of Witchcraft and Wizardry")
    h = key.x_api_key
    admit = post(client, f"{BASE}/{identity}/decisions", {"decision": {"name": "Offer Accepted", "outcome": "admit"}}, h)
    deny = post(client, f"{BASE}/{identity}/decisions", {"decision": {"name": "Denied", "outcome": "deny"}}, h)
    status = post(client, f"{BASE}/{identity}/local_statuses", {"local_status": {"title": "Deposit Made"}}, h)
    fields = f"{BASE}/{identity}/programs/{potions}/custom_fields"
    house = post(client, fields, {"custom_field": {"label": "Preferred house", "field_type": "select",
                                                   "options": ["Gryffindor", "Hufflepuff", "Ravenclaw", "Slytherin"]}}, h)
    age = post(client, fields, {"custom_field": {"label": "Age at admittance", "field_type": "number"}}, h)
    for cas_id, programs in (("3", [potions, charms]), ("4", [charms])):
        post(client, f"{BASE}/{identity}/applicants", {"applicant": {
            "cas_id": cas_id, "email": f"applicant{cas_id}@example.edu", "first_name": "Harry", "last_name": "Potter",
            "program_ids": programs}}, h)
    return World(key, identity, potions, charms, admit["decision"]["id"], deny["decision"]["id"],
                 status["local_status"]["id"], house["custom_field"]["id"], age["custom_field"]["id"])


@pytest.fixture
def world(client: TestClient, store: Store, tenants: Tenants) -> World:
    return make_world(client, store, tenants.a_test)


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[OutcomeChange]:
    seen: list[OutcomeChange] = []
    monkeypatch.setattr(admissions, "outcome_changed", lambda conn, tenant, changes, now: seen.extend(changes))
    return seen


def schema(*messages: str) -> dict[str, Any]:
    return {"errors": {"schema": list(messages)}}


def test_the_extension_routes_answer_what_they_made(client: TestClient, store: Store, tenants: Tenants) -> None:
    key = tenants.a_test
    program = make_program(store, key.tenant, "Potions")
    identity = make_identity(store, key.tenant)
    h = key.x_api_key
    decision = post(client, f"{BASE}/{identity}/decisions", {"decision": {"name": "Offer Accepted", "outcome": "admit"}}, h)
    assert decision == {"decision": {"id": decision["decision"]["id"], "name": "Offer Accepted", "outcome": "admit"}}
    status = post(client, f"{BASE}/{identity}/local_statuses", {"local_status": {"title": "Deposit Made"}}, h)
    assert status == {"local_status": {"id": status["local_status"]["id"], "title": "Deposit Made"}}
    field = post(client, f"{BASE}/{identity}/programs/{program}/custom_fields",
                 {"custom_field": {"label": "Citizen", "field_type": "boolean"}}, h)
    assert field == {"custom_field": {"id": field["custom_field"]["id"], "label": "Citizen", "field_type": "boolean",
                                      "options": None}}
    applicant = post(client, f"{BASE}/{identity}/applicants", {"applicant": {
        "cas_id": "42", "email": "hermione@example.edu", "first_name": "Hermione", "last_name": "Granger",
        "program_ids": [program]}}, h)
    assert applicant == {"applicant": {
        "cas_id": "42", "email": "hermione@example.edu", "first_name": "Hermione", "last_name": "Granger",
        "designations": [{"program_id": program,
                          "href": f"{BASE}/{identity}/programs/{program}/applicants_by_cas_id/42/designation"}]}}
    # what is taken already, per field, as Rails says it
    assert post(client, f"{BASE}/{identity}/applicants", {"applicant": {
        "cas_id": "42", "email": "h@example.edu", "first_name": "H", "last_name": "G", "program_ids": []}}, h, 422) == {
        "errors": {"cas_id": ["has already been taken"]}}
    assert post(client, f"{BASE}/{identity}/decisions", {"decision": {"name": "Offer Accepted", "outcome": "none"}},
                h, 422) == {"errors": {"name": ["has already been taken"]}}
    assert post(client, f"{BASE}/{identity}/programs/{program}/custom_fields",
                {"custom_field": {"label": "House", "field_type": "string", "options": ["A"]}}, h, 422) == {
        "errors": {"options": ["options are only for a select field"]}}
    other = make_program(store, tenants.b_test.tenant, "Theirs")
    assert post(client, f"{BASE}/{identity}/applicants", {"applicant": {
        "cas_id": "43", "email": "h@example.edu", "first_name": "H", "last_name": "G", "program_ids": [other]}},
        h, 404) == schema(f"Program '{other}' not found.")


def test_an_applicant_shows_its_designation_and_a_decision_round_trips(
    client: TestClient, world: World, outcomes: list[OutcomeChange]
) -> None:
    h = world.headers
    response = client.get(world.applicant(), headers=h)
    assert response.status_code == 200
    assert_json_equal(response.json(), {"applicant": {
        "href": world.applicant(), "cas_id": "3", "decision": None, "local_status": None}})
    response = client.patch(world.applicant(), json={"applicant": {"decision_id": world.admit}}, headers=h)
    assert (response.status_code, response.json()) == (200, {"applicant": {
        "href": world.applicant(), "cas_id": "3", "decision": {"id": world.admit, "name": "Offer Accepted"},
        "local_status": None}})
    assert client.get(world.applicant() + "/designation", headers=h).json() == {"designation": {
        "href": world.applicant() + "/designation", "decisions_href": f"{BASE}/{world.identity}/decisions",
        "decision": {"id": world.admit, "name": "Offer Accepted"}, "local_status": None}}
    # the designation's PATCH answers without an envelope, as WebAdMIT documents it
    response = client.patch(world.applicant() + "/designation", json={"designation": {"decision_id": None}}, headers=h)
    assert (response.status_code, response.json()) == (200, {
        "href": world.applicant() + "/designation", "decisions_href": f"{BASE}/{world.identity}/decisions",
        "decision": None, "local_status": None})
    assert [(c.before, c.after, c.email, c.listing_id) for c in outcomes] == [
        ("none", "admit", "applicant3@example.edu", world.potions), ("admit", "none", "applicant3@example.edu", world.potions)]
    # the other program's designation of the same applicant was never touched
    assert client.get(world.applicant(program=world.charms), headers=h).json()["applicant"]["decision"] is None


def test_a_decision_cannot_be_set_over_a_local_status(client: TestClient, world: World) -> None:
    h = world.headers
    designation = world.applicant() + "/designation"
    response = client.patch(designation, json={"designation": {"local_status_id": world.status}}, headers=h)
    assert response.json()["local_status"] == {"id": world.status, "title": "Deposit Made"}
    refused = {"errors": {"decision_id": ["Can't set the decision_id when the local_status is not null"]}}
    for path, body in ((designation, {"designation": {"decision_id": world.admit}}),
                       (world.applicant(), {"applicant": {"decision_id": world.admit}})):
        response = client.patch(path, json=body, headers=h)
        assert (response.status_code, response.json()) == (422, refused)
    assert client.get(designation, headers=h).json()["designation"]["decision"] is None
    cleared = client.patch(designation, json={"designation": {"local_status_id": None, "decision_id": None}}, headers=h)
    assert cleared.status_code == 422  # the decision is checked against the status it had
    client.patch(designation, json={"designation": {"local_status_id": None}}, headers=h)
    assert client.patch(designation, json={"designation": {"decision_id": world.deny}}, headers=h).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"designation": {"decision_id": "43"}},
         "The property '#/designation/decision_id' of type String did not match the following type: integer"),
        ({"designation": {"decision_id": 4.5}},
         "The property '#/designation/decision_id' of type Float did not match the following type: integer"),
        ({"designation": {"decision_id": True}},
         "The property '#/designation/decision_id' of type TrueClass did not match the following type: integer"),
        ({"designation": "43"}, "The property '#/designation' of type String did not match the following type: object"),
        ([1], "The property '#/' of type Array did not match the following type: object"),
    ],
)
def test_a_designation_body_is_checked_in_webadmits_words(
    client: TestClient, world: World, body: Any, message: str
) -> None:
    response = client.patch(world.applicant() + "/designation", json=body, headers=world.headers)
    assert (response.status_code, response.json()) == (422, schema(message))


def test_what_does_not_exist_is_named_as_webadmit_names_it(
    client: TestClient, store: Store, world: World, tenants: Tenants
) -> None:
    h = world.headers
    theirs = make_identity(store, tenants.b_test.tenant)
    for path, message in (
        (f"{BASE}/999999/programs/{world.potions}/applicants_by_cas_id/3", "User identity '999999' not found."),
        (f"{BASE}/{theirs}/programs/{world.potions}/applicants_by_cas_id/3", f"User identity '{theirs}' not found."),
        (f"{BASE}/{world.identity}/programs/99999999999/applicants_by_cas_id/3", "Program '99999999999' not found."),
        (world.applicant("88888888888"), "Applicant '88888888888' not found."),
        (world.applicant("4"), "Applicant '4' not found."),  # in Charms only
        (world.applicant("3x"), "Applicant '3x' not found."),
        (world.applicant() + "/custom_field_answers/42", "CustomeField '42' not found."),
        (world.applicant("4", world.charms) + f"/custom_field_answers/{world.house}", f"CustomeField '{world.house}' not found."),
        (f"{BASE}/{world.identity}/programs/99999999999/custom_fields", "Program '99999999999' not found."),
    ):
        response = client.get(path, headers=h)
        assert (response.status_code, response.json()) == (404, schema(message)), path
    response = client.patch(world.applicant() + "/designation", json={"designation": {"decision_id": 99}}, headers=h)
    assert (response.status_code, response.json()) == (404, schema("Decision '99' not found."))
    response = client.get(f"{BASE}/{world.identity}/programs/abc/custom_fields", headers=h)
    assert (response.status_code, response.json()) == (422, schema(
        "The property '#/program_id' of type String did not match the following type: integer"))
    assert client.get(world.applicant(), headers={}).content == b""


def test_decisions_and_custom_fields_list_in_full(client: TestClient, world: World) -> None:
    h = world.headers
    assert client.get(f"{BASE}/{world.identity}/decisions", headers=h).json() == {
        "href": f"{BASE}/{world.identity}/decisions",
        "decisions": [{"id": world.admit, "name": "Offer Accepted"}, {"id": world.deny, "name": "Denied"}]}
    path = f"{BASE}/{world.identity}/programs/{world.potions}/custom_fields"
    assert client.get(path, headers=h).json() == {"href": path, "custom_fields": [
        {"id": world.house, "label": "Preferred house", "field_type": "select",
         "options": ["Gryffindor", "Hufflepuff", "Ravenclaw", "Slytherin"]},
        {"id": world.age, "label": "Age at admittance", "field_type": "number", "options": None}]}
    assert client.get(f"{BASE}/{world.identity}/programs/{world.charms}/custom_fields", headers=h).json() == {
        "href": f"{BASE}/{world.identity}/programs/{world.charms}/custom_fields", "custom_fields": []}


def test_custom_field_answers_round_trip_and_clear(client: TestClient, world: World) -> None:
    h = world.headers
    path = world.applicant() + f"/custom_field_answers/{world.age}"
    expected = {"href": path, "custom_field_id": world.age, "label": "Age at admittance", "field_type": "number"}
    assert client.get(path, headers=h).json() == {"custom_field_answer": {**expected, "value": None}}
    response = client.put(path, json={"custom_field_answer": {"field_type": "number", "value": 11}}, headers=h)
    assert response.status_code == 200
    assert_json_equal(response.json(), {"custom_field_answer": {**expected, "value": 11.0}})
    assert_json_equal(client.get(path, headers=h).json(), {"custom_field_answer": {**expected, "value": 11.0}})
    response = client.delete(path, headers=h)
    assert (response.status_code, response.json()) == (200, {"custom_field_answer": {**expected, "value": None}})
    assert client.get(path, headers=h).json() == {"custom_field_answer": {**expected, "value": None}}


@pytest.mark.parametrize(
    ("field", "body", "errors"),
    [
        ("age", {"custom_field_answer": {"field_type": "number", "value": "11"}}, {"schema": [
            "The property '#/custom_field_answer/value' of type String did not match the following type: number"]}),
        ("age", {"custom_field_answer": {"field_type": "string", "value": "11"}}, {"schema": [
            "The property '#/custom_field_answer/field_type' value \"string\" did not match one of the following values: number"]}),
        ("age", {"custom_field_answer": {"value": 11}}, {"schema": [
            "The property '#/custom_field_answer' did not contain a required property of 'field_type'"]}),
        ("age", {}, {"schema": ["The property '#/' did not contain a required property of 'custom_field_answer'"]}),
        ("house", {"custom_field_answer": {"field_type": "select", "value": "XYZ"}}, {"value": [
            '"XYZ" is not a valid option (expected "Gryffindor", "Hufflepuff", "Ravenclaw", or "Slytherin")']}),
    ],
)
def test_answers_of_the_wrong_type_are_refused_in_webadmits_words(
    client: TestClient, world: World, field: str, body: Any, errors: dict[str, list[str]]
) -> None:
    path = world.applicant() + f"/custom_field_answers/{getattr(world, field)}"
    response = client.put(path, json=body, headers=world.headers)
    assert (response.status_code, response.json()) == (422, {"errors": errors})
    assert client.get(path, headers=world.headers).json()["custom_field_answer"]["value"] is None


def test_reads_cost_a_constant_number_of_queries(client: TestClient, store: Store, world: World) -> None:
    h = world.headers
    for round, (path, most) in enumerate((
        (world.applicant(), 5),  # key, count, identity, program, designation
        (world.applicant() + "/designation", 5),
        (world.applicant() + f"/custom_field_answers/{world.house}", 7),
        (f"{BASE}/{world.identity}/decisions", 4),
        (f"{BASE}/{world.identity}/programs/{world.potions}/custom_fields", 5),
    )):
        with count_queries(store) as before:
            client.get(path, headers=h)
        for cas_id in range(100, 140):  # many more of everything
            post(client, f"{BASE}/{world.identity}/applicants", {"applicant": {
                "cas_id": f"{round + 1}{cas_id}", "email": "x@example.edu", "first_name": "X", "last_name": "Y",
                "program_ids": [world.potions]}}, h)
        with count_queries(store) as after:
            client.get(path, headers=h)
        assert len(after) == len(before) <= most + 1, (path, before)  # + SET LOCAL on PostgreSQL


@pytest.mark.parametrize(
    ("content", "status", "body"),
    [
        (b"{", 400, schema("The request body is not valid JSON.")),
        (b'{"designation": {"decision_id": 1e400}}', 400, schema("The request body is not valid JSON.")),
        (b'{"designation": {"decision_id": 99999999999999999999}}', 422, schema(
            "The property '#/designation/decision_id' did not have a maximum value of 9223372036854775807, inclusively")),
        (b'{"designation": {"decision_id": 99999999999}}', 404, schema("Decision '99999999999' not found.")),
        (b'{"designation\\u0000": {}}', 422, schema("body keys must not contain NUL characters")),
        (b"[" * 5000 + b"]" * 5000, 400, schema("The request body is not valid JSON.")),
    ],
)
def test_hostile_bodies_are_refused_in_webadmits_envelope(
    client: TestClient, world: World, content: bytes, status: int, body: Any
) -> None:
    headers = {**world.headers, "Content-Type": "application/json"}
    response = client.patch(world.applicant() + "/designation", content=content, headers=headers)
    assert (response.status_code, response.json()) == (status, body)
    assert client.get(world.applicant(), headers=world.headers).json()["applicant"]["decision"] is None


@pytest.mark.parametrize("cas_id", ["3%00", "%E2%80%AE3", "3" * 64, "-3", "03"])
def test_odd_cas_ids_are_just_not_found(client: TestClient, world: World, cas_id: str) -> None:
    response = client.get(world.applicant(cas_id), headers=world.headers)
    assert response.status_code == 404 and list(response.json()["errors"]) == ["schema"]
