"""Helpers for the Catalog tests: requests with a key, whole expected listings, and
generated values (timestamps) checked for format and then substituted."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import PUBLIC_URL
from tests.support import TenantKey

API = "/api/v1"
WIRE_TIME = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \+0000$")
STAMP = "<stamp>"
GENERATED_TIMES = ("created_at", "updated_at")


def unstamped(body: Any) -> Any:
    """`body` with every created_at/updated_at checked for Catalog's format and replaced by STAMP."""
    if isinstance(body, dict):
        out = {}
        for key, value in body.items():
            if key in GENERATED_TIMES:
                assert isinstance(value, str) and WIRE_TIME.match(value), f"{key}: {value!r}"
                out[key] = STAMP
            else:
                out[key] = unstamped(value)
        return out
    if isinstance(body, list):
        return [unstamped(item) for item in body]
    return body


def catalog_page(catalog_id: int) -> str:
    """The public catalog page of a catalog without a site of its own (programhub.site)."""
    return f"{PUBLIC_URL}/catalogs/{catalog_id}"


def listing(
    kind: str,
    listing_id: int,
    title: str,
    catalog: dict[str, Any],
    *,
    path: str,
    site: str | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """The whole listing object as Catalog shows it, with the defaults of a listing created
    with only a title and path; `changes` override keys (timestamps are STAMP)."""
    body: dict[str, Any] = {
        "id": listing_id,
        "visibility": "listed",
        "enrollment_open": True,
        "enrollment_open_from": None,
        "enrollment_open_to": None,
        "enrollment_cap": None,
        "description": None,
        "enrollment_fee": 0,
        "created_at": STAMP,
        "credits": None,
        "measurement": "credit",
        "updated_at": STAMP,
        "short_description": None,
        "listing_path": path,
        "listing_image": None,
        "currency": "USD",
        "catalog": catalog,
        "type": "Program" if kind == "program" else "Course",
        "title": title,
        "list_order": None,
        "waitlist": False,
        "waitlist_cap": None,
        "sku": None,
        "show_free_banner": True,
        "image_alt_text": None,
        "allowed_payment_types": ["standard"],
        "tag_names": [],
        "listing_url": f"{site or catalog_page(catalog['id'])}/{kind}s/{path}",
        "start_date": None,
        "end_date": None,
        "canvas_section_id": None,
        "associated_account_ids": [],
    }
    if kind == "program":
        body.update(sequential=True, requirements=[])
    else:
        body["canvas_course"] = None
    unknown = set(changes) - set(body)
    assert not unknown, f"not listing keys: {unknown}"
    body.update(changes)
    return body


def create(client: TestClient, key: TenantKey, kind: str, **fields: Any) -> dict[str, Any]:
    """POST a listing; returns the created object (asserting 201)."""
    response = client.post(f"{API}/{kind}s", json={kind: fields}, headers=key.token)
    assert response.status_code == 201, response.text
    return response.json()[kind]


def get(client: TestClient, key: TenantKey, kind: str, listing_id: int) -> dict[str, Any]:
    response = client.get(f"{API}/{kind}s/{listing_id}", headers=key.token)
    assert response.status_code == 200, response.text
    return response.json()[kind]


def default_catalog(client: TestClient, key: TenantKey) -> dict[str, Any]:
    """`{"id", "name"}` of the key's default catalog (the first one)."""
    account = client.get(f"{API}/catalogs", headers=key.token).json()["catalogs"][0]
    return {"id": account["id"], "name": account["name"]}


def new_catalog(client: TestClient, key: TenantKey, name: str, url: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": name}
    if url is not None:
        fields["url"] = url
    response = client.post(f"{API}/catalogs", json={"account": fields}, headers=key.token)
    assert response.status_code == 201, response.text
    return {"id": response.json()["account"]["id"], "name": name}


def error(message: str, field: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"message": message}
    if field is not None:
        item["field"] = field
    return {"errors": [item]}
