"""Canvas Catalog's routes under PREFIX: programs and courses, catalogs, and certificates."""

from fastapi import APIRouter

from programhub.dialects.catalog.routes import (
    applicants,
    bulk_enrollments,
    catalogs,
    certificates,
    enrollments,
    listings,
    users,
)

router = APIRouter()
router.include_router(listings.router)
router.include_router(catalogs.router)
router.include_router(certificates.router)
router.include_router(users.router)
router.include_router(enrollments.router)
router.include_router(applicants.router)
router.include_router(bulk_enrollments.router)
