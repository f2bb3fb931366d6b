"""The seed's contract, read back whole: the tree "Program 21" -> ("Program 22" -> "Course 24",
"Program 23" -> ("Course 25", "Course 26")) built through the API, with its credits
(9 = 3 + 6); and the create example, sent with every value as text as the seed sends it."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from tests.dialects.catalog.support import API, STAMP, new_catalog, unstamped
from tests.support import Tenants, assert_json_equal

# GET /api/v1/programs/{id}, verbatim from the seed (ids 22-27, catalog 26).
SEED_GET = """
{
  "program": {
    "id": 22,
    "visibility": "listed",
    "enrollment_open": true,
    "enrollment_open_from": null,
    "enrollment_open_to": null,
    "enrollment_cap": null,
    "description": "description_21",
    "enrollment_fee": 0,
    "created_at": "2025/03/28 13:11:23 +0000",
    "credits": 9,
    "measurement": "credit",
    "updated_at": "2025/03/28 13:11:23 +0000",
    "short_description": "teaser_21",
    "listing_path": "program-path-21",
    "listing_image": null,
    "currency": "USD",
    "catalog": {
      "id": 26,
      "name": "Domain Account 34"
    },
    "type": "Program",
    "title": "Program 21",
    "list_order": null,
    "waitlist": false,
    "waitlist_cap": null,
    "sku": null,
    "show_free_banner": true,
    "image_alt_text": null,
    "allowed_payment_types": [
      "standard"
    ],
    "tag_names": [
      "Another Tag",
      "Tag"
    ],
    "listing_url": "http://www.my-catalog.edu/programs/program-path-21",
    "start_date": "2025/03/21 13:11:23 +0000",
    "end_date": null,
    "canvas_section_id": null,
    "associated_account_ids": [],
    "sequential": true,
    "requirements": [
      {
        "id": 23,
        "visibility": "listed",
        "enrollment_open": true,
        "enrollment_open_from": null,
        "enrollment_open_to": null,
        "enrollment_cap": null,
        "description": "description_22",
        "enrollment_fee": 0,
        "created_at": "2025/03/28 13:11:23 +0000",
        "credits": 3,
        "measurement": "credit",
        "updated_at": "2025/03/28 13:11:23 +0000",
        "short_description": "teaser_22",
        "listing_path": "program-path-22",
        "listing_image": null,
        "currency": "USD",
        "catalog": {
          "id": 26,
          "name": "Domain Account 34"
        },
        "type": "Program",
        "title": "Program 22",
        "list_order": null,
        "waitlist": false,
        "waitlist_cap": null,
        "sku": null,
        "show_free_banner": true,
        "image_alt_text": null,
        "allowed_payment_types": [
          "standard"
        ],
        "tag_names": [],
        "listing_url": "http://www.my-catalog.edu/programs/program-path-22",
        "start_date": "2025/03/21 13:11:23 +0000",
        "end_date": null,
        "canvas_section_id": null,
        "associated_account_ids": [],
        "sequential": true,
        "requirements": [
          {
            "id": 25,
            "visibility": "listed",
            "enrollment_open": true,
            "enrollment_open_from": null,
            "enrollment_open_to": null,
            "enrollment_cap": null,
            "description": "description_24",
            "enrollment_fee": 0,
            "created_at": "2025/03/28 13:11:23 +0000",
            "credits": 3,
            "measurement": "credit",
            "updated_at": "2025/03/28 13:11:23 +0000",
            "short_description": "teaser_24",
            "listing_path": "course-path-24",
            "listing_image": null,
            "currency": "USD",
            "catalog": {
              "id": 26,
              "name": "Domain Account 34"
            },
            "type": "Course",
            "title": "Course 24",
            "list_order": null,
            "waitlist": false,
            "waitlist_cap": null,
            "sku": "sku_14",
            "show_free_banner": true,
            "image_alt_text": null,
            "allowed_payment_types": [
              "standard"
            ],
            "tag_names": [],
            "listing_url": "http://www.my-catalog.edu/courses/course-path-24",
            "start_date": "2025/03/21 13:11:23 +0000",
            "end_date": "2025/04/04 13:11:23 +0000",
            "canvas_section_id": null,
            "associated_account_ids": [],
            "canvas_course": {
              "id": 14
            }
          }
        ]
      },
      {
        "id": 24,
        "visibility": "listed",
        "enrollment_open": true,
        "enrollment_open_from": null,
        "enrollment_open_to": null,
        "enrollment_cap": null,
        "description": "description_23",
        "enrollment_fee": 0,
        "created_at": "2025/03/28 13:11:23 +0000",
        "credits": 6,
        "measurement": "credit",
        "updated_at": "2025/03/28 13:11:23 +0000",
        "short_description": "teaser_23",
        "listing_path": "program-path-23",
        "listing_image": null,
        "currency": "USD",
        "catalog": {
          "id": 26,
          "name": "Domain Account 34"
        },
        "type": "Program",
        "title": "Program 23",
        "list_order": null,
        "waitlist": false,
        "waitlist_cap": null,
        "sku": null,
        "show_free_banner": true,
        "image_alt_text": null,
        "allowed_payment_types": [
          "standard"
        ],
        "tag_names": [],
        "listing_url": "http://www.my-catalog.edu/programs/program-path-23",
        "start_date": "2025/03/21 13:11:23 +0000",
        "end_date": null,
        "canvas_section_id": null,
        "associated_account_ids": [],
        "sequential": true,
        "requirements": [
          {
            "id": 26,
            "visibility": "listed",
            "enrollment_open": true,
            "enrollment_open_from": null,
            "enrollment_open_to": null,
            "enrollment_cap": null,
            "description": "description_25",
            "enrollment_fee": 0,
            "created_at": "2025/03/28 13:11:23 +0000",
            "credits": 3,
            "measurement": "credit",
            "updated_at": "2025/03/28 13:11:23 +0000",
            "short_description": "teaser_25",
            "listing_path": "course-path-25",
            "listing_image": null,
            "currency": "USD",
            "catalog": {
              "id": 26,
              "name": "Domain Account 34"
            },
            "type": "Course",
            "title": "Course 25",
            "list_order": null,
            "waitlist": false,
            "waitlist_cap": null,
            "sku": "sku_15",
            "show_free_banner": true,
            "image_alt_text": null,
            "allowed_payment_types": [
              "standard"
            ],
            "tag_names": [],
            "listing_url": "http://www.my-catalog.edu/courses/course-path-25",
            "start_date": "2025/03/21 13:11:23 +0000",
            "end_date": "2025/04/04 13:11:23 +0000",
            "canvas_section_id": null,
            "associated_account_ids": [],
            "canvas_course": {
              "id": 15
            }
          },
          {
            "id": 27,
            "visibility": "listed",
            "enrollment_open": true,
            "enrollment_open_from": null,
            "enrollment_open_to": null,
            "enrollment_cap": null,
            "description": "description_26",
            "enrollment_fee": 0,
            "created_at": "2025/03/28 13:11:23 +0000",
            "credits": 3,
            "measurement": "credit",
            "updated_at": "2025/03/28 13:11:23 +0000",
            "short_description": "teaser_26",
            "listing_path": "course-path-26",
            "listing_image": null,
            "currency": "USD",
            "catalog": {
              "id": 26,
              "name": "Domain Account 34"
            },
            "type": "Course",
            "title": "Course 26",
            "list_order": null,
            "waitlist": false,
            "waitlist_cap": null,
            "sku": "sku_16",
            "show_free_banner": true,
            "image_alt_text": null,
            "allowed_payment_types": [
              "standard"
            ],
            "tag_names": [],
            "listing_url": "http://www.my-catalog.edu/courses/course-path-26",
            "start_date": "2025/03/21 13:11:23 +0000",
            "end_date": "2025/04/04 13:11:23 +0000",
            "canvas_section_id": null,
            "associated_account_ids": [],
            "canvas_course": {
              "id": 16
            }
          }
        ]
      }
    ]
  }
}
"""

# POST /api/v1/programs, the seed's 201 answer (id 21, catalog 25).
SEED_CREATE = """
{
  "program": {
    "id": 21,
    "visibility": "listed",
    "enrollment_open": true,
    "enrollment_open_from": null,
    "enrollment_open_to": null,
    "enrollment_cap": 150,
    "description": "This is a very awesome program.",
    "enrollment_fee": 49.99,
    "created_at": "2025/03/28 13:11:23 +0000",
    "credits": null,
    "measurement": "credit",
    "updated_at": "2025/03/28 13:11:23 +0000",
    "short_description": "This is an example teaser",
    "listing_path": "program-1",
    "listing_image": null,
    "currency": "USD",
    "catalog": {
      "id": 25,
      "name": "Domain Account 33"
    },
    "type": "Program",
    "title": "Program 1",
    "list_order": 123,
    "waitlist": true,
    "waitlist_cap": 12,
    "sku": null,
    "show_free_banner": true,
    "image_alt_text": null,
    "allowed_payment_types": [
      "standard"
    ],
    "tag_names": [
      "Tag",
      "Another Tag"
    ],
    "listing_url": "http://www.my-catalog.edu/programs/program-1",
    "start_date": null,
    "end_date": null,
    "canvas_section_id": null,
    "associated_account_ids": [],
    "sequential": true,
    "requirements": []
  }
}
"""


def _renumbered(body: Any, ids: dict[int, int], catalog_id: int) -> Any:
    """The seed's body with its ids replaced by ours and its generated times by STAMP."""
    if isinstance(body, dict):
        out = {}
        for key, value in body.items():
            if key == "id" and "type" in body:
                out[key] = ids[value]
            elif key == "catalog":
                out[key] = {**value, "id": catalog_id}
            elif key in ("created_at", "updated_at"):
                out[key] = STAMP
            else:
                out[key] = _renumbered(value, ids, catalog_id)
        return out
    if isinstance(body, list):
        return [_renumbered(item, ids, catalog_id) for item in body]
    return body


