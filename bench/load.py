"""The load client: a separate process driving a server on 127.0.0.1 at fixed concurrency.

Each of `concurrency` connections sends requests back to back over HTTP/1.1 keep-alive
(raw asyncio streams on uvloop, so the client costs little of the two cores) for
`warmup + duration` seconds; only requests that start after the warm-up are measured.

    python -m bench.load < spec.json  ->  one JSON result object on stdout
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any


def build_request(host: str, port: int, template: dict[str, Any]) -> bytes:
    body = (template.get("body") or "").encode()
    lines = [f"{template['method']} {template['path']} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in template.get("headers", {}).items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def connection(host: str, port: int, requests: list[bytes], writes: list[bool], offset: int, start: float,
                     measure_from: float, stop_at: float, latencies: list[float], write_latencies: list[float],
                     statuses: Counter[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = offset
    try:
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                break
            which = index % len(requests)
            writer.write(requests[which])
            index += 1
            status = await read_response(reader)
            if began >= measure_from:
                took = time.perf_counter() - began
                latencies.append(took)
                if writes[which]:
                    write_latencies.append(took)
                statuses[status] += 1
    finally:
        writer.close()


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    requests = [build_request(host, port, t) for t in spec["requests"]]
    writes = [bool(t.get("write")) for t in spec["requests"]]
    start = time.perf_counter()
    measure_from = start + spec["warmup"]
    stop_at = measure_from + spec["duration"]
    latencies: list[float] = []
    write_latencies: list[float] = []
    statuses: Counter[int] = Counter()
    await asyncio.gather(*(
        connection(host, port, requests, writes, n, start, measure_from, stop_at, latencies, write_latencies, statuses)
        for n in range(spec["concurrency"])
    ))
    window = time.perf_counter() - measure_from
    latencies.sort()
    write_latencies.sort()

    def percentile(p: float, among: list[float] = latencies) -> float | None:
        if not among:
            return None
        return round(among[min(len(among) - 1, int(p / 100 * len(among)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / window, 1),
        "p50_ms": percentile(50),
        "p95_ms": percentile(95),
        "p99_ms": percentile(99),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        # Requests marked "write" in the spec (the mixed scenarios' writes), measured apart.
        "writes": len(write_latencies),
        "write_p50_ms": percentile(50, write_latencies),
        "write_p99_ms": percentile(99, write_latencies),
    }


def main() -> None:
    spec = json.load(sys.stdin)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        pass
    print(json.dumps(asyncio.run(drive(spec))))


if __name__ == "__main__":
    main()
