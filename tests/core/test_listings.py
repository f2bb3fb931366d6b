"""The listings core: validation, derived columns, requirement graph rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.listings import service as listings
from programhub.core.listings.models import program_facets
from programhub.store import Store
from tests.support import Tenants


def test_create_applies_defaults_and_folded_search_columns(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        listing_id = listings.create(
            conn, tenant, "program", {"name": "Ünïcode Straße", "description": "Deep DIVE", "tag_names": ["Tag"]}
        )
        row = listings.get(conn, tenant, listing_id)
    assert row.kind == "program" and row.status == "live" and row.program_type == "public"
    assert row.public_id.startswith("prog_") and len(row.uuid) == 36
    assert row.allowed_payment_types == ["standard"] and row.tag_names == ["Tag"]
    assert row.name_folded == "ünïcode strasse"
    assert row.search_text == "ünïcode strasse\x1fdeep dive\x1ftag"
    assert row.catalog_id is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "ok", "enrollment_cap": -1}, "enrollment_cap"),
        ({"name": "ok", "enrollment_cap": 2**40}, "enrollment_cap"),
        ({"name": "ok", "enrollment_open": "yes"}, "enrollment_open"),
        ({"name": "ok", "status": "published"}, "status"),
        ({"name": "ok", "currency": "dollars"}, "currency"),
        ({"name": "ok", "start_date": datetime(2025, 1, 1)}, "start_date"),
        ({"name": "ok", "config": {"a": "\x00"}}, "config"),
        ({"name": "ok", "config": []}, "config"),
        ({"name": "ok", "rolemapping": {"REVIEWER": "u1"}}, "rolemapping.REVIEWER"),
        ({"name": "ok", "credits": float("nan")}, "credits"),
    ],
)
def test_invalid_values_name_their_field(store: Store, tenants: Tenants, fields: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as info, store.write() as conn:
        listings.create(conn, tenants.a_test.tenant, "program", fields)
    assert info.value.field == field


def test_update_changes_only_named_fields(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        listing_id = listings.create(conn, tenant, "course", {"name": "Potions", "description": "brewing", "sku": "s1"})
        before = listings.get(conn, tenant, listing_id)
        listings.update(conn, tenant, listing_id, {"description": "Advanced brewing"})
        after = listings.get(conn, tenant, listing_id)
    assert after.sku == "s1" and after.name == "Potions"
    assert after.search_text == "potions\x1fadvanced brewing"
    assert after.updated_at >= before.updated_at and after.created_at == before.created_at


def test_facets_follow_sunbird_fields(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        listing_id = listings.create(
            conn,
            tenant,
            "program",
            {"name": "GG", "content_types": ["PracticeQuestionSet"],
             "config": {"medium": ["Hindi", "English"], "subject": "Science", "board": None}},
        )
        listings.update(conn, tenant, listing_id, {"config": {"gradeLevel": ["Class 10"]}})
        facets = conn.execute(
            select(program_facets.c.facet, program_facets.c.value).where(program_facets.c.listing_id == listing_id)
        ).all()
    assert sorted(facets) == [("content_type", "practicequestionset"), ("gradeLevel", "class 10")]


def test_listing_path_unique_per_catalog_and_kind(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        first = listings.create(conn, tenant, "program", {"name": "P", "listing_path": "p"})
        listings.create(conn, tenant, "course", {"name": "C", "listing_path": "p"})  # other kind: fine
        listings.create(conns := conn, tenants.a_live.tenant, "program", {"name": "P", "listing_path": "p"})
        del conns
    with pytest.raises(Conflict) as info, store.write() as conn:
        listings.create(conn, tenant, "program", {"name": "P2", "listing_path": "p"})
    assert info.value.field == "listing_path"
    with store.write() as conn:
        listings.delete_listing(conn, tenant, first)
        listings.create(conn, tenant, "program", {"name": "P3", "listing_path": "p"})  # freed by the delete


def _chain(store: Store, tenants: Tenants) -> tuple[int, int, int, int]:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        a, b, c = (listings.create(conn, tenant, "program", {"name": n}) for n in "ABC")
        course = listings.create(conn, tenant, "course", {"name": "Course"})
        listings.set_requirements(conn, tenant, a, [b])
        listings.set_requirements(conn, tenant, b, [c, course])
    return a, b, c, course


def test_cycles_are_refused_with_their_path(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    a, b, c, _ = _chain(store, tenants)
    with pytest.raises(Invalid) as info, store.write() as conn:
        listings.set_requirements(conn, tenant, c, [a])
    assert info.value.message == f"requirement_ids would create a cycle: {c} → {a} → {b} → {c}"
    with pytest.raises(Invalid, match=f"{a} → {a}"), store.write() as conn:
        listings.set_requirements(conn, tenant, a, [a])


def test_requirements_must_exist_in_the_tenant_and_not_repeat(store: Store, tenants: Tenants) -> None:
    a, b, _, course = _chain(store, tenants)
    with store.write() as conn:
        foreign = listings.create(conn, tenants.b_test.tenant, "course", {"name": "Theirs"})
        other_mode = listings.create(conn, tenants.a_live.tenant, "course", {"name": "Live"})
    for ids in ([foreign], [other_mode], [b, b], [999_999]):
        with pytest.raises(Invalid), store.write() as conn:
            listings.set_requirements(conn, tenants.a_test.tenant, a, ids)
    with pytest.raises(NotFound), store.write() as conn:  # a course has no requirements
        listings.set_requirements(conn, tenants.a_test.tenant, course, [])


def test_a_required_listing_cannot_be_deleted(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    a, b, c, course = _chain(store, tenants)
    with pytest.raises(Conflict) as info, store.write() as conn:
        listings.delete_listing(conn, tenant, course)
    assert info.value.related == [b]
    with store.write() as conn:
        listings.set_requirements(conn, tenant, b, [c])
        listings.delete_listing(conn, tenant, course)
        with pytest.raises(NotFound):
            listings.get(conn, tenant, course)


def test_descendant_edges_reach_every_level_in_one_query(store: Store, tenants: Tenants) -> None:
    a, b, c, course = _chain(store, tenants)
    with store.read() as conn:
        edges = sorted(listings.descendant_edges(conn, tenants.a_test.tenant, [a]))
        assert listings.descendant_edges(conn, tenants.b_test.tenant, [a]) == []
    assert edges == [(a, 0, b), (b, 0, c), (b, 1, course)]


def test_other_tenants_rows_are_not_found(store: Store, tenants: Tenants) -> None:
    with store.write() as conn:
        mine = listings.create(conn, tenants.a_test.tenant, "program", {"name": "Mine"})
    for other in (tenants.a_live, tenants.b_test, tenants.b_live):
        with pytest.raises(NotFound), store.write() as conn:
            listings.update(conn, other.tenant, mine, {"name": "Stolen"})
        with pytest.raises(NotFound), store.read() as conn:
            listings.get(conn, other.tenant, mine)


def test_dates_round_trip_as_aware_utc(store: Store, tenants: Tenants) -> None:
    moment = datetime(2025, 3, 21, 13, 11, 23, 952000, tzinfo=UTC)
    with store.write() as conn:
        listing_id = listings.create(conn, tenants.a_test.tenant, "program", {"name": "D", "start_date": moment})
        assert listings.get(conn, tenants.a_test.tenant, listing_id).start_date == moment


def test_a_listing_without_a_path_gets_a_free_slug(store: Store, tenants: Tenants) -> None:
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        ids = [listings.create(conn, tenant, "program", {"name": "Cyber Security"}) for _ in range(3)]
        explicit = listings.create(conn, tenant, "program", {"name": "x", "listing_path": "cyber-security-9"})
        odd = listings.create(conn, tenant, "course", {"name": "Ünï: 100% _x_"})
        blank = listings.create(conn, tenant, "course", {"name": "!!!"})
        paths = [listings.get(conn, tenant, i).listing_path for i in [*ids, explicit, odd, blank]]
    assert paths == ["cyber-security", "cyber-security-2", "cyber-security-3", "cyber-security-9", "uni-100-x", "course"]
    assert listings.slugify("a" * 200, "program") == "a" * 80


@pytest.mark.parametrize(
    "fields",
    [
        {"content_types": ["x" * 3000]},
        {"target_collection_category": ["y" * 256]},
        {"config": {"medium": ["z" * 4000]}},
        {"config": {"subject": "w" * 256}},
    ],
)
def test_indexed_values_are_short_enough_for_any_index(store: Store, tenants: Tenants, fields: dict) -> None:  # type: ignore[type-arg]
    """A facet value past PostgreSQL's index entry limit would fail at insert time."""
    with pytest.raises(Invalid), store.write() as conn:
        listings.create(conn, tenants.a_test.tenant, "program", {"name": "Long", **fields})
    with store.write() as conn:  # 255 characters is fine, and other config keys are free text
        listings.create(conn, tenants.a_test.tenant, "program",
                        {"name": "Ok", "content_types": ["x" * 255], "config": {"about": "v" * 5000}})
