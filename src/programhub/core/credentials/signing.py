"""Signing recipients' credentials in the issuing transaction, and revoking them through
their status lists.

Credentials are signed once, when issued, and stored as signed JSON text: a credential
never changes after issue (revocation lives in the status list, expiry in `validUntil`),
so signing on every read would redo the same work, and the stored text is byte for byte
what the holder downloaded. Recipients issued before programhub signed credentials are
signed the first time one is needed (`ensure_signed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select

from programhub.core.clock import utcnow
from programhub.core.credentials import status_lists
from programhub.core.credentials.badges import Achievement, Award, BatchSigner
from programhub.core.credentials.issuers import Issuer, Signing, issuer_path
from programhub.core.credentials.linked_data import signable_text
from programhub.core.credentials.models import (
    credential_batches,
    credential_recipients,
    signed_credentials,
    signing_keys,
)
from programhub.core.credentials.models import status_lists as status_lists_table
from programhub.core.db import insert_rows
from programhub.core.listings import tree
from programhub.core.listings.models import listings
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Tenant, owned_by

# Where each credential page lives under PUBLIC_URL: the credential's `id`.
CREDENTIAL_PATH = "/credentials"


def credential_url(public_url: str, recipient_public_id: str) -> str:
    return f"{public_url}{CREDENTIAL_PATH}/{recipient_public_id}"


@dataclass(frozen=True, slots=True)
class BatchFacts:
    listing_id: int
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class RecipientFacts:
    row_id: int
    public_id: str
    name: str
    email: str
    expires_at: datetime | None


_ACHIEVEMENT_COLUMNS = (
    listings.c.id,
    listings.c.public_id,
    listings.c.name,
    listings.c.description,
    listings.c.credits,
)


def achievement(conn: Connection, tenant: Tenant, signing: Signing, listing_id: int) -> Achievement:
    """The program as an Achievement: its credits (its own, or its requirements' sum, as
    Catalog counts them) and its requirements, in order, as the criteria (one query)."""
    trees = tree.load(conn, tenant, [listing_id], _ACHIEVEMENT_COLUMNS)
    root = trees.rows[listing_id]
    required = [signable_text(trees.rows[child]["name"]) for child in trees.requirements(listing_id)]
    name = signable_text(root["name"])
    if required:
        criteria = f"Complete every requirement of {name}:\n" + "\n".join(f"- {item}" for item in required)
    else:
        criteria = f"Complete {name}."
    return Achievement(
        id=f"{signing.public_url}{issuer_path(tenant.org_public_id, tenant.mode)}/achievements/{root['public_id']}",
        name=name,
        description=signable_text(root["description"] or "") or name,
        criteria=criteria,
        credits=trees.credits(listing_id),
    )


def sign_new(
    conn: Connection, tenant: Tenant, signing: Signing, batch: BatchFacts, recipients: Sequence[RecipientFacts]
) -> None:
    """Sign these recipients' credentials and store them, with fresh status list entries."""
    if not recipients:
        return
    issuer = signing.issuer(conn, tenant)
    _sign(conn, tenant, signing, issuer, batch, recipients)


def _sign(
    conn: Connection,
    tenant: Tenant,
    signing: Signing,
    issuer: Issuer,
    batch: BatchFacts,
    recipients: Sequence[RecipientFacts],
) -> None:
    signer = BatchSigner(issuer, achievement(conn, tenant, signing, batch.listing_id), batch.issued_at, utcnow())
    entries = status_lists.allocate(conn, tenant, issuer, len(recipients))
    insert_rows(
        conn,
        signed_credentials,
        [
            {
                "recipient_id": recipient.row_id,
                "org_id": tenant.org_id,
                "mode": tenant.mode.value,
                "signing_key_id": issuer.key.id,
                "status_list_id": entry.list_id,
                "status_index": entry.index,
                "expires_at": recipient.expires_at,
                "document": signer.sign(
                    Award(
                        credential_url(signing.public_url, recipient.public_id),
                        recipient.name,
                        recipient.email,
                        entry,
                        recipient.expires_at,
                    )
                ),
            }
            for recipient, entry in zip(recipients, entries, strict=True)
        ],
    )


