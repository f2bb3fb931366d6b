"""Admissions rules: applicants of an organisation's cycle apply to its programs
(designations), each designation gets a decision (whose outcome says what it means) and a
local status, and custom fields of a program hold answers about each applicant.

What a user identity may touch is decided here too: the programs it sees
(`identities.visible_programs`) and the applicants, decisions and local statuses of its
cycle. Anything else is NotFound, named as WebAdMIT names it.

Every decision change goes through `_decided`, which hands the designations whose outcome
changed to `outcome_changed`: the one place where an admission acts on the rest of
programhub (item 7 of issue 16: an admit enrolls the applicant in the program's Catalog
listing; deny or withdraw undoes what an admission did).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core import validation as check
from programhub.core.admissions import enrolling
from programhub.core.admissions.models import (
    FIELD_TYPES,
    OUTCOMES,
    applicants,
    custom_field_answers,
    custom_fields,
    decisions,
    designations,
    local_statuses,
)
from programhub.core.clock import utcnow
from programhub.core.db import AnyRow, insert_rows
from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.identities import service as identities
from programhub.core.identities.service import Identity
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by

CAS_ID = re.compile(r"[0-9]{1,20}")
EMAIL_PATTERN = r"^[^@\x00-\x20\x7f-\x9f]+@[^@\x00-\x20\x7f-\x9f]+$"  # no space or control character
EMAIL = re.compile(EMAIL_PATTERN)
MAX_OPTIONS = 200
MAX_PROGRAMS_PER_APPLICANT = 100
LOCAL_STATUS_SET = "Can't set the decision_id when the local_status is not null"


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    name: str
    outcome: str


@dataclass(frozen=True, slots=True)
class LocalStatus:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class Designation:
    """An applicant's application to one program, with what was decided about it."""

    id: int
    listing_id: int
    applicant_id: int
    cas_id: str
    email: str
    first_name: str
    last_name: str
    decision: Decision | None
    local_status: LocalStatus | None


@dataclass(frozen=True, slots=True)
class CustomField:
    id: int
    listing_id: int
    label: str
    field_type: str
    options: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    """A designation whose decision's outcome changed: what `outcome_changed` acts on."""

    designation_id: int
    listing_id: int
    email: str
    first_name: str
    last_name: str
    before: str  # the outcome of the previous decision ("none" without one)
    after: str


# --- the programs an identity sees ------------------------------------------------------


def program(conn: Connection, tenant: Tenant, identity: Identity, program_id: int) -> int:
    """`program_id` when the identity sees that program, else NotFound("Program")."""
    query = identities.visible_programs(identity.limited, listings.c.id).where(
        listings.c.id == sa.bindparam("program_id")
    )
    found = conn.execute(query, {**identities.parameters(tenant, identity.id), "program_id": program_id}).scalar()
    if found is None:
        raise NotFound("Program", program_id)
    return int(found)


def _tenant_programs(conn: Connection, tenant: Tenant, identity: Identity | None, wanted: Sequence[int]) -> set[int]:
    """Those of `wanted` that are live programs of the tenant (seen by `identity` if given)."""
    if not wanted:
        return set()
    if identity is not None:
        query = identities.visible_programs(identity.limited, listings.c.id).where(
            listings.c.id.in_(sa.bindparam("wanted", expanding=True))
        )
        return set(
            conn.execute(query, {**identities.parameters(tenant, identity.id), "wanted": list(wanted)}).scalars()
        )
    return set(
        conn.execute(
            sa.select(listings.c.id).where(
                owned_by(listings, tenant),
                listings.c.id.in_(list(wanted)),
                listings.c.kind == "program",
                listings.c.deleted_at.is_(None),
            )
        ).scalars()
    )


# --- decisions and local statuses ------------------------------------------------------


def _label(field: str, value: Any) -> str:
    return check.text(field, value, allow_empty=False, max_length=check.INDEXED_TEXT).strip()


def create_decision(conn: Connection, tenant: Tenant, cycle: str, *, name: Any, outcome: Any) -> Decision:
    """A decision of the tenant's cycle; names are unique in a cycle."""
    name = _label("name", name)
    outcome = check.one_of("outcome", outcome, OUTCOMES)
    taken = conn.execute(
        sa.select(decisions.c.id).where(
            owned_by(decisions, tenant), decisions.c.cycle == cycle, decisions.c.name == name
        )
    ).first()
    if taken is not None:
        raise Conflict("has already been taken", field="name")
    decision_id = conn.execute(
        sa.insert(decisions)
        .values(
            org_id=tenant.org_id, mode=tenant.mode.value, cycle=cycle, name=name, outcome=outcome, created_at=utcnow()
        )
        .returning(decisions.c.id)
    ).scalar_one()
    return Decision(decision_id, name, outcome)


