"""What a server tells about its requests: a request id on every answer (`X-Request-Id`)
and every log line written while serving it, one JSON access line per request, and
Prometheus metrics at `/metrics`.

The access line never holds headers, query strings or bodies, and key-shaped path
segments are masked, so a key cannot end up in the log. Metrics are per process: with
`--workers N`, scrape each (or put the processes behind one scraping target each).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from programhub.core.clock import utcnow
from programhub.core.keys.service import KEY_SHAPE
from programhub.web.dialect import UNKNOWN_ROUTE, Dialect
from programhub.web.formats import iso_millis
from programhub.web.middleware import HttpMiddleware

access_log = logging.getLogger("programhub.access")

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's own id is kept when it is short and plain (it ends up in logs and headers).
_CALLER_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_SECRET_IN_PATH = re.compile(KEY_SHAPE + "+")


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _CALLER_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class Metrics:
    """The metrics of one app (a registry of its own, so apps in one process, as in the
    tests, do not share counts)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "programhub_requests",
            "Requests answered, by dialect, route template, method and status.",
            ("dialect", "route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "programhub_request_duration_seconds",
            "Time from the first byte of the request to the last of the answer.",
            ("dialect", "route"),
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.in_flight = Gauge("programhub_requests_in_flight", "Requests being served.", registry=self.registry)
        self.cache_lookups = Counter(
            "programhub_response_cache_lookups",
            "Response cache lookups, by result (hit, miss, shared: a miss that waited for another's; checked: an older answer found unchanged by one query).",
            ("result",),
            registry=self.registry,
        )

    def watch(self, collector: Collector) -> None:
        self.registry.register(collector)


class PoolCollector(Collector):
    """Database connection pools, read when scraped."""

    def __init__(self, pools: Sequence[tuple[str, Any]]) -> None:
        self.pools = pools

    def collect(self) -> Any:
        size = GaugeMetricFamily("programhub_db_pool_size", "Connections the pool keeps.", labels=("pool",))
        used = GaugeMetricFamily("programhub_db_pool_checked_out", "Connections in use.", labels=("pool",))
        overflow = GaugeMetricFamily(
            "programhub_db_pool_overflow", "Connections beyond the pool size.", labels=("pool",)
        )
        for name, pool in self.pools:
            for family, reading in ((size, "size"), (used, "checkedout"), (overflow, "overflow")):
                method = getattr(pool, reading, None)
                if callable(method):
                    family.add_metric([name], max(0, int(method())))
        yield from (size, used, overflow)


class ObservedMiddleware(HttpMiddleware):
    """Outermost: sees every request, refused ones included."""

    def __init__(self, app: ASGIApp, metrics: Metrics, dialects: Sequence[Dialect], log_requests: bool) -> None:
        super().__init__(app)
        self.metrics = metrics
        self.log_requests = log_requests
        # The longest prefix first, so /api/v1/user_identities is WebAdMIT's, not Catalog's.
        self.prefixes = sorted(
            ((prefix, dialect.name) for dialect in dialects for prefix, _errors in dialect.error_prefixes()),
            key=lambda item: -len(item[0]),
        )

    def dialect_of(self, path: str) -> str:
        for prefix, name in self.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return name
        return "none"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_of(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started_at = utcnow()
        started = time.perf_counter()
        status = 500
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.in_flight.dec()
            structlog.contextvars.unbind_contextvars("request_id")
            elapsed = time.perf_counter() - started
            dialect = self.dialect_of(scope["path"])
            route = state.get("route", UNKNOWN_ROUTE)
            self.metrics.requests.labels(dialect, route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(dialect, route).observe(elapsed)
            if self.log_requests and access_log.isEnabledFor(logging.INFO):
                line = {
                    "time": iso_millis(started_at),
                    "method": scope["method"],
                    "path": _SECRET_IN_PATH.sub(r"\1…", scope["path"]),
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "org": state.get("org"),
                    "request_id": request_id,
                }
                access_log.info(orjson.dumps(line).decode())


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's metrics (no key: operational data only)."""
    registry: CollectorRegistry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
