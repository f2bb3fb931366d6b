"""WebAdMIT's wire shapes out: the base path every href derives from, and each object
once (identities and organizations as dicts, a program as the database renders it, since
an identity may see thousands)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from programhub.core.admissions import exports
from programhub.core.admissions.exports import Export, ExportFile
from programhub.core.admissions.service import CustomField, Decision, Designation, LocalStatus
from programhub.core.identities.service import Identity
from programhub.core.jobs import service as jobs
from programhub.core.jobs.service import Job
from programhub.core.tenancy import Tenant
from programhub.store import sqljson as sj

PREFIX = "/api/v1/user_identities"


def identity_href(identity_id: int, resource: str) -> str:
    """`/api/v1/user_identities/1/programs`: a resource of one identity."""
    return f"{PREFIX}/{identity_id}/{resource}"


def identity_json(identity: Identity, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": identity.id,
        "type": identity.type,
        "association": identity.association,
        "institution": identity.institution_name(tenant),
        "organization": identity.organization_name(tenant),
        "cycle": identity.cycle,
    }


def program_json(program: ReadOnlyColumnCollection[str, Any]) -> sj.json_object:
    """A program as an identity's list shows it, rendered by the database from its `id`
    and `name` columns. Every item names the organization the identity acts for, bound as
    `organization_name`."""
    organization_name = sa.cast(sa.bindparam("organization_name", type_=sa.Text()), sa.Text())
    return sj.json_object(("id", program.id), ("name", program.name), ("organization_name", organization_name))


def organization_json(identity: Identity, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.org_id,
        "name": identity.organization_name(tenant),
        "cycle_name": identity.cycle,
        "association_name": identity.association,
        "cas3": True,
        "config_portal_identifier": str(tenant.org_id),
    }


# --- admissions ---------------------------------------------------------------------------

V2_PREFIX = "/api/v2/user_identities"
EXPORTS_PREFIX = "/api/v1/exports"


def applicant_href(identity_id: int, program_id: int, cas_id: str, prefix: str = PREFIX) -> str:
    return f"{prefix}/{identity_id}/programs/{program_id}/applicants_by_cas_id/{cas_id}"


def decision_json(decision: Decision | None) -> dict[str, Any] | None:
    return None if decision is None else {"id": decision.id, "name": decision.name}


def local_status_json(status: LocalStatus | None) -> dict[str, Any] | None:
    return None if status is None else {"id": status.id, "title": status.title}


def applicant_json(identity_id: int, program_id: int, designation: Designation) -> dict[str, Any]:
    """An applicant as `applicants_by_cas_id` shows it: its designation to the program."""
    return {
        "href": applicant_href(identity_id, program_id, designation.cas_id),
        "cas_id": designation.cas_id,
        "decision": decision_json(designation.decision),
        "local_status": local_status_json(designation.local_status),
    }


def designation_json(identity_id: int, program_id: int, designation: Designation) -> dict[str, Any]:
    return {
        "href": applicant_href(identity_id, program_id, designation.cas_id) + "/designation",
        "decisions_href": identity_href(identity_id, "decisions"),
        "decision": decision_json(designation.decision),
        "local_status": local_status_json(designation.local_status),
    }


def custom_field_json(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.id,
        "label": field.label,
        "field_type": field.field_type,
        "options": None if field.options is None else list(field.options),
    }


def answer_value(field_type: str, value: Any) -> Any:
    """A stored answer as WebAdMIT shows it: a number always with its decimals (11.0)."""
    if field_type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def answer_json(identity_id: int, program_id: int, cas_id: str, field: CustomField, value: Any) -> dict[str, Any]:
    return {
        "href": f"{applicant_href(identity_id, program_id, cas_id)}/custom_field_answers/{field.id}",
        "custom_field_id": field.id,
        "label": field.label,
        "field_type": field.field_type,
        "value": answer_value(field.field_type, value),
    }


def export_json(export: Export) -> dict[str, Any]:
    return {
        "id": export.id,
        "name": export.name,
        "list_type": export.list_type,
        "format": export.format,
        "mime_type": export.mime_type,
    }


def export_file_href(export_id: int, file_id: int) -> str:
    return f"{EXPORTS_PREFIX}/{export_id}/export_files/{file_id}"


def export_file_json(export_file: ExportFile) -> dict[str, Any]:
    return {
        "id": export_file.id,
        "href": export_file_href(export_file.export_id, export_file.id),
        "export_id": export_file.export_id,
        "status": exports.status_of(export_file.state, export_file.rows),
    }


def batch_href(identity_id: int, program_id: int, resource: str, batch_id: int) -> str:
    return f"{V2_PREFIX}/{identity_id}/programs/{program_id}/{resource}/{batch_id}"


def batch_status(job: Job) -> str:
    """WebAdMIT's status of a batch in its job's state."""
    if job.state == jobs.QUEUED:
        return "Queued"
    if job.state == jobs.RUNNING:
        return "In Progress"
    if job.state == jobs.FAILED:
        return "Failed"
    return "Success With Errors" if (job.result or {}).get("failed") else "Available"


def designation_result_json(result: dict[str, Any]) -> dict[str, Any]:
    name = result["decision_name"]
    return {
        "decision": {"id": result["decision_id"], "name": "Unknown" if name is None else name},
        "applicant_cas_id": result["applicant_cas_id"],
        "errors": result["errors"],
    }


def answer_result_json(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "custom_field_answer": {
            "custom_field_id": result["custom_field_id"],
            "label": result["label"],
            "field_type": result["field_type"],
            "value": result["value"],
        },
        "applicant_cas_id": result["applicant_cas_id"],
        "errors": result["errors"],
    }


def batch_json(identity_id: int, program_id: int, resource: str, job: Job) -> dict[str, Any]:
    """A batch as WebAdMIT shows it: its results once it has finished."""
    batch: dict[str, Any] = {"id": job.id, "status": batch_status(job)}
    if job.state == jobs.SUCCEEDED:
        render = designation_result_json if resource == "batch_designations" else answer_result_json
        batch["results"] = [render(result) for result in (job.result or {}).get("results", [])]
    elif job.state == jobs.FAILED:
        batch["results"] = None
    return {"href": batch_href(identity_id, program_id, resource, job.id), "batch": batch}
