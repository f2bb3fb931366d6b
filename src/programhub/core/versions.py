"""Per-tenant data versions: a number that changes in the same transaction as any change
to a tenant's data, so an answer computed at one version is still right while the version
stands (the response cache keys on it, across processes, since it lives in the database).

Two mechanisms keep it honest:
- triggers on every tenant data table (migration 0003) bump it whatever writes, so no
  write path can forget it;
- write paths open their transaction with `writing()`, which bumps it first. On
  PostgreSQL that row lock serialises a tenant's writes in one lock order (no deadlock
  between a trigger's late lock and other row locks) and doubles as the lock that keeps
  two concurrent requirement edits from forming a cycle. SQLite serialises all writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import BigInteger, Column, Connection, PrimaryKeyConstraint, Table, insert, update

from programhub.core.db import metadata, tenant_columns
from programhub.core.tenancy import Mode, Tenant, owned_by
from programhub.store import Store

tenant_versions = Table(
    "tenant_versions",
    metadata,
    *tenant_columns(),
    Column("version", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("org_id", "mode"),
)

# The tables whose rows make up what the APIs answer; each has version triggers.
TRACKED = (
    "admissions_enrollments",
    "catalogs",
    "certificate_awards",
    "certificates",
    "credential_batches",
    "credential_recipients",
    "identities",
    "identity_programs",
    "listings",
    "nomination_roles",
    "nominations",
    "program_facets",
    "program_preferences",
    "requirements",
    "signed_credentials",
    "signing_keys",
    "status_lists",
    "enrollments",
    "learners",
    "waitlist_applicants",
    "applicants",
    "custom_field_answers",
    "custom_fields",
    "decisions",
    "designations",
    "exports",
    "local_statuses",
)


def create_for_org(conn: Connection, org_id: int) -> None:
    conn.execute(insert(tenant_versions), [{"org_id": org_id, "mode": mode.value, "version": 0} for mode in Mode])


def bump(conn: Connection, tenant: Tenant) -> None:
    """Change the tenant's version, and on PostgreSQL hold its row lock until commit."""
    conn.execute(
        update(tenant_versions).where(owned_by(tenant_versions, tenant)).values(version=tenant_versions.c.version + 1)
    )


@contextmanager
def writing(store: Store, tenant: Tenant) -> Iterator[Connection]:
    """A write transaction for one tenant's data (see the module docstring)."""
    with store.write() as conn:
        bump(conn, tenant)
        yield conn
