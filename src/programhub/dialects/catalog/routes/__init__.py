"""Canvas Catalog's routes under PREFIX: programs and courses, catalogs, and certificates."""

from programhub.dialects.catalog.routes import (
    applicants,
    bulk_enrollments,
    catalogs,
    certificates,
    enrollments,
    listings,
    users,
)
from programhub.web.dialect import joined

router = joined(
    listings.router,
    catalogs.router,
    certificates.router,
    users.router,
    enrollments.router,
    applicants.router,
    bulk_enrollments.router,
)
