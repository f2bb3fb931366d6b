"""Each organisation's Ed25519 signing keys, one set per mode, and their encryption at rest.

A key is made the first time a tenant signs. Rotation retires the current key and makes a
new one; retired keys stop signing, but their public halves stay listed in the DID
document, so that everything they signed keeps verifying. A private key is stored only
sealed (AES-256-GCM under a key derived from the `PROGRAMHUB_CREDENTIAL_KEY_SECRET`
setting, bound to its row's organisation, mode and public key), is opened only to sign,
and never leaves this module in any printable form.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import base58
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, select, update

from programhub.core.clock import utcnow
from programhub.core.credentials.models import signing_keys
from programhub.core.tenancy import Tenant, owned_by
from programhub.store.sql import upsert

# Multikey's multicodec prefix for an Ed25519 public key.
_ED25519_PUB = b"\xed\x01"
_SEALED_VERSION = b"\x01"
_NONCE_BYTES = 12


class KeyVaultError(Exception):
    """A sealed key could not be opened (wrong secret, or a row altered): never says more."""


class KeyVault:
    """Seals and opens private keys with a key derived from the configured secret. The
    secret comes from the setting, or else from a file made on first use (0600)."""

    def __init__(self, *, secret: str | None = None, secret_file: str | None = None) -> None:
        if (secret is None) == (secret_file is None):
            raise ValueError("give the secret or the file that holds it")
        self._secret = secret
        self._secret_file = secret_file
        self._aead: AESGCM | None = None

    def __repr__(self) -> str:
        return "KeyVault(<secret hidden>)"

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            secret = self._secret if self._secret is not None else _secret_from_file(Path(str(self._secret_file)))
            derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"programhub signing keys v1").derive(
                secret.encode("utf-8")
            )
            self._aead = AESGCM(derived)
        return self._aead

    def seal(self, private_key: Ed25519PrivateKey, binding: bytes) -> bytes:
        raw = private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        nonce = os.urandom(_NONCE_BYTES)
        return _SEALED_VERSION + nonce + self._cipher().encrypt(nonce, raw, binding)

    def open(self, sealed: bytes, binding: bytes) -> Ed25519PrivateKey:
        if sealed[:1] != _SEALED_VERSION:
            raise KeyVaultError("a signing key is stored in an unknown format")
        nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            raw = self._cipher().decrypt(nonce, ciphertext, binding)
        except InvalidTag:
            raise KeyVaultError(
                "a signing key could not be decrypted: PROGRAMHUB_CREDENTIAL_KEY_SECRET is not the one it was sealed with"
            ) from None
        return Ed25519PrivateKey.from_private_bytes(raw)


def _secret_from_file(path: Path) -> str:
    """The secret in `path`, written there first (32 random bytes, base64url) if absent."""
    try:
        return path.read_text("utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text("utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text("utf-8").strip()


def multibase_public_key(public_key: bytes) -> str:
    """Multikey's `publicKeyMultibase`: `z` + base58btc(0xed 0x01 + the 32-byte key)."""
    return "z" + base58.b58encode(_ED25519_PUB + public_key).decode("ascii")


def public_key_from_multibase(value: str) -> bytes:
    """The raw key of a `publicKeyMultibase`; ValueError when it is not an Ed25519 Multikey."""
    if not value.startswith("z"):
        raise ValueError("not base58btc multibase")
    decoded = base58.b58decode(value[1:])
    if len(decoded) != 34 or decoded[:2] != _ED25519_PUB:
        raise ValueError("not an Ed25519 Multikey")
    return decoded[2:]


def _binding(tenant: Tenant, public_key: bytes) -> bytes:
    """What a sealed key is bound to: moved to another row or tenant, it does not open."""
    return f"{tenant.org_id}:{tenant.mode.value}:".encode() + public_key


@dataclass(frozen=True, slots=True)
class PublicKey:
    id: int
    public_key: bytes
    created_at: datetime
    retired_at: datetime | None

    @property
    def multibase(self) -> str:
        return multibase_public_key(self.public_key)

    @property
    def fingerprint(self) -> str:
        """A short name for people (the CLI): the first hex digits of the key's SHA-256."""
        return hashlib.sha256(self.public_key).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The current key of a tenant, opened to sign."""

    id: int
    public_key: bytes
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def multibase(self) -> str:
        return multibase_public_key(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def current(conn: Connection, tenant: Tenant, vault: KeyVault) -> SigningKey:
    """The tenant's current key, made now if it has none (at most one ever is current: a
    concurrent maker's key wins and this one is dropped)."""
    row = _current_row(conn, tenant)
    if row is None:
        private_key = Ed25519PrivateKey.generate()
        public_key = _raw_public(private_key.public_key())
        conn.execute(
            upsert(conn, signing_keys)
            .values(
                org_id=tenant.org_id,
                mode=tenant.mode.value,
                public_key=public_key,
                sealed_private_key=vault.seal(private_key, _binding(tenant, public_key)),
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["org_id", "mode"], index_where=signing_keys.c.retired_at.is_(None))
        )
        row = _current_row(conn, tenant)
        assert row is not None  # inserted, or another transaction's insert won
    key_id, public_key, sealed = row
    return SigningKey(key_id, public_key, vault.open(sealed, _binding(tenant, public_key)))


def _current_row(conn: Connection, tenant: Tenant) -> tuple[int, bytes, bytes] | None:
    row = conn.execute(
        select(signing_keys.c.id, signing_keys.c.public_key, signing_keys.c.sealed_private_key).where(
            owned_by(signing_keys, tenant), signing_keys.c.retired_at.is_(None)
        )
    ).one_or_none()
    return None if row is None else (row.id, bytes(row.public_key), bytes(row.sealed_private_key))


def rotate(conn: Connection, tenant: Tenant, vault: KeyVault) -> SigningKey:
    """Retire the current key (if any) and make a new one, which signs from now on."""
    conn.execute(
        update(signing_keys)
        .where(owned_by(signing_keys, tenant), signing_keys.c.retired_at.is_(None))
        .values(retired_at=utcnow())
    )
    return current(conn, tenant, vault)


def public_keys(conn: Connection, tenant: Tenant) -> list[PublicKey]:
    """Every key of the tenant, the current one first, then the newest retired ones."""
    rows = conn.execute(
        select(signing_keys.c.id, signing_keys.c.public_key, signing_keys.c.created_at, signing_keys.c.retired_at)
        .where(owned_by(signing_keys, tenant))
        .order_by(signing_keys.c.retired_at.is_not(None), signing_keys.c.id.desc())
    ).all()
    return [PublicKey(row.id, bytes(row.public_key), row.created_at, row.retired_at) for row in rows]


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
