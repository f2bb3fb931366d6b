"""Credentials: batches issued to recipients for a program; each recipient has a public page
and a signed Open Badges 3.0 credential, revocable through a status list."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from programhub.core.db import UTCDateTime, metadata, same_tenant_fk, tenant_columns

credential_batches = Table(
    "credential_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(40), nullable=False, unique=True),
    *tenant_columns(),
    Column("listing_id", Integer, nullable=False),
    Column("name", Text, nullable=False),
    # `issued`, or `revoked` once every credential of the batch is; `expired` is read from
    # `expires_at` (the latest expiry of its credentials, null when one never expires).
    Column("status", String(16), nullable=False, server_default="issued"),
    Column("recipient_count", Integer, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("listing_id", "listings", "fk_credential_batches_listing_same_tenant"),
    Index("ix_credential_batches_tenant_issued", "org_id", "mode", "issued_at", "id"),
    sqlite_autoincrement=True,
)

credential_recipients = Table(
    "credential_recipients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(40), nullable=False, unique=True),
    Column("batch_id", Integer, nullable=False),
    *tenant_columns(),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    same_tenant_fk("batch_id", "credential_batches", "fk_credential_recipients_batch_same_tenant"),
    UniqueConstraint("batch_id", "position"),
    # The target of signed_credentials' same-tenant reference (an index: SQLite adds one
    # without rebuilding the table).
    Index("uq_credential_recipients_id_tenant", "id", "org_id", "mode", unique=True),
    sqlite_autoincrement=True,
)

# An organisation's Ed25519 keys, per mode: one current (retired_at null) that signs, and
# the retired ones, whose public halves stay in the DID document so that what they signed
# keeps verifying. The private half is encrypted (keys.KeyVault).
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("public_key", LargeBinary, nullable=False),
    Column("sealed_private_key", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime),
    UniqueConstraint("id", "org_id", "mode"),
    Index(
        "uq_signing_keys_current",
        "org_id",
        "mode",
        unique=True,
        sqlite_where=text("retired_at IS NULL"),
        postgresql_where=text("retired_at IS NULL"),
    ),
    sqlite_autoincrement=True,
)

# Bitstring Status Lists (revocation), numbered per tenant. `allocated` entries are taken;
# entry n's index is a keyed permutation of n (status_lists.py). `document` is the signed
# BitstringStatusListCredential of the current `bits`, re-signed whenever one changes.
status_lists = Table(
    "status_lists",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("number", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("allocated", Integer, nullable=False),
    Column("permutation_key", LargeBinary, nullable=False),
    Column("bits", LargeBinary, nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("allocated >= 0 AND allocated <= size", name="allocated"),
    UniqueConstraint("id", "org_id", "mode"),
    UniqueConstraint("org_id", "mode", "number"),
    sqlite_autoincrement=True,
)

# Each recipient's signed credential (the JSON text served as is), its status list entry,
# expiry and revocation. Recipients issued before credentials were signed have no row until
# one is needed (service.ensure_signed).
signed_credentials = Table(
    "signed_credentials",
    metadata,
    Column("recipient_id", Integer, primary_key=True, autoincrement=False),
    *tenant_columns(),
    Column("signing_key_id", Integer, nullable=False),
    Column("status_list_id", Integer, nullable=False),
    Column("status_index", Integer, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("revocation_reason", Text),
    Column("document", Text, nullable=False),
    same_tenant_fk("recipient_id", "credential_recipients", "fk_signed_credentials_recipient_same_tenant"),
    same_tenant_fk("signing_key_id", "signing_keys", "fk_signed_credentials_key_same_tenant"),
    same_tenant_fk("status_list_id", "status_lists", "fk_signed_credentials_status_list_same_tenant"),
    UniqueConstraint("status_list_id", "status_index"),
)
