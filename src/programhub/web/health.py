"""Liveness and readiness, without a key."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from programhub.web.deps import StoreDep
from programhub.web.responses import JSONResponse

router = APIRouter(include_in_schema=False)
log = logging.getLogger("programhub.health")


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is up and answering."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(store: StoreDep) -> JSONResponse:
    """The database answers a query."""
    try:
        with store.read() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("readiness check failed: %s", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    return JSONResponse({"status": "ready", "database": "ok"})