def list_decisions(conn: Connection, tenant: Tenant, cycle: str) -> list[Decision]:
    """The decisions of the tenant's cycle, oldest first (one query)."""
    rows = conn.execute(
        sa.select(decisions.c.id, decisions.c.name, decisions.c.outcome)
        .where(owned_by(decisions, tenant), decisions.c.cycle == cycle)
        .order_by(decisions.c.id)
    )
    return [Decision(row.id, row.name, row.outcome) for row in rows]


def decisions_by_id(conn: Connection, tenant: Tenant, cycle: str, ids: Sequence[int]) -> dict[int, Decision]:
    """The decisions of the cycle among `ids` (one query)."""
    wanted = [i for i in set(ids) if check.INT32[0] <= i <= check.INT32[1]]
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(decisions.c.id, decisions.c.name, decisions.c.outcome).where(
            owned_by(decisions, tenant), decisions.c.cycle == cycle, decisions.c.id.in_(wanted)
        )
    )
    return {row.id: Decision(row.id, row.name, row.outcome) for row in rows}


def create_local_status(conn: Connection, tenant: Tenant, cycle: str, *, title: Any) -> LocalStatus:
    title = _label("title", title)
    taken = conn.execute(
        sa.select(local_statuses.c.id).where(
            owned_by(local_statuses, tenant), local_statuses.c.cycle == cycle, local_statuses.c.title == title
        )
    ).first()
    if taken is not None:
        raise Conflict("has already been taken", field="title")
    status_id = conn.execute(
        sa.insert(local_statuses)
        .values(org_id=tenant.org_id, mode=tenant.mode.value, cycle=cycle, title=title, created_at=utcnow())
        .returning(local_statuses.c.id)
    ).scalar_one()
    return LocalStatus(status_id, title)


# --- applicants and designations -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewApplicant:
    cas_id: str
    email: str
    first_name: str
    last_name: str
    program_ids: tuple[int, ...]


def new_applicant(*, cas_id: Any, email: Any, first_name: Any, last_name: Any, program_ids: Any) -> NewApplicant:
    """An applicant to create, checked (the messages name the fields)."""
    if not isinstance(cas_id, str) or not CAS_ID.fullmatch(cas_id):
        raise Invalid("cas_id", "cas_id must be 1 to 20 digits")
    email = check.text("email", email, allow_empty=False, max_length=check.INDEXED_TEXT).strip()
    if not EMAIL.fullmatch(email):
        raise Invalid("email", "email must be an email address")
    if not isinstance(program_ids, list | tuple) or len(program_ids) > MAX_PROGRAMS_PER_APPLICANT:
        raise Invalid("program_ids", f"program_ids must be a list of at most {MAX_PROGRAMS_PER_APPLICANT} program ids")
    ids = tuple(dict.fromkeys(check.integer("program_ids", i, minimum=1) for i in program_ids))
    return NewApplicant(cas_id, email, _label("first_name", first_name), _label("last_name", last_name), ids)


