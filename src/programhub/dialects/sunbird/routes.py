"""Sunbird program service: /program/v1."""

from __future__ import annotations

from fastapi import APIRouter

from programhub.dialects.sunbird.envelope import PREFIX
from programhub.dialects.sunbird.errors import ERRORS
from programhub.web.dialect import dialect_route_class

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Sunbird"])
