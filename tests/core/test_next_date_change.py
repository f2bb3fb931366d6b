"""`search.next_date_change`: when a Sunbird list filtered on "open"/"closed" dates can
change its answer without a write (its cached answer's expiry), from a statement built once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection

from programhub.core.listings import service as listings
from programhub.core.listings.search import ProgramFilter, next_date_change
from programhub.store import Store
from tests.support import Tenants, count_queries

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def test_the_earliest_date_still_ahead_of_now_of_the_tenants_programs(
    store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each asked filter's column counts; past dates, courses, another tenant's and the
    other mode's programs do not; no filter asked is no date, and nothing ahead is none.
    The statements are built once and run on the driver's cursor: no execution context."""
    mine, other = tenants.a_test.tenant, tenants.b_test.tenant
    live = tenants.a_live.tenant
    with store.write() as conn:
        for tenant, kind, nomination, submission in (
            (mine, "program", datetime(2030, 5, 1, tzinfo=UTC), datetime(2030, 9, 1, tzinfo=UTC)),  # nomination past
            (mine, "program", datetime(2030, 7, 1, tzinfo=UTC), datetime(2030, 8, 1, tzinfo=UTC)),
            (mine, "course", datetime(2030, 6, 2, tzinfo=UTC), datetime(2030, 6, 2, tzinfo=UTC)),
            (other, "program", datetime(2030, 6, 3, tzinfo=UTC), datetime(2030, 6, 3, tzinfo=UTC)),
            (live, "program", datetime(2030, 6, 4, tzinfo=UTC), datetime(2030, 6, 4, tzinfo=UTC)),
        ):
            fields = {"name": "P", "nomination_enddate": nomination, "content_submission_enddate": submission}
            listings.create(conn, tenant, kind, fields if kind == "program" else {"name": "C"})
    contexts: list[object] = []
    original = Connection._execute_context

    def counted(self: Connection, *args: Any, **kwargs: Any) -> Any:
        contexts.append(args[2])
        return original(self, *args, **kwargs)

    with store.read() as conn, count_queries(store) as statements:
        monkeypatch.setattr(Connection, "_execute_context", counted)
        found = [
            next_date_change(conn, mine, wanted, NOW)
            for wanted in (
                ProgramFilter(nomination_open=True),
                ProgramFilter(submission_open=False),
                ProgramFilter(nomination_open=False, submission_open=True),
                ProgramFilter(),
            )
        ]
        ahead = next_date_change(conn, mine, ProgramFilter(nomination_open=True), datetime(2031, 1, 1, tzinfo=UTC))
    july, august = datetime(2030, 7, 1, tzinfo=UTC), datetime(2030, 8, 1, tzinfo=UTC)
    assert found == [july, august, july, None] and ahead is None
    assert contexts == []
    assert len(statements) == 4 and len(set(statements)) == 3  # one text per filter shape, values bound
