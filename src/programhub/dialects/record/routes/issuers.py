"""What verifiers fetch, openly (no key): each issuer's DID document (did:web) and its
Bitstring Status Lists, under PUBLIC_URL/orgs/<org id>[/test] (core/credentials/issuers.py).

Both are public by design: a DID document holds public keys only, and a status list is
bits whose indices only the credentials holding them know. Any origin may read them
(browser wallets verify too). Answers are revalidated on each use (`no-cache`, an ETag),
so a revocation is seen as soon as it commits.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header
from starlette.responses import Response

from programhub.core.credentials import issuers, status_lists
from programhub.core.errors import NotFound
from programhub.core.tenancy import Mode
from programhub.dialects.record import docs
from programhub.dialects.record.errors import ERRORS
from programhub.dialects.record.responses import ISSUERS_PREFIX
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.ids import possible_id

router = APIRouter(route_class=dialect_route_class(ERRORS), tags=["Record issuers (verifiable credentials)"])

JSON_LD = "application/ld+json"
_MAX_LIST_NUMBER = 10**9


def _public(body: bytes, if_none_match: str | None) -> Response:
    """A public JSON-LD document, or 304 when the client holds this version already."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON_LD, headers=headers)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {JSON_LD: {"schema": {"type": "object"}}}, "description": "The document"},
    304: {"description": "Unchanged since the ETag given in If-None-Match"},
    **docs.error_responses(404, 503),
}
IfNoneMatch = Annotated[str | None, Header(description="An ETag this route answered before")]


def _did_document(
    store: StoreDep, settings: SettingsDep, org_id: str, mode: Mode, if_none_match: str | None
) -> Response:
    possible_id("issuer", org_id)
    with store.read() as conn:
        document = issuers.published_did_document(conn, settings.public_url, org_id, mode)
    if document is None:
        raise NotFound("issuer", org_id)
    return _public(orjson.dumps(document), if_none_match)


@router.get(
    ISSUERS_PREFIX + "/{orgId}/did.json",
    summary="An organisation's DID document (live mode)",
    description="The did:web document of the organisation's live-mode issuer: its signing keys, current and retired.",
    responses=_RESPONSES,
)
def live_did_document(
    orgId: str,  # noqa: N803 - the wire name
    store: StoreDep,
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return _did_document(store, settings, orgId, Mode.LIVE, if_none_match)


@router.get(
    ISSUERS_PREFIX + "/{orgId}/test/did.json",
    summary="An organisation's DID document (test mode)",
    description="The did:web document of the organisation's test-mode issuer (a DID of its own).",
    responses=_RESPONSES,
)
def test_did_document(
    orgId: str,  # noqa: N803 - the wire name
    store: StoreDep,
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return _did_document(store, settings, orgId, Mode.TEST, if_none_match)


def _status_list(store: StoreDep, org_id: str, mode: Mode, number: str, if_none_match: str | None) -> Response:
    possible_id("status list", org_id)
    if not (number.isascii() and number.isdigit() and 0 < int(number) < _MAX_LIST_NUMBER):
        raise NotFound("status list", number)
    with store.read() as conn:
        document = status_lists.published(conn, org_id, mode, int(number))
    if document is None:
        raise NotFound("status list", number)
    return _public(document.encode("utf-8"), if_none_match)


@router.get(
    ISSUERS_PREFIX + "/{orgId}/status/{number}",
    summary="A status list (live mode)",
    description="A signed BitstringStatusListCredential (revocation) of the organisation's live-mode credentials.",
    responses=_RESPONSES,
)
def live_status_list(
    orgId: str,  # noqa: N803 - the wire name
    number: str,
    store: StoreDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return _status_list(store, orgId, Mode.LIVE, number, if_none_match)


@router.get(
    ISSUERS_PREFIX + "/{orgId}/test/status/{number}",
    summary="A status list (test mode)",
    description="A signed BitstringStatusListCredential (revocation) of the organisation's test-mode credentials.",
    responses=_RESPONSES,
)
def test_status_list(
    orgId: str,  # noqa: N803 - the wire name
    number: str,
    store: StoreDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return _status_list(store, orgId, Mode.TEST, number, if_none_match)
