"""A nomination list filtered by user, or by organisation and status, finds its rows by an
index that also gives Sunbird's order (migration 0015), instead of walking every
nomination of the tenant in that order and filtering each one (SQLite's choice before)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from programhub.core.clock import utcnow
from programhub.core.listings.search import Page, ProgramFilter
from programhub.core.nominations.queries import NominationFilter, nomination_page
from programhub.core.tenancy import Mode, Tenant
from programhub.store import Store

TENANT = Tenant(1, Mode.TEST, "org", "Org")


def _plan(store: Store, wanted: NominationFilter) -> str:
    _total, keys = nomination_page(TENANT, wanted, ProgramFilter(), None, Page(300, 0), now=utcnow())
    query = sa.select(keys.c.nomination_id)
    with store.read() as conn:
        compiled = query.compile(conn, compile_kwargs={"render_postcompile": True})
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values()))
        return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    ("wanted", "index"),
    [
        (NominationFilter(user_ids=("u-1",)), "ix_nominations_tenant_user_latest"),
        (
            NominationFilter(organisation_ids=("o-1",), statuses=("Approved",)),
            "ix_nominations_tenant_organisation_latest",
        ),
    ],
)
def test_a_users_or_an_organisations_nominations_come_from_their_own_index(
    store: Store, backend: str, wanted: NominationFilter, index: str
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL's planner chooses by the data's statistics; SQLite's by the indexes")
    plan = _plan(store, wanted)
    assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan


def test_an_open_filter_filters_on_sqlite_and_is_indexable_on_postgresql() -> None:
    """The date indexes serve `next_date_change`; on SQLite, whose planner has no
    statistics unless someone analyzed, a page's programs still come from its order's index."""
    from sqlalchemy.dialects import postgresql, sqlite

    from programhub.core.listings.search import program_conditions

    condition = sa.and_(*program_conditions(TENANT, ProgramFilter(nomination_open=True), utcnow()))
    assert "+listings.nomination_enddate >=" in str(condition.compile(dialect=sqlite.dialect()))
    assert " listings.nomination_enddate >=" in str(condition.compile(dialect=postgresql.dialect()))


def test_a_program_page_in_the_default_order_walks_the_index_alone(store: Store, backend: str) -> None:
    """Form A walks the tenant's programs latest change first, checking each one's state,
    its nomination end date and whether the caller nominated it: the order's index carries
    what the checks read (migration 0017), so SQLite never reads the programs' wide rows
    for the ones it passes over."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's index-only scans depend on its visibility map, i.e. on the data")
    from programhub.core.listings.search import Ordering, program_page
    from programhub.core.nominations.queries import Nominee, not_nominated_by

    extra = [not_nominated_by(TENANT, Nominee(organisation_id="o-1"))]
    _total, keys = program_page(
        TENANT, ProgramFilter(nomination_open=True), Ordering(), Page(300, 0), now=utcnow(), extra=extra
    )
    query = sa.select(keys.c.listing_id)
    with store.read() as conn:
        compiled = query.compile(conn, compile_kwargs={"render_postcompile": True})
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values()))
        plan = "\n".join(str(row[-1]) for row in rows)
    assert "USING COVERING INDEX ix_listings_tenant_kind_updated" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # the index gives the order, id included
