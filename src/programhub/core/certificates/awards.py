"""Awards: a completion of a listing with an active certificate issues the learner a Record
credential, in the transaction that records the completion; a withdrawn completion or a
revocation revokes it.

Exactly once: an award row per enrollment (a unique key) is written in a savepoint with
the credential it issues, so of two transactions that complete the same enrollment, the
second finds the row (PostgreSQL makes it wait for the first's commit) and issues nothing.

Each award is a Record batch of one recipient, named after the certificate and issued to
the listing (Record's program): Record's `GET /credentials` lists it, and its
`credentialUrl` is the Catalog `certificate_url`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, select
from sqlalchemy.exc import IntegrityError

from programhub.core.certificates import service as certificates_service
from programhub.core.certificates.models import certificate_awards, certificates
from programhub.core.clock import utcnow
from programhub.core.credentials import service as credentials
from programhub.core.credentials.issuers import Signing
from programhub.core.credentials.models import credential_recipients
from programhub.core.learners import service as learners
from programhub.core.learners.completion import Change, Completion
from programhub.core.learners.models import learners as learners_table
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by

log = logging.getLogger("programhub.certificates")

WITHDRAWN = "completion withdrawn"
REVOKED_BY_CATALOG = "certificate revoked"


@dataclass(frozen=True, slots=True)
class Revoked:
    """A revoked award: whose, and of which listing."""

    user_id: int
    listing_id: int
    recipient_public_id: str


def complete(
    conn: Connection,
    tenant: Tenant,
    enrollment_id: int,
    completed_at: datetime | None,
    *,
    signing_with: Signing,
    now: datetime | None = None,
) -> Change:
    """Set (or with None withdraw) a course enrollment's completion (learners.complete),
    and award or revoke the certificates of what that completed or un-completed, in the
    caller's transaction: the one way a face records a completion."""
    change = learners.complete(conn, tenant, enrollment_id, completed_at, now=now)
    settle(conn, tenant, change, signing_with=signing_with)
    return change


def settle(conn: Connection, tenant: Tenant, change: Change, *, signing_with: Signing) -> list[str]:
    """Award what `change` completed and withdraw what it un-completed; the recipient ids
    of the credentials issued."""
    if change.uncompleted:
        withdraw(conn, tenant, [item.enrollment_id for item in change.uncompleted], signing_with=signing_with)
    return award(conn, tenant, change.completed, signing_with=signing_with)


def award(conn: Connection, tenant: Tenant, completions: Sequence[Completion], *, signing_with: Signing) -> list[str]:
    """Issue a credential for each completion whose listing has an active certificate and no
    award yet; the credentials' recipient ids (their links), in order."""
    if not completions:
        return []
    listing_ids = {completion.listing_id for completion in completions}
    certified = {
        row.listing_id: (row, row.public_id)
        for row in conn.execute(
            select(*certificates_service.COLUMNS, listings.c.public_id)
            .join(listings, listings.c.id == certificates.c.listing_id)
            .where(
                owned_by(certificates, tenant),
                certificates.c.listing_id.in_(listing_ids),
                certificates.c.active.is_(True),
            )
        ).all()
    }
    if not certified:
        return []
    learners_of = {
        row.id: row
        for row in conn.execute(
            select(
                learners_table.c.id, learners_table.c.email, learners_table.c.first_name, learners_table.c.last_name
            ).where(
                owned_by(learners_table, tenant),
                learners_table.c.id.in_({item.user_id for item in completions if item.listing_id in certified}),
            )
        ).all()
    }
    issued: list[str] = []
    now = utcnow()
    for completion in completions:
        if completion.listing_id not in certified:
            continue
        learner = learners_of[completion.user_id]
        name = learners.full_name(learner.first_name, learner.last_name) or learner.email
        certificate, program_public_id = certified[completion.listing_id]
        expires_at = certificates_service.expiry(certificate, now)
        if expires_at is not None and expires_at <= now:
            log.info("certificate %s expired on %s: nothing awarded", certificate.id, expires_at)
            continue
        try:
            with conn.begin_nested():
                batch = credentials.issue(
                    conn,
                    tenant,
                    program_public_id,
                    certificate.name,
                    [credentials.NewRecipient(name, learner.email)],
                    signing_with=signing_with,
                    expires_at=expires_at,
                    listing_id=completion.listing_id,
                )
                recipient_public_id = batch.recipients[0].public_id
                conn.execute(
                    insert(certificate_awards).values(
                        org_id=tenant.org_id,
                        mode=tenant.mode.value,
                        enrollment_id=completion.enrollment_id,
                        listing_id=completion.listing_id,
                        user_id=completion.user_id,
                        recipient_id=select(credential_recipients.c.id)
                        .where(credential_recipients.c.public_id == recipient_public_id)
                        .scalar_subquery(),
                        completed_at=completion.completed_at,
                        awarded_at=now,
                    )
                )
        except IntegrityError:
            continue  # awarded already, by an earlier or a concurrent completion
        issued.append(recipient_public_id)
    return issued


def withdraw(
    conn: Connection, tenant: Tenant, enrollment_ids: Sequence[int], *, signing_with: Signing
) -> list[Revoked]:
    """Completions withdrawn: revoke their awards' credentials and forget the awards, so a
    later completion awards afresh."""
    return _revoke(
        conn, tenant, certificate_awards.c.enrollment_id.in_(set(enrollment_ids)), WITHDRAWN, signing_with, forget=True
    )


def revoke_users(
    conn: Connection, tenant: Tenant, listing_id: int, user_ids: Sequence[int], *, signing_with: Signing
) -> list[Revoked]:
    """Revoke the awards of a listing made to these users (Catalog's revoke_users_certificate)."""
    condition = and_(certificate_awards.c.listing_id == listing_id, certificate_awards.c.user_id.in_(set(user_ids)))
    return _revoke(conn, tenant, condition, REVOKED_BY_CATALOG, signing_with, forget=False)


def _revoke(
    conn: Connection,
    tenant: Tenant,
    condition: ColumnElement[bool],
    reason: str,
    signing_with: Signing,
    *,
    forget: bool,
) -> list[Revoked]:
    rows = conn.execute(
        select(
            certificate_awards.c.id,
            certificate_awards.c.user_id,
            certificate_awards.c.listing_id,
            credential_recipients.c.public_id,
        )
        .join(credential_recipients, credential_recipients.c.id == certificate_awards.c.recipient_id)
        .where(owned_by(certificate_awards, tenant), condition)
        .order_by(certificate_awards.c.id)
    ).all()
    if not rows:
        return []
    credentials.revoke_many(conn, tenant, [(row.public_id, reason) for row in rows], signing_with=signing_with)
    if forget:
        conn.execute(delete(certificate_awards).where(certificate_awards.c.id.in_([row.id for row in rows])))
    return [Revoked(row.user_id, row.listing_id, row.public_id) for row in rows]
