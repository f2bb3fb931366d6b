"""POST /programs/archived and /courses/archived: archive (core status "retired") and
reactivate ("live"); 200 when every id was processed, 422 naming the ids that failed."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.listings.models import listings
from programhub.store import Store
from tests.dialects.catalog.support import API, create, error
from tests.support import Tenants


def _statuses(store: Store, ids: list[int]) -> list[str]:
    with store.read() as conn:
        found = dict(conn.execute(sa.select(listings.c.id, listings.c.status).where(listings.c.id.in_(ids))).all())
    return [found[i] for i in ids]


def _stamps(store: Store, ids: list[int]) -> list[object]:
    with store.read() as conn:
        found = dict(conn.execute(sa.select(listings.c.id, listings.c.updated_at).where(listings.c.id.in_(ids))).all())
    return [found[i] for i in ids]


def test_archive_and_reactivate(client: TestClient, tenants: Tenants, store: Store) -> None:
    key = tenants.a_test
    ids = [create(client, key, "course", title=f"C{n}")["id"] for n in range(3)]
    archived = client.post(f"{API}/courses/archived", json={"product_action": "archive", "product_ids": ids[:2]}, headers=key.token)
    assert (archived.status_code, archived.json()) == (200, {})
    assert _statuses(store, ids) == ["retired", "retired", "live"]
    before = _stamps(store, ids)
    again = client.post(f"{API}/courses/archived", json={"product_action": "archive", "product_ids": [ids[0]]}, headers=key.token)
    assert again.status_code == 200  # archiving an archived listing is harmless, and changes nothing
    assert _stamps(store, ids) == before
    back = client.post(f"{API}/courses/archived", content=f"product_action=reactivate&product_ids[]={ids[0]}&product_ids[]={ids[2]}",
                       headers={**key.token, "Content-Type": "application/x-www-form-urlencoded"})
    assert (back.status_code, back.json()) == (200, {})
    assert _statuses(store, ids) == ["live", "retired", "live"]


def test_ids_that_fail_are_named_and_the_others_processed(client: TestClient, tenants: Tenants, store: Store) -> None:
    key = tenants.a_test
    course = create(client, key, "course", title="C")["id"]
    program = create(client, key, "program", title="P")["id"]
    theirs = create(client, tenants.b_test, "course", title="Theirs")["id"]
    response = client.post(f"{API}/courses/archived", json={"product_action": "archive", "product_ids": [program, course, theirs, 999999]},
                           headers=key.token)
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {"message": f"course {failed} does not exist and was not processed", "field": "product_ids"}
            for failed in (program, theirs, 999999)
        ],
        "failed_product_ids": [program, theirs, 999999],
    }
    assert _statuses(store, [course, program, theirs]) == ["retired", "live", "live"]


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({"product_ids": [1]}, "product_action must be one of: archive, reactivate", "product_action"),
        ({"product_action": "delete", "product_ids": [1]}, "product_action must be one of: archive, reactivate", "product_action"),
        ({"product_action": "archive"}, "product_ids is required", "product_ids"),
        ({"product_action": "archive", "product_ids": []}, "product_ids must list at least one id", "product_ids"),
        ({"product_action": "archive", "product_ids": ["x"]}, "product_ids must be a list of whole numbers", "product_ids"),
        ({"product_action": "archive", "product_ids": [2**40]}, "product_ids must be a list of whole numbers", "product_ids"),
    ],
)
def test_bad_action_bodies_are_422(client: TestClient, tenants: Tenants, body: dict[str, Any], message: str, field: str) -> None:
    response = client.post(f"{API}/programs/archived", json=body, headers=tenants.a_test.token)
    assert (response.status_code, response.json()) == (422, error(message, field))