def import_applicants(
    conn: Connection,
    tenant: Tenant,
    cycle: str,
    new: Sequence[NewApplicant],
    *,
    identity: Identity | None = None,
    replace: bool = True,
) -> tuple[int, int]:
    """Create applicants of the cycle with their designations, in a constant number of
    queries per call. An existing cas_id is updated (names, email) and gains the
    designations it lacks when `replace`, else refused (Conflict on `cas_id`). Programs must
    be live programs of the tenant (seen by `identity` when given). Returns (applicants
    created, designations created)."""
    if not new:
        return 0, 0
    wanted = list(dict.fromkeys(pid for applicant in new for pid in applicant.program_ids))
    found = _tenant_programs(conn, tenant, identity, wanted)
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        raise NotFound("Program", missing[0])
    by_cas: dict[str, NewApplicant] = {}
    programs_of: dict[str, list[int]] = {}
    for applicant in new:  # a cas_id repeated (one CSV row per program) gathers its programs
        by_cas[applicant.cas_id] = applicant
        programs_of.setdefault(applicant.cas_id, [])
        programs_of[applicant.cas_id].extend(p for p in applicant.program_ids if p not in programs_of[applicant.cas_id])
    existing = _applicant_ids(conn, tenant, cycle, list(by_cas))
    if existing and not replace:
        raise Conflict("has already been taken", field="cas_id", related=[next(iter(existing))])
    now = utcnow()
    tenant_values = {"org_id": tenant.org_id, "mode": tenant.mode.value}
    fresh = [cas for cas in by_cas if cas not in existing]
    insert_rows(
        conn,
        applicants,
        [
            {
                **tenant_values,
                "cycle": cycle,
                "cas_id": cas,
                "email": by_cas[cas].email,
                "first_name": by_cas[cas].first_name,
                "last_name": by_cas[cas].last_name,
                "created_at": now,
                "updated_at": now,
            }
            for cas in fresh
        ],
    )
    if existing:
        conn.execute(
            sa.update(applicants)
            .where(applicants.c.id == sa.bindparam("applicant_id"))
            .values(
                email=sa.bindparam("new_email"),
                first_name=sa.bindparam("new_first_name"),
                last_name=sa.bindparam("new_last_name"),
                updated_at=now,
            ),
            [
                {
                    "applicant_id": existing[cas],
                    "new_email": by_cas[cas].email,
                    "new_first_name": by_cas[cas].first_name,
                    "new_last_name": by_cas[cas].last_name,
                }
                for cas in existing
            ],
        )
    ids = _applicant_ids(conn, tenant, cycle, list(by_cas))
    have = {
        (row.applicant_id, row.listing_id)
        for row in conn.execute(
            sa.select(designations.c.applicant_id, designations.c.listing_id).where(
                owned_by(designations, tenant), designations.c.applicant_id.in_(list(ids.values()))
            )
        )
    }
    rows = [
        {**tenant_values, "applicant_id": ids[cas], "listing_id": pid, "created_at": now, "updated_at": now}
        for cas, pids in programs_of.items()
        for pid in pids
        if (ids[cas], pid) not in have
    ]
    insert_rows(conn, designations, rows)
    return len(fresh), len(rows)


def _applicant_ids(conn: Connection, tenant: Tenant, cycle: str, cas_ids: list[str]) -> dict[str, int]:
    if not cas_ids:
        return {}
    rows = conn.execute(
        sa.select(applicants.c.cas_id, applicants.c.id).where(
            owned_by(applicants, tenant), applicants.c.cycle == cycle, applicants.c.cas_id.in_(cas_ids)
        )
    )
    return {row.cas_id: row.id for row in rows}


DECISION = decisions.alias("decision")
LOCAL_STATUS = local_statuses.alias("local_status")
DESIGNATION_COLUMNS = (
    designations.c.id,
    designations.c.listing_id,
    designations.c.applicant_id,
    applicants.c.cas_id,
    applicants.c.email,
    applicants.c.first_name,
    applicants.c.last_name,
    DECISION.c.id.label("decision_id"),
    DECISION.c.name.label("decision_name"),
    DECISION.c.outcome.label("decision_outcome"),
    LOCAL_STATUS.c.id.label("local_status_id"),
    LOCAL_STATUS.c.title.label("local_status_title"),
)
DESIGNATION_FROM = (
    designations.join(applicants, applicants.c.id == designations.c.applicant_id)
    .outerjoin(DECISION, DECISION.c.id == designations.c.decision_id)
    .outerjoin(LOCAL_STATUS, LOCAL_STATUS.c.id == designations.c.local_status_id)
)


def _designation(row: AnyRow) -> Designation:
    decision = None if row.decision_id is None else Decision(row.decision_id, row.decision_name, row.decision_outcome)
    status = None if row.local_status_id is None else LocalStatus(row.local_status_id, row.local_status_title)
    return Designation(
        row.id, row.listing_id, row.applicant_id, row.cas_id, row.email, row.first_name, row.last_name, decision, status
    )


def _designations_where(tenant: Tenant, cycle: str, program_id: int) -> sa.Select[Any]:
    return (
        sa.select(*DESIGNATION_COLUMNS)
        .select_from(DESIGNATION_FROM)
        .where(
            owned_by(designations, tenant),
            owned_by(applicants, tenant),
            applicants.c.cycle == cycle,
            designations.c.listing_id == program_id,
        )
    )


def designation(conn: Connection, tenant: Tenant, identity: Identity, program_id: int, cas_id: str) -> Designation:
    """The applicant `cas_id` of the identity's cycle in a program it sees (checked by
    `program` first), or NotFound("Applicant") naming the cas_id as sent."""
    if not CAS_ID.fullmatch(cas_id):
        raise NotFound("Applicant", cas_id)
    row = conn.execute(
        _designations_where(tenant, identity.cycle, program_id).where(applicants.c.cas_id == cas_id)
    ).one_or_none()
    if row is None:
        raise NotFound("Applicant", cas_id)
    return _designation(row)


