"""Canvas Catalog's routes under PREFIX: programs and courses, catalogs, and certificates."""

from fastapi import APIRouter

from programhub.dialects.catalog.routes import catalogs, certificates, listings

router = APIRouter()
router.include_router(listings.router)
router.include_router(catalogs.router)
router.include_router(certificates.router)
