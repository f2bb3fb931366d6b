"""Writing nominations: one per (program, organisation), or per (program, user) for a user
nominating alone, with the rolemapping mirrored into `nomination_roles` (one row per role
and user) so that role lookups are exact and indexed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from programhub.core import validation as check
from programhub.core.clock import utcnow
from programhub.core.db import insert_rows
from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.listings.models import listings
from programhub.core.nominations.models import NOMINATION_STATUSES, nomination_roles, nominations
from programhub.core.nominations.queries import Nominee
from programhub.core.renderings import service as renderings
from programhub.core.tenancy import Tenant, bound_values, owned_by, owned_by_bound, update_owned

Checker = Callable[[str, Any], Any]


def _optional(checker: Checker) -> Checker:
    return lambda field, value: None if value is None else checker(field, value)


# Identifiers are indexed (here and in nomination_roles); an index entry has a size limit.
IDENTIFIER_MAX_LENGTH = 255


def _identifier(field: str, value: Any) -> str:
    return check.text(field, value, allow_empty=False, max_length=IDENTIFIER_MAX_LENGTH)


def _role_mapping(field: str, value: Any) -> dict[str, list[str]]:
    mapping = check.role_mapping(field, value)
    if any(
        len(role) > IDENTIFIER_MAX_LENGTH or any(len(user) > IDENTIFIER_MAX_LENGTH for user in users)
        for role, users in mapping.items()
    ):
        raise Invalid(field, f"{field} roles and user ids must be at most {IDENTIFIER_MAX_LENGTH} characters")
    return mapping


FIELDS: dict[str, Checker] = {
    "user_id": _optional(_identifier),
    "organisation_id": _optional(_identifier),
    "status": lambda f, v: check.one_of(f, v, NOMINATION_STATUSES),
    "content_types": _optional(check.string_list),
    "targetprimarycategories": _optional(check.json_document),
    "targetprimarycategorynames": _optional(check.string_list),
    "collection_ids": _optional(check.string_list),
    "feedback": _optional(lambda f, v: check.text(f, v, max_length=check.LONG_TEXT)),
    "rolemapping": _optional(_role_mapping),
    "createdby": _optional(check.text),
    "updatedby": _optional(check.text),
}
# What an update may change; the nominee and the program identify the nomination.
CHANGEABLE = (
    "status",
    "content_types",
    "targetprimarycategories",
    "targetprimarycategorynames",
    "collection_ids",
    "feedback",
    "rolemapping",
    "updatedby",
)


def checked(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - FIELDS.keys()
    if unknown:
        raise KeyError(f"not nomination fields: {sorted(unknown)}")
    return {name: FIELDS[name](name, value) for name, value in fields.items()}


def add(conn: Connection, tenant: Tenant, program_id: int, fields: Mapping[str, Any]) -> int:
    """Nominate to a program; a second nomination by the same nominee is a Conflict."""
    values = checked(fields)
    if values.get("status") is None:
        raise Invalid("status", "status is required")
    if values.get("user_id") is None and values.get("organisation_id") is None:
        raise Invalid("user_id", "user_id or organisation_id is required")
    _ensure_open_program(conn, tenant, program_id)
    nominee = _unique_key(values)
    if matching_ids(conn, tenant, program_id, nominee, individual=values.get("organisation_id") is None):
        raise _duplicate(nominee)
    row = {
        **values,
        "org_id": tenant.org_id,
        "mode": tenant.mode.value,
        "program_id": program_id,
        "createdon": utcnow(),
        "updatedon": None,
    }
    with _duplicate_as_conflict(nominee):
        nomination_id: int = conn.execute(_INSERT, row).scalar_one()
    _write_roles(conn, tenant, [nomination_id], values.get("rolemapping"))
    renderings.refresh(conn, nominations, [nomination_id])
    return nomination_id


def update(
    conn: Connection, tenant: Tenant, program_id: int, nominee: Nominee, changes: Mapping[str, Any]
) -> list[int]:
    """Change the nominations of `program_id` by `nominee`; returns their ids."""
    if set(changes) - set(CHANGEABLE):
        raise KeyError(f"not changeable: {sorted(set(changes) - set(CHANGEABLE))}")
    values = checked(changes)
    if "status" in values and values["status"] is None:
        raise Invalid("status", f"status must be one of: {', '.join(NOMINATION_STATUSES)}")
    ids = _existing(conn, tenant, program_id, nominee)
    values["updatedon"] = utcnow()
    update_owned(conn, nominations, tenant, ids, values)
    if "rolemapping" in values:
        _delete_roles(conn, tenant, ids)
        _write_roles(conn, tenant, ids, values["rolemapping"])
    renderings.refresh(conn, nominations, ids)
    return ids


def remove(conn: Connection, tenant: Tenant, program_id: int, nominee: Nominee) -> list[int]:
    """Withdraw the nominations of `program_id` by `nominee`; returns their ids."""
    ids = _existing(conn, tenant, program_id, nominee)
    _delete_roles(conn, tenant, ids)
    conn.execute(sa.delete(nominations).where(owned_by(nominations, tenant), nominations.c.id.in_(ids)))
    renderings.forget(conn, nominations, ids)
    return ids


def matching_ids(
    conn: Connection, tenant: Tenant, program_id: int, nominee: Nominee, *, individual: bool = False
) -> list[int]:
    """Ids of the nominations of `program_id` by `nominee` (only those without an
    organisation when `individual`)."""
    parameters = {**bound_values(tenant), "program_id": program_id, **nominee.bound_values()}
    return list(conn.execute(_matching_statement(nominee.shape, individual), parameters).scalars())


# Built once per shape of nominee with the tenant bound: every nomination write runs it, and
# building it and its cache key cost SQLAlchemy more than running it (bench/RESULTS.md, run 15).


@cache
def _matching_statement(shape: tuple[str, ...], individual: bool) -> sa.Select[Any]:
    query = sa.select(nominations.c.id).where(
        owned_by_bound(nominations),
        nominations.c.program_id == sa.bindparam("program_id"),
        *Nominee.bound_conditions(shape),
    )
    if individual:
        query = query.where(nominations.c.organisation_id.is_(None))
    return query.order_by(nominations.c.id)


def _existing(conn: Connection, tenant: Tenant, program_id: int, nominee: Nominee) -> list[int]:
    ids = matching_ids(conn, tenant, program_id, nominee)
    if not ids:
        raise NotFound("nomination", f"by {nominee.describe()}")
    return ids


# The program's status alone: `listings.service.get` reads the whole row, and converting its
# columns cost a nomination add ~0.7-1 ms more (measured).
_PROGRAM_STATUS = sa.select(listings.c.status).where(
    owned_by_bound(listings),
    listings.c.id == sa.bindparam("program_id"),
    listings.c.kind == "program",
    listings.c.deleted_at.is_(None),
)
# The row's values come as the statement's parameters (its columns those the row names).
_INSERT = sa.insert(nominations).returning(nominations.c.id)


def _ensure_open_program(conn: Connection, tenant: Tenant, program_id: int) -> None:
    status = conn.execute(_PROGRAM_STATUS, {**bound_values(tenant), "program_id": program_id}).scalar_one_or_none()
    if status is None:
        raise NotFound("program", program_id)
    if status == "retired":
        raise Conflict("the program is retired and takes no nominations", field="program_id")


def _unique_key(values: Mapping[str, Any]) -> Nominee:
    """What a nomination must be unique by: its organisation, or, without one, its user."""
    if values.get("organisation_id") is not None:
        return Nominee(organisation_id=values["organisation_id"])
    return Nominee(user_id=values["user_id"])


def _duplicate(nominee: Nominee) -> Conflict:
    field = "organisation_id" if nominee.organisation_id is not None else "user_id"
    return Conflict(f"{nominee.describe()} has already nominated to this program", field=field)


@contextmanager
def _duplicate_as_conflict(nominee: Nominee) -> Iterator[None]:
    """A concurrent writer may insert the same nominee between the check and the insert:
    the unique index refuses it, and the caller gets the same Conflict (the request's
    transaction is rolled back as for any other failure)."""
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_nominations_program" in text or "nominations.program_id" in text:
            raise _duplicate(nominee) from None
        raise


def _write_roles(
    conn: Connection, tenant: Tenant, ids: Sequence[int], rolemapping: Mapping[str, list[str]] | None
) -> None:
    rows = [
        {
            "nomination_id": nomination_id,
            "role": role,
            "user_id": user,
            "org_id": tenant.org_id,
            "mode": tenant.mode.value,
        }
        for nomination_id in ids
        for role, users in (rolemapping or {}).items()
        for user in sorted(set(users))
    ]
    if rows:
        insert_rows(conn, nomination_roles, rows)


def _delete_roles(conn: Connection, tenant: Tenant, ids: Sequence[int]) -> None:
    conn.execute(
        sa.delete(nomination_roles).where(owned_by(nomination_roles, tenant), nomination_roles.c.nomination_id.in_(ids))
    )
