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

import functools
from dataclasses import dataclass

import sqlalchemy as sa

from programhub.core.listings.models import listing_counts, listing_versions
from programhub.core.tenancy import Tenant, bound_values, owned_by_bound
from programhub.store import Store
from programhub.store.prepared import PreparedSelect
from programhub.store.sql import one_of


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
        parameters = {
            **bound_values(self.tenant),
            "shown_ids": list(self.listing_ids),
            "since": version,
            "kind": self.listed_kind or "",
        }
        found = await store.first_on_loop(_check(store.engine.dialect.name), parameters)
        if found is None:
            return False
        unchanged, order_version = found
        return unchanged == len(self.listing_ids) and (self.listed_kind is None or (order_version or 0) <= version)


@functools.cache
def _check(engine_name: str) -> PreparedSelect:
    """How many of the shown listings (`shown_ids`) are unchanged since `since`, and the
    version of the kind's last change of order (NULL: never, or no kind asked)."""
    since = sa.bindparam("since", type_=sa.BigInteger())
    shown = one_of(listing_versions.c.listing_id, "shown_ids", engine_name)
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
