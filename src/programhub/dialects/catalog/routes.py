"""Canvas Catalog API: /api/v1 programs, courses and catalogs."""

from __future__ import annotations

from fastapi import APIRouter

from programhub.dialects.catalog.errors import ERRORS
from programhub.web.dialect import dialect_route_class

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])
