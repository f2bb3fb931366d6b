"""A credential as a signed Open Badges 3.0 document, for its page and its download: read
it (signing it first if it was issued before programhub signed credentials) and serve
its JSON as stored, under the media type asked for."""

from __future__ import annotations

from starlette.responses import Response

from programhub.core import versions
from programhub.core.credentials import service as credentials
from programhub.core.credentials.issuers import Signing
from programhub.core.credentials.service import Credential
from programhub.core.credentials.signing import credential_url
from programhub.core.tenancy import Mode, Tenant
from programhub.store import Store

# `Accept` values that ask for the verifiable credential itself (VC 2.0's media type, and
# JSON-LD), after the page's own two.
VC_MEDIA_TYPES = ("application/vc", "application/ld+json")
DOWNLOAD_SUFFIX = "credential.json"


def load(store: Store, signing: Signing, recipient_id: str) -> Credential:
    """The credential with its signed document (one query when it has one already)."""
    with store.read() as conn:
        credential = credentials.find_credential(conn, recipient_id)
    if credential.document is not None:
        return credential
    tenant = Tenant(credential.org_id, Mode(credential.mode), credential.org_public_id, credential.org_name)
    with versions.writing(store, tenant) as conn:
        credentials.sign_if_unsigned(conn, credential, signing_with=signing)
        return credentials.find_credential(conn, recipient_id)


def document_response(credential: Credential, media_type: str, headers: dict[str, str]) -> Response:
    """The signed credential's JSON, byte for byte as issued."""
    return Response(str(credential.document), media_type=media_type, headers=headers)


def download_url(public_url: str, recipient_id: str) -> str:
    return f"{credential_url(public_url, recipient_id)}/{DOWNLOAD_SUFFIX}"
