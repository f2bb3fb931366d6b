"""One checkout's app called in process through ASGI, its CPU time per request measured
(`bench/cpu.py` runs this file with each checkout's own Python; it imports nothing of
`bench`, so an older checkout runs it unchanged).

Reads a JSON spec on stdin: `url` (the database), `requests` (method, path, headers,
body), `count` measured and `warmup` unmeasured requests, sent one at a time, in turn.
Prints one JSON line: `cpu_ms` (this process's CPU per measured request) and, on
PostgreSQL, `database_cpu_ms` (the server processes' CPU per request over the same time).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from programhub.app import create_app
from programhub.settings import Settings


def postgres_cpu_seconds() -> float:
    """User + system CPU of every `postgres` process on the machine (from /proc)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def call(app: Any, request: dict[str, Any]) -> int:
    """One request through the app's ASGI interface alone; its status."""
    parts = urlsplit(request["path"])
    body = (request.get("body") or "").encode()
    headers = [(name.lower().encode(), value.encode()) for name, value in request["headers"].items()]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request["method"],
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "root_path": "",
        "query_string": parts.query.encode(),
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    settings = Settings(
        database_url=spec["url"], webadmit_rate_limit=10**9, log_requests=False, response_cache_mb=0, run_jobs=False
    )
    app = create_app(settings)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(started)
    requests = spec["requests"]
    statuses: dict[str, int] = {}
    try:
        for index in range(spec["warmup"]):
            await call(app, requests[index % len(requests)])
        cpu_from, database_from = time.process_time(), postgres_cpu_seconds()
        for index in range(spec["count"]):
            status = str(await call(app, requests[index % len(requests)]))
            statuses[status] = statuses.get(status, 0) + 1
        cpu, database = time.process_time() - cpu_from, postgres_cpu_seconds() - database_from
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await lifespan
    count = spec["count"]
    return {"cpu_ms": 1000 * cpu / count, "database_cpu_ms": 1000 * database / count, "statuses": statuses}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(json.load(sys.stdin)))))
