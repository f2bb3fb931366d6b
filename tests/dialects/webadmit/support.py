"""Helpers for the WebAdMIT tests: identities and programs made through the core services
(as any other dialect would make them), and the expected wire bodies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from programhub.core.identities import service as identities
from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant
from programhub.store import Store

BASE = "/api/v1/user_identities"
CYCLE = "2025 - 2026"
MALFORMED_ID = "The property '#/user_identity_id' of type String did not match the following type: integer"


def make_program(store: Store, tenant: Tenant, name: str, **fields: Any) -> int:
    with store.write() as conn:
        return listings.create(conn, tenant, fields.pop("kind", "program"), {"name": name, **fields})


def make_identity(
    store: Store,
    tenant: Tenant,
    *,
    type: str = "Admissions User",
    cycle: str = CYCLE,
    association: str | None = None,
    institution: str | None = None,
    organization: str | None = None,
    program_ids: Sequence[int] | None = None,
) -> int:
    with store.write() as conn:
        return identities.create(conn, tenant, type=type, cycle=cycle, association=association,
                                 institution=institution, organization=organization, program_ids=program_ids)


def not_found(identity_id: object) -> dict[str, Any]:
    return {"errors": {"schema": [f"User identity '{identity_id}' not found."]}}


def programs_body(identity_id: int, programs: Sequence[tuple[int, str]], organization_name: str) -> dict[str, Any]:
    return {
        "href": f"{BASE}/{identity_id}/programs",
        "programs": [{"id": pid, "name": name, "organization_name": organization_name} for pid, name in programs],
    }
