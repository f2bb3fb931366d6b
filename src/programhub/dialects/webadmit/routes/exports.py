"""Exports: the saved exports of the key's identities, running one (an export file),
checking the file until it is ready, and downloading it through a link that expires.

The download link stands in for WebAdMIT's signed S3 URL: programhub serves the file
itself, at `.../export_files/{id}/download?expires=...&signature=...`, an HMAC of the file
id and the expiry under a secret of that file. The link needs no key (a client downloads
it as it would from S3) and is refused (403, empty) once expired or altered.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response, StreamingResponse

from programhub.core import versions
from programhub.core.admissions import exports
from programhub.core.identities import service as identities
from programhub.dialects.webadmit import docs
from programhub.dialects.webadmit.errors import FieldError, field_errors
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.requests import ExportFileId, ExportId, ExportRun, NewExport, UserIdentityId
from programhub.dialects.webadmit.responses import (
    EXPORTS_PREFIX,
    export_file_href,
    export_file_json,
    export_json,
    identity_href,
)
from programhub.dialects.webadmit.routes.api import ROUTER_OPTIONS, JsonBody, router_options
from programhub.web.deps import JobsDep, SettingsDep, StoreDep
from programhub.web.requests import parse, request_body
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)
files_router = APIRouter(**router_options(EXPORTS_PREFIX))

LINK_SECONDS = 25  # WebAdMIT's links expire "less than 30 seconds" after they are issued
NOT_ALLOWED = "is not a URL of a host allowed to receive callbacks (PROGRAMHUB_WEBADMIT_CALLBACK_HOSTS)"


def clock() -> float:
    """Epoch seconds now (a function, so tests can move time)."""
    return time.time()


def _signature(secret: str, file_id: int, expires: int) -> str:
    return hmac.new(secret.encode(), f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def download_url(public_url: str, export_file: exports.ExportFile) -> str:
    expires = math.floor(clock()) + LINK_SECONDS
    signature = _signature(export_file.secret, export_file.id, expires)
    href = export_file_href(export_file.export_id, export_file.id)
    return f"{public_url}{href}/download?expires={expires}&signature={signature}"


@files_router.get(
    "", summary="Export/Report List", responses=docs.answers(docs.WebAdmitExportList, names_identity=False)
)
def list_all_exports(store: StoreDep, caller: Caller) -> JSONResponse:
    """The exports of every identity of the key's organisation and mode, oldest first."""
    with store.read() as conn:
        found = exports.list_exports(conn, caller.tenant)
    return JSONResponse({"href": EXPORTS_PREFIX, "exports": [export_json(export) for export in found]})


@router.get(
    "/{user_identity_id}/exports",
    summary="Export/Report List by identity",
    responses=docs.answers(docs.WebAdmitExportList, names_identity=True),
)
def list_exports(user_identity_id: UserIdentityId, store: StoreDep, caller: Caller) -> JSONResponse:
    """The identity's exports, oldest first."""
    tenant = caller.tenant
    with store.read() as conn:
        identities.get(conn, tenant, user_identity_id)
        found = exports.list_exports(conn, tenant, user_identity_id)
    return JSONResponse(
        {"href": identity_href(user_identity_id, "exports"), "exports": [export_json(export) for export in found]}
    )


@router.post(
    "/{user_identity_id}/exports",
    summary="Export Create (programhub extension)",
    status_code=201,
    responses=docs.answers(docs.WebAdmitExportCreated, names_identity=True, status=201, body=True),
    openapi_extra=request_body(NewExport),
)
def create_export(user_identity_id: UserIdentityId, store: StoreDep, caller: Caller, body: JsonBody) -> JSONResponse:
    """Save an export of the identity: every designation of its cycle in the programs it
    sees, as CSV."""
    tenant = caller.tenant
    sent = parse(NewExport, body).export
    with versions.writing(store, tenant) as conn, field_errors():
        made = exports.create(
            conn, tenant, user_identity_id, name=sent.name, list_type=sent.list_type, format=sent.format
        )
    return JSONResponse({"export": export_json(made)}, 201)