def designations_by_cas_id(
    conn: Connection, tenant: Tenant, cycle: str, program_id: int, cas_ids: Sequence[str]
) -> dict[str, Designation]:
    """The program's designations of these applicants (one query)."""
    wanted = [c for c in set(cas_ids) if CAS_ID.fullmatch(c)]
    if not wanted:
        return {}
    rows = conn.execute(_designations_where(tenant, cycle, program_id).where(applicants.c.cas_id.in_(wanted)))
    return {row.cas_id: _designation(row) for row in rows}


def applicants_of_cycle(conn: Connection, tenant: Tenant, cycle: str, cas_ids: Sequence[str]) -> set[str]:
    """Those of `cas_ids` that are applicants of the cycle (one query)."""
    return set(_applicant_ids(conn, tenant, cycle, [c for c in set(cas_ids) if CAS_ID.fullmatch(c)]))


def set_decision(
    conn: Connection, tenant: Tenant, cycle: str, current: Designation, decision_id: int | None
) -> Designation:
    """Set (or with None, clear) the designation's decision, a decision of the cycle. Only
    while it has no local status, as WebAdMIT allows (Invalid on `decision_id`)."""
    if current.local_status is not None:
        raise Invalid("decision_id", LOCAL_STATUS_SET)
    decision = None
    if decision_id is not None:
        decision = decisions_by_id(conn, tenant, cycle, [decision_id]).get(decision_id)
        if decision is None:
            raise NotFound("Decision", decision_id)
    decide(conn, tenant, [(current, decision)])
    return dataclasses.replace(current, decision=decision)


def set_local_status(
    conn: Connection, tenant: Tenant, cycle: str, current: Designation, local_status_id: int | None
) -> Designation:
    """Set or clear the designation's local status, one of the cycle (an extension: in
    WebAdMIT local statuses are set in its own screens)."""
    status = None
    if local_status_id is not None:
        row = conn.execute(
            sa.select(local_statuses.c.id, local_statuses.c.title).where(
                owned_by(local_statuses, tenant),
                local_statuses.c.cycle == cycle,
                local_statuses.c.id == local_status_id,
            )
        ).one_or_none()
        if row is None:
            raise NotFound("Local status", local_status_id)
        status = LocalStatus(row.id, row.title)
    conn.execute(
        sa.update(designations)
        .where(owned_by(designations, tenant), designations.c.id == current.id)
        .values(local_status_id=None if status is None else status.id, updated_at=utcnow())
    )
    return dataclasses.replace(current, local_status=status)


def decide(conn: Connection, tenant: Tenant, changes: Sequence[tuple[Designation, Decision | None]]) -> None:
    """Give each designation its decision: one UPDATE per decision given, whatever the
    number of designations, then `outcome_changed` for those whose outcome changed. The
    caller holds the tenant's write lock (`versions.writing`), so the outcome read in
    `Designation` is the one replaced, and two concurrent decisions act in turn."""
    now = utcnow()
    by_decision: dict[int | None, list[int]] = {}
    for current, decision in changes:
        by_decision.setdefault(None if decision is None else decision.id, []).append(current.id)
    for decision_id, ids in by_decision.items():
        conn.execute(
            sa.update(designations)
            .where(owned_by(designations, tenant), designations.c.id.in_(ids))
            .values(decision_id=decision_id, updated_at=now)
        )
    changed = [
        OutcomeChange(
            current.id,
            current.listing_id,
            current.email,
            current.first_name,
            current.last_name,
            "none" if current.decision is None else current.decision.outcome,
            "none" if decision is None else decision.outcome,
        )
        for current, decision in changes
    ]
    changed = [change for change in changed if change.before != change.after]
    if changed:
        outcome_changed(conn, tenant, changed, now=now)


def outcome_changed(conn: Connection, tenant: Tenant, changes: Sequence[OutcomeChange], *, now: datetime) -> None:
    """What a change of outcome does beyond the designation, in the transaction that made
    it: an admit enrolls the applicant in the program in Catalog, a deny or withdraw undoes
    what an admit made (enrolling.py; docs/dialects/webadmit.md, "Admit enrolls")."""
    enrolling.act(conn, tenant, changes, now=now)


# --- custom fields and answers ---------------------------------------------------------

