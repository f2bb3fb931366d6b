"""WebAdMIT v2 batches and exports, as their clients use them: create, poll until finished,
read the results or download the file; idempotent retries, one run per export, the
expiring download link, isolation between organisations and modes."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.core.admissions import service as admissions
from programhub.dialects.webadmit.routes import exports as export_routes
from programhub.settings import Settings
from programhub.store import Store
from tests.dialects.webadmit.support import BASE
from tests.dialects.webadmit.test_admissions import World, make_world, post
from tests.support import Tenants, count_queries

V2 = "/api/v2/user_identities"
PUBLIC_URL = "http://programhub.test"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No background runner: the tests run the jobs when they choose (`run_jobs`)."""
    return settings.model_copy(update={"run_jobs": False})


@pytest.fixture
def world(client: TestClient, store: Store, tenants: Tenants) -> World:
    return make_world(client, store, tenants.a_test)


def run_jobs(app: FastAPI) -> None:
    app.state.jobs.run_pending()


def test_a_batch_of_designations_is_queued_then_reports_each_row(client: TestClient, app: FastAPI, world: World) -> None:
    h = world.headers
    path = f"{V2}/{world.identity}/programs/{world.potions}/batch_designations"
    body = {"designations": [
        {"applicant_cas_id": "3", "decision_id": world.admit},
        {"applicant_cas_id": "1595659995", "decision_id": 420},
        {"applicant_cas_id": "3", "decision_id": world.deny},
        {"applicant_cas_id": "4", "decision_id": world.admit},
    ]}
    created = post(client, path, body, h)
    batch_id = created["batch"]["id"]
    assert created == {"href": f"{path}/{batch_id}", "batch": {"id": batch_id, "status": "Queued"}}
    run_jobs(app)
    response = client.get(f"{path}/{batch_id}", headers=h)
    assert (response.status_code, response.json()) == (200, {"href": f"{path}/{batch_id}", "batch": {
        "id": batch_id, "status": "Success With Errors", "results": [
            {"decision": {"id": world.admit, "name": "Offer Accepted"}, "applicant_cas_id": "3", "errors": {
                "creation_error": f"A newer update (setting decision_id to {world.deny}) is overriding this update"}},
            {"decision": {"id": 420, "name": "Unknown"}, "applicant_cas_id": "1595659995", "errors": {
                "decision": "No decision found for that decision_id",
                "applicant": "No applicant found for that applicant_cas_id"}},
            {"decision": {"id": world.deny, "name": "Denied"}, "applicant_cas_id": "3", "errors": None},
            {"decision": {"id": world.admit, "name": "Offer Accepted"}, "applicant_cas_id": "4", "errors": {
                "designation": "No designation found for the given applicant and program"}},
        ]}})
    assert client.get(world.applicant(), headers=h).json()["applicant"]["decision"] == {"id": world.deny, "name": "Denied"}


def test_a_batch_of_answers_is_available_once_every_row_applied(client: TestClient, app: FastAPI, world: World) -> None:
    h = world.headers
    path = f"{V2}/{world.identity}/programs/{world.potions}/batch_custom_field_answers"
    created = post(client, path, {"custom_field_answers": [
        {"applicant_cas_id": "3", "custom_field_id": world.house, "field_type": "select", "value": "Ravenclaw"}]}, h)
    run_jobs(app)
    batch_id = created["batch"]["id"]
    assert client.get(f"{path}/{batch_id}", headers=h).json() == {"href": f"{path}/{batch_id}", "batch": {
        "id": batch_id, "status": "Available", "results": [
            {"custom_field_answer": {"custom_field_id": world.house, "label": "Preferred house", "field_type": "select",
                                     "value": "Ravenclaw"}, "applicant_cas_id": "3", "errors": None}]}}
    answer = client.get(world.applicant() + f"/custom_field_answers/{world.house}", headers=h).json()
    assert answer["custom_field_answer"]["value"] == "Ravenclaw"


@pytest.mark.parametrize(
    ("resource", "body", "message"),
    [
        ("batch_designations", {}, "The property '#/' did not contain a required property of 'designations'"),
        ("batch_designations", {"designations": [{"applicant_cas_id": 123456789, "decision_id": 1}]},
         "The property '#/designations/0/applicant_cas_id' of type Fixnum did not match the following type: string"),
        ("batch_designations", {"designations": [{"applicant_cas_id": "1"}]},
         "The property '#/designations/0' did not contain a required property of 'decision_id'"),
        ("batch_designations", {"designations": {"applicant_cas_id": "1"}},
         "The property '#/designations' of type Hash did not match the following type: array"),
        ("batch_custom_field_answers", {"custom_field_answers": [
            {"applicant_cas_id": "1", "custom_field_id": 1, "field_type": "colour", "value": 1}]},
         "The property '#/custom_field_answers/0/field_type' value \"colour\" did not match one of the following "
         "values: boolean, number, date, string, select"),
        ("batch_custom_field_answers", {"custom_field_answers": [
            {"applicant_cas_id": "1", "custom_field_id": 1, "field_type": "string", "value": {"a": 1}}]},
         "The property '#/custom_field_answers/0/value' of type Hash did not match one or more of the following "
         "types: boolean, string, number, null"),
    ],
)
def test_a_batch_body_is_checked_before_anything_is_queued(
    client: TestClient, world: World, resource: str, body: Any, message: str
) -> None:
    path = f"{V2}/{world.identity}/programs/{world.potions}/{resource}"
    response = client.post(path, json=body, headers=world.headers)
    assert (response.status_code, response.json()) == (422, {"errors": {"schema": [message]}})
    assert client.get(f"{path}/1", headers=world.headers).json() == {"errors": {"schema": ["Batch '1' not found."]}}


