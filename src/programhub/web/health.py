"""Liveness and readiness, without a key."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from programhub.store import Store
from programhub.store.liveness import DatabaseUnavailable
from programhub.web.deps import StoreDep
from programhub.web.responses import JSONResponse

router = APIRouter(include_in_schema=False)
log = logging.getLogger("programhub.health")
# Seconds the database has to answer a readiness check (a load balancer's probe wants an
# answer well within its own timeout, whatever the request deadline).
READINESS_TIMEOUT = 5.0


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is up and answering."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(store: StoreDep) -> JSONResponse:
    """The database answers a query (said at once while it is known to be down)."""
    if store.circuit.known_down():
        return _unreachable()
    try:
        async with asyncio.timeout(READINESS_TIMEOUT):
            await run_in_threadpool(_probe, store)
    except (SQLAlchemyError, TimeoutError) as exc:
        if not isinstance(exc, DatabaseUnavailable):  # known down: the store said so when it learnt it
            log.warning("readiness check failed: %s", type(exc).__name__)
        return _unreachable()
    return JSONResponse({"status": "ready", "database": "ok"})


def _unreachable() -> JSONResponse:
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)


def _probe(store: Store) -> None:
    with store.read() as conn:
        conn.execute(text("SELECT 1"))
