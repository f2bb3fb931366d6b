"""Revocation (a programhub extension): one credential, or many in one call shaped like
Canvas Credentials' bulk revoke. A revoked credential's status list bit is set, so any
verifier sees it revoked; revoking it again changes nothing."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from programhub.core import versions
from programhub.core.credentials import service as credentials
from programhub.dialects.record import docs
from programhub.dialects.record.requests import BulkRevokeRequest, RevokeRequest
from programhub.dialects.record.responses import ok, recipient_json
from programhub.dialects.record.routes.api import (
    ROUTER_OPTIONS,
    WRITE_ERRORS,
    AnyJsonBody,
    OptionalJsonBody,
    parse,
)
from programhub.web.auth import Authenticated
from programhub.web.deps import SettingsDep, SigningDep, StoreDep
from programhub.web.ids import possible_id
from programhub.web.requests import request_body

router = APIRouter(**ROUTER_OPTIONS)


@router.post(
    "/credentials/recipients/{recipientId}/revoke",
    summary="Revoke a credential (programhub extension)",
    description=(
        "Revoke one recipient's credential, with an optional `revocationReason`. Its status list "
        "bit is set and the list re-signed; revoking a revoked credential changes nothing."
    ),
    responses={200: {"model": docs.RecordRecipientResponse}, **WRITE_ERRORS},
    openapi_extra=request_body(RevokeRequest, required=False),
)
def revoke_credential(
    recipientId: str,  # noqa: N803 - the wire name
    principal: Authenticated,
    body: OptionalJsonBody,
    store: StoreDep,
    settings: SettingsDep,
    signing: SigningDep,
) -> Response:
    reason = parse(RevokeRequest, body).revocationReason
    possible_id("credential", recipientId)
    with versions.writing(store, principal.tenant) as conn:
        recipient = credentials.revoke(conn, principal.tenant, recipientId, reason, signing_with=signing)
    return ok("Credential revoked successfully", recipient_json(recipient, settings.public_url))


@router.post(
    "/credentials/revoke",
    summary="Revoke credentials (programhub extension)",
    description=(
        f"Revoke up to {credentials.MAX_RECIPIENTS} credentials in one call: `[{{id, revocationReason}}]` "
        "(ids are recipient ids). All or nothing: an unknown id is NOT_FOUND and nothing is revoked. "
        "Answers the credentials in the order asked."
    ),
    responses={200: {"model": docs.RecordRecipientsResponse}, **WRITE_ERRORS},
    openapi_extra=request_body(BulkRevokeRequest),
)
def revoke_credentials(
    principal: Authenticated, body: AnyJsonBody, store: StoreDep, settings: SettingsDep, signing: SigningDep
) -> Response:
    revocations = parse(BulkRevokeRequest, body).revocations()
    for recipient_id, _reason in revocations:
        possible_id("credential", recipient_id)  # one no row can have is not found, unqueried
    with versions.writing(store, principal.tenant) as conn:
        revoked = credentials.revoke_many(conn, principal.tenant, revocations, signing_with=signing)
    return ok("Credentials revoked successfully", [recipient_json(r, settings.public_url) for r in revoked])
