"""Credential batches: issuing one to a list of recipients, revoking credentials, and
reading them back.

Credentials are a Record concept, so field names in errors are Record's (`batchName`,
`recipients[3].email`). A batch, its recipients and their signed credentials are written
together or not at all: the caller's write transaction holds them all, each kind in one
multi-row insert. `issue` and `revoke` work in the caller's transaction, so another
write (a completion) can issue or revoke along with its own changes.

A credential's status is `revoked` once revoked (its status list bit set), else
`expired` once `expires_at` has passed, else `issued`. A batch is `revoked` when all its
credentials are, `expired` when its latest expiry has passed, else `issued`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, and_, bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from programhub.core import validation as check
from programhub.core.clock import utcnow
from programhub.core.credentials import signing
from programhub.core.credentials.issuers import Signing
from programhub.core.credentials.models import credential_batches, credential_recipients, signed_credentials
from programhub.core.db import AnyRow, insert_rows
from programhub.core.errors import Invalid, NotFound
from programhub.core.ids import public_id, unguessable_ids
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.tenancy import Mode, Tenant, owned_by

MAX_RECIPIENTS = 1000
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
STATUS_ISSUED = "issued"
STATUS_REVOKED = "revoked"
STATUS_EXPIRED = "expired"
# Attempts at fresh public ids when a generated one is already taken (a batch id: a 1-in-10^9
# event; a recipient id: never, in practice).
_ID_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class NewRecipient:
    name: str
    email: str
    # When this credential expires (None: the batch's `expires_at`, if any).
    expires_at: datetime | None = None


def credential_status(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> str:
    if revoked_at is not None:
        return STATUS_REVOKED
    if expires_at is not None and expires_at <= now:
        return STATUS_EXPIRED
    return STATUS_ISSUED


def batch_status(stored: str, expires_at: datetime | None, now: datetime) -> str:
    if stored == STATUS_REVOKED:
        return STATUS_REVOKED
    return STATUS_EXPIRED if expires_at is not None and expires_at <= now else STATUS_ISSUED


@dataclass(frozen=True, slots=True)
class Recipient:
    public_id: str
    name: str
    email: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    checked_at: datetime = field(default_factory=utcnow, compare=False)

    @property
    def status(self) -> str:
        return credential_status(self.revoked_at, self.expires_at, self.checked_at)


@dataclass(frozen=True, slots=True)
class Batch:
    public_id: str
    program_public_id: str
    name: str
    stored_status: str
    issued_at: datetime
    recipient_count: int
    recipients: tuple[Recipient, ...]
    expires_at: datetime | None = None
    checked_at: datetime = field(default_factory=utcnow, compare=False)

    @property
    def status(self) -> str:
        return batch_status(self.stored_status, self.expires_at, self.checked_at)


def check_distinct_emails(emails: Sequence[str]) -> None:
    """No two recipients of a batch share an email, once case is ignored."""
    first_seen: dict[str, int] = {}
    for position, email in enumerate(emails):
        folded = email.casefold()
        if folded in first_seen:
            field = f"recipients[{position}].email"
            raise Invalid(
                field,
                f"{field} repeats the email of recipients[{first_seen[folded]}]; "
                "each recipient of a batch needs a different email",
            )
        first_seen[folded] = position


# The common address: an ASCII dot-atom before the @ (email-validator's own rule for it) and
# a plain host name after it. Such an address is valid exactly when its domain is, and a
# batch's recipients share a few domains: those verdicts are cached. Anything else goes to
# email-validator whole.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_HOST_NAME = re.compile(r"[A-Za-z0-9.-]+")


def checked_email(field: str, value: Any) -> str:
    """The address as given, once it is known to be well formed (deliverability is not
    checked: no DNS lookups while issuing)."""
    email = check.text(field, value, allow_empty=False, max_length=MAX_EMAIL_LENGTH)
    local, _, domain = email.rpartition("@")
    if _DOT_ATOM.fullmatch(local) and _HOST_NAME.fullmatch(domain) and _valid_domain(domain):
        return email
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(field, f"{field} is not a valid email address: {exc}") from None
    return email


@lru_cache(maxsize=4096)
def _valid_domain(domain: str) -> bool:
    try:
        validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def issue(
    conn: Connection,
    tenant: Tenant,
    program_public_id: str,
    name: str,
    recipients: Sequence[NewRecipient],
    *,
    signing_with: Signing,
    expires_at: datetime | None = None,
    listing_id: int | None = None,
) -> Batch:
    """Issue a batch for a program of this tenant (any status but deleted): each recipient
    gets a credential page and a signed Open Badges 3.0 credential with a status list
    entry. `expires_at` applies to recipients that bring no expiry of their own. A caller
    that knows the listing (a certificate's award, also for a course) passes its
    `listing_id`, and `program_public_id` is then that listing's public id."""
    if listing_id is None:
        listing_id = listings_service.id_for(conn, tenant, public_id=program_public_id)
    now = utcnow()
    expiries = [recipient.expires_at or expires_at for recipient in recipients]
    for expiry in expiries:
        if expiry is not None and expiry <= now:
            raise Invalid("expiresAt", "expiresAt must be in the future")
    batch_expiry = None if not expiries or None in expiries else max(e for e in expiries if e is not None)
    for attempt in range(_ID_ATTEMPTS):
        batch_public_id = public_id("batch", now)
        recipient_ids = unguessable_ids("rec", now, len(recipients))  # each one's credential link
        try:
            with conn.begin_nested():
                row_ids = _insert(
                    conn, tenant, listing_id, batch_public_id, name, now, batch_expiry, recipient_ids, recipients
                )
            break
        except IntegrityError as exc:
            if "public_id" not in str(exc.orig) or attempt == _ID_ATTEMPTS - 1:
                raise
    signing.sign_new(
        conn,
        tenant,
        signing_with,
        signing.BatchFacts(listing_id, now),
        [
            signing.RecipientFacts(row_id, recipient_id, recipient.name, recipient.email, expiry)
            for row_id, recipient_id, recipient, expiry in zip(
                row_ids, recipient_ids, recipients, expiries, strict=True
            )
        ],
    )
    return Batch(
        public_id=batch_public_id,
        program_public_id=program_public_id,
        name=name,
        stored_status=STATUS_ISSUED,
        issued_at=now,
        recipient_count=len(recipients),
        recipients=tuple(
            Recipient(rid, r.name, r.email, expiry, checked_at=now)
            for rid, r, expiry in zip(recipient_ids, recipients, expiries, strict=True)
        ),
        expires_at=batch_expiry,
        checked_at=now,
    )


def _insert(
    conn: Connection,
    tenant: Tenant,
    listing_id: int,
    batch_public_id: str,
    name: str,
    issued_at: datetime,
    expires_at: datetime | None,
    recipient_ids: Sequence[str],
    recipients: Sequence[NewRecipient],
) -> list[int]:
    """Insert the batch and its recipients; the recipients' row ids, in order."""
    batch_id = conn.execute(
        insert(credential_batches)
        .values(
            public_id=batch_public_id,
            org_id=tenant.org_id,
            mode=tenant.mode.value,
            listing_id=listing_id,
            name=name,
            status=STATUS_ISSUED,
            recipient_count=len(recipients),
            issued_at=issued_at,
            expires_at=expires_at,
        )
        .returning(credential_batches.c.id)
    ).scalar_one()
    insert_rows(
        conn,
        credential_recipients,
        [
            {
                "public_id": recipient_id,
                "batch_id": batch_id,
                "org_id": tenant.org_id,
                "mode": tenant.mode.value,
                "position": position,
                "name": recipient.name,
                "email": recipient.email,
            }
            for position, (recipient_id, recipient) in enumerate(zip(recipient_ids, recipients, strict=True))
        ],
    )
    # Their ids, in one read (a RETURNING in parameter order would cost SQLite a statement per row).
    return list(
        conn.execute(
            select(credential_recipients.c.id)
            .where(credential_recipients.c.batch_id == batch_id)
            .order_by(credential_recipients.c.position)
        ).scalars()
    )


_SUMMARY_COLUMNS = (
    credential_batches.c.id,
    credential_batches.c.public_id,
    listings.c.public_id.label("program_public_id"),
    credential_batches.c.name,
    credential_batches.c.status,
    credential_batches.c.recipient_count,
    credential_batches.c.issued_at,
    credential_batches.c.expires_at,
)


def list_batches(conn: Connection, tenant: Tenant) -> list[AnyRow]:
    """Every batch of this tenant, newest first, without recipients (one query)."""
    return list(
        conn.execute(
            select(*_SUMMARY_COLUMNS)
            .join(listings, listings.c.id == credential_batches.c.listing_id)
            .where(owned_by(credential_batches, tenant))
            .order_by(credential_batches.c.issued_at.desc(), credential_batches.c.id.desc())
        ).all()
    )


_RECIPIENT_COLUMNS = (
    credential_recipients.c.public_id,
    credential_recipients.c.name,
    credential_recipients.c.email,
    signed_credentials.c.expires_at,
    signed_credentials.c.revoked_at,
    signed_credentials.c.revocation_reason,
)


def _recipients_with_state() -> Any:
    """Recipients joined to their signed credentials (absent for ones issued before)."""
    return credential_recipients.outerjoin(
        signed_credentials, signed_credentials.c.recipient_id == credential_recipients.c.id
    )


def get_batch(conn: Connection, tenant: Tenant, batch_public_id: str) -> Batch:
    """One batch of this tenant with its recipients in issue order (two queries)."""
    row = conn.execute(
        select(*_SUMMARY_COLUMNS)
        .join(listings, listings.c.id == credential_batches.c.listing_id)
        .where(owned_by(credential_batches, tenant), credential_batches.c.public_id == batch_public_id)
    ).one_or_none()
    if row is None:
        raise NotFound("batch", batch_public_id)
    now = utcnow()
    recipients = conn.execute(
        select(*_RECIPIENT_COLUMNS)
        .select_from(_recipients_with_state())
        .where(owned_by(credential_recipients, tenant), credential_recipients.c.batch_id == row.id)
        .order_by(credential_recipients.c.position)
    ).all()
    return Batch(
        public_id=row.public_id,
        program_public_id=row.program_public_id,
        name=row.name,
        stored_status=row.status,
        issued_at=row.issued_at,
        recipient_count=row.recipient_count,
        recipients=tuple(Recipient(*r, checked_at=now) for r in recipients),
        expires_at=row.expires_at,
        checked_at=now,
    )


# --- revocation ----------------------------------------------------------------------


def revoke(
    conn: Connection, tenant: Tenant, recipient_public_id: str, reason: str | None, *, signing_with: Signing
) -> Recipient:
    """Revoke one credential of this tenant (see `revoke_many`)."""
    return revoke_many(conn, tenant, [(recipient_public_id, reason)], signing_with=signing_with)[0]


def revoke_many(
    conn: Connection, tenant: Tenant, revocations: Sequence[tuple[str, str | None]], *, signing_with: Signing
) -> list[Recipient]:
    """Revoke these credentials of this tenant (recipient id, reason), all or none: an id
    unknown to the tenant is NotFound and nothing changes. Revoking a revoked credential
    changes nothing (it keeps its first reason and time). Sets their status list bits and
    re-signs each list once; a constant number of queries whatever the count. Returns the
    credentials in the order asked."""
    wanted = [recipient_id for recipient_id, _reason in revocations]
    rows = {
        row.public_id: row
        for row in conn.execute(
            select(
                credential_recipients.c.id, credential_recipients.c.public_id, credential_recipients.c.batch_id
            ).where(owned_by(credential_recipients, tenant), credential_recipients.c.public_id.in_(set(wanted)))
        ).all()
    }
    for recipient_id in wanted:
        if recipient_id not in rows:
            raise NotFound("credential", recipient_id)
    row_ids = [rows[recipient_id].id for recipient_id in wanted]
    signing.ensure_signed(conn, tenant, signing_with, row_ids)
    now = utcnow()
    states = {
        row.recipient_id: row
        for row in conn.execute(
            select(
                signed_credentials.c.recipient_id,
                signed_credentials.c.status_list_id,
                signed_credentials.c.status_index,
                signed_credentials.c.revoked_at,
            )
            .where(owned_by(signed_credentials, tenant), signed_credentials.c.recipient_id.in_(row_ids))
            .with_for_update()
        ).all()
    }
    reasons: dict[int, str | None] = {}
    for recipient_id, reason in revocations:
        row_id = rows[recipient_id].id
        if states[row_id].revoked_at is None:
            reasons.setdefault(row_id, reason)
    if reasons:
        conn.execute(
            update(signed_credentials)
            .where(
                signed_credentials.c.recipient_id == bindparam("row_id"),
                signed_credentials.c.revoked_at.is_(None),
            )
            .values(revoked_at=now, revocation_reason=bindparam("reason")),
            [{"row_id": row_id, "reason": reason} for row_id, reason in reasons.items()],
        )
        by_list: dict[int, list[int]] = {}
        for row_id in reasons:
            by_list.setdefault(states[row_id].status_list_id, []).append(states[row_id].status_index)
        signing.set_revoked(conn, tenant, signing_with, by_list)
        _mark_fully_revoked_batches(conn, tenant, {rows[rid].batch_id for rid in wanted})
    found = {
        row.public_id: Recipient(*row[1:], checked_at=now)
        for row in conn.execute(
            select(credential_recipients.c.public_id, *_RECIPIENT_COLUMNS)
            .select_from(_recipients_with_state())
            .where(owned_by(credential_recipients, tenant), credential_recipients.c.id.in_(row_ids))
        ).all()
    }
    return [found[recipient_id] for recipient_id in wanted]


def _mark_fully_revoked_batches(conn: Connection, tenant: Tenant, batch_ids: set[int]) -> None:
    """A batch whose every credential is revoked is `revoked` itself."""
    unrevoked = exists().where(
        credential_recipients.c.batch_id == credential_batches.c.id,
        ~exists().where(
            and_(
                signed_credentials.c.recipient_id == credential_recipients.c.id,
                signed_credentials.c.revoked_at.is_not(None),
            )
        ),
    )
    conn.execute(
        update(credential_batches)
        .where(owned_by(credential_batches, tenant), credential_batches.c.id.in_(batch_ids), ~unrevoked)
        .values(status=STATUS_REVOKED)
    )


# --- the public page -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credential:
    """What the public credential page shows: one recipient's credential, and what its
    verification needs (the signed document, the public key of the key that signed it,
    and its status list bit), all read in one query."""

    recipient_public_id: str
    recipient_name: str
    program_public_id: str
    program_name: str
    org_public_id: str
    org_name: str
    batch_public_id: str
    batch_name: str
    mode: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str | None
    document: str | None
    public_key: bytes | None
    status_bit_set: bool | None
    org_id: int
    recipient_row_id: int
    checked_at: datetime = field(default_factory=utcnow, compare=False)

    @property
    def status(self) -> str:
        return credential_status(self.revoked_at, self.expires_at, self.checked_at)


def find_credential(conn: Connection, recipient_public_id: str) -> Credential:
    """Any tenant's credential by its recipient id (the link is the permission), in one query.
    It stays visible after its program is retired or deleted: the award happened."""
    row = conn.execute(signing.credential_query(recipient_public_id)).one_or_none()
    if row is None:
        raise NotFound("credential", recipient_public_id)
    return Credential(
        recipient_public_id=row.recipient_public_id,
        recipient_name=row.recipient_name,
        program_public_id=row.program_public_id,
        program_name=row.program_name,
        org_public_id=row.org_public_id,
        org_name=row.org_name,
        batch_public_id=row.batch_public_id,
        batch_name=row.batch_name,
        mode=row.mode,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
        document=row.document,
        public_key=None if row.public_key is None else bytes(row.public_key),
        status_bit_set=signing.status_bit(row.status_byte, row.status_index),
        org_id=row.org_id,
        recipient_row_id=row.recipient_row_id,
    )


def sign_if_unsigned(conn: Connection, credential: Credential, *, signing_with: Signing) -> None:
    """Sign a credential issued before programhub signed credentials (in a write
    transaction of its tenant); nothing when it is signed already."""
    tenant = Tenant(credential.org_id, Mode(credential.mode), credential.org_public_id, credential.org_name)
    signing.ensure_signed(conn, tenant, signing_with, [credential.recipient_row_id])
