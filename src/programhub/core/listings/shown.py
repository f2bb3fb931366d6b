"""Whether an answer of listings made at one tenant version still stands at a later one.

Every change to a tenant's data bumps its version (core/versions.py), so an answer kept
under the version it was made at is thrown away by any write, however far from it: in a
catalog that is edited while it is read, every page was made again after every edit. But
an answer of listings with their trees shows only those listings (their rows, their
requirement lists, their catalogs), and, for a default list, which listings the list holds
in which order. Triggers record the version at which each of those last changed
(migration 0020: `listing_versions`, `listing_counts.order_version`), so one indexed read
tells whether any of them changed after the answer's version: if none did, the answer is
what a new read would make, and is kept under the new version.

The recorded versions are above every version committed before their change and at most
the one their transaction commits; an answer's version was read before its own snapshot
began. So a change the answer did not see has a version above the answer's, and one it saw
may too (then the answer is made again: never kept stale)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from programhub.core.listings.models import listing_counts, listing_versions
from programhub.core.tenancy import Tenant, bound_values, owned_by_bound
from programhub.store import Store
from programhub.store.prepared import PreparedSelect


@dataclass(frozen=True, slots=True)
class ShownListings:
    """The listings an answer shows (every listing of its trees), and for a default list
    the kind whose order and membership it shows."""

    tenant: Tenant
    listing_ids: tuple[int, ...]
    listed_kind: str | None = None

    async def unchanged_since(self, store: Store, version: int) -> bool:
        """Whether none of them, nor the list's order, changed after `version` (one query,
        on a lookup connection from the event loop: `Store.first_on_loop`)."""
        ids: Any = json.dumps(self.listing_ids) if store.is_sqlite else list(self.listing_ids)
        parameters = {**bound_values(self.tenant), "shown_ids": ids, "since": version, "kind": self.listed_kind or ""}
        found = await store.first_on_loop(_CHECK_ON_SQLITE if store.is_sqlite else _CHECK, parameters)
        if found is None:
            return False
        unchanged, order_version = found
        return unchanged == len(self.listing_ids) and (self.listed_kind is None or (order_version or 0) <= version)


def _check(shown: sa.ColumnElement[bool]) -> PreparedSelect:
    """How many of the shown listings are unchanged since `since`, and the version of the
    kind's last change of order (NULL: never, or no kind asked)."""
    since = sa.bindparam("since", type_=sa.BigInteger())
    unchanged = (
        sa.select(sa.func.count())
        .select_from(listing_versions)
        .where(owned_by_bound(listing_versions), shown, listing_versions.c.version <= since)
        .scalar_subquery()
    )
    order_version = (
        sa.select(listing_counts.c.order_version)
        .where(owned_by_bound(listing_counts), listing_counts.c.kind == sa.bindparam("kind", type_=sa.String()))
        .scalar_subquery()
    )
    return PreparedSelect(sa.select(unchanged.label("unchanged"), order_version.label("order_version")))


# The ids as one parameter: an array on PostgreSQL, a JSON list on SQLite (a prepared
# statement takes no expanding IN list).
_CHECK = _check(listing_versions.c.listing_id == sa.any_(sa.bindparam("shown_ids", type_=sa.ARRAY(sa.Integer()))))
_CHECK_ON_SQLITE = _check(
    listing_versions.c.listing_id.in_(
        sa.select(sa.func.json_each(sa.bindparam("shown_ids", type_=sa.String())).table_valued("value").c.value)
    )
)
