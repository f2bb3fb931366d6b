"""The listing tables. Columns are grouped by the platform that introduced them, but every
platform reads the shared ones (name, description, dates, status)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from programhub.core.db import JSONDoc, UTCDateTime, metadata, same_tenant_fk, tenant_columns

KINDS = ("program", "course")
STATUSES = ("draft", "live", "unlisted", "retired")
PROGRAM_TYPES = ("public", "private", "restricted")
# What the default program conditions and Sunbird's filters read of each program a page
# walks in its order (`search.program_conditions`).
WALK_COLUMNS = ("deleted_at", "status", "program_type", "nomination_enddate", "content_submission_enddate")
# ... and what program lists filter and order on.
PROGRAM_LIST_COLUMNS = (*WALK_COLUMNS, "created_at", "updated_at")

listings = Table(
    "listings",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("kind", String(7), nullable=False),
    # Identity in each dialect: `id` (Catalog, WebAdMIT), `public_id` (Record), `uuid` (Sunbird).
    Column("public_id", String(40), nullable=False, unique=True),
    Column("uuid", String(36), nullable=False, unique=True),
    # Shared by all platforms.
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("status", String(8), nullable=False, server_default="live"),
    Column("start_date", UTCDateTime),
    Column("end_date", UTCDateTime),
    Column("image", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deleted_at", UTCDateTime),
    # Derived, folded (lower-cased) text for case-insensitive matching on both engines.
    Column("name_folded", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    # Canvas Catalog.
    Column("catalog_id", Integer),
    Column("visibility", String(16), nullable=False, server_default="listed"),
    Column("short_description", Text),
    Column("listing_path", Text, nullable=False),  # unique per catalog and kind while live
    Column("image_alt_text", Text),
    Column("enrollment_open", Boolean, nullable=False, server_default=text("true")),
    Column("enrollment_open_from", UTCDateTime),
    Column("enrollment_open_to", UTCDateTime),
    Column("enrollment_cap", Integer),
    Column("enrollment_count", Integer, nullable=False, server_default="0"),
    Column("waitlist", Boolean, nullable=False, server_default=text("false")),
    Column("waitlist_cap", Integer),
    Column("enrollment_fee_cents", BigInteger, nullable=False, server_default="0"),
    Column("currency", String(3), nullable=False, server_default="USD"),
    Column("credits", Numeric(10, 2, asdecimal=False)),  # NULL: the sum of the requirements'
    Column("measurement", String(16), nullable=False, server_default="credit"),
    Column("list_order", Integer),
    Column("sku", Text),
    Column("show_free_banner", Boolean, nullable=False, server_default=text("true")),
    Column("allowed_payment_types", JSONDoc, nullable=False),
    Column("tag_names", JSONDoc, nullable=False),
    Column("associated_account_ids", JSONDoc, nullable=False),
    Column("days_to_complete", Integer),
    Column("canvas_section_id", Integer),
    Column("canvas_course_id", Integer),
    Column("sequential", Boolean, nullable=False, server_default=text("true")),
    # Sunbird.
    Column("program_type", String(10), nullable=False, server_default="public"),
    Column("nomination_enddate", UTCDateTime),
    Column("shortlisting_enddate", UTCDateTime),
    Column("content_submission_enddate", UTCDateTime),
    Column("content_types", JSONDoc),
    Column("collection_ids", JSONDoc),
    Column("target_collection_category", JSONDoc),
    Column("rolemapping", JSONDoc),
    Column("config", JSONDoc),
    Column("slug", Text),
    Column("channel", Text),
    Column("template_id", Text),
    Column("guidelines_url", Text),
    Column("rootorg_id", Text),
    Column("sourcing_org_name", Text),
    Column("createdby", Text),
    Column("updatedby", Text),
    # Sunbird, the rest of the reference model (migration 0004_sunbird_reference).
    Column("target_type", Text),
    Column("targetprimarycategories", JSONDoc),
    Column("targetprimarycategorynames", JSONDoc),
    Column("acceptedcontents", JSONDoc),
    Column("rejectedcontents", JSONDoc),
    Column("sourcingrejectedcomments", JSONDoc),
    # When a Sunbird client closed the program (its status Closed: no more contributions);
    # a closed program is unlisted for the other APIs. Null: not closed.
    Column("closed_at", UTCDateTime),
    CheckConstraint("kind IN ('program', 'course')", name="kind"),
    CheckConstraint("status IN ('draft', 'live', 'unlisted', 'retired')", name="status"),
    CheckConstraint("program_type IN ('public', 'private', 'restricted')", name="program_type"),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("catalog_id", "catalogs", "fk_listings_catalog_same_tenant"),
    # On PostgreSQL it also carries the columns program lists filter on, so that counting
    # a large list is an index-only scan (Sunbird /list, migration 0002_sunbird).
    Index("ix_listings_tenant_kind_id", "org_id", "mode", "kind", "id", postgresql_include=list(PROGRAM_LIST_COLUMNS)),
    # Sunbird's default order (latest change first). A page walks it until it has its
    # programs, checking each one's state and dates: carrying them, the walk never reads
    # the table's wide rows (SQLite's form A 5.6-8.6 -> 4.0-4.8 ms; migration 0017).
    Index("ix_listings_tenant_kind_updated", "org_id", "mode", "kind", "updated_at", "id", *WALK_COLUMNS),
    Index("ix_listings_tenant_kind_created", "org_id", "mode", "kind", "created_at"),
    # Sunbird's "open"/"closed" filters, and the next moment their answer changes
    # (search.next_date_change: a min() that is one index lookup with these).
    Index("ix_listings_tenant_kind_nomination_end", "org_id", "mode", "kind", "nomination_enddate"),
    Index("ix_listings_tenant_kind_submission_end", "org_id", "mode", "kind", "content_submission_enddate"),
    # Catalog's default list: a tenant's live listings of one kind in list_order, then id.
    Index(
        "ix_listings_catalog_list",
        "org_id",
        "mode",
        "kind",
        "list_order",
        "id",
        sqlite_where=text("deleted_at IS NULL AND status != 'retired'"),
        postgresql_where=text("deleted_at IS NULL AND status != 'retired'"),
    ),
    Index(
        "uq_listings_listing_path",
        "catalog_id",
        "kind",
        "listing_path",
        unique=True,
        sqlite_where=text("deleted_at IS NULL"),
        postgresql_where=text("deleted_at IS NULL"),
    ),
    sqlite_autoincrement=True,
)

# How many live (not deleted, not retired) listings a tenant has of each kind, and how many
# of those have a list_order: kept by triggers on `listings` (migration 0002_catalog) in
# the same transaction as every change, so a default list counts its pages in O(1).
# `order_version`: the tenant version at which a listing of the kind last entered, left or
# moved in the default lists (migration 0020, core/listings/shown.py).
listing_counts = Table(
    "listing_counts",
    metadata,
    *tenant_columns(),
    Column("kind", String(7), nullable=False),
    Column("listed", Integer, nullable=False, server_default="0"),
    Column("listed_with_order", Integer, nullable=False, server_default="0"),
    Column("order_version", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("org_id", "mode", "kind"),
)

# The tenant version at which each listing last changed as an answer shows it: its row,
# its requirement list or its catalog (kept by triggers, migration 0020; a deleted
# listing keeps its row). What a cached answer of listings is checked against
# (core/listings/shown.py).
listing_versions = Table(
    "listing_versions",
    metadata,
    Column("listing_id", Integer, primary_key=True),
    *tenant_columns(),
    Column("version", BigInteger, nullable=False),
)

# The ordered requirement list of a program: programs and courses of the same tenant.
requirements = Table(
    "requirements",
    metadata,
    Column("program_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("requirement_id", Integer, nullable=False),
    *tenant_columns(),
    PrimaryKeyConstraint("program_id", "position"),
    UniqueConstraint("program_id", "requirement_id"),
    same_tenant_fk("program_id", "listings", "fk_requirements_program_same_tenant"),
    same_tenant_fk("requirement_id", "listings", "fk_requirements_requirement_same_tenant"),
    Index("ix_requirements_requirement_id", "requirement_id"),
)

# Searchable facets of a program, one row per value, folded to lower case:
# content_type, target_collection_category, and the framework categories of its config.
FACETS = ("content_type", "target_collection_category", "board", "medium", "gradeLevel", "subject")

program_facets = Table(
    "program_facets",
    metadata,
    Column("listing_id", Integer, nullable=False),
    Column("facet", String(32), nullable=False),
    Column("value", Text, nullable=False),
    *tenant_columns(),
    PrimaryKeyConstraint("listing_id", "facet", "value"),
    same_tenant_fk("listing_id", "listings", "fk_program_facets_listing_same_tenant"),
    Index("ix_program_facets_lookup", "org_id", "mode", "facet", "value", "listing_id"),
)
