"""Helpers for tests: tenants with keys, query counting, auth headers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from programhub.core.keys import service as keys
from programhub.core.orgs import service as orgs
from programhub.core.tenancy import Mode, Tenant
from programhub.store import Store


@dataclass(frozen=True)
class TenantKey:
    """An organisation in one mode, with a key for it."""

    tenant: Tenant
    key: str
    key_id: str

    @property
    def org(self) -> str:
        return self.tenant.org_public_id

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def token(self) -> dict[str, str]:
        return {"Authorization": f'Token token="{self.key}"'}

    @property
    def x_api_key(self) -> dict[str, str]:
        return {"X-Api-Key": self.key}


@dataclass(frozen=True)
class Tenants:
    a_test: TenantKey
    a_live: TenantKey
    b_test: TenantKey
    b_live: TenantKey

    def all(self) -> list[TenantKey]:
        return [self.a_test, self.a_live, self.b_test, self.b_live]


def make_tenant_key(store: Store, org_public_id: str, mode: Mode) -> TenantKey:
    with store.write() as conn:
        org = orgs.get(conn, org_public_id)
        issued = keys.create(conn, org.public_id, mode, "tests")
    return TenantKey(Tenant(org.id, mode, org.public_id, org.name), issued.secret, issued.key.id)


def make_org(store: Store, name: str) -> str:
    with store.write() as conn:
        return orgs.create(conn, name).public_id


def make_tenants(store: Store) -> Tenants:
    org_a = make_org(store, "Organisation A")
    org_b = make_org(store, "Organisation B")
    return Tenants(
        a_test=make_tenant_key(store, org_a, Mode.TEST),
        a_live=make_tenant_key(store, org_a, Mode.LIVE),
        b_test=make_tenant_key(store, org_b, Mode.TEST),
        b_live=make_tenant_key(store, org_b, Mode.LIVE),
    )


@contextmanager
def count_queries(store: Store) -> Iterator[list[str]]:
    """The SQL statements run on `store` inside the block (transaction control excluded)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def assert_json_equal(actual: Any, expected: Any, path: str = "$") -> None:
    """Equality that also checks JSON types: 0 is not 0.0 and true is not 1, as a strictly
    typed client would see them (Python's == says they are equal)."""
    assert type(actual) is type(expected), f"{path}: {actual!r} ({type(actual).__name__}) != {expected!r} ({type(expected).__name__})"
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_json_equal(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: {len(actual)} items != {len(expected)}"
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            assert_json_equal(left, right, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
