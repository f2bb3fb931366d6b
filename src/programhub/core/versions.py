"""Per-tenant data versions: a number that changes in the same transaction as any change
to a tenant's data, so an answer computed at one version is still right while the version
stands (the response cache keys on it, across processes, since it lives in the database).

Three numbers, each kept by the same triggers (migration 0019):
- `version`: any change to the tenant's data;
- `shared_version`: any change but to nominations and their roles, the data that every
  user's nominations are shown with;
- a user's nomination version (`user_nomination_versions`, one row per user id a written
  nomination ever concerned): any change to a nomination the user made or holds a role in,
  before or after the change, or to its roles.
An answer that reads no nominations but a few users' besides the shared data (Sunbird's
/list of "my nominations": forms B, C and E naming users) keys on the last two, so one contributor's
nomination does not throw away every other contributor's answers; every other answer keys
on `version`.

Two mechanisms keep them honest:
- triggers on every tenant data table (migrations 0003 and 0019) bump them whatever
  writes, so no write path can forget it;
- write paths open their transaction with `writing()`, which bumps it first. On
  PostgreSQL that row lock serialises a tenant's writes in one lock order (no deadlock
  between a trigger's late lock and other row locks) and doubles as the lock that keeps
  two concurrent requirement edits from forming a cycle. SQLite serialises all writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    PrimaryKeyConstraint,
    ScalarSelect,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)

from programhub.core.db import metadata, tenant_columns
from programhub.core.tenancy import Mode, Tenant, bound_values, owned_by_bound
from programhub.store import Store

tenant_versions = Table(
    "tenant_versions",
    metadata,
    *tenant_columns(),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("shared_version", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("org_id", "mode"),
)

# A user id with no row has version 0: no nomination concerning it was ever written.
user_nomination_versions = Table(
    "user_nomination_versions",
    metadata,
    *tenant_columns(),
    Column("user_id", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    PrimaryKeyConstraint("org_id", "mode", "user_id"),
)

# The tables whose rows make up what the APIs answer; each has version triggers.
# NOMINATION_TABLES bump `version` and their users'; the others `version` and
# `shared_version`.
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
NOMINATION_TABLES = ("nominations", "nomination_roles")


def create_for_org(conn: Connection, org_id: int) -> None:
    conn.execute(insert(tenant_versions), [{"org_id": org_id, "mode": mode.value, "version": 0} for mode in Mode])


# Built once: every write runs it, and building a statement and its cache key cost SQLAlchemy
# ~250 us, six times its run (bench/RESULTS.md, run 15).
_BUMP = update(tenant_versions).where(owned_by_bound(tenant_versions)).values(version=tenant_versions.c.version + 1)


def bump(conn: Connection, tenant: Tenant) -> None:
    """Change the tenant's version, and on PostgreSQL hold its row lock until commit."""
    conn.execute(_BUMP, bound_values(tenant))


@contextmanager
def writing(store: Store, tenant: Tenant) -> Iterator[Connection]:
    """A write transaction for one tenant's data (see the module docstring)."""
    with store.write() as conn:
        bump(conn, tenant)
        yield conn


def user_nomination_version(org_id: ColumnElement[int], mode: ColumnElement[str], parameter: str) -> ScalarSelect[Any]:
    """The nomination version of the user named by the bound `parameter`, in the
    organisation and mode given (NULL for a user no written nomination ever concerned): a
    column for another statement (the key lookup's, `core.auth`)."""
    return (
        select(user_nomination_versions.c.version)
        .where(
            user_nomination_versions.c.org_id == org_id,
            user_nomination_versions.c.mode == mode,
            user_nomination_versions.c.user_id == bindparam(parameter),
        )
        .scalar_subquery()
    )
