"""Canvas Catalog API: /api/v1 programs, courses and catalogs."""

from __future__ import annotations

from fastapi import APIRouter

from programhub.dialects.catalog import catalog_routes, listing_routes
from programhub.dialects.catalog.errors import ERRORS
from programhub.web.dialect import dialect_route_class

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])
router.include_router(listing_routes.router)
router.include_router(catalog_routes.router)
