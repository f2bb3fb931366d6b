"""Credential batches: issue one to a list of recipients, list them, read one back."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core.clock import utcnow
from programhub.core.credentials import service as credentials
from programhub.dialects.record import docs
from programhub.dialects.record.requests import IssueRequest
from programhub.dialects.record.responses import batch_json, batch_summary_json, envelope, ok
from programhub.dialects.record.routes.api import READ_ERRORS, ROUTER_OPTIONS, WRITE_ERRORS, JsonBody, parse
from programhub.web.auth import Authenticated
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import SettingsDep, SigningDep, StoreDep
from programhub.web.idempotency import IdempotencyKey, write_once
from programhub.web.ids import possible_id
from programhub.web.requests import request_body

router = APIRouter(**ROUTER_OPTIONS)


@router.post(
    "/credentials",
    status_code=201,
    summary="Issue credentials",
    description=(
        "Issue one credential per recipient of a programme, all or nothing. "
        f"At most {credentials.MAX_RECIPIENTS} recipients per batch, each with a different email. "
        "Each credential is also a signed Open Badges 3.0 credential (its page serves it). "
        "Extension: `expiresAt`, when the batch's credentials expire."
    ),
    responses={201: {"model": docs.RecordBatchResponse}, **WRITE_ERRORS},
    openapi_extra=request_body(IssueRequest),
)
def issue_credentials(
    principal: Authenticated,
    body: JsonBody,
    key: IdempotencyKey,
    store: StoreDep,
    settings: SettingsDep,
    signing: SigningDep,
) -> Response:
    tenant = principal.tenant
    request = parse(IssueRequest, body)

    def work(conn: Connection) -> tuple[int, dict[str, object]]:
        possible_id("program", request.programId)
        batch = credentials.issue(
            conn,
            tenant,
            request.programId,
            request.batchName,
            request.new_recipients(),
            signing_with=signing,
            expires_at=request.expiresAt,
        )
        return 201, envelope("Credentials issued successfully", batch_json(batch, tenant, settings.public_url))

    return write_once(store, tenant, "record.credentials", key, request.meaning(), work)


@router.get(
    "/credentials",
    summary="List credential batches",
    description="Every batch of the key's organisation and mode, newest first, with its recipient count.",
    responses={200: {"model": docs.RecordBatchesResponse}, **READ_ERRORS},
)
async def list_batches(principal: Authenticated, store: StoreDep, cache: CacheDep) -> Response:
    tenant = principal.tenant

    def build(conn: Connection) -> Fresh[bytes]:
        now = utcnow()
        rows = credentials.list_batches(conn, tenant)
        body = orjson.dumps(
            envelope("Credential batches fetched successfully", [batch_summary_json(row, tenant, now) for row in rows])
        )
        # A batch turns `expired` at its expiry: the answer is not served after the next one.
        ahead = [row.expires_at for row in rows if row.expires_at is not None and row.expires_at > now]
        return Fresh(body, len(body), min(ahead, default=None))

    return await cache.read(principal, "record.batches", store, build)


@router.get(
    "/credentials/{batchId}",
    summary="Get a credential batch",
    description="One batch with its recipients in the order they were issued.",
    responses={200: {"model": docs.RecordBatchResponse}, **READ_ERRORS, **docs.error_responses(404)},
)
def get_batch(batchId: str, principal: Authenticated, store: StoreDep, settings: SettingsDep) -> Response:  # noqa: N803
    tenant = principal.tenant
    possible_id("batch", batchId)
    with store.read() as conn:
        batch = credentials.get_batch(conn, tenant, batchId)
    return ok("Credential batch fetched successfully", batch_json(batch, tenant, settings.public_url))
