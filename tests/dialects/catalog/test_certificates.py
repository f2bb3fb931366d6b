"""Catalog's certificates: one per listing, created, read, refused and deleted as Catalog's
documentation shows them (whole bodies, both databases)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.dialects.catalog.support import API, STAMP, create, error, unstamped
from tests.support import Tenants

NOT_FOUND = error("The specified resource does not exist.")


def certificate(certificate_id: int, listing_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": certificate_id,
        "listing_id": listing_id,
        "name": "Certificate of Training",
        "active": True,
        "template": "",
        "pdf_settings": {},
        "created_at": STAMP,
        "updated_at": STAMP,
        "days_to_expire": None,
        "expires_at": None,
    }
    assert set(changes) <= set(body)
    body.update(changes)
    return body


def test_create_read_and_delete_a_listing_certificate(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Welding", path="welding")
    sent = {
        "certificate": {
            "listing_id": str(course["id"]),
            "name": "Certificate of Training",
            "active": "true",
            "template": "Congrats, {{student_name}}!",
            "pdf_settings": {"orientation": "Landscape"},
        },
        "days_to_expire": "365",
    }
    created = client.post(f"{API}/certificates", json=sent, headers=key.token)
    assert created.status_code == 201, created.text
    body = unstamped(created.json())
    certificate_id = body["certificate"]["id"]
    expected = certificate(
        certificate_id,
        course["id"],
        template="Congrats, {{student_name}}!",
        pdf_settings={"orientation": "Landscape"},
        days_to_expire=365,
    )
    assert body == {"certificate": expected}

    for query in (f"listing_id={course['id']}", f"certificate[listing_id]={course['id']}"):
        read = client.get(f"{API}/certificates?{query}", headers=key.token)
        assert (read.status_code, unstamped(read.json())) == (200, {"certificate": expected})

    again = client.post(f"{API}/certificates", json=sent, headers=key.token)
    assert (again.status_code, again.json()) == (422, error("listing_id already has a certificate", "listing_id"))

    deleted = client.request("DELETE", f"{API}/certificates", json={"listing_id": course["id"]}, headers=key.token)
    assert (deleted.status_code, deleted.content) == (204, b"")
    gone = client.get(f"{API}/certificates?listing_id={course['id']}", headers=key.token)
    assert (gone.status_code, gone.json()) == (404, NOT_FOUND)
    again_deleted = client.delete(f"{API}/certificates?listing_id={course['id']}", headers=key.token)
    assert (again_deleted.status_code, again_deleted.json()) == (404, NOT_FOUND)


def test_a_form_and_a_fixed_expiry(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    program = create(client, key, "program", title="Data", path="data")
    form = {
        "certificate[listing_id]": str(program["id"]),
        "certificate[name]": "Certificate of Training",
        "certificate[expires_at]": "2030-01-31",
        "certificate[active]": "false",
    }
    created = client.post(f"{API}/certificates", data=form, headers=key.token)
    assert created.status_code == 201, created.text
    body = unstamped(created.json())
    assert body == {
        "certificate": certificate(
            body["certificate"]["id"], program["id"], active=False, expires_at="2030/01/31 00:00:00 +0000"
        )
    }


def test_bad_requests_name_the_field(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="Welding", path="welding")
    cases = [
        ({"certificate": {"name": "C"}}, error("listing_id is required", "listing_id")),
        ({"certificate": {"listing_id": course["id"]}}, error("name is required", "name")),
        (
            {"certificate": {"listing_id": course["id"], "name": "C"}, "days_to_expire": 3, "expires_at": "2030-01-01"},
            error("days_to_expire must not be present when expires_at is present", "days_to_expire"),
        ),
        (
            {"certificate": {"listing_id": course["id"], "name": "C", "pdf_settings": "landscape"}},
            error("pdf_settings must be an object", "pdf_settings"),
        ),
        (
            {"certificate": {"listing_id": course["id"], "name": "C", "days_to_expire": "soon"}},
            error("days_to_expire must be a whole number", "days_to_expire"),
        ),
    ]
    for sent, expected in cases:
        response = client.post(f"{API}/certificates", json=sent, headers=key.token)
        assert (response.status_code, response.json()) == (422, expected), sent
    missing = client.get(f"{API}/certificates", headers=key.token)
    assert (missing.status_code, missing.json()) == (422, error("listing_id is required", "listing_id"))
    nowhere = client.post(
        f"{API}/certificates", json={"certificate": {"listing_id": 999999, "name": "C"}}, headers=key.token
    )
    assert (nowhere.status_code, nowhere.json()) == (404, NOT_FOUND)


def test_another_tenants_listing_and_certificate_are_not_found(client: TestClient, tenants: Tenants) -> None:
    owner, others = tenants.a_test, (tenants.a_live, tenants.b_test)
    course = create(client, owner, "course", title="Welding", path="welding")
    sent = {"certificate": {"listing_id": course["id"], "name": "Certificate of Training"}}
    assert client.post(f"{API}/certificates", json=sent, headers=owner.token).status_code == 201
    for other in others:
        read = client.get(f"{API}/certificates?listing_id={course['id']}", headers=other.token)
        assert (read.status_code, read.json()) == (404, NOT_FOUND)
        created = client.post(f"{API}/certificates", json=sent, headers=other.token)
        assert (created.status_code, created.json()) == (404, NOT_FOUND)
        deleted = client.delete(f"{API}/certificates?listing_id={course['id']}", headers=other.token)
        assert (deleted.status_code, deleted.json()) == (404, NOT_FOUND)
    assert client.get(f"{API}/certificates?listing_id={course['id']}", headers=owner.token).status_code == 200
