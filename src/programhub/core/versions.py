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
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    PrimaryKeyConstraint,
    ScalarSelect,
    Select,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)

from programhub.core.db import metadata, tenant_columns
from programhub.core.tenancy import Mode, Tenant, owned_by
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


@cache
def _user_nomination_versions(count: int) -> Select[tuple[str, int]]:
    """The versions of `count` users (parameters user_0 ...), built once per count: it
    runs on every request for one user's nominations, cache hits included, and a list
    parameter (`expanding`) is rendered into the statement on every execution (it tripled
    the statement's cost)."""
    return select(user_nomination_versions.c.user_id, user_nomination_versions.c.version).where(
        user_nomination_versions.c.org_id == bindparam("org_id"),
        user_nomination_versions.c.mode == bindparam("mode"),
        user_nomination_versions.c.user_id.in_([bindparam(f"user_{index}") for index in range(count)]),
    )


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


def user_nominations(conn: Connection, tenant: Tenant, user_ids: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """The nomination versions of these users, in the order given (0 for a user no written
    nomination ever concerned), in one statement on `conn`."""
    if not user_ids:
        return ()
    parameters: dict[str, object] = {"org_id": tenant.org_id, "mode": tenant.mode.value}
    parameters.update((f"user_{index}", user_id) for index, user_id in enumerate(user_ids))
    found = {row.user_id: row.version for row in conn.execute(_user_nomination_versions(len(user_ids)), parameters)}
    return tuple((user_id, found.get(user_id, 0)) for user_id in user_ids)


def user_nominations_now(store: Store, tenant: Tenant, user_ids: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """`user_nominations`, read outside any transaction."""
    with store.lookup() as conn:
        return user_nominations(conn, tenant, user_ids)