def ensure_signed(conn: Connection, tenant: Tenant, signing: Signing, recipient_row_ids: Sequence[int]) -> None:
    """Sign those of these recipients that have no signed credential yet (issued before
    programhub signed credentials), batch by batch; a concurrent signer's rows win."""
    unsigned = conn.execute(
        select(
            credential_recipients.c.id,
            credential_recipients.c.public_id,
            credential_recipients.c.name,
            credential_recipients.c.email,
            credential_batches.c.listing_id,
            credential_batches.c.issued_at,
        )
        .join(credential_batches, credential_batches.c.id == credential_recipients.c.batch_id)
        .outerjoin(signed_credentials, signed_credentials.c.recipient_id == credential_recipients.c.id)
        .where(
            owned_by(credential_recipients, tenant),
            credential_recipients.c.id.in_(list(recipient_row_ids)),
            signed_credentials.c.recipient_id.is_(None),
        )
        .order_by(credential_recipients.c.batch_id, credential_recipients.c.position)
        .with_for_update(of=credential_recipients)
    ).all()
    if not unsigned:
        return
    issuer = signing.issuer(conn, tenant)
    by_batch: dict[BatchFacts, list[RecipientFacts]] = {}
    for row in unsigned:
        facts = RecipientFacts(row.id, row.public_id, row.name, row.email, None)
        by_batch.setdefault(BatchFacts(row.listing_id, row.issued_at), []).append(facts)
    for batch, recipients in by_batch.items():
        _sign(conn, tenant, signing, issuer, batch, recipients)


def set_revoked(conn: Connection, tenant: Tenant, signing: Signing, indices_by_list: Mapping[int, list[int]]) -> None:
    status_lists.set_bits(conn, tenant, signing.issuer(conn, tenant), indices_by_list)


def credential_query(recipient_public_id: str) -> Select[Any]:
    """Everything the public page of one credential shows and verifies, in one query."""
    return (
        select(
            credential_recipients.c.public_id.label("recipient_public_id"),
            credential_recipients.c.name.label("recipient_name"),
            listings.c.public_id.label("program_public_id"),
            listings.c.name.label("program_name"),
            organisations.c.public_id.label("org_public_id"),
            organisations.c.name.label("org_name"),
            credential_batches.c.public_id.label("batch_public_id"),
            credential_batches.c.name.label("batch_name"),
            credential_batches.c.mode,
            credential_batches.c.issued_at,
            signed_credentials.c.expires_at,
            signed_credentials.c.revoked_at,
            signed_credentials.c.revocation_reason,
            signed_credentials.c.document,
            signing_keys.c.public_key,
            signed_credentials.c.status_index,
            status_lists.bit_byte(status_lists_table.c.bits, signed_credentials.c.status_index).label("status_byte"),
            credential_batches.c.org_id,
            credential_recipients.c.id.label("recipient_row_id"),
        )
        .select_from(credential_recipients)
        .join(credential_batches, credential_batches.c.id == credential_recipients.c.batch_id)
        .join(listings, listings.c.id == credential_batches.c.listing_id)
        .join(organisations, organisations.c.id == credential_batches.c.org_id)
        .outerjoin(signed_credentials, signed_credentials.c.recipient_id == credential_recipients.c.id)
        .outerjoin(signing_keys, signing_keys.c.id == signed_credentials.c.signing_key_id)
        .outerjoin(status_lists_table, status_lists_table.c.id == signed_credentials.c.status_list_id)
        .where(credential_recipients.c.public_id == recipient_public_id)
    )


def status_bit(status_byte: bytes | None, index: int | None) -> bool | None:
    """The credential's status list bit, from the one byte of the list the query read."""
    if status_byte is None or index is None or len(status_byte) != 1:
        return None
    return status_lists.is_set(bytes(status_byte), index % 8)
