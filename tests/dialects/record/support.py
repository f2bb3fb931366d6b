"""Helpers for the Record tests: programmes, request bodies, id and timestamp checks."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Table, func, select

from programhub.core.listings import service as listings
from programhub.store import Store
from tests.support import TenantKey

BASE = "/api/external/issuance"
PUBLIC_URL = "http://programhub.test"  # the `settings` fixture's public URL
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def make_program(store: Store, owner: TenantKey, name: str, description: str | None = None, **fields: Any) -> str:
    """A programme created through the core (as any dialect would); returns its Record id."""
    values = {"name": name, **fields}
    if description is not None:
        values["description"] = description
    kind = values.pop("kind", "program")
    with store.write() as conn:
        listing_id = listings.create(conn, owner.tenant, kind, values)
        return str(listings.get(conn, owner.tenant, listing_id).public_id)


def retire(store: Store, owner: TenantKey, public_id: str) -> None:
    with store.write() as conn:
        listings.update(conn, owner.tenant, listings.id_for(conn, owner.tenant, public_id=public_id), {"status": "retired"})


def delete(store: Store, owner: TenantKey, public_id: str) -> None:
    with store.write() as conn:
        listings.delete_listing(conn, owner.tenant, listings.id_for(conn, owner.tenant, public_id=public_id))


def people(count: int, start: int = 0) -> list[dict[str, str]]:
    return [{"name": f"Person {i}", "email": f"person{i}@example.edu"} for i in range(start, start + count)]


def issue_body(program_id: str, recipients: list[dict[str, Any]] | None = None, batch_name: str = "Spring 2025") -> dict[str, Any]:
    return {"programId": program_id, "batchName": batch_name, "recipients": people(2) if recipients is None else recipients}


def check_id(value: Any, prefix: str) -> str:
    """`<prefix>_<epoch ms>_<6 base36>`; a recipient id (a credential link) has 22 random base62
    characters instead, 131 bits (docs/security.md)."""
    random_part = "[0-9A-Za-z]{22}" if prefix == "rec" else "[0-9a-z]{6}"
    assert isinstance(value, str) and re.fullmatch(rf"{prefix}_\d{{13}}_{random_part}", value), value
    return value


def check_timestamp(value: Any) -> str:
    assert isinstance(value, str) and TIMESTAMP.fullmatch(value), value
    return value


def error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "message": message}


def count_rows(store: Store, table: Table) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
