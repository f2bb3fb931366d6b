"""Helpers for the Record tests: programmes, request bodies, id and timestamp checks."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import httpx2

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
    assert isinstance(value, str) and re.fullmatch(rf"{prefix}_\d{{13}}_[0-9a-z]{{6}}", value), value
    return value


def check_timestamp(value: Any) -> str:
    assert isinstance(value, str) and TIMESTAMP.fullmatch(value), value
    return value


def error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "message": message}


def count_rows(store: Store, table: Table) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def at_once(count: int, send: Callable[[int, httpx2.Client], httpx2.Response], base_url: str) -> list[httpx2.Response]:
    """`count` threads, each with its own connection, released together by a barrier."""
    barrier = threading.Barrier(count)
    results: list[httpx2.Response | BaseException] = [RuntimeError("not sent")] * count

    def run(index: int) -> None:
        try:
            with httpx2.Client(base_url=base_url, timeout=60) as http:
                http.get("/healthz")  # connect first, so that only the requests themselves race
                barrier.wait(timeout=30)
                results[index] = send(index, http)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after every thread ends
            barrier.abort()  # never leave the others waiting
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]
