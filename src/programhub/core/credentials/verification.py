"""Checking a stored credential the way a verifier would, for its public page: its proof
under the issuer's key, its status list bit, and its validity period."""

from __future__ import annotations

from functools import lru_cache

import orjson

from programhub.core.credentials import proofs
from programhub.core.credentials.issuers import did_web, verification_method
from programhub.core.credentials.keys import multibase_public_key
from programhub.core.credentials.service import STATUS_EXPIRED, Credential

VERIFIED = "verified"
REVOKED = "revoked"
EXPIRED = "expired"
NOT_VERIFIED = "not verified"


def state(credential: Credential, public_url: str) -> str:
    """`verified`, `revoked`, `expired`, or `not verified` (no proof that holds)."""
    if credential.document is None or credential.public_key is None:
        return NOT_VERIFIED
    method = verification_method(
        did_web(public_url, credential.org_public_id, credential.mode), multibase_public_key(credential.public_key)
    )
    if not _proof_holds(credential.document, method, credential.public_key):
        return NOT_VERIFIED
    if credential.status_bit_set:
        return REVOKED
    return EXPIRED if credential.status == STATUS_EXPIRED else VERIFIED


@lru_cache(maxsize=1024)
def _proof_holds(document: str, method: str, public_key: bytes) -> bool:
    """Cached: a stored credential never changes, and neither does a key's verdict on it."""
    try:
        parsed = orjson.loads(document)
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, dict) and proofs.verify(parsed, lambda wanted: public_key if wanted == method else None)
