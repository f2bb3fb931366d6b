"""Canvas Catalog's routes under PREFIX: programs and courses, and catalogs."""

from fastapi import APIRouter

from programhub.dialects.catalog.routes import catalogs, listings

router = APIRouter()
router.include_router(listings.router)
router.include_router(catalogs.router)
