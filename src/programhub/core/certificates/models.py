"""Certificates: what a listing awards on completion (Canvas Catalog's certificate), and the
awards made, each a Record credential issued to the learner."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, Table, Text, UniqueConstraint

from programhub.core.db import JSONDoc, UTCDateTime, metadata, same_tenant_fk, tenant_columns

certificates = Table(
    "certificates",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("listing_id", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    # Text with `{{student_name}}`-style placeholders, kept as Catalog keeps it.
    Column("template", Text, nullable=False),
    Column("pdf_settings", JSONDoc, nullable=False),
    # At most one of them: an award expires that many days after it is made, or on that date.
    Column("days_to_expire", Integer),
    Column("expires_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("id", "org_id", "mode"),
    # One certificate per listing, as in Catalog.
    UniqueConstraint("listing_id", name="uq_certificates_listing"),
    same_tenant_fk("listing_id", "listings", "fk_certificates_listing_same_tenant"),
    sqlite_autoincrement=True,
)

certificate_awards = Table(
    "certificate_awards",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    # One award per enrollment whatever retries or concurrent completions happen: the
    # unique key is what makes issuance exactly-once.
    Column("enrollment_id", Integer, nullable=False),
    Column("listing_id", Integer, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("recipient_id", Integer, ForeignKey("credential_recipients.id"), nullable=False),
    Column("completed_at", UTCDateTime, nullable=False),
    Column("awarded_at", UTCDateTime, nullable=False),
    UniqueConstraint("enrollment_id", name="uq_certificate_awards_enrollment"),
    same_tenant_fk("enrollment_id", "enrollments", "fk_certificate_awards_enrollment_same_tenant"),
    same_tenant_fk("listing_id", "listings", "fk_certificate_awards_listing_same_tenant"),
    same_tenant_fk("user_id", "learners", "fk_certificate_awards_user_same_tenant"),
    Index("ix_certificate_awards_user", "org_id", "mode", "user_id"),
    Index("ix_certificate_awards_listing", "org_id", "mode", "listing_id", "user_id"),
    sqlite_autoincrement=True,
)
