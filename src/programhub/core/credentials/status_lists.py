"""Bitstring Status Lists: revocation that anyone can check without a key.

A tenant's credentials take entries in its status lists (131,072 entries each, the
specification's minimum for herd privacy; a new list when one is full). Entry n of a
list sits at index `permuted(n)`, a keyed permutation of 0..size-1 (a Feistel network
with cycle walking), so indices do not reveal issue order and a list tells nothing but
which indices are set. Bit i is the (i mod 8)-th most significant bit of byte i // 8.

Each list is served as a signed `BitstringStatusListCredential` whose `encodedList` is
`u` + base64url (no padding) of the gzipped bits, re-signed in the transaction that
changes a bit. Its `validFrom` is the list's creation and its proof has no `created`, so
the document does not tell when a bit changed either.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, update

from programhub.core.clock import utcnow
from programhub.core.credentials import proofs
from programhub.core.credentials.issuers import Issuer
from programhub.core.credentials.linked_data import VC_V2, xml_datetime
from programhub.core.credentials.models import status_lists
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Mode, Tenant, owned_by

SIZE = 131_072
PURPOSE = "revocation"
STATUS_SEGMENT = "status"
_ROUNDS = 4


@dataclass(frozen=True, slots=True)
class Entry:
    """A credential's place in a status list."""

    list_id: int
    list_url: str
    index: int


def list_url(issuer: Issuer, number: int) -> str:
    return f"{issuer.base_url}/{STATUS_SEGMENT}/{number}"


def permuted(key: bytes, sequence: int, size: int = SIZE) -> int:
    """The index of entry `sequence`: a bijection of 0..size-1 chosen by `key`."""
    half = ((size - 1).bit_length() + 1) // 2
    mask = (1 << half) - 1
    value = sequence
    while True:  # cycle walking: repeat until the value falls inside the list
        left, right = value >> half, value & mask
        for round_number in range(_ROUNDS):
            digest = hashlib.blake2b(bytes((round_number,)) + right.to_bytes(4, "big"), key=key, digest_size=4)
            left, right = right, left ^ (int.from_bytes(digest.digest(), "big") & mask)
        value = (left << half) | right
        if value < size:
            return value


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_set(bits: bytes, indices: Iterable[int]) -> bytes:
    changed = bytearray(bits)
    for index in indices:
        changed[index // 8] |= 0x80 >> (index % 8)
    return bytes(changed)


def encoded(bits: bytes) -> str:
    """`encodedList`: multibase base64url (`u`) of the GZIP-compressed bitstring."""
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def credential(url: str, issuer_did: str, valid_from: str, bits: bytes) -> dict[str, Any]:
    """The unsigned status list credential."""
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded(bits),
        },
    }


def _signed(issuer: Issuer, url: str, valid_from: str, bits: bytes) -> str:
    unsigned = credential(url, issuer.did, valid_from, bits)
    prover = proofs.Prover.for_context(
        issuer.key, unsigned["@context"], proofs.options(issuer.verification_method, None)
    )
    return orjson.dumps(prover.sign(unsigned)).decode("utf-8")


def allocate(conn: Connection, tenant: Tenant, issuer: Issuer, count: int) -> list[Entry]:
    """`count` fresh entries (bits clear), from the tenant's newest list and new ones."""
    entries: list[Entry] = []
    while len(entries) < count:
        row = conn.execute(
            select(status_lists.c.id, status_lists.c.number, status_lists.c.allocated, status_lists.c.permutation_key)
            .where(owned_by(status_lists, tenant))
            .order_by(status_lists.c.number.desc())
            .limit(1)
            .with_for_update()
        ).one_or_none()
        if row is None or row.allocated >= SIZE:
            row = _create(conn, tenant, issuer, 1 if row is None else row.number + 1)
        taken = min(count - len(entries), SIZE - row.allocated)
        conn.execute(
            update(status_lists).where(status_lists.c.id == row.id).values(allocated=status_lists.c.allocated + taken)
        )
        url = list_url(issuer, row.number)
        key = bytes(row.permutation_key)
        entries.extend(
            Entry(row.id, url, permuted(key, sequence)) for sequence in range(row.allocated, row.allocated + taken)
        )
    return entries


def _create(conn: Connection, tenant: Tenant, issuer: Issuer, number: int) -> Any:
    now = utcnow()
    bits = bytes(SIZE // 8)
    permutation_key = os.urandom(32)
    values = {
        "org_id": tenant.org_id,
        "mode": tenant.mode.value,
        "number": number,
        "size": SIZE,
        "allocated": 0,
        "permutation_key": permutation_key,
        "bits": bits,
        "document": _signed(issuer, list_url(issuer, number), xml_datetime(now), bits),
        "created_at": now,
        "updated_at": now,
    }
    list_id = conn.execute(insert(status_lists).values(values).returning(status_lists.c.id)).scalar_one()
    return _Row(list_id, number, 0, permutation_key)


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    number: int
    allocated: int
    permutation_key: bytes


def set_bits(conn: Connection, tenant: Tenant, issuer: Issuer, indices_by_list: Mapping[int, Iterable[int]]) -> None:
    """Set these bits (revoked) and re-sign each list that changed, in one pass per list."""
    if not indices_by_list:
        return
    rows = conn.execute(
        select(status_lists.c.id, status_lists.c.number, status_lists.c.bits, status_lists.c.created_at)
        .where(owned_by(status_lists, tenant), status_lists.c.id.in_(list(indices_by_list)))
        .with_for_update()
    ).all()
    for row in rows:
        bits = bytes(row.bits)
        changed = with_set(bits, indices_by_list[row.id])
        if changed == bits:
            continue
        document = _signed(issuer, list_url(issuer, row.number), xml_datetime(row.created_at), changed)
        conn.execute(
            update(status_lists)
            .where(status_lists.c.id == row.id)
            .values(bits=changed, document=document, updated_at=utcnow())
        )


def published(conn: Connection, org_public_id: str, mode: Mode, number: int) -> str | None:
    """A status list credential as served, by its organisation, mode and number."""
    return conn.execute(
        select(status_lists.c.document)
        .join(organisations, organisations.c.id == status_lists.c.org_id)
        .where(
            organisations.c.public_id == org_public_id,
            status_lists.c.mode == mode.value,
            status_lists.c.number == number,
        )
    ).scalar_one_or_none()


def bit_byte(list_bits: Any, index: Any) -> Any:
    """SQL for the byte of a list's bits that holds entry `index` (both engines)."""
    return func.substr(list_bits, index // 8 + 1, 1)