_FIELD_COLUMNS = (
    custom_fields.c.id,
    custom_fields.c.listing_id,
    custom_fields.c.label,
    custom_fields.c.field_type,
    custom_fields.c.options,
)


def _custom_field(row: AnyRow) -> CustomField:
    options = None if row.options is None else tuple(row.options)
    return CustomField(row.id, row.listing_id, row.label, row.field_type, options)


def create_custom_field(
    conn: Connection, tenant: Tenant, program_id: int, *, label: Any, field_type: Any, options: Any = None
) -> CustomField:
    """A custom field of a program; a select field lists its options (distinct, not
    blank), every other type has none."""
    label = _label("label", label)
    field_type = check.one_of("field_type", field_type, FIELD_TYPES)
    if field_type == "select":
        if options is None:
            raise Invalid("options", "options must list the values of a select field")
        values = check.string_list("options", options, max_items=MAX_OPTIONS, max_length=check.INDEXED_TEXT)
        if not values or any(not value.strip() for value in values) or len(set(values)) != len(values):
            raise Invalid("options", "options must be distinct, non-blank values")
        stored: list[str] | None = values
    elif options is not None:
        raise Invalid("options", "options are only for a select field")
    else:
        stored = None
    field_id = conn.execute(
        sa.insert(custom_fields)
        .values(
            org_id=tenant.org_id,
            mode=tenant.mode.value,
            listing_id=program_id,
            label=label,
            field_type=field_type,
            options=stored,
            created_at=utcnow(),
        )
        .returning(custom_fields.c.id)
    ).scalar_one()
    return CustomField(field_id, program_id, label, field_type, None if stored is None else tuple(stored))


def list_custom_fields(conn: Connection, tenant: Tenant, program_id: int) -> list[CustomField]:
    rows = conn.execute(
        sa.select(*_FIELD_COLUMNS)
        .where(owned_by(custom_fields, tenant), custom_fields.c.listing_id == program_id)
        .order_by(custom_fields.c.id)
    )
    return [_custom_field(row) for row in rows]


def custom_fields_by_id(
    conn: Connection, tenant: Tenant, program_id: int, ids: Sequence[int]
) -> dict[int, CustomField]:
    wanted = [i for i in set(ids) if check.INT32[0] <= i <= check.INT32[1]]
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(*_FIELD_COLUMNS).where(
            owned_by(custom_fields, tenant), custom_fields.c.listing_id == program_id, custom_fields.c.id.in_(wanted)
        )
    )
    return {row.id: _custom_field(row) for row in rows}


def custom_field(conn: Connection, tenant: Tenant, program_id: int, field_id: int) -> CustomField:
    """A custom field of the program, or NotFound in WebAdMIT's own spelling."""
    found = custom_fields_by_id(conn, tenant, program_id, [field_id]).get(field_id)
    if found is None:
        raise NotFound("CustomeField", field_id)
    return found


def answer(conn: Connection, tenant: Tenant, designation_id: int, field_id: int) -> Any:
    """The stored answer (None when never given or cleared)."""
    stored = conn.execute(
        sa.select(custom_field_answers.c.value).where(
            owned_by(custom_field_answers, tenant),
            custom_field_answers.c.designation_id == designation_id,
            custom_field_answers.c.custom_field_id == field_id,
        )
    ).scalar()
    return answer_value(stored)


def answer_value(stored: str | None) -> Any:
    """An answer as stored (JSON text, or NULL) as its value."""
    return None if stored is None else orjson.loads(stored)


def store_answers(conn: Connection, tenant: Tenant, answers: Sequence[tuple[int, int, Any]]) -> None:
    """Store (designation id, custom field id, checked value) answers, replacing those
    given before; None clears an answer (the row stays, as WebAdMIT's soft delete)."""
    if not answers:
        return
    now = utcnow()
    keys = [(designation_id, field_id) for designation_id, field_id, _ in answers]
    conn.execute(
        sa.delete(custom_field_answers).where(
            owned_by(custom_field_answers, tenant),
            sa.tuple_(custom_field_answers.c.designation_id, custom_field_answers.c.custom_field_id).in_(keys),
        )
    )
    latest = {(d, f): value for d, f, value in answers}
    insert_rows(
        conn,
        custom_field_answers,
        [
            {
                "designation_id": d,
                "custom_field_id": f,
                "org_id": tenant.org_id,
                "mode": tenant.mode.value,
                "value": None if value is None else orjson.dumps(value).decode(),
                "updated_at": now,
            }
            for (d, f), value in latest.items()
        ],
    )
