"""The signed credential's download, linked from its page: the same Open Badges 3.0 JSON
that `Accept: application/vc` gets there, as a file (a link cannot set Accept)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from programhub.dialects.record import docs, verifiable
from programhub.dialects.record.errors import PAGE_ERRORS, with_page_headers
from programhub.dialects.record.responses import PAGES_PREFIX
from programhub.web.deps import SigningDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.ids import possible_id

router = APIRouter(route_class=dialect_route_class(PAGE_ERRORS), tags=["Record credential page"])


def _html() -> dict[str, dict[str, dict[str, str]]]:
    """Failures are a page, or Record's JSON on request (errors.PageErrors)."""
    return {"text/html": {"schema": {"type": "string"}}}


@router.get(
    PAGES_PREFIX + "/{recipientId}/" + verifiable.DOWNLOAD_SUFFIX,
    summary="A credential's signed Open Badges 3.0 document, as a download",
    description="The verifiable credential (W3C VC 2.0, Data Integrity eddsa-rdfc-2022 proof); no key needed.",
    responses={
        200: {"content": {"application/vc": {"schema": {"type": "object"}}}, "description": "The signed credential"},
        404: {"model": docs.RecordError, "content": _html(), "description": "No credential has this id"},
        503: {"model": docs.RecordError, "content": _html(), "description": "The database is unreachable"},
    },
)
def download_credential(recipientId: str, store: StoreDep, signing: SigningDep) -> Response:  # noqa: N803
    possible_id("credential", recipientId)
    credential = verifiable.load(store, signing, recipientId)
    disposition = f'attachment; filename="{credential.recipient_public_id}.json"'
    return with_page_headers(
        verifiable.document_response(credential, "application/vc", {"Content-Disposition": disposition})
    )
