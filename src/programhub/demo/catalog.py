"""Canvas Catalog seed: "Program 21" requires "Program 22" (which requires "Course 24")
and "Program 23" (which requires "Course 25" and "Course 26"), in the seed's catalog
"Domain Account 34" at http://www.my-catalog.edu, so they read back as the seed shows them
(credits 9 = 3 + 6, listing URLs under the catalog's site)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from programhub.core.catalogs import service as catalogs
from programhub.core.listings import service as listings
from programhub.core.tenancy import Tenant

START = datetime(2025, 3, 21, 13, 11, 23, tzinfo=UTC)
COURSE_END = datetime(2025, 4, 4, 13, 11, 23, tzinfo=UTC)


def _program(number: int, catalog_id: int) -> dict[str, Any]:
    return {
        "catalog_id": catalog_id,
        "name": f"Program {number}",
        "description": f"description_{number}",
        "short_description": f"teaser_{number}",
        "listing_path": f"program-path-{number}",
        "start_date": START,
    }


def _course(number: int, sku: int, catalog_id: int) -> dict[str, Any]:
    return {
        "catalog_id": catalog_id,
        "name": f"Course {number}",
        "description": f"description_{number}",
        "short_description": f"teaser_{number}",
        "listing_path": f"course-path-{number}",
        "start_date": START,
        "end_date": COURSE_END,
        "sku": f"sku_{sku}",
        "canvas_course_id": sku,
        "credits": 3,
    }


def seed(conn: Connection, tenant: Tenant) -> None:
    catalog = catalogs.create(conn, tenant, {"name": "Domain Account 34", "url": "http://www.my-catalog.edu"})
    course_24 = listings.create(conn, tenant, "course", _course(24, 14, catalog))
    course_25 = listings.create(conn, tenant, "course", _course(25, 15, catalog))
    course_26 = listings.create(conn, tenant, "course", _course(26, 16, catalog))
    program_22 = listings.create(conn, tenant, "program", _program(22, catalog))
    program_23 = listings.create(conn, tenant, "program", _program(23, catalog))
    program_21 = listings.create(
        conn, tenant, "program", {**_program(21, catalog), "tag_names": ["Another Tag", "Tag"]}
    )
    listings.set_requirements(conn, tenant, program_22, [course_24])
    listings.set_requirements(conn, tenant, program_23, [course_25, course_26])
    listings.set_requirements(conn, tenant, program_21, [program_22, program_23])
