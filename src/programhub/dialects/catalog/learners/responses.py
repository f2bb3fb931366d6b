"""Users, enrollments and waitlist applicants as Catalog shows them.

Catalog's documentation shows a user's `created_at`/`updated_at` in ISO 8601 with
milliseconds (`2024-04-11T15:33:45.503Z`, Rails' JSON of the record) and every other
resource's in its own `2025/03/28 13:11:23 +0000`; each is shown as documented."""

from __future__ import annotations

from typing import Any

from programhub.core.db import AnyRow
from programhub.core.jobs.service import Job
from programhub.dialects.catalog.responses import TYPES, number, timestamp
from programhub.web.formats import iso_millis


def user_json(row: AnyRow, root_account_id: int) -> dict[str, Any]:
    """A user row (`learners`) as Catalog's `user`."""
    return {
        "id": row.id,
        "root_account_id": root_account_id,
        "canvas_user_id": row.canvas_user_id,
        "registered_account_id": row.catalog_id,
        "canvas_root_account_uuid": None,
        "canvas_user_uuid": None,
        "user_name": row.user_name,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email_address": row.email,
        "custom_fields": row.custom_fields,
        "created_at": iso_millis(row.created_at),
        "updated_at": iso_millis(row.updated_at),
        "merged_into_user_id": row.merged_into_user_id,
        "time_zone": row.time_zone,
    }


def _person(row: AnyRow) -> dict[str, Any]:
    return {"id": row.user_id, "name": row.user_name, "email": row.email}


def enrollment_json(row: AnyRow) -> dict[str, Any]:
    """An enrollment row joined to its user and listing (queries.ENROLLMENT_COLUMNS)."""
    return {
        "id": row.id,
        "user": _person(row),
        "listing": {
            "id": row.listing_id,
            "title": row.title,
            "type": TYPES[row.kind],
            "canvas_course_id": row.canvas_course_id,
        },
        "root_program_id": row.root_program_id,
        "status": row.status,
        "enrolled_at": timestamp(row.enrolled_at),
        "requirements_completed_at": timestamp(row.requirements_completed_at),
        "ends_at": timestamp(row.ends_at),
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
    }


def applicant_json(row: AnyRow) -> dict[str, Any]:
    """A waitlist applicant joined to its user and listing (queries.APPLICANT_COLUMNS)."""
    return {
        "id": row.id,
        "user": _person(row),
        "listing": {"id": row.listing_id, "title": row.title},
        "notified_of_opening_at": timestamp(row.notified_of_opening_at),
        "status": row.status,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
    }


# Job states as Catalog's (Canvas's) progresses name them.
WORKFLOW_STATES = {"queued": "queued", "running": "running", "succeeded": "completed", "failed": "failed"}


def bulk_enrollment_json(job: Job) -> dict[str, Any]:
    """A bulk enrollment (its job) as Catalog's `bulk_enrollment`."""
    result = job.result or {}
    return {
        "id": job.id,
        "account_id": job.payload.get("catalog_id"),
        "workflow_state": WORKFLOW_STATES[job.state],
        "progress_id": job.id,
        "total_rows": job.total,
        "processed_rows": job.done,
        "enrolled_count": int(result.get("enrolled", 0)),
        "waitlisted_count": int(result.get("waitlisted", 0)),
        "failed_count": int(result.get("failed", 0)),
        "row_errors": list(result.get("errors", [])),
        "created_at": timestamp(job.created_at),
        "updated_at": timestamp(job.updated_at),
        "completed_at": timestamp(job.finished_at),
    }


def progress_json(job: Job) -> dict[str, Any]:
    """A bulk enrollment's progress as Canvas's `progress`."""
    result = job.result or {}
    return {
        "id": job.id,
        "context_id": job.id,
        "context_type": "BulkEnrollment",
        "tag": "bulk_enrollment",
        "completion_percent": number(job.percent),
        "workflow_state": WORKFLOW_STATES[job.state],
        "message": result.get("error") if job.state == "failed" else None,
        "payload": {
            "enrolled": int(result.get("enrolled", 0)),
            "waitlisted": int(result.get("waitlisted", 0)),
            "failed": int(result.get("failed", 0)),
        },
        "created_at": timestamp(job.created_at),
        "updated_at": timestamp(job.updated_at),
    }
