"""Helpers for the learner routes' tests: users, enrollments and applicants as Catalog shows
them, with generated timestamps checked for their format and replaced by STAMP."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.dialects.catalog.support import API, STAMP, WIRE_TIME
from tests.support import TenantKey

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
STAMPED = ("created_at", "updated_at", "enrolled_at", "notified_of_opening_at", "completed_at")


def stamped(body: Any, *, iso: bool = False) -> Any:
    """`body` with every generated timestamp (not null) checked and replaced by STAMP:
    users' in ISO 8601 with milliseconds (`iso`), everything else's in Catalog's own form."""
    if isinstance(body, dict):
        out: dict[str, Any] = {}
        for key, value in body.items():
            if key == "user" and isinstance(value, dict) and "email_address" in value:
                out[key] = stamped(value, iso=True)
            elif key in STAMPED and value is not None:
                pattern = ISO_MS if iso else WIRE_TIME
                assert isinstance(value, str) and pattern.match(value), f"{key}: {value!r}"
                out[key] = STAMP
            else:
                out[key] = stamped(value, iso=iso)
        return out
    if isinstance(body, list):
        return [stamped(item, iso=iso) for item in body]
    return body


def user_body(user_id: int, email: str, catalog_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": user_id,
        "root_account_id": catalog_id,
        "canvas_user_id": None,
        "registered_account_id": catalog_id,
        "canvas_root_account_uuid": None,
        "canvas_user_uuid": None,
        "user_name": email,
        "first_name": None,
        "last_name": None,
        "email_address": email,
        "custom_fields": {},
        "created_at": STAMP,
        "updated_at": STAMP,
        "merged_into_user_id": None,
        "time_zone": "Etc/UTC",
    }
    unknown = set(changes) - set(body)
    assert not unknown, unknown
    return {**body, **changes}


def enrollment_body(
    enrollment_id: int, user: dict[str, Any], listing: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    """`user` and `listing` as the API returned them."""
    body: dict[str, Any] = {
        "id": enrollment_id,
        "user": {"id": user["id"], "name": user["user_name"], "email": user["email_address"]},
        "listing": {
            "id": listing["id"],
            "title": listing["title"],
            "type": listing["type"],
            "canvas_course_id": (listing.get("canvas_course") or {}).get("id"),
        },
        "root_program_id": None,
        "status": "active",
        "enrolled_at": STAMP,
        "requirements_completed_at": None,
        "ends_at": None,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    unknown = set(changes) - set(body)
    assert not unknown, unknown
    return {**body, **changes}


def applicant_body(applicant_id: int, user: dict[str, Any], listing: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": applicant_id,
        "user": {"id": user["id"], "name": user["user_name"], "email": user["email_address"]},
        "listing": {"id": listing["id"], "title": listing["title"]},
        "notified_of_opening_at": None,
        "status": "waitlist",
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    return {**body, **changes}


def new_user(client: TestClient, key: TenantKey, email: str, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/users", json={"user": {"email_address": email, **fields}}, headers=key.token)
    assert response.status_code == 201, response.text
    return response.json()["user"]


def enroll(client: TestClient, key: TenantKey, user_id: int, listing_id: int) -> tuple[int, dict[str, Any]]:
    response = client.post(
        f"{API}/enrollments", json={"enrollment": {"user_id": user_id, "listing_id": listing_id}}, headers=key.token
    )
    return response.status_code, response.json()
