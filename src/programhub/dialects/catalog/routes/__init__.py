"""Canvas Catalog's routes under PREFIX: programs and courses, and catalogs."""

from fastapi import APIRouter

from programhub.dialects.catalog.routes import applicants, bulk_enrollments, catalogs, enrollments, listings, users

router = APIRouter()
router.include_router(listings.router)
router.include_router(catalogs.router)
router.include_router(users.router)
router.include_router(enrollments.router)
router.include_router(applicants.router)
router.include_router(bulk_enrollments.router)
