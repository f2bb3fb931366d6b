"""/list items built by the database are, byte for byte, what a Python rendering of the
same rows gives (the one the route used before the database built them, kept here as the
reference: `program_json` and `nomination_json` reshaped by the seed's rules), on both
engines: awkward text, every kind of config value, nulls, timestamps below the millisecond."""

from __future__ import annotations

from datetime import UTC, datetime
import random
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.core.renderings import service as renderings
from programhub.core.clock import utcnow
from programhub.core.listings.models import listings
from programhub.core.listings.search import count_and_page, ordered, program_conditions, search_programs
from programhub.core.nominations.models import nominations
from programhub.core.nominations.queries import LATEST_CHANGE_FIRST, nomination_conditions, not_nominated_by
from programhub.dialects.sunbird.queries import list_items_json as _list_items_json
from programhub.dialects.sunbird.requests import parse_list
from programhub.dialects.sunbird.responses import (
    FLATTENED,
    NOMINATION_COLUMNS,
    PROGRAM_COLUMNS,
    nomination_json,
    program_json,
)
from programhub.store.sqljson import jsonb_text as config_text
from programhub.store import Store
from tests.dialects.sunbird.support import create, post
from tests.support import Tenants

AWKWARD = 'say "hi" \\ back/slash, ünï — व्याकरण \u2028 tab\tline\nbreak \u0001\u001f\x7f: {x}'
CONFIGS: list[dict[str, Any] | None] = [
    {
        "medium": ["Hindi", AWKWARD],
        "gradeLevel": [],
        "subject": "Science",
        "board": "CBSE",
        "framework": "ekstep_ncert_k-12",
        "defaultContributeOrgReview": False,
    },
    {
        "medium": AWKWARD,
        "framework": {"name": AWKWARD, "id": 7, "tags": ["a", None, 1.5]},
        "defaultContributeOrgReview": True,
    },
    {"framework": 3, "defaultContributeOrgReview": 1.5, "subject": [], "board": ""},
    {"framework": 1e15, "defaultContributeOrgReview": [[1, 2], {"k": [True]}], "gradeLevel": ["Class 6"]},
    {"framework": -0.000001, "defaultContributeOrgReview": None, "medium": ["x", "y, z"]},
    {"framework": 0.30000000000000004, "defaultContributeOrgReview": {"bb": 1, "a": 2, "ab": 3}},
    {},
]


def _seed(client: TestClient, store: Store, tenants: Tenants) -> None:
    me = tenants.a_test
    for n, config in enumerate(CONFIGS):
        fields: dict[str, Any] = {"name": f"{AWKWARD} {n}", "type": "private"}
        if n % 2 == 0:
            fields.update(
                description=AWKWARD,
                content_types=[AWKWARD, "Story"],
                target_collection_category=[],
                collection_ids=[AWKWARD],
                rolemapping={"REVIEWER": ["u-7", AWKWARD], "CREATOR": []},
                startdate="2021-01-10T00:00:00.123Z",
                nomination_enddate="2099-01-01",
                slug=AWKWARD,
                channel="c",
                template_id="t",
                guidelines_url="https://x/?a=1&b=2",
                image=AWKWARD,
                rootorg_id="r",
                sourcing_org_name=AWKWARD,
                createdby="me",
            )
        if config is not None:
            fields["config"] = config
        program_id = create(client, me, **fields)
        if n % 3 == 0:
            post(client, "/publish", {"program_id": program_id}, me)
        nomination = {"program_id": program_id, "organisation_id": "O1", "user_id": AWKWARD, "status": "Approved"}
        if n % 2 == 1:
            nomination.update(
                content_types=[AWKWARD],
                collection_ids=[],
                feedback=AWKWARD,
                rolemapping={"REVIEWER": ["u-1"], AWKWARD: [AWKWARD]},
                createdby=AWKWARD,
            )
        assert post(client, "/nomination/add", nomination, me).status_code == 200
        post(client, "/nomination/add", {"program_id": program_id, "user_id": "u-1", "status": "Pending"}, me)
        if n % 2 == 0:
            post(
                client,
                "/nomination/update",
                {"program_id": program_id, "user_id": "u-1", "status": "Approved", "updatedby": AWKWARD},
                me,
            )
    with store.write() as conn:  # timestamps below the millisecond: cut, never rounded
        changed = (
            conn.execute(
                sa.update(listings)
                .where(listings.c.name == f"{AWKWARD} 0")
                .values(updated_at=datetime(2031, 5, 6, 7, 8, 9, 999_999, tzinfo=UTC))
                .returning(listings.c.id)
            )
            .scalars()
            .all()
        )
        renderings.refresh(conn, listings, changed)  # written behind the services' back


