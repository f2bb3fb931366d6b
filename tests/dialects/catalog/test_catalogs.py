"""GET /catalogs, GET /catalogs/{id} (root key `account`) and POST /catalogs (an extension)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PUBLIC_URL
from tests.dialects.catalog.support import API, catalog_page, create, error, unstamped
from tests.support import Tenants, assert_json_equal

DEFAULT_SETTINGS = {
    "privacy_policy_url": None, "terms_url": None, "currency": "USD", "supported_payment_types": "standard",
    "time_zone": None, "country": None, "measurement": "credit", "allow_user_registration": True,
    "private_catalog": False, "show_listings_in_parent": True,
}


def account(catalog_id: int, name: str, url: str | None = None, **changes: Any) -> dict[str, Any]:
    body = {
        "id": catalog_id, "name": name, "parent": None, "created_at": "<stamp>", "updated_at": "<stamp>",
        "canvas_domain": None, "canvas_id": None, "settings": DEFAULT_SETTINGS, "url": url or catalog_page(catalog_id),
        "measurement": "credit",
    }
    body.update(changes)
    return body


def test_every_tenant_has_a_default_catalog_named_after_its_organisation(client: TestClient, tenants: Tenants) -> None:
    seen = set()
    for key in tenants.all():
        response = client.get(f"{API}/catalogs", headers=key.token)
        assert response.status_code == 200 and "link" not in response.headers
        (only,) = response.json()["catalogs"]
        assert_json_equal(unstamped(only), account(only["id"], key.tenant.org_name))
        seen.add(only["id"])
        assert_json_equal(unstamped(client.get(f"{API}/catalogs/{only['id']}", headers=key.token).json()),
                          {"account": account(only["id"], key.tenant.org_name)})
    assert len(seen) == 4


def test_create_a_catalog_and_publish_listings_in_it(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    body = {"account": {"name": "Continuing Ed", "url": "https://ce.example.edu/", "canvas_domain": "canvas.example.edu",
                        "canvas_id": "42", "settings": {"currency": "eur", "time_zone": "Europe/Paris", "private_catalog": "true"}}}
    response = client.post(f"{API}/catalogs", json=body, headers=key.token)
    assert response.status_code == 201, response.text
    new_id = response.json()["account"]["id"]
    expected = account(new_id, "Continuing Ed", "https://ce.example.edu", canvas_domain="canvas.example.edu", canvas_id=42,
                       settings={**DEFAULT_SETTINGS, "currency": "EUR", "time_zone": "Europe/Paris", "private_catalog": True})
    assert_json_equal(unstamped(response.json()), {"account": expected})
    assert_json_equal(unstamped(client.get(f"{API}/catalogs/{new_id}", headers=key.token).json()), {"account": expected})
    listed = client.get(f"{API}/catalogs", headers=key.token).json()["catalogs"]
    assert [c["name"] for c in listed] == [key.tenant.org_name, "Continuing Ed"]
    course = create(client, key, "course", title="Pottery", path="pottery", account_id=new_id)
    assert (course["catalog"], course["listing_url"]) == ({"id": new_id, "name": "Continuing Ed"}, "https://ce.example.edu/courses/pottery")
    plain = create(client, key, "course", title="Plain", path="plain")
    assert plain["listing_url"] == f"{PUBLIC_URL}/catalogs/{plain['catalog']['id']}/courses/plain"
    bare = client.post(f"{API}/catalogs", json={"name": "Bare"}, headers=key.token)
    assert_json_equal(unstamped(bare.json()), {"account": account(bare.json()["account"]["id"], "Bare")})


def test_catalog_pages(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    for n in range(3):
        client.post(f"{API}/catalogs", json={"account": {"name": f"Sub {n}"}}, headers=key.token)
    response = client.get(f"{API}/catalogs?per_page=2&page=2", headers=key.token)
    assert [c["name"] for c in response.json()["catalogs"]] == ["Sub 1", "Sub 2"]
    assert response.headers["link"] == (
        '<http://testserver/api/v1/catalogs?per_page=2&page=1>; rel="first", '
        '<http://testserver/api/v1/catalogs?per_page=2&page=1>; rel="prev"'
    )


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({"account": {}}, "name is required", "name"),
        ({"account": {"name": " "}}, "name must not be blank", "name"),
        ({"account": "x"}, "account must be an object", "account"),
        ({"account": {"name": "N", "url": "ftp://x.example"}}, "url must be an absolute http or https URL without query or fragment", "url"),
        ({"account": {"name": "N", "url": "https://x.example/?a=1"}}, "url must be an absolute http or https URL without query or fragment", "url"),
        ({"account": {"name": "N", "url": "/relative"}}, "url must be an absolute http or https URL without query or fragment", "url"),
        ({"account": {"name": "N", "url": "http://[::1"}}, "url must be an absolute http or https URL without query or fragment", "url"),
        ({"account": {"name": "N", "url": "http://x.example:99999"}}, "url must be an absolute http or https URL without query or fragment", "url"),
        ({"account": {"name": "N", "canvas_id": 0}}, "canvas_id must be between 1 and 2147483647", "canvas_id"),
        ({"account": {"name": "N", "canvas_id": "abc"}}, "canvas_id must be a whole number", "canvas_id"),
        ({"account": {"name": "N", "settings": []}}, "settings must be an object", "settings"),
        ({"account": {"name": "N", "settings": {"currency": "euros"}}}, "settings.currency must be a three-letter currency code", "settings.currency"),
        ({"account": {"name": "N", "settings": {"private_catalog": "sometimes"}}}, "settings.private_catalog must be true or false", "settings.private_catalog"),
    ],
)
def test_invalid_catalogs_are_422(client: TestClient, tenants: Tenants, body: dict[str, Any], message: str, field: str) -> None:
    response = client.post(f"{API}/catalogs", json=body, headers=tenants.a_test.token)
    assert (response.status_code, response.json()) == (422, error(message, field))


def test_unknown_settings_are_refused_by_name(client: TestClient, tenants: Tenants) -> None:
    response = client.post(f"{API}/catalogs", json={"account": {"name": "N", "settings": {"colour": "red"}}}, headers=tenants.a_test.token)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "settings.colour"
    assert response.json()["errors"][0]["message"].startswith("settings.colour is not a setting programhub keeps; known: privacy_policy_url, ")
