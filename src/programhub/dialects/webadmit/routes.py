"""WebAdMIT API: /api/v1/user_identities."""

from __future__ import annotations

from fastapi import APIRouter

from programhub.dialects.webadmit.errors import ERRORS
from programhub.web.dialect import dialect_route_class

PREFIX = "/api/v1/user_identities"
router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["WebAdMIT"])