@router.post(
    "/{user_identity_id}/exports/{export_id}/export_files",
    summary="Export/Report Files (initiate a run)",
    status_code=201,
    responses=docs.answers(docs.WebAdmitExportFileShow, names_identity=True, status=201, body=True),
    openapi_extra=request_body(ExportRun, required=False),
)
def run_export(
    user_identity_id: UserIdentityId,
    export_id: ExportId,
    store: StoreDep,
    settings: SettingsDep,
    caller: Caller,
    body: JsonBody,
    jobs: JobsDep,
    callback: Annotated[str | None, Query(max_length=2000, description="URL to POST the file's status to.")] = None,
) -> JSONResponse:
    """Run the export in the background: the new file, or the one of this export still
    queued or running (one run at a time)."""
    tenant = caller.tenant
    sent = parse(ExportRun, body)
    url = callback if callback is not None else sent.callback
    if url is not None and not exports.allowed_callback(url, settings.callback_hosts):
        raise FieldError("callback", NOT_ALLOWED)
    with store.write() as conn:  # a job, not data: the tenant's version stays
        identities.get(conn, tenant, user_identity_id)
        export = exports.get(conn, tenant, export_id, identity_id=user_identity_id)
        file_id = exports.run(conn, tenant, export, callback=url)
        found = exports.file(conn, tenant, export.id, file_id)
    jobs.wake()
    return JSONResponse({"export_files": export_file_json(found)}, 201)


@router.get(
    "/{user_identity_id}/export_files",
    summary="Export/Report Files (check status in batch)",
    responses=docs.answers(docs.WebAdmitExportFileList, names_identity=True),
)
def list_export_files(user_identity_id: UserIdentityId, store: StoreDep, caller: Caller) -> JSONResponse:
    """The identity's recent export files (at most 100), newest first, without links."""
    tenant = caller.tenant
    with store.read() as conn:
        identities.get(conn, tenant, user_identity_id)
        found = exports.recent_files(conn, tenant, user_identity_id)
    return JSONResponse(
        {"href": identity_href(user_identity_id, "export_files"), "export_files": [export_file_json(f) for f in found]}
    )


@files_router.get(
    "/{export_id}/export_files/{export_file_id}",
    summary="Export/Report Files (check status)",
    responses=docs.answers(docs.WebAdmitExportFileShow, names_identity=True),
)
def check_export_file(
    export_id: ExportId, export_file_id: ExportFileId, store: StoreDep, settings: SettingsDep, caller: Caller
) -> JSONResponse:
    """The file's status; once it is ready, a link to download it that expires soon."""
    tenant = caller.tenant
    with store.read() as conn:
        exports.get(conn, tenant, export_id)
        found = exports.file(conn, tenant, export_id, export_file_id)
    body: dict[str, Any] = export_file_json(found)
    if found.state == "succeeded":
        body["download_url"] = download_url(settings.public_url, found)
    return JSONResponse({"export_files": body})


@files_router.get(
    "/{export_id}/export_files/{export_file_id}/download",
    summary="Export file download (the link `download_url` gives)",
    include_in_schema=False,  # a link the API hands out, as WebAdMIT hands out S3's, not an operation
    responses={
        200: {"description": "The file.", "content": {"text/csv": {"schema": {"type": "string"}}}},
        403: {"description": "The link has expired or was altered (empty body)."},
        404: {"model": docs.WebAdmitSchemaErrors, "description": "No such file."},
        422: {"model": docs.WebAdmitErrors, "description": "An id is not an integer."},
    },
)
def download_export_file(
    export_id: ExportId,
    export_file_id: ExportFileId,
    store: StoreDep,
    expires: Annotated[str, Query(max_length=200, description="When the link expires (epoch seconds).")] = "",
    signature: Annotated[str, Query(max_length=200, description="The link's signature.")] = "",
) -> Response:
    """The file, streamed a part at a time, while the link is valid; any link that is not
    one programhub issued, or has expired, is refused alike (403, empty)."""
    with store.read() as conn:
        tenant, found = exports.file_by_link(conn, export_id, export_file_id)
    valid = expires.isascii() and expires.isdigit() and len(expires) <= 12 and signature.isascii()
    if not valid or int(expires) < clock() or found.state != "succeeded":
        return Response(status_code=403)
    if not hmac.compare_digest(_signature(found.secret, found.id, int(expires)), signature):
        return Response(status_code=403)
    return StreamingResponse(
        exports.parts(store, tenant, found),
        media_type=exports.MIME_TYPES["Comma-Separated Values"],
        headers={"Content-Disposition": f'attachment; filename="{found.file_name}"', "Cache-Control": "no-store"},
    )
