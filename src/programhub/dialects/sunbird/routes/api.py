"""What Sunbird's routes share: their router settings, and a write to a program known by
its program_id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from programhub.core import versions
from programhub.core.errors import NotFound
from programhub.core.listings import service as listings_service
from programhub.core.tenancy import Tenant
from programhub.dialects.sunbird.errors import ERRORS
from programhub.dialects.sunbird.responses import PREFIX
from programhub.store import Store
from programhub.web.dialect import dialect_route_class

ROUTER_OPTIONS: dict[str, Any] = {"prefix": PREFIX, "route_class": dialect_route_class(ERRORS), "tags": ["Sunbird"]}


@contextmanager
def writing_to(store: Store, tenant: Tenant, program_id: str) -> Iterator[tuple[Connection, int]]:
    """A write transaction on the program known by `program_id`. If it disappears while the
    request runs (deleted by another), the caller is told by its program_id, not the core's id."""
    try:
        with versions.writing(store, tenant) as conn:
            yield conn, listings_service.id_for(conn, tenant, uuid=program_id)
    except NotFound as exc:
        if exc.kind in ("program", "listing"):
            raise NotFound("program", program_id) from None
        raise