def test_a_retried_batch_with_its_idempotency_key_is_the_same_batch_even_when_racing(
    client: TestClient, world: World
) -> None:
    path = f"{V2}/{world.identity}/programs/{world.potions}/batch_designations"
    body = {"designations": [{"applicant_cas_id": "3", "decision_id": world.admit}]}
    headers = {**world.headers, "Idempotency-Key": "nightly-2025-01-01"}
    barrier = threading.Barrier(6)
    answers: list[Any] = []

    def send() -> None:
        barrier.wait()
        answers.append(client.post(path, json=body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["batch"]["id"] for r in answers}) == 1
    other = client.post(path, json={"designations": []}, headers=headers)
    assert other.status_code == 409  # the key names one request for good


def _download(client: TestClient, url: str) -> Any:
    assert url.startswith(PUBLIC_URL)
    return client.get(url.removeprefix(PUBLIC_URL))


def test_a_saved_export_runs_is_polled_to_available_and_downloads_as_csv(
    client: TestClient, app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The R client's nightly export: list, run, poll, download."""
    h = world.headers
    made = post(client, f"{BASE}/{world.identity}/exports", {"export": {"name": "Nightly Banner Export"}}, h)
    export = {"id": made["export"]["id"], "name": "Nightly Banner Export", "list_type": "all",
              "format": "Comma-Separated Values", "mime_type": "text/csv;charset=iso-8859-1"}
    assert made == {"export": export}
    assert client.get(f"{BASE}/{world.identity}/exports", headers=h).json() == {
        "href": f"{BASE}/{world.identity}/exports", "exports": [export]}
    assert client.get("/api/v1/exports", headers=h).json() == {"href": "/api/v1/exports", "exports": [export]}
    client.put(world.applicant() + f"/custom_field_answers/{world.house}",
               json={"custom_field_answer": {"field_type": "select", "value": "Gryffindor"}}, headers=h)
    run = client.post(f"{BASE}/{world.identity}/exports/{export['id']}/export_files", headers=h)
    file_id = run.json()["export_files"]["id"]
    href = f"/api/v1/exports/{export['id']}/export_files/{file_id}"
    queued = {"id": file_id, "href": href, "export_id": export["id"], "status": "Queued"}
    assert (run.status_code, run.json()) == (201, {"export_files": queued})
    again = client.post(f"{BASE}/{world.identity}/exports/{export['id']}/export_files", headers=h)
    assert again.json() == {"export_files": queued}  # still queued: the same file
    assert client.get(href, headers=h).json() == {"export_files": queued}
    run_jobs(app)
    monkeypatch.setattr(export_routes, "clock", lambda: 1_700_000_000.0)
    checked = client.get(href, headers=h).json()["export_files"]
    url = checked.pop("download_url")
    assert checked == {**queued, "status": "Available"}
    assert url.startswith(f"{PUBLIC_URL}{href}/download?expires=1700000025&signature=")
    monkeypatch.setattr(export_routes, "clock", lambda: 1_700_000_020.0)
    download = _download(client, url)
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv;charset=iso-8859-1"
    assert download.headers["content-disposition"] == f'attachment; filename="export-{export["id"]}-{file_id}.csv"'
    assert download.content.decode("iso-8859-1") == (
        "CAS ID,First Name,Last Name,Email,Program ID,Program,Decision,Local Status,Preferred house,Age at admittance\r\n"
        f"3,Harry,Potter,applicant3@example.edu,{world.potions},Potions,,,Gryffindor,\r\n"
        f"3,Harry,Potter,applicant3@example.edu,{world.charms},Charms,,,,\r\n"
        f"4,Harry,Potter,applicant4@example.edu,{world.charms},Charms,,,,\r\n"
    )
    assert _download(client, url.replace("signature=", "signature=0")).status_code == 403
    monkeypatch.setattr(export_routes, "clock", lambda: 1_700_000_026.0)
    expired = _download(client, url)
    assert (expired.status_code, expired.content) == (403, b"")
    assert client.get(f"{BASE}/{world.identity}/export_files", headers=h).json() == {
        "href": f"{BASE}/{world.identity}/export_files", "export_files": [{**queued, "status": "Available"}]}


def test_a_callback_must_be_a_url_of_an_allowed_host(client: TestClient, world: World) -> None:
    h = world.headers
    export = post(client, f"{BASE}/{world.identity}/exports", {"export": {"name": "E"}}, h)["export"]["id"]
    response = client.post(f"{BASE}/{world.identity}/exports/{export}/export_files",
                           params={"callback": "http://someurl.com/your_callback.cgi"}, headers=h)
    assert (response.status_code, response.json()) == (422, {"errors": {"callback": [export_routes.NOT_ALLOWED]}})


def test_other_tenants_exports_files_and_batches_are_not_found(
    client: TestClient, app: FastAPI, store: Store, tenants: Tenants, world: World
) -> None:
    h = world.headers
    export = post(client, f"{BASE}/{world.identity}/exports", {"export": {"name": "E"}}, h)["export"]["id"]
    file_id = client.post(f"{BASE}/{world.identity}/exports/{export}/export_files", headers=h).json()["export_files"]["id"]
    batch = post(client, f"{V2}/{world.identity}/programs/{world.potions}/batch_designations",
                 {"designations": []}, h)["batch"]["id"]
    run_jobs(app)
    for other in (tenants.a_live, tenants.b_test, tenants.b_live):
        theirs = make_world(client, store, other)
        oh = other.x_api_key
        assert client.get("/api/v1/exports", headers=oh).json() == {"href": "/api/v1/exports", "exports": []}
        for path, message in (
            (f"/api/v1/exports/{export}/export_files/{file_id}", f"Export '{export}' not found."),
            (f"{BASE}/{world.identity}/exports", f"User identity '{world.identity}' not found."),
            (f"{BASE}/{theirs.identity}/programs/{world.potions}/custom_fields", f"Program '{world.potions}' not found."),
            (f"{V2}/{theirs.identity}/programs/{theirs.potions}/batch_designations/{batch}", f"Batch '{batch}' not found."),
            (f"{BASE}/{theirs.identity}/programs/{theirs.potions}/applicants_by_cas_id/3/custom_field_answers/{world.house}",
             f"CustomeField '{world.house}' not found."),
        ):
            response = client.get(path, headers=oh)
            assert (response.status_code, response.json()) == (404, {"errors": {"schema": [message]}}), path
        response = client.post(f"{BASE}/{theirs.identity}/exports/{export}/export_files", headers=oh)
        assert (response.status_code, response.json()) == (404, {"errors": {"schema": [f"Export '{export}' not found."]}})
        # their applicant 3 is theirs: deciding it leaves ours alone
        client.patch(theirs.applicant(), json={"applicant": {"decision_id": theirs.admit}}, headers=oh)
    assert client.get(world.applicant(), headers=h).json()["applicant"]["decision"] is None


def test_export_reads_cost_a_constant_number_of_queries(client: TestClient, app: FastAPI, store: Store, world: World) -> None:
    h = world.headers
    export = post(client, f"{BASE}/{world.identity}/exports", {"export": {"name": "E"}}, h)["export"]["id"]
    paths = ["/api/v1/exports", f"{BASE}/{world.identity}/exports", f"{BASE}/{world.identity}/export_files"]
    before = {}
    for path in paths:
        with count_queries(store) as statements:
            client.get(path, headers=h)
        before[path] = len(statements)
    for index in range(5):
        post(client, f"{BASE}/{world.identity}/exports", {"export": {"name": f"E{index}"}}, h)
        client.post(f"{BASE}/{world.identity}/exports/{export}/export_files", headers=h)
        run_jobs(app)
    for path in paths:
        with count_queries(store) as statements:
            client.get(path, headers=h)
        assert len(statements) == before[path], path


@pytest.mark.parametrize("decision_id", ["1e20", "-1e20", "99999999999999999999"])
def test_a_batch_id_beyond_64_bits_is_refused_not_queued(client: TestClient, world: World, decision_id: str) -> None:
    path = f"{V2}/{world.identity}/programs/{world.potions}/batch_designations"
    content = b'{"designations": [{"applicant_cas_id": "3", "decision_id": ' + decision_id.encode() + b"}]}"
    response = client.post(path, content=content, headers={**world.headers, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"]["schema"][0].startswith("The property '#/designations/0/decision_id' did not have a")


def _at_once(count: int, send: Any) -> list[Any]:
    barrier = threading.Barrier(count)
    answers: list[Any] = []

    def run() -> None:
        barrier.wait()
        answers.append(send())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_racing_runs_of_one_export_answer_one_file(client: TestClient, world: World) -> None:
    h = world.headers
    export = post(client, f"{BASE}/{world.identity}/exports", {"export": {"name": "E"}}, h)["export"]["id"]
    answers = _at_once(6, lambda: client.post(f"{BASE}/{world.identity}/exports/{export}/export_files", headers=h))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["export_files"]["id"] for r in answers}) == 1


def test_racing_admissions_of_one_applicant_act_once(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(admissions, "outcome_changed", lambda conn, tenant, changes, now: seen.extend(changes))
    body = {"designation": {"decision_id": world.admit}}
    answers = _at_once(6, lambda: client.patch(world.applicant() + "/designation", json=body, headers=world.headers))
    assert {r.status_code for r in answers} == {200}
    assert [(c.before, c.after) for c in seen] == [("none", "admit")]