# The program columns under other names, for selects that also read a nomination.
PROGRAM_LABELS = "program_"
LABELLED_PROGRAM_COLUMNS = tuple(c.label(PROGRAM_LABELS + c.name) for c in PROGRAM_COLUMNS)


def nested_program_json(row: Any, prefix: str = PROGRAM_LABELS) -> dict[str, Any]:
    """A program as /list shows it: without description and config, with the config's
    framework categories flattened."""
    program = program_json(row, prefix)
    config = program.pop("config")
    del program["description"]
    for key in FLATTENED:
        program[key] = config_text(config.get(key))
    return program


def _python_items(store: Store, tenants: Tenants, request: dict[str, Any]) -> tuple[int, bytes]:
    """The items as the Python rendering builds them from the rows (`matchCount` for a
    relevance sort computed from the config, as the reference does, case aside)."""
    query = parse_list(request)
    tenant = tenants.a_test.tenant

    def match_count(config: dict[str, Any]) -> dict[str, int]:
        if query.ordering.relevance is None:
            return {}
        wanted = query.ordering.relevance
        return {
            "matchCount": sum(
                len(
                    {v.casefold() for v in values}
                    & {
                        str(v).casefold()
                        for v in (config.get(key) if isinstance(config.get(key), list) else [config.get(key)])
                    }
                )
                for key, values in wanted.items()
            )
        }

    with store.read() as conn:
        if query.nominations is not None:
            conditions = [
                *nomination_conditions(tenant, query.nominations),
                *program_conditions(tenant, query.programs, utcnow()),
            ]

            def order(select: Any) -> Any:
                if query.sorted_by_nomination:
                    return select.order_by(*LATEST_CHANGE_FIRST)
                return ordered(select, tenant, query.ordering, nominations.c.id.desc())

            _total, rows = count_and_page(
                conn,
                nominations.join(listings, listings.c.id == nominations.c.program_id),
                conditions,
                (*NOMINATION_COLUMNS, *LABELLED_PROGRAM_COLUMNS),
                order,
                query.page,
            )
            items = [
                {
                    **nomination_json(row._mapping),
                    "program": nested_program_json(row._mapping),
                    **match_count(row._mapping[PROGRAM_LABELS + "config"] or {}),
                }
                for row in rows
            ]
        else:
            _total, rows = search_programs(
                conn,
                tenant,
                query.programs,
                query.ordering,
                query.page,
                PROGRAM_COLUMNS,
                now=utcnow(),
                extra=[not_nominated_by(tenant, n) for n in query.not_nominated_by],
            )
            items = [
                {**nested_program_json(row._mapping, prefix=""), **match_count(row._mapping["config"] or {})}
                for row in rows
            ]
    return len(items), orjson.dumps({"count": len(items), "programs": items})


def _database_items(store: Store, tenants: Tenants, request: dict[str, Any]) -> tuple[int, bytes]:
    query = parse_list(request)
    with store.read() as conn:
        total, items = _list_items_json(conn, tenants.a_test.tenant, query, utcnow())
    return total, orjson.dumps({"count": total, "programs": items})


REQUESTS: list[dict[str, Any]] = [
    {"filters": {}},
    {"filters": {"status": ["Draft", "Live"]}, "sort": {"name": "asc"}, "limit": 3, "offset": 2},
    {"filters": {}, "sort": {"medium": ["Hindi", "x"]}},
    {"filters": {"nomination": {"organisation_id": {"ne": "O2"}}}},
    {"filters": {"nomination": {"user_id": {"ne": "u-1"}}}},
    {"filters": {"nomination": {"organisation_id": {"eq": "O1"}}}},
    {
        "filters": {
            "nomination": {"user_id": {"eq": "u-1"}, "organisation_id": {"eq": "O1"}, "roles": {"or": ["REVIEWER"]}}
        }
    },
    {"filters": {"nomination": {"user_id": ["u-1", AWKWARD]}}, "sort": {"startdate": "desc", "createdon": "asc"}},
    {"filters": {"nomination": {"user_id": {"eq": "u-1"}}}, "limit": 0},
    {"filters": {"nomination": {"user_id": {"eq": "nobody"}}}},
]


