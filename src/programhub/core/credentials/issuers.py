"""Who signs: each organisation, in each mode, is an issuer with a `did:web` that programhub
serves under `PROGRAMHUB_PUBLIC_URL`.

Paths (PUBLIC_URL may have a path of its own, which comes first):

    live  did:web:<host>[%3A<port>]:orgs:<org id>       <PUBLIC_URL>/orgs/<org id>/did.json
    test  did:web:<host>[%3A<port>]:orgs:<org id>:test  <PUBLIC_URL>/orgs/<org id>/test/did.json

and the tenant's status lists are `<issuer path>/status/<n>`. Test and live are separate
DIDs with separate keys: a test credential can never pass for a live one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from programhub.core.credentials import keys
from programhub.core.credentials.keys import KeyVault, PublicKey, SigningKey
from programhub.core.credentials.linked_data import DID_V1, MULTIKEY_V1
from programhub.core.credentials.models import signing_keys
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Mode, Tenant

ORGS_PATH = "/orgs"
TEST_SEGMENT = "test"
DID_DOCUMENT = "did.json"


def issuer_path(org_public_id: str, mode: Mode | str) -> str:
    """The issuer's path under PUBLIC_URL (its DID document is `<path>/did.json`)."""
    path = f"{ORGS_PATH}/{org_public_id}"
    return f"{path}/{TEST_SEGMENT}" if Mode(mode) is Mode.TEST else path


def did_web(public_url: str, org_public_id: str, mode: Mode | str) -> str:
    """The did:web that resolves to `<PUBLIC_URL><issuer path>/did.json`."""
    parts = urlsplit(public_url)
    host = (parts.hostname or "").lower() + (f"%3A{parts.port}" if parts.port else "")
    segments = [segment for segment in (parts.path + issuer_path(org_public_id, mode)).split("/") if segment]
    return ":".join(["did:web", host, *segments])


def verification_method(did: str, public_key_multibase: str) -> str:
    return f"{did}#{public_key_multibase}"


def did_document(did: str, public_keys: list[PublicKey]) -> dict[str, Any]:
    """The DID document: every key the issuer ever had (current first), each usable to
    check what it signed (`assertionMethod`)."""
    methods = [
        {
            "id": verification_method(did, key.multibase),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.multibase,
        }
        for key in public_keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def published_did_document(conn: Connection, public_url: str, org_public_id: str, mode: Mode) -> dict[str, Any] | None:
    """The DID document programhub serves for an organisation in a mode (one query); None
    when it has no key in that mode (it never signed anything) or does not exist."""
    rows = conn.execute(
        select(signing_keys.c.id, signing_keys.c.public_key, signing_keys.c.created_at, signing_keys.c.retired_at)
        .join(organisations, organisations.c.id == signing_keys.c.org_id)
        .where(organisations.c.public_id == org_public_id, signing_keys.c.mode == mode.value)
        .order_by(signing_keys.c.retired_at.is_not(None), signing_keys.c.id.desc())
    ).all()
    if not rows:
        return None
    found = [PublicKey(row.id, bytes(row.public_key), row.created_at, row.retired_at) for row in rows]
    return did_document(did_web(public_url, org_public_id, mode), found)


@dataclass(frozen=True, slots=True)
class Signing:
    """What signing needs from the settings: the public URL and the key vault. The core
    receives it from the caller; it never reads settings itself."""

    public_url: str
    vault: KeyVault

    def issuer(self, conn: Connection, tenant: Tenant) -> Issuer:
        """The tenant as an issuer, with its current key open to sign (made if needed)."""
        return Issuer(
            did=did_web(self.public_url, tenant.org_public_id, tenant.mode),
            name=tenant.org_name,
            base_url=self.public_url + issuer_path(tenant.org_public_id, tenant.mode),
            mode=tenant.mode,
            key=keys.current(conn, tenant, self.vault),
        )


@lru_cache(maxsize=8)
def configured(public_url: str, secret: str | None, secret_file: str) -> Signing:
    """The Signing of a configuration (one vault per configuration and process, so the
    secret is read and its key derived once)."""
    vault = KeyVault(secret=secret) if secret is not None else KeyVault(secret_file=secret_file)
    return Signing(public_url, vault)


@dataclass(frozen=True, slots=True)
class Issuer:
    did: str
    name: str
    base_url: str
    mode: Mode
    key: SigningKey

    @property
    def verification_method(self) -> str:
        return verification_method(self.did, self.key.multibase)
