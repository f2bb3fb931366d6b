"""The floor: the same kind of server process answering the same routes with the same
response objects, built without touching the database.

It is a FastAPI app with programhub's middleware (request ids, access log and metrics, body
limit), served by uvicorn with the connection bounds `programhub serve` runs with; each scenario's route template returns the response
captured from the real server (parsed once, serialised with orjson on every request).
Throughput against the floor separates our data path from the web stack's fixed cost.

    python -m bench.floor SPEC.json PORT
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from programhub import dialects
from programhub.logs import logging_config
from programhub.web.middleware import BodyLimitMiddleware
from programhub.web.observability import Metrics, ObservedMiddleware
from programhub.web.responses import JSONResponse
from programhub.web.server import BoundedHttpProtocol


def create_floor_app(routes: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    app.add_api_route("/healthz", _answer(200, {"status": "ok"}, {}), methods=["GET"])
    for route in routes:
        app.add_api_route(route["route"], _answer(route["status"], route["body"], route.get("headers", {})),
                          methods=[route["method"]])
    app.add_middleware(BodyLimitMiddleware, max_bytes=2 * 1024 * 1024, dialects=dialects.ALL)
    app.add_middleware(ObservedMiddleware, metrics=Metrics(), dialects=dialects.ALL, log_requests=True)
    return app


def _answer(status: int, body: Any, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    async def read_body_and_answer(request: Request) -> JSONResponse:
        await request.body()  # the real routes read the body too
        return JSONResponse(body, status, headers=headers)

    return read_body_and_answer


def main() -> None:
    spec_path, port = sys.argv[1], int(sys.argv[2])
    with open(spec_path) as spec:
        routes = json.load(spec)
    uvicorn.run(create_floor_app(routes), host="127.0.0.1", port=port, http=BoundedHttpProtocol, access_log=False,
                log_config=logging_config())


if __name__ == "__main__":
    main()
