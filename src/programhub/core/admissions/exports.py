"""Saved exports and the files they produce.

An export (`exports`) is a saved definition of one user identity: a name, the list it
exports (`all`: every designation of the identity's cycle in the programs it sees) and a
format (CSV). Running it queues a job (kind `admissions.export`) whose id is the export
file's id; one export runs once at a time (the job's exclusive key), so running it again
while a file is queued or running gives that file back. The job writes the CSV into
`export_file_parts` a page of designations at a time, so neither writing nor downloading
holds the file whole, and a crashed attempt starts again from an empty file.

When the job ends and the run named a callback, the file's id, export id and status are
POSTed there as a form (`export_file[id]=...`), once, with a timeout and no redirects.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core import validation as check
from programhub.core.admissions.models import (
    FORMATS,
    LIST_TYPES,
    applicants,
    custom_field_answers,
    custom_fields,
    designations,
    export_file_parts,
    exports,
)
from programhub.core.admissions.service import DECISION, DESIGNATION_FROM, LOCAL_STATUS, answer_value
from programhub.core.clock import utcnow
from programhub.core.errors import Conflict, NotFound
from programhub.core.identities import service as identities
from programhub.core.identities.service import Identity
from programhub.core.jobs import runner
from programhub.core.jobs import service as jobs
from programhub.core.jobs.models import jobs as jobs_table
from programhub.core.jobs.runner import Progress
from programhub.core.jobs.service import Job
from programhub.core.listings.models import listings
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Mode, Tenant, owned_by
from programhub.store import Store

log = logging.getLogger("programhub.admissions.exports")

KIND = "admissions.export"
PAGE = 500
CALLBACK_TIMEOUT = 10.0
MIME_TYPES = {"Comma-Separated Values": "text/csv;charset=iso-8859-1"}
ENCODING = "iso-8859-1"
MAX_RECENT_FILES = 100
HEADER = ("CAS ID", "First Name", "Last Name", "Email", "Program ID", "Program", "Decision", "Local Status")


@dataclass(frozen=True, slots=True)
class Export:
    id: int
    identity_id: int
    name: str
    list_type: str
    format: str

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]


@dataclass(frozen=True, slots=True)
class ExportFile:
    id: int
    export_id: int
    state: str  # the job's: queued, running, succeeded, failed
    rows: int | None  # designations written, once succeeded
    parts: int
    secret: str  # signs the file's download links

    @property
    def file_name(self) -> str:
        return f"export-{self.export_id}-{self.id}.csv"


_COLUMNS = (exports.c.id, exports.c.identity_id, exports.c.name, exports.c.list_type, exports.c.format)


def create(conn: Connection, tenant: Tenant, identity_id: int, *, name: Any, list_type: Any, format: Any) -> Export:
    """A saved export of the identity (which must be the tenant's)."""
    identities.get(conn, tenant, identity_id)
    name = check.text("name", name, allow_empty=False, max_length=check.INDEXED_TEXT).strip()
    list_type = check.one_of("list_type", list_type, LIST_TYPES)
    format = check.one_of("format", format, FORMATS)
    export_id = conn.execute(
        sa.insert(exports)
        .values(
            org_id=tenant.org_id,
            mode=tenant.mode.value,
            identity_id=identity_id,
            name=name,
            list_type=list_type,
            format=format,
            created_at=utcnow(),
        )
        .returning(exports.c.id)
    ).scalar_one()
    return Export(export_id, identity_id, name, list_type, format)


def list_exports(conn: Connection, tenant: Tenant, identity_id: int | None = None) -> list[Export]:
    """The tenant's exports (of one identity when given), oldest first, in one query."""
    query = sa.select(*_COLUMNS).where(owned_by(exports, tenant)).order_by(exports.c.id)
    if identity_id is not None:
        query = query.where(exports.c.identity_id == identity_id)
    return [Export(*row) for row in conn.execute(query)]


def get(conn: Connection, tenant: Tenant, export_id: int, *, identity_id: int | None = None) -> Export:
    query = sa.select(*_COLUMNS).where(owned_by(exports, tenant), exports.c.id == export_id)
    if identity_id is not None:
        query = query.where(exports.c.identity_id == identity_id)
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFound("Export", export_id)
    return Export(*row)


def run(conn: Connection, tenant: Tenant, export: Export, *, callback: str | None = None) -> int:
    """Queue a run of the export: the new file's id, or the id of the file of this export
    that is still queued or running (one run at a time, also when two requests race)."""
    payload = {
        "export_id": export.id,
        "identity_id": export.identity_id,
        "secret": secrets.token_urlsafe(32),
        "callback": callback,
    }
    try:
        return jobs.enqueue(conn, tenant, KIND, payload, exclusive_key=_key(export.id))
    except Conflict as exc:
        return int(exc.related[0])  # type: ignore[call-overload]


def _key(export_id: int) -> str:
    return f"export:{export_id}"


def _file(job: Job) -> ExportFile:
    result = job.result or {}
    rows = result.get("rows") if job.state == jobs.SUCCEEDED else None
    return ExportFile(
        job.id, int(job.payload["export_id"]), job.state, rows, int(result.get("parts", 0)), str(job.payload["secret"])
    )


def file(conn: Connection, tenant: Tenant, export_id: int, file_id: int) -> ExportFile:
    """A file of the export, or NotFound("Export file")."""
    try:
        job = jobs.get(conn, tenant, file_id, kinds=(KIND,))
    except NotFound:
        raise NotFound("Export file", file_id) from None
    if job.exclusive_key != _key(export_id):
        raise NotFound("Export file", file_id)
    return _file(job)


def recent_files(conn: Connection, tenant: Tenant, identity_id: int) -> list[ExportFile]:
    """The identity's most recent export files, newest first (two queries)."""
    keys = [_key(export.id) for export in list_exports(conn, tenant, identity_id)]
    if not keys:
        return []
    rows = conn.execute(
        sa.select(jobs_table.c.id, jobs_table.c.state, jobs_table.c.payload, jobs_table.c.result)
        .where(owned_by(jobs_table, tenant), jobs_table.c.kind == KIND, jobs_table.c.exclusive_key.in_(keys))
        .order_by(jobs_table.c.id.desc())
        .limit(MAX_RECENT_FILES)
    )
    found = []
    for row in rows:
        result = row.result or {}
        found.append(
            ExportFile(
                row.id,
                int(row.payload["export_id"]),
                row.state,
                result.get("rows") if row.state == jobs.SUCCEEDED else None,
                int(result.get("parts", 0)),
                str(row.payload["secret"]),
            )
        )
    return found


def parts(store: Store, tenant: Tenant, export_file: ExportFile) -> Iterator[bytes]:
    """The file's bytes, a part at a time, each read in a short transaction of its own."""
    for seq in range(export_file.parts):
        with store.read() as conn:
            data = conn.execute(
                sa.select(export_file_parts.c.data).where(
                    owned_by(export_file_parts, tenant),
                    export_file_parts.c.job_id == export_file.id,
                    export_file_parts.c.seq == seq,
                )
            ).scalar()
        if data is None:
            return
        yield bytes(data)


# --- writing a file ----------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue().encode(ENCODING, errors="replace")


def _programs(conn: Connection, tenant: Tenant, identity: Identity) -> dict[int, str]:
    query = identities.visible_programs(identity.limited, listings.c.id, listings.c.name)
    return {row.id: row.name for row in conn.execute(query, identities.parameters(tenant, identity.id))}


def _labels(conn: Connection, tenant: Tenant, program_ids: list[int]) -> tuple[list[str], dict[int, int]]:
    """The custom field columns (one per distinct label, in order of creation) and the
    column of each custom field."""
    if not program_ids:
        return [], {}
    rows = conn.execute(
        sa.select(custom_fields.c.id, custom_fields.c.label)
        .where(owned_by(custom_fields, tenant), custom_fields.c.listing_id.in_(program_ids))
        .order_by(custom_fields.c.id)
    )
    labels: list[str] = []
    column_of: dict[int, int] = {}
    for field_id, label in rows:
        if label not in labels:
            labels.append(label)
        column_of[field_id] = labels.index(label)
    return labels, column_of


def _page(conn: Connection, tenant: Tenant, identity: Identity, program_ids: list[int], after: int) -> list[Any]:
    return list(
        conn.execute(
            sa.select(
                designations.c.id,
                applicants.c.cas_id,
                applicants.c.first_name,
                applicants.c.last_name,
                applicants.c.email,
                designations.c.listing_id,
                DECISION.c.name,
                LOCAL_STATUS.c.title,
            )
            .select_from(DESIGNATION_FROM)
            .where(
                owned_by(designations, tenant),
                applicants.c.cycle == identity.cycle,
                designations.c.listing_id.in_(program_ids),
                designations.c.id > after,
            )
            .order_by(designations.c.id)
            .limit(PAGE)
        )
    )


def _answers(conn: Connection, tenant: Tenant, designation_ids: list[int]) -> dict[int, list[tuple[int, Any]]]:
    found: dict[int, list[tuple[int, Any]]] = {}
    for designation_id, field_id, value in conn.execute(
        sa.select(
            custom_field_answers.c.designation_id, custom_field_answers.c.custom_field_id, custom_field_answers.c.value
        ).where(owned_by(custom_field_answers, tenant), custom_field_answers.c.designation_id.in_(designation_ids))
    ):
        found.setdefault(designation_id, []).append((field_id, value))
    return found


@runner.handles(KIND)
def write_file(store: Store, job: Job, progress: Progress) -> None:
    try:
        _write_file(store, job, progress)
    except Exception:
        if job.payload.get("callback"):
            notify(str(job.payload["callback"]), job.id, int(job.payload["export_id"]), status_of(jobs.FAILED, None))
        raise


def _write_file(store: Store, job: Job, progress: Progress) -> None:
    tenant = job.tenant
    with store.write() as conn:  # a new attempt starts from an empty file
        conn.execute(sa.delete(export_file_parts).where(export_file_parts.c.job_id == job.id))
    with store.read() as conn:
        identity = identities.get(conn, tenant, int(job.payload["identity_id"]))
        programs = _programs(conn, tenant, identity)
        labels, column_of = _labels(conn, tenant, list(programs))
    program_ids = list(programs)
    seq, written, after = 0, 0, 0
    _store_part(store, tenant, job.id, seq, _csv([(*HEADER, *labels)]))
    seq += 1
    while program_ids:
        with store.read() as conn:
            page = _page(conn, tenant, identity, program_ids, after)
            answers = _answers(conn, tenant, [row.id for row in page]) if page else {}
        if not page:
            break
        lines = []
        for row in page:
            extra: list[Any] = [None] * len(labels)
            for field_id, value in answers.get(row.id, ()):
                if field_id in column_of:
                    extra[column_of[field_id]] = answer_value(value)
            lines.append((row[1], row[2], row[3], row[4], row[5], programs[row[5]], row[6], row[7], *extra))
        _store_part(store, tenant, job.id, seq, _csv(lines))
        seq += 1
        written += len(page)
        after = page[-1].id
        if not progress.report(written):
            return  # another worker took the job over
    with store.write() as conn:
        finished = jobs.finish(
            conn, job, progress.worker, state=jobs.SUCCEEDED, result={"rows": written, "parts": seq}, done=written
        )
    callback = job.payload.get("callback")
    if finished and callback:
        notify(str(callback), job.id, int(job.payload["export_id"]), status_of(jobs.SUCCEEDED, written))


def _store_part(store: Store, tenant: Tenant, job_id: int, seq: int, data: bytes) -> None:
    with store.write() as conn:
        conn.execute(
            sa.insert(export_file_parts).values(
                job_id=job_id, seq=seq, org_id=tenant.org_id, mode=tenant.mode.value, data=data
            )
        )


def status_of(state: str, rows: int | None) -> str:
    """WebAdMIT's status of an export file in a job's state."""
    if state == jobs.QUEUED:
        return "Queued"
    if state == jobs.RUNNING:
        return "In Progress"
    if state == jobs.FAILED:
        return "Failed"
    return "Empty List" if not rows else "Available"


# --- the callback -------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is the callback's answer, never followed


def allowed_callback(url: str, allowed_hosts: Sequence[str]) -> bool:
    """Whether `url` is an http(s) URL of one of the allowed hosts (exact, case-insensitive)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return False
    return host.lower() in {h.lower() for h in allowed_hosts}


def notify(url: str, file_id: int, export_id: int, status: str) -> None:
    """POST the file's status to its callback, once; failures are logged, never retried."""
    body = urllib.parse.urlencode(
        {"export_file[id]": file_id, "export_file[export_id]": export_id, "export_file[status]": status}
    ).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=CALLBACK_TIMEOUT) as response:
            response.read(1024)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("export file %s: callback failed: %s", file_id, exc)


def file_by_link(conn: Connection, export_id: int, file_id: int) -> tuple[Tenant, ExportFile]:
    """A file named by a download link, whichever tenant's it is: the link's signature,
    checked against the file's own secret, is what grants access (NotFound otherwise)."""
    row = conn.execute(
        sa.select(jobs_table.c.org_id, jobs_table.c.mode, organisations.c.public_id, organisations.c.name)
        .join(organisations, organisations.c.id == jobs_table.c.org_id)
        .where(jobs_table.c.id == file_id, jobs_table.c.kind == KIND, jobs_table.c.exclusive_key == _key(export_id))
    ).one_or_none()
    if row is None:
        raise NotFound("Export file", file_id)
    tenant = Tenant(row.org_id, Mode(row.mode), row.public_id, row.name)
    return tenant, file(conn, tenant, export_id, file_id)
