"""Batches: many designation decisions, or many custom field answers, of one program, set
in the background (a job per batch) and checked per row, as WebAdMIT's v2 batches are.

A batch is queued with the rows as sent (their shapes already checked by the dialect) and
the identity and program it was sent for; the job applies them in one transaction and keeps
one result per row: what the row asked for and its `errors` (null when it was applied), in
WebAdMIT's words. A cas_id that appears again later in the same batch is applied once, the
last time; the earlier rows say so (`creation_error`), as WebAdMIT's do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection

from programhub.core import versions
from programhub.core.admissions import answers as answer_rules
from programhub.core.admissions import service
from programhub.core.errors import NotFound
from programhub.core.identities import service as identities
from programhub.core.jobs import runner
from programhub.core.jobs import service as jobs
from programhub.core.jobs.runner import Progress
from programhub.core.jobs.service import Job
from programhub.core.learners import service as learners
from programhub.core.tenancy import Tenant
from programhub.store import Store

DESIGNATIONS = "admissions.batch_designations"
ANSWERS = "admissions.batch_custom_field_answers"
MAX_ROWS = 10_000

NO_APPLICANT = "No applicant found for that applicant_cas_id"
NO_DECISION = "No decision found for that decision_id"
NO_DESIGNATION = "No designation found for the given applicant and program"
NO_CUSTOM_FIELD = "No custom field found for that custom_field_id"


def queue(conn: Connection, tenant: Tenant, kind: str, identity_id: int, program_id: int, rows: list[Any]) -> int:
    """Queue a batch of `kind`; its id (the job's)."""
    payload = {"identity_id": identity_id, "program_id": program_id, "rows": rows}
    return jobs.enqueue(conn, tenant, kind, payload, total=len(rows))


def get(conn: Connection, tenant: Tenant, kind: str, identity_id: int, program_id: int, batch_id: int) -> Job:
    """A batch sent for this identity and program, or NotFound("Batch")."""
    try:
        job = jobs.get(conn, tenant, batch_id, kinds=(kind,))
    except NotFound:
        raise NotFound("Batch", batch_id) from None
    if job.payload.get("identity_id") != identity_id or job.payload.get("program_id") != program_id:
        raise NotFound("Batch", batch_id)
    return job


def _overridden(rows: Sequence[Mapping[str, Any]], key: Any, describe: Any) -> dict[int, str]:
    """Rows a later row of the same key replaces: their index and WebAdMIT's message."""
    last: dict[Any, int] = {}
    for index, row in enumerate(rows):
        last[key(row)] = index
    return {
        index: f"A newer update (setting {describe(rows[last[key(row)]])}) is overriding this update"
        for index, row in enumerate(rows)
        if last[key(row)] != index
    }


@runner.handles(DESIGNATIONS)
def run_designations(store: Store, job: Job, progress: Progress) -> None:
    rows: list[dict[str, Any]] = list(job.payload["rows"])
    tenant = job.tenant
    with versions.writing(store, tenant) as conn:
        identity = identities.get(conn, tenant, job.payload["identity_id"])
        program_id = job.payload["program_id"]
        cas_ids = [row["applicant_cas_id"] for row in rows]
        known = service.decisions_by_id(conn, tenant, identity.cycle, [row["decision_id"] for row in rows])
        found = service.designations_by_cas_id(conn, tenant, identity.cycle, program_id, cas_ids)
        of_cycle = service.applicants_of_cycle(conn, tenant, identity.cycle, [c for c in cas_ids if c not in found])
        overridden = _overridden(
            rows, lambda row: row["applicant_cas_id"], lambda row: f"decision_id to {row['decision_id']}"
        )
        results: list[dict[str, Any]] = []
        changes: list[tuple[service.Designation, service.Decision | None]] = []
        positions: list[int] = []  # the row of each change
        for index, row in enumerate(rows):
            cas_id, decision_id = row["applicant_cas_id"], row["decision_id"]
            decision = known.get(decision_id)
            errors: dict[str, str] = {}
            designation = found.get(cas_id)
            if decision is None:
                errors["decision"] = NO_DECISION
            if designation is None:
                if cas_id in of_cycle:
                    errors["designation"] = NO_DESIGNATION
                else:
                    errors["applicant"] = NO_APPLICANT
            if not errors and index in overridden:
                errors["creation_error"] = overridden[index]
            if not errors and designation is not None and designation.local_status is not None:
                errors["update_error"] = service.LOCAL_STATUS_SET
            if not errors and designation is not None:
                changes.append((designation, decision))
                positions.append(index)
            results.append(
                {
                    "applicant_cas_id": cas_id,
                    "decision_id": decision_id,
                    "decision_name": None if decision is None else decision.name,
                    "errors": errors or None,
                }
            )
        _decide_each_or_refuse(conn, tenant, changes, positions, results)
        _finish(conn, job, progress, results)


def _decide_each_or_refuse(
    conn: Connection,
    tenant: Tenant,
    changes: list[tuple[service.Designation, service.Decision | None]],
    positions: list[int],
    results: list[dict[str, Any]],
) -> None:
    """All the decisions at once; when a program refuses an admit (closed, full), again one
    by one, so that only the refused rows fail, each with the program's reason."""
    try:
        with conn.begin_nested():
            service.decide(conn, tenant, changes)
    except learners.Refused:
        _decide_one_by_one(conn, tenant, changes, positions, results)


def _decide_one_by_one(
    conn: Connection,
    tenant: Tenant,
    changes: list[tuple[service.Designation, service.Decision | None]],
    positions: list[int],
    results: list[dict[str, Any]],
) -> None:
    for position, change in zip(positions, changes, strict=True):
        try:
            with conn.begin_nested():
                service.decide(conn, tenant, [change])
        except learners.Refused as refusal:
            results[position]["errors"] = {"update_error": refusal.message}


@runner.handles(ANSWERS)
def run_answers(store: Store, job: Job, progress: Progress) -> None:
    rows: list[dict[str, Any]] = list(job.payload["rows"])
    tenant = job.tenant
    with versions.writing(store, tenant) as conn:
        identity = identities.get(conn, tenant, job.payload["identity_id"])
        program_id = job.payload["program_id"]
        cas_ids = [row["applicant_cas_id"] for row in rows]
        fields = service.custom_fields_by_id(conn, tenant, program_id, [row["custom_field_id"] for row in rows])
        found = service.designations_by_cas_id(conn, tenant, identity.cycle, program_id, cas_ids)
        of_cycle = service.applicants_of_cycle(conn, tenant, identity.cycle, [c for c in cas_ids if c not in found])
        overridden = _overridden(
            rows,
            lambda row: (row["applicant_cas_id"], row["custom_field_id"]),
            lambda row: (
                "custom_field_answers to " + _json({"field_type": row.get("field_type"), "value": row.get("value")})
            ),
        )
        results: list[dict[str, Any]] = []
        stored: list[tuple[int, int, Any]] = []
        for index, row in enumerate(rows):
            cas_id, field_id = row["applicant_cas_id"], row["custom_field_id"]
            field = fields.get(field_id)
            designation = found.get(cas_id)
            errors: dict[str, str] = {}
            if designation is None:
                errors["designation" if cas_id in of_cycle else "applicant"] = (
                    NO_DESIGNATION if cas_id in of_cycle else NO_APPLICANT
                )
            if field is None:
                errors["custom_field"] = NO_CUSTOM_FIELD
            value = None
            if not errors and field is not None:
                try:
                    value = answer_rules.check(
                        field, row.get("field_type"), row.get("value"), at=f"#/custom_field_answers/{index}"
                    )
                except answer_rules.AnswerInvalid as exc:
                    errors["update_error"] = exc.message
            if not errors and index in overridden:
                errors["creation_error"] = overridden[index]
            if not errors and designation is not None and field is not None:
                stored.append((designation.id, field.id, value))
            results.append(
                {
                    "applicant_cas_id": cas_id,
                    "custom_field_id": field_id,
                    "label": None if field is None else field.label,
                    "field_type": row.get("field_type"),
                    "value": row.get("value"),
                    "errors": errors or None,
                }
            )
        service.store_answers(conn, tenant, stored)
        _finish(conn, job, progress, results)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _finish(conn: Connection, job: Job, progress: Progress, results: list[dict[str, Any]]) -> None:
    failed = sum(1 for result in results if result["errors"] is not None)
    if not jobs.finish(
        conn,
        job,
        progress.worker,
        state=jobs.SUCCEEDED,
        result={"results": results, "failed": failed},
        done=len(results),
    ):
        raise RuntimeError("the batch was taken over by another worker")
