"""Credential batches: issuing one to a list of recipients, and reading them back.

Credentials are a Record concept, so field names in errors are Record's (`batchName`,
`recipients[3].email`). A batch and its recipients are written together or not at all:
the caller's write transaction holds both, and the recipients go in one multi-row insert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from programhub.core import validation as check
from programhub.core.clock import utcnow
from programhub.core.credentials.models import credential_batches, credential_recipients
from programhub.core.db import AnyRow, insert_rows
from programhub.core.errors import Invalid, NotFound
from programhub.core.ids import public_id, unguessable_ids
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Tenant, owned_by

MAX_RECIPIENTS = 1000
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
STATUS_ISSUED = "issued"
# Attempts at fresh public ids when a generated one is already taken (a batch id: a 1-in-10^9
# event; a recipient id: never, in practice).
_ID_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class NewRecipient:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Recipient:
    public_id: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Batch:
    public_id: str
    program_public_id: str
    name: str
    status: str
    issued_at: datetime
    recipient_count: int
    recipients: tuple[Recipient, ...]


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
    conn: Connection, tenant: Tenant, program_public_id: str, name: str, recipients: Sequence[NewRecipient]
) -> Batch:
    """Issue a batch for a program of this tenant (any status but deleted)."""
    listing_id = listings_service.id_for(conn, tenant, public_id=program_public_id)
    now = utcnow()
    for attempt in range(_ID_ATTEMPTS):
        batch_public_id = public_id("batch", now)
        recipient_ids = unguessable_ids("rec", now, len(recipients))  # each one's credential link
        try:
            with conn.begin_nested():
                _insert(conn, tenant, listing_id, batch_public_id, name, now, recipient_ids, recipients)
            break
        except IntegrityError as exc:
            if "public_id" not in str(exc.orig) or attempt == _ID_ATTEMPTS - 1:
                raise
    return Batch(
        public_id=batch_public_id,
        program_public_id=program_public_id,
        name=name,
        status=STATUS_ISSUED,
        issued_at=now,
        recipient_count=len(recipients),
        recipients=tuple(Recipient(rid, r.name, r.email) for rid, r in zip(recipient_ids, recipients, strict=True)),
    )


def _insert(
    conn: Connection,
    tenant: Tenant,
    listing_id: int,
    batch_public_id: str,
    name: str,
    issued_at: datetime,
    recipient_ids: Sequence[str],
    recipients: Sequence[NewRecipient],
) -> None:
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


_SUMMARY_COLUMNS = (
    credential_batches.c.id,
    credential_batches.c.public_id,
    listings.c.public_id.label("program_public_id"),
    credential_batches.c.name,
    credential_batches.c.status,
    credential_batches.c.recipient_count,
    credential_batches.c.issued_at,
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


def get_batch(conn: Connection, tenant: Tenant, batch_public_id: str) -> Batch:
    """One batch of this tenant with its recipients in issue order (two queries)."""
    row = conn.execute(
        select(*_SUMMARY_COLUMNS)
        .join(listings, listings.c.id == credential_batches.c.listing_id)
        .where(owned_by(credential_batches, tenant), credential_batches.c.public_id == batch_public_id)
    ).one_or_none()
    if row is None:
        raise NotFound("batch", batch_public_id)
    recipients = conn.execute(
        select(credential_recipients.c.public_id, credential_recipients.c.name, credential_recipients.c.email)
        .where(owned_by(credential_recipients, tenant), credential_recipients.c.batch_id == row.id)
        .order_by(credential_recipients.c.position)
    ).all()
    return Batch(
        public_id=row.public_id,
        program_public_id=row.program_public_id,
        name=row.name,
        status=row.status,
        issued_at=row.issued_at,
        recipient_count=row.recipient_count,
        recipients=tuple(Recipient(*r) for r in recipients),
    )


@dataclass(frozen=True, slots=True)
class Credential:
    """What the public credential page shows: one recipient's credential."""

    recipient_public_id: str
    recipient_name: str
    program_public_id: str
    program_name: str
    org_public_id: str
    org_name: str
    batch_public_id: str
    batch_name: str
    mode: str
    status: str
    issued_at: datetime


def find_credential(conn: Connection, recipient_public_id: str) -> Credential:
    """Any tenant's credential by its recipient id (the link is the permission), in one query.
    It stays visible after its program is retired or deleted: the award happened."""
    row = conn.execute(
        select(
            credential_recipients.c.public_id,
            credential_recipients.c.name,
            listings.c.public_id,
            listings.c.name,
            organisations.c.public_id,
            organisations.c.name,
            credential_batches.c.public_id,
            credential_batches.c.name,
            credential_batches.c.mode,
            credential_batches.c.status,
            credential_batches.c.issued_at,
        )
        .join(credential_batches, credential_batches.c.id == credential_recipients.c.batch_id)
        .join(listings, listings.c.id == credential_batches.c.listing_id)
        .join(organisations, organisations.c.id == credential_batches.c.org_id)
        .where(credential_recipients.c.public_id == recipient_public_id)
    ).one_or_none()
    if row is None:
        raise NotFound("credential", recipient_public_id)
    return Credential(*row)