def _course(number: int, sku: int, catalog_id: int) -> dict[str, Any]:
    return {
        "title": f"Course {number}", "description": f"description_{number}", "teaser": f"teaser_{number}",
        "path": f"course-path-{number}", "account_id": catalog_id, "start_date": "2025-03-21T13:11:23Z",
        "end_date": "2025/04/04 13:11:23 +0000", "sku": f"sku_{sku}", "canvas_course_id": sku, "credits": 3,
    }


def _program(number: int, catalog_id: int, requirement_ids: list[int], **more: Any) -> dict[str, Any]:
    return {
        "title": f"Program {number}", "description": f"description_{number}", "teaser": f"teaser_{number}",
        "path": f"program-path-{number}", "account_id": catalog_id, "start_date": "2025/03/21 13:11:23 +0000",
        "requirement_ids": requirement_ids, **more,
    }


def _post(client: TestClient, key: Any, kind: str, fields: dict[str, Any]) -> int:
    response = client.post(f"{API}/{kind}s", json={kind: fields}, headers=key.token)
    assert response.status_code == 201, response.text
    return int(response.json()[kind]["id"])


def test_the_seed_tree_is_built_through_the_api_and_read_back_whole(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    catalog = new_catalog(client, key, "Domain Account 34", "http://www.my-catalog.edu")
    course_24, course_25, course_26 = (_post(client, key, "course", _course(n, sku, catalog["id"]))
                                       for n, sku in ((24, 14), (25, 15), (26, 16)))
    program_22 = _post(client, key, "program", _program(22, catalog["id"], [course_24]))
    program_23 = _post(client, key, "program", _program(23, catalog["id"], [course_25, course_26]))
    program_21 = _post(client, key, "program", _program(21, catalog["id"], [program_22, program_23],
                                                        tag_names=["Another Tag", "Tag"]))
    # The seed's numbering (its program 21 has id 22, and so on) mapped onto ours.
    ids = {22: program_21, 23: program_22, 25: course_24, 24: program_23, 26: course_25, 27: course_26}

    response = client.get(f"{API}/programs/{program_21}", headers=key.token)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    expected = _renumbered(orjson.loads(SEED_GET), ids, catalog["id"])
    assert_json_equal(unstamped(response.json()), expected)
    assert response.json()["program"]["credits"] == 9
    assert list(response.json()["program"]) == list(orjson.loads(SEED_GET)["program"])  # the seed's key order


def test_the_seed_create_example_with_every_value_as_text(client: TestClient, tenants: Tenants) -> None:
    key = tenants.a_test
    catalog = new_catalog(client, key, "Domain Account 33", "http://www.my-catalog.edu")
    body = {"program": {
        "title": "Program 1", "description": "This is a very awesome program.", "path": "program-1",
        "teaser": "This is an example teaser", "enrollment_open": "true", "enrollment_open_from": "",
        "enrollment_open_to": "", "visibility": "listed", "enrollment_cap": "150", "enrollment_fee": "49.99",
        "allowed_payment_types": "standard", "days_to_complete": "", "account_id": str(catalog["id"]),
        "list_order": "123", "waitlist": "true", "waitlist_cap": "12", "listing_image": "",
        "tag_names": ["Tag", "Another Tag"], "show_free_banner": "true", "associated_account_ids": "",
        "requirement_ids": "", "sequential": "true",
    }}

    response = client.post(f"{API}/programs", json=body, headers=key.token)

    assert response.status_code == 201, response.text
    created = response.json()["program"]
    expected = _renumbered(orjson.loads(SEED_CREATE), {21: created["id"]}, catalog["id"])
    assert_json_equal(unstamped(response.json()), expected)
    assert created["created_at"] == created["updated_at"]
