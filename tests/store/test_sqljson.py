"""The database renders JSON exactly as the Python path would, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.store import Store
from programhub.store import sqljson as sj
from tests.support import Tenants, assert_json_equal

MOMENT = datetime(2025, 3, 28, 13, 11, 23, 952000, tzinfo=UTC)


def _listing_object() -> sj.json_object:
    t = listings_table
    return sj.json_object(
        ("id", t.c.id),
        ("title", t.c.name),
        ("description", t.c.description),
        ("enrollment_open", sj.boolean(t.c.enrollment_open)),
        ("waitlist", sj.boolean(t.c.waitlist)),
        ("enrollment_fee", sj.cents(t.c.enrollment_fee_cents)),
        ("credits", sj.number(t.c.credits)),
        ("tag_names", sj.document(t.c.tag_names)),
        ("config", sj.document(t.c.config)),
        ("created", sj.iso_millis(t.c.created_at)),
        ("start_date", sj.slash_time(t.c.start_date)),
        ("end_date", sj.slash_time(t.c.end_date)),
        ("catalog", sj.json_object(("id", t.c.catalog_id), ("kind", t.c.kind))),
    ).label("item")


def test_values_render_with_exact_types(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    fields = [
        {
            "name": 'Quote " and \\ and ünï ✓',
            "description": None,
            "enrollment_fee_cents": 4999,
            "credits": 3,
            "tag_names": ["Tag", "Ünï"],
            "config": {"medium": ["Hindi"], "n": 1.5, "ok": True},
            "start_date": MOMENT,
        },
        {"name": "Zero", "description": "d", "enrollment_fee_cents": 0, "credits": 1.5, "waitlist": True},
        {"name": "Whole", "enrollment_fee_cents": 12000},
    ]
    with store.write() as conn:
        ids = [listings.create(conn, tenant, "program", f) for f in fields]
        conn.execute(sa.update(listings_table).values(created_at=MOMENT))
    rows = sa.select(_listing_object()).where(listings_table.c.id.in_(ids))
    with store.read() as conn:
        rendered = conn.execute(sj.array(rows, listings_table.c.id)).scalar_one()
    assert isinstance(rendered, str)
    catalog_id = _catalog_id(store, ids[0])
    common = {"created": "2025-03-28T13:11:23.952Z", "end_date": None, "catalog": {"id": catalog_id, "kind": "program"}}
    assert_json_equal(
        orjson.loads(rendered),
        [
            {
                "id": ids[0],
                "title": 'Quote " and \\ and ünï ✓',
                "description": None,
                "enrollment_open": True,
                "waitlist": False,
                "enrollment_fee": 49.99,
                "credits": 3,
                "tag_names": ["Tag", "Ünï"],
                "config": {"medium": ["Hindi"], "n": 1.5, "ok": True},
                "start_date": "2025/03/28 13:11:23 +0000",
                **common,
            },
            {
                "id": ids[1],
                "title": "Zero",
                "description": "d",
                "enrollment_open": True,
                "waitlist": True,
                "enrollment_fee": 0,
                "credits": 1.5,
                "tag_names": [],
                "config": None,
                "start_date": None,
                **common,
            },
            {
                "id": ids[2],
                "title": "Whole",
                "description": None,
                "enrollment_open": True,
                "waitlist": False,
                "enrollment_fee": 120,
                "credits": None,
                "tag_names": [],
                "config": None,
                "start_date": None,
                **common,
            },
        ],
    )


def _catalog_id(store: Store, listing_id: int) -> int:
    with store.read() as conn:
        return conn.execute(
            sa.select(listings_table.c.catalog_id).where(listings_table.c.id == listing_id)
        ).scalar_one()


def test_arrays_keep_order_limit_and_offset_and_can_be_empty(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        for n in range(30):
            listings.create(conn, tenant, "program", {"name": f"P{n:02d}", "list_order": (n * 7) % 30})
    item = sj.json_object(("name", listings_table.c.name)).label("item")
    order = (listings_table.c.list_order.desc(), listings_table.c.id)
    page = sa.select(item).where(listings_table.c.org_id == tenant.org_id).order_by(*order).limit(10).offset(5)
    with store.read() as conn:
        names = [o["name"] for o in orjson.loads(conn.execute(sj.array(page, *order)).scalar_one())]
        empty = conn.execute(sj.array(page.where(sa.false()), *order)).scalar_one()
    expected = sorted((f"P{n:02d}" for n in range(30)), key=lambda name: -((int(name[1:]) * 7) % 30))[5:15]
    assert names == expected
    assert orjson.loads(empty) == []


def test_arrays_of_items_built_where_aggregated_keep_order_and_can_be_empty(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        for n in range(30):
            listings.create(conn, tenant, "program", {"name": f"P{n:02d}", "list_order": (n * 7) % 30})
    t = listings_table
    rows = sa.select(t.c.name, t.c.list_order, t.c.enrollment_open).where(t.c.org_id == tenant.org_id)

    def item(row: Any) -> sj.json_object:
        return sj.json_object(("name", row.name), ("open", sj.boolean(row.enrollment_open)))

    with store.read() as conn:
        rendered = conn.execute(sj.array_of(rows, item, "list_order")).scalar_one()
        empty = conn.execute(sj.array_of(rows.where(sa.false()), item, "list_order")).scalar_one()
    expected = sorted((f"P{n:02d}" for n in range(30)), key=lambda name: (int(name[1:]) * 7) % 30)
    assert orjson.loads(rendered) == [{"name": name, "open": True} for name in expected]
    assert orjson.loads(empty) == []


def test_text_arrays_keep_a_mixed_order_with_ties_and_can_be_empty(store: Store, tenants: Tenants) -> None:
    """Stored texts concatenated in the order of several keys, one descending: ties on the
    first (list_order repeats) are broken by the second, on both engines."""
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        made = [listings.create(conn, tenant, "program", {"name": f"P{n:02d}", "list_order": n % 4}) for n in range(30)]
    t = listings_table
    rows = sa.select(sj.as_text(sj.json_object(("id", t.c.id))).label("item")).where(t.c.org_id == tenant.org_id)
    with store.read() as conn:
        rendered = conn.execute(sj.text_array(rows, t.c.list_order, t.c.id.desc())).scalar_one()
        empty = conn.execute(sj.text_array(rows.where(sa.false()), t.c.list_order, t.c.id.desc())).scalar_one()
    ids = {name: listing_id for listing_id, name in zip(made, (f"P{n:02d}" for n in range(30)), strict=True)}
    expected = sorted(ids.values(), key=lambda listing_id: (made.index(listing_id) % 4, -listing_id))
    assert [item["id"] for item in orjson.loads(rendered)] == expected
    assert orjson.loads(empty) == []


def test_counted_text_items_join_in_position_order_and_count_the_missing(store: Store, tenants: Tenants) -> None:
    """The texts joined in their positions' order, whatever the order the rows are written
    in; a NULL text is left out and counted; no rows give NULL, bracketed as an empty
    array."""
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        for n in range(30):
            listings.create(conn, tenant, "program", {"name": f"P{n:02d}", "list_order": (n * 7) % 30})
    t = listings_table
    text = sa.case((t.c.list_order % 5 == 0, sa.null()), else_=sj.as_text(sj.json_object(("name", t.c.name))))
    rows = sa.select(text.label("item"), t.c.list_order.label("position")).where(t.c.org_id == tenant.org_id)
    with store.read() as conn:
        joined, total, missing = conn.execute(sj.counted_text_items(rows)).one()
        nothing = conn.execute(sj.counted_text_items(rows.where(sa.false()))).one()
    expected = [f"P{n:02d}" for n in sorted(range(30), key=lambda n: (n * 7) % 30) if (n * 7) % 30 % 5 != 0]
    assert [item["name"] for item in orjson.loads(sj.bracketed(joined))] == expected
    assert (total, missing) == (30, 6)
    assert tuple(nothing) == (None, 0, 0)
    assert sj.bracketed(nothing[0]) == "[]"


def test_assert_json_equal_distinguishes_int_float_and_bool() -> None:
    import pytest

    for left, right in [(0, 0.0), (1, True), ([0], [0.0]), ({"a": 1}, {"a": 1.0})]:
        with pytest.raises(AssertionError):
            assert_json_equal(left, right)
    assert_json_equal({"a": [1, 2.5, None, "x"]}, {"a": [1, 2.5, None, "x"]})
