"""Users' preferences for a program (Sunbird's user_program_preference): what a user wants
to contribute or to source, kept per (program, user)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core import validation as check
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid
from programhub.core.nominations.models import program_preferences
from programhub.core.tenancy import Tenant, owned_by
from programhub.store.sql import upsert

KINDS = ("contributor", "sourcing")


@dataclass(frozen=True, slots=True)
class Preferences:
    contributor: dict[str, Any]
    sourcing: dict[str, Any]


def _preference(field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(field, f"{field} must be an object")
    return dict(check.json_document(field, value))


def read(conn: Connection, tenant: Tenant, program_id: int, user_id: str) -> Preferences:
    """The user's preferences for the program; empty ones when none were set."""
    row = conn.execute(
        sa.select(program_preferences.c.contributor_preference, program_preferences.c.sourcing_preference).where(
            owned_by(program_preferences, tenant),
            program_preferences.c.program_id == program_id,
            program_preferences.c.user_id == user_id,
        )
    ).one_or_none()
    return Preferences({}, {}) if row is None else Preferences(row.contributor_preference, row.sourcing_preference)


def set_preference(
    conn: Connection, tenant: Tenant, program_id: int, user_id: str, kind: str, preference: Any
) -> Preferences:
    """Set the user's `kind` preference for the program (the other kind is kept)."""
    if kind not in KINDS:
        raise KeyError(f"not a preference kind: {kind}")
    value = _preference("preference", preference)
    user_id = check.text("user_id", user_id, allow_empty=False, max_length=check.INDEXED_TEXT)
    column = f"{kind}_preference"
    now = utcnow()
    statement = upsert(conn, program_preferences).values(
        org_id=tenant.org_id,
        mode=tenant.mode.value,
        program_id=program_id,
        user_id=user_id,
        contributor_preference=value if kind == "contributor" else {},
        sourcing_preference=value if kind == "sourcing" else {},
        createdon=now,
        updatedon=now,
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[program_preferences.c.program_id, program_preferences.c.user_id],
            set_={column: statement.excluded[column], "updatedon": now},
        )
    )
    return read(conn, tenant, program_id, user_id)
