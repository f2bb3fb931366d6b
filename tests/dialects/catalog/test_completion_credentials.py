"""Completion to credential (issue 15, item 2), through the Catalog and Record faces on both
databases: a completed listing with an active certificate issues the learner a signed Record
credential, in the transaction of the completion; `completed_certificates` links its page;
a withdrawn completion and Catalog's revoke_users_certificate revoke it; retries and
concurrent completions issue it once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.core.certificates.models import certificate_awards
from programhub.core.credentials.models import credential_recipients
from programhub.store import Store
from tests.conftest import PUBLIC_URL
from tests.dialects.catalog.learners_support import enroll, new_user
from tests.dialects.catalog.support import API, WIRE_TIME, create
from tests.support import TenantKey, Tenants, at_once, serve_in_thread

RECORD = "/api/external/issuance"


def _certify(client: TestClient, key: TenantKey, listing_id: int, **fields: Any) -> None:
    sent = {"certificate": {"listing_id": listing_id, "name": "Certificate of Training", **fields}}
    response = client.post(f"{API}/certificates", json=sent, headers=key.token)
    assert response.status_code == 201, response.text


def _member(client: TestClient, key: TenantKey, user_id: int, listing_id: int) -> int:
    """The enrollment id of the user in a listing (their own, or one a program brought)."""
    listed = client.get(f"{API}/enrollments?user_id={user_id}&listing_id={listing_id}", headers=key.token).json()
    return int(listed["enrollments"][0]["id"])


def _complete(client: TestClient, key: TenantKey, enrollment_id: int, at: str | None) -> None:
    response = client.put(f"{API}/enrollments/{enrollment_id}", json={"completed_at": at}, headers=key.token)
    assert response.status_code == 200, response.text


def _completed(client: TestClient, key: TenantKey, canvas_user_id: int, **query: str) -> list[dict[str, Any]]:
    params = "&".join(f"{name}={value}" for name, value in query.items())
    response = client.get(f"{API}/completed_certificates?user_id={canvas_user_id}&{params}", headers=key.token)
    assert response.status_code == 200, response.text
    items = response.json()["completed_certificates"]
    for item in items:
        assert WIRE_TIME.match(item.pop("completed_at"))
    return items


def _credential(client: TestClient, url: str) -> dict[str, Any]:
    assert url.startswith(f"{PUBLIC_URL}/credentials/rec_")
    response = client.get(url.removeprefix(PUBLIC_URL), headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_completing_a_certified_program_issues_record_credentials_once(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    first = create(client, key, "course", title="Foundations", canvas_course_id=101)
    second = create(client, key, "course", title="Practice", canvas_course_id=102)
    program = create(client, key, "program", title="Data Certificate", requirement_ids=[first["id"], second["id"]])
    _certify(client, key, program["id"], days_to_expire=365)
    _certify(client, key, first["id"])
    ada = new_user(client, key, "ada@example.edu", first_name="Ada", last_name="Lovelace", canvas_user_id=7)
    assert enroll(client, key, ada["id"], program["id"])[0] == 201

    _complete(client, key, _member(client, key, ada["id"], first["id"]), "2026-11-01T10:00:00Z")
    batches = client.get(f"{RECORD}/credentials", headers=key.bearer).json()["data"]
    assert [batch["batchName"] for batch in batches] == ["Certificate of Training"]  # the course's
    only_course = _completed(client, key, 7)
    assert [item["catalog_title"] for item in only_course] == ["Foundations"]

    second_enrollment = _member(client, key, ada["id"], second["id"])
    for _retry in range(3):  # a client retrying the completion issues nothing more
        _complete(client, key, second_enrollment, "2026-11-02T10:00:00Z")
    completed = _completed(client, key, 7)
    certificate_urls = [item.pop("certificate_url") for item in completed]
    assert completed == [
        {"canvas_course_id": 101, "catalog_title": "Foundations", "canvas_course_name": "Foundations",
         "canvas_course_workflow_state": "available"},
        # the program completed with its last course (the same time): the older enrollment first
        {"canvas_course_id": None, "catalog_title": "Data Certificate", "canvas_course_name": "Data Certificate",
         "canvas_course_workflow_state": "available"},
        {"canvas_course_id": 102, "catalog_title": "Practice", "canvas_course_name": "Practice",
         "canvas_course_workflow_state": "available"},
    ]
    assert certificate_urls[2] is None  # Practice has no certificate
    assert _completed(client, key, 7, include_without_certificates="false") == [
        {**completed[0], "certificate_url": certificate_urls[0]},
        {**completed[1], "certificate_url": certificate_urls[1]},
    ]
    certificate_urls[1], certificate_urls[2] = certificate_urls[2], certificate_urls[1]  # program's at [2]
    program_credential = _credential(client, certificate_urls[2])
    assert {name: program_credential[name] for name in ("name", "programName", "batchName", "status")} == {
        "name": "Ada Lovelace", "programName": "Data Certificate", "batchName": "Certificate of Training",
        "status": "issued"}
    assert program_credential["credentialUrl"] == certificate_urls[2]
    assert program_credential["expiresAt"] is not None  # days_to_expire: 365
    record = client.get(f"{RECORD}/credentials", headers=key.bearer).json()["data"]
    assert sorted(batch["batchName"] for batch in record) == ["Certificate of Training"] * 2
    assert all(batch["status"] == "issued" for batch in record)

    # A withdrawn completion revokes the program's credential; completing again awards afresh.
    _complete(client, key, second_enrollment, None)
    assert _credential(client, certificate_urls[2])["status"] == "revoked"
    assert [item["catalog_title"] for item in _completed(client, key, 7)] == ["Foundations"]
    _complete(client, key, second_enrollment, "2026-11-03T10:00:00Z")
    again = _completed(client, key, 7, include_without_certificates="false")
    assert [item["catalog_title"] for item in again] == ["Foundations", "Data Certificate"]
    assert again[1]["certificate_url"] not in (None, certificate_urls[2])
    assert _credential(client, again[1]["certificate_url"])["status"] == "issued"


def test_revoke_users_certificate_revokes_the_award(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Welding", canvas_course_id=1001)
    _certify(client, key, course["id"])
    users = [new_user(client, key, f"u{n}@example.edu", canvas_user_id=n) for n in (1, 2)]
    for user in users:
        assert enroll(client, key, user["id"], course["id"])[0] == 201
        _complete(client, key, _member(client, key, user["id"], course["id"]), "2026-11-01T10:00:00Z")
    sent = {"certificate": {"listing_id": str(course["id"]), "canvas_user_ids": "1,99"}}
    response = client.put(f"{API}/certificates/revoke_users_certificate", json=sent, headers=key.token)
    assert (response.status_code, response.json()) == (
        200, {"revoked_certificates": [{"canvas_user_id": 1, "canvas_course_id": 1001, "listing_id": course["id"]}]}
    )
    assert _completed(client, key, 1, include_without_certificates="false") == []
    (standing,) = _completed(client, key, 2, include_without_certificates="false")
    assert _credential(client, standing["certificate_url"])["status"] == "issued"
    # Record counts the revocation too: one of the two batches is revoked.
    statuses = sorted(b["status"] for b in client.get(f"{RECORD}/credentials", headers=key.bearer).json()["data"])
    assert statuses == ["issued", "revoked"]
    again = client.put(f"{API}/certificates/revoke_users_certificate", json=sent, headers=key.token)
    assert again.status_code == 200  # revoking a revoked award changes nothing


def test_no_certificate_or_an_inactive_one_awards_nothing(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    plain = create(client, key, "course", title="Plain")
    inactive = create(client, key, "course", title="Inactive")
    _certify(client, key, inactive["id"], active=False)
    user = new_user(client, key, "x@example.edu", canvas_user_id=3)
    for listing in (plain, inactive):
        assert enroll(client, key, user["id"], listing["id"])[0] == 201
        _complete(client, key, _member(client, key, user["id"], listing["id"]), "2026-11-01T10:00:00Z")
    assert client.get(f"{RECORD}/credentials", headers=key.bearer).json()["data"] == []
    assert [item["certificate_url"] for item in _completed(client, key, 3)] == [None, None]


def test_other_tenants_cannot_read_or_revoke(client: TestClient, tenants: Tenants) -> None:
    owner = tenants.a_test
    course = create(client, owner, "course", title="Welding")
    _certify(client, owner, course["id"])
    user = new_user(client, owner, "o@example.edu", canvas_user_id=5)
    assert enroll(client, owner, user["id"], course["id"])[0] == 201
    _complete(client, owner, _member(client, owner, user["id"], course["id"]), "2026-11-01T10:00:00Z")
    for other in (tenants.a_live, tenants.b_test):
        listed = client.get(f"{API}/completed_certificates?user_id=5", headers=other.token)
        assert listed.status_code == 422 and listed.json()["errors"][0]["field"] == "user_id"
        sent = {"certificate": {"listing_id": course["id"], "canvas_user_ids": [5]}}
        revoked = client.put(f"{API}/certificates/revoke_users_certificate", json=sent, headers=other.token)
        assert revoked.status_code == 404
    assert _completed(client, owner, 5, include_without_certificates="false")[0]["certificate_url"] is not None


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    with serve_in_thread(app) as base_url:
        yield base_url


def test_concurrent_completions_award_once(client: TestClient, tenants: Tenants, store: Store, live: str) -> None:
    """Twelve completions of the same enrollment at once (and of the program it completes)
    leave one award and one credential per listing."""
    key = tenants.a_test
    course = create(client, key, "course", title="Only course")
    program = create(client, key, "program", title="Racing Certificate", requirement_ids=[course["id"]])
    _certify(client, key, program["id"])
    _certify(client, key, course["id"])
    user = new_user(client, key, "race@example.edu")
    assert enroll(client, key, user["id"], program["id"])[0] == 201
    member = _member(client, key, user["id"], course["id"])
    responses = at_once(12, lambda i, http: http.put(
        f"{API}/enrollments/{member}", json={"completed_at": f"2026-11-01T10:00:{i:02d}Z"}, headers=key.token), live)
    assert {response.status_code for response in responses} == {200}, [r.text for r in responses]
    with store.read() as conn:
        awards = conn.execute(sa.select(certificate_awards.c.listing_id)).scalars().all()
        recipients = conn.execute(sa.select(sa.func.count()).select_from(credential_recipients)).scalar_one()
    assert sorted(awards) == sorted([course["id"], program["id"]])
    assert recipients == 2