@pytest.mark.parametrize("request_index", range(len(REQUESTS)))
def test_database_items_are_the_python_items_byte_for_byte(
    client: TestClient, store: Store, tenants: Tenants, request_index: int
) -> None:
    _seed(client, store, tenants)
    request = REQUESTS[request_index]
    python_total, python_bytes = _python_items(store, tenants, request)
    database_total, database_bytes = _database_items(store, tenants, request)
    assert database_total == python_total
    assert database_bytes == python_bytes
    if request_index == 0:
        assert python_total == len(CONFIGS)


def test_a_row_missing_its_stored_item_is_listed_all_the_same(
    client: TestClient, store: Store, tenants: Tenants, caplog: pytest.LogCaptureFixture
) -> None:
    """/list reads the stored items alone; a page with a row whose item is missing (a write
    that did not refresh it: a bug) is read again with that item rendered on the spot, and
    answers exactly what it would have."""
    from programhub.core import versions
    from programhub.core.renderings.models import renderings as stored_renderings

    _seed(client, store, tenants)
    me = tenants.a_test
    forms = [{"nomination": {"user_id": {"eq": "u-1"}}}, {"nomination": {"organisation_id": {"eq": "O1"}}}, {}]
    before = [post(client, "/list", {"filters": form, "limit": 300}, me).json() for form in forms]
    with store.write() as conn:
        for table in (nominations, listings):
            first = conn.execute(
                sa.select(sa.func.min(table.c.id)).where(table.c.org_id == me.tenant.org_id)
            ).scalar_one()
            conn.execute(
                sa.delete(stored_renderings).where(
                    stored_renderings.c.source == table.name, stored_renderings.c.source_id == first
                )
            )
        versions.bump(conn, me.tenant)  # not an answer kept from before
    with caplog.at_level("WARNING", logger="programhub.sunbird"):
        after = [post(client, "/list", {"filters": form, "limit": 300}, me).json() for form in forms]
    assert [body["result"] for body in after] == [body["result"] for body in before]
    assert all(body["result"]["count"] > 0 for body in before)
    assert "without a stored rendering" in caplog.text


def test_a_page_s_items_come_in_its_order_whatever_order_they_were_written_in(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    """A page's stored items are read by its keys alone and joined as they come (SQLite
    does not sort them): they come in the page's order, not in the order the programs,
    their nominations or their renderings were written or written again."""
    me = tenants.a_test
    names = [f"P{n:02d}" for n in range(40)]
    random.Random(7).shuffle(names)
    program_ids = {}
    for name in names:
        program_ids[name] = create(client, me, name=name)
        post(client, "/nomination/add", {"program_id": program_ids[name], "user_id": "u-1", "status": "Pending"}, me)
    for name in sorted(names, reverse=True)[::3]:
        post(client, "/nomination/update", {"program_id": program_ids[name], "user_id": "u-1", "status": "Approved"}, me)
        post(client, "/update", {"program_id": program_ids[name], "description": "again"}, me)
    nominated = {"nomination": {"user_id": {"eq": "u-1"}}}
    for direction in ("asc", "desc"):
        expected = sorted(names, reverse=direction == "desc")
        for filters in ({}, nominated):
            request = {"filters": filters, "sort": {"name": direction}, "limit": 300}
            response = post(client, "/list", request, me)
            assert response.status_code == 200, response.json()
            items = response.json()["result"]["programs"]
            assert [item["program"]["name"] if filters else item["name"] for item in items] == expected
    # The reference's own order (the latest change first, an index's order: no sort), page by page.
    with store.read() as conn:
        latest_first = list(
            conn.execute(
                sa.select(listings.c.name)
                .join(nominations, nominations.c.program_id == listings.c.id)
                .where(nominations.c.user_id == "u-1", nominations.c.org_id == me.tenant.org_id,
                       nominations.c.mode == me.tenant.mode.value)
                .order_by(*LATEST_CHANGE_FIRST)
            ).scalars()
        )
    assert sorted(latest_first) == sorted(names)
    pages = []
    for offset in range(0, 40, 7):
        response = post(client, "/list", {"filters": nominated, "limit": 7, "offset": offset}, me)
        assert response.status_code == 200, response.json()
        pages += [item["program"]["name"] for item in response.json()["result"]["programs"]]
    assert pages == latest_first
