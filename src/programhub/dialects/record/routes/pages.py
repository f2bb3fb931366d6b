"""The page behind every `credentialUrl`: PUBLIC_URL/credentials/<recipientId>.

No key is needed: whoever holds the link may see the credential. People get HTML; a client
that asks for `Accept: application/json` gets the same facts in Record's envelope, and one
that asks for `application/ld+json` or `application/vc` the signed Open Badges 3.0
credential itself.

Each client address may open at most `credential_page_rate_limit` pages a minute, counted in
the database (so across every server process): with recipient ids of 131 random bits a link
cannot be guessed anyway, but ids issued before them had 31 bits, and every page read costs a
query. Past the limit: 429 with `Retry-After`, as a page or in Record's envelope.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.core.credentials import verification
from programhub.core.credentials.signing import credential_url
from programhub.core.ratelimit import service as ratelimit
from programhub.dialects.record import docs, verifiable
from programhub.dialects.record.errors import PAGE_ERRORS, PAGE_HEADERS, with_page_headers
from programhub.dialects.record.responses import PAGES_PREFIX, credential_json, envelope
from programhub.settings import Settings
from programhub.store import Store
from programhub.web.addresses import client_address
from programhub.web.deps import SettingsDep, SigningDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.ids import possible_id
from programhub.web.negotiation import preferred, wants_json
from programhub.web.pages import page
from programhub.web.responses import JSONResponse

# Every path under PAGES_PREFIX, routed or not, answers as a page (see __init__.py).
router = APIRouter(route_class=dialect_route_class(PAGE_ERRORS), tags=["Record credential page"])

RATE_SCOPE = "credential_page"
RATE_WINDOW = 60  # seconds


def clock() -> float:
    """Epoch seconds now (a function, so tests can move time)."""
    return time.time()


def count_visit(request: Request, store: Store, settings: Settings) -> None:
    """Count this page read against its client address; refuse it with 429 past the limit."""
    limit = settings.credential_page_rate_limit
    quota = ratelimit.count_address(store, client_address(request), RATE_SCOPE, limit, now=clock(), window=RATE_WINDOW)
    if not quota.allowed:
        raise HTTPException(
            429,
            f"Too many credential pages were opened from this address: at most {limit} a minute; "
            f"try again in {quota.retry_after} seconds.",
            headers={"Retry-After": str(quota.retry_after)},
        )


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _day(moment: datetime) -> str:
    """`19 May 2025`, whatever the process locale."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _html_content() -> dict[str, dict[str, dict[str, str]]]:
    """A fresh dict per use: FastAPI merges response models into what it is given."""
    return {"text/html": {"schema": {"type": "string"}}}


def _page_content() -> dict[str, dict[str, dict[str, str]]]:
    return {**_html_content(), **{media: {"schema": {"type": "object"}} for media in verifiable.VC_MEDIA_TYPES}}


@router.get(
    PAGES_PREFIX + "/{recipientId}",
    summary="A credential's public page",
    description=(
        "The page each `credentialUrl` points at; no key needed. HTML by default (it says whether the "
        "credential is verified, revoked or expired, and offers the signed credential's download), "
        "Record's JSON envelope with `Accept: application/json`, and the signed Open Badges 3.0 "
        "credential with `Accept: application/ld+json` or `application/vc`."
    ),
    responses={
        200: {"model": docs.RecordCredentialResponse, "content": _page_content(), "description": "The credential"},
        404: {"model": docs.RecordError, "content": _html_content(), "description": "No credential has this id"},
        429: {
            "model": docs.RecordError,
            "content": _html_content(),
            "description": "Too many pages opened from this address (see `Retry-After`)",
        },
        503: {"model": docs.RecordError, "content": _html_content(), "description": "The database is unreachable"},
    },
)
def show_credential(
    recipientId: str,  # noqa: N803 - the wire name
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    signing: SigningDep,
    accept: Annotated[
        str | None,
        Header(
            description="`application/json` for JSON, `application/ld+json` or `application/vc` for the signed credential; HTML otherwise"
        ),
    ] = None,
) -> Response:
    count_visit(request, store, settings)
    possible_id("credential", recipientId)
    credential = verifiable.load(store, signing, recipientId)
    signed_type = preferred(accept, ("text/html", "application/json", *verifiable.VC_MEDIA_TYPES))
    if signed_type in verifiable.VC_MEDIA_TYPES:
        return with_page_headers(verifiable.document_response(credential, str(signed_type), {}))
    if wants_json(accept):
        data = credential_json(credential, settings.public_url)
        return with_page_headers(JSONResponse(envelope("Credential fetched successfully", data)))
    return page(
        "credential.html",
        headers=PAGE_HEADERS,
        title=f"{credential.recipient_name} — {credential.program_name}",
        credential=credential,
        verification=verification.state(credential, settings.public_url),
        download_url=verifiable.download_url(settings.public_url, credential.recipient_public_id),
        page_url=credential_url(settings.public_url, credential.recipient_public_id),
        issued_at=f"{credential.issued_at:%Y-%m-%dT%H:%M:%SZ}",
        issued_at_text=f"{credential.issued_at:%Y-%m-%d %H:%M} UTC",
        issued_on=_day(credential.issued_at),
        expires_at_text=None if credential.expires_at is None else f"{credential.expires_at:%Y-%m-%d %H:%M} UTC",
        revoked_at_text=None if credential.revoked_at is None else f"{credential.revoked_at:%Y-%m-%d %H:%M} UTC",
    )
