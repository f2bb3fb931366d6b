"""Certificates: one per listing, awarded when a learner completes it.

A certificate is what Canvas Catalog calls one: a name, whether it is awarded (`active`),
a template with `{{student_name}}`-style placeholders and PDF settings, and an expiry
(`days_to_expire` after the award xor a fixed `expires_at`). The awards themselves are in
awards.py: each is a signed Record credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from programhub.core.certificates.models import certificates
from programhub.core.clock import utcnow
from programhub.core.db import AnyRow
from programhub.core.errors import Conflict, Invalid, NotFound
from programhub.core.listings import service as listings_service
from programhub.core.tenancy import Tenant, owned_by

COLUMNS = (
    certificates.c.id,
    certificates.c.listing_id,
    certificates.c.name,
    certificates.c.active,
    certificates.c.template,
    certificates.c.pdf_settings,
    certificates.c.created_at,
    certificates.c.updated_at,
    certificates.c.days_to_expire,
    certificates.c.expires_at,
)
# The fields a certificate is made of, each as the core names it.
FIELDS = ("name", "active", "template", "pdf_settings", "days_to_expire", "expires_at")
MAX_DAYS_TO_EXPIRE = 36_500


def get(conn: Connection, tenant: Tenant, listing_id: int) -> AnyRow:
    """The certificate of a listing of this tenant, or NotFound."""
    row = conn.execute(
        select(*COLUMNS).where(owned_by(certificates, tenant), certificates.c.listing_id == listing_id)
    ).one_or_none()
    if row is None:
        raise NotFound("certificate", listing_id)
    return row


def create(conn: Connection, tenant: Tenant, listing_id: int, fields: Mapping[str, Any]) -> AnyRow:
    """Give a listing of this tenant its certificate; a listing has one at most (a second is
    a Conflict on `listing_id`: delete the first, or change it)."""
    listings_service.get(conn, tenant, listing_id)
    values = _checked(fields)
    now = utcnow()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(certificates).values(
                    org_id=tenant.org_id,
                    mode=tenant.mode.value,
                    listing_id=listing_id,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
    except IntegrityError:
        raise Conflict("listing_id already has a certificate", field="listing_id") from None
    return get(conn, tenant, listing_id)


def change(conn: Connection, tenant: Tenant, listing_id: int, fields: Mapping[str, Any]) -> AnyRow:
    """Change the certificate's fields that are sent; awards already made keep theirs."""
    current = get(conn, tenant, listing_id)
    values = _checked({**{name: current._mapping[name] for name in FIELDS}, **fields})
    conn.execute(update(certificates).where(certificates.c.id == current.id).values(updated_at=utcnow(), **values))
    return get(conn, tenant, listing_id)


def delete_for(conn: Connection, tenant: Tenant, listing_id: int) -> None:
    """Remove a listing's certificate: nothing more is awarded; awards made stay valid."""
    deleted = conn.execute(
        delete(certificates).where(owned_by(certificates, tenant), certificates.c.listing_id == listing_id)
    ).rowcount
    if not deleted:
        raise NotFound("certificate", listing_id)


def expiry(certificate: AnyRow, awarded_at: datetime) -> datetime | None:
    """When an award made at `awarded_at` expires (None: never)."""
    if certificate.days_to_expire is not None:
        return awarded_at + timedelta(days=certificate.days_to_expire)
    return certificate.expires_at


def _checked(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: fields[name] for name in FIELDS if name in fields}
    values.setdefault("active", True)
    values.setdefault("template", "")
    values.setdefault("pdf_settings", {})
    if not values.get("name"):
        raise Invalid("name", "name can't be blank")
    if values.get("days_to_expire") is not None and values.get("expires_at") is not None:
        raise Invalid("days_to_expire", "days_to_expire must not be present when expires_at is present")
    days = values.get("days_to_expire")
    if days is not None and not 1 <= days <= MAX_DAYS_TO_EXPIRE:
        raise Invalid("days_to_expire", f"days_to_expire must be from 1 to {MAX_DAYS_TO_EXPIRE}")
    return values
