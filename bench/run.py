"""The benchmark command. See bench/README.md.

For each database: generate data, count SQL queries per request in-process, then for every
scenario start `programhub serve` as users run it, drive load from a separate process,
record throughput, latency and peak memory; then the same against the floor server.
Growth: the growth scenarios again at each scale. Writes bench/out/results.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bench.datagen import Dataset, generate
from bench.report import markdown
from bench.scenarios import SCENARIOS, TREE_DEPTHS, Scenario
from bench.server import free_port, peak_rss_mb, programhub_command, running
from programhub.app import create_app
from programhub.settings import Settings
from programhub.store import Store, open_store
from programhub.store.engine import normalise_url
from programhub.store.migrate import upgrade
from tests.support import count_queries

OUT = Path(__file__).resolve().parent / "out"
SCALES = {
    # name: (programs for the scenarios, growth scales)
    "small": (1_000, [1_000]),
    "moderate": (10_000, [1_000, 10_000]),
    "large": (10_000, [1_000, 10_000, 100_000]),
}
BENCH_DATABASE = "programhub_bench"
UNLIMITED = str(10**9)  # the WebAdMIT rate limit must not throttle the benchmark itself


def fresh_database(kind: str, postgres_url: str, name: str) -> str:
    if kind == "sqlite":
        folder = OUT / "sqlite"
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{folder / name}.db{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{folder / name}.db"
    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = normalise_url(postgres_url).rsplit("/", 1)[0]
    return f"{base}/{name}"


def prepare(kind: str, postgres_url: str, programs: int) -> tuple[str, Dataset]:
    url = fresh_database(kind, postgres_url, f"{BENCH_DATABASE}_{programs}")
    store = open_store(url)
    try:
        upgrade(store)
        started = time.perf_counter()
        dataset = generate(store, programs)
        print(f"  generated {programs:,} programs, {dataset.nominations:,} nominations "
              f"in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        store.dispose()
    return url, dataset


def probe(url: str, dataset: Dataset, scenarios: list[Scenario]) -> dict[str, dict[str, Any]]:
    """Per scenario: SQL queries for one request, and the response the floor will replay."""
    store: Store = open_store(url)
    # Cache off: the count is the data path's (a cache hit costs the key lookup alone).
    app = create_app(Settings(database_url=url, webadmit_rate_limit=int(UNLIMITED), log_requests=False,
                              response_cache_mb=0), store=store)
    found: dict[str, dict[str, Any]] = {}
    with TestClient(app) as client:
        for scenario in scenarios:
            request = scenario.requests(dataset)[0]
            client.request(request["method"], request["path"], headers=request["headers"], content=request.get("body"))
            with count_queries(store) as statements:
                response = client.request(request["method"], request["path"], headers=request["headers"],
                                          content=request.get("body"))
            ok = response.status_code < 300
            found[scenario.name] = {
                "ok": ok,
                "status": response.status_code,
                "queries": len(statements),
                "body": response.json() if ok else None,
                "headers": {k: v for k, v in response.headers.items() if k.lower() == "link"},
            }
            if not ok:
                print(f"  ! {scenario.name}: {response.status_code} {response.text[:200]}", flush=True)
    store.dispose()
    return found


def load(port: int, scenario: Scenario, dataset: Dataset, duration: float, warmup: float) -> dict[str, Any]:
    spec = {"host": "127.0.0.1", "port": port, "concurrency": scenario.concurrency, "duration": duration,
            "warmup": warmup, "requests": scenario.requests(dataset)}
    result = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(spec), capture_output=True,
                            text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(result.stdout)


def measure(url: str, dataset: Dataset, scenarios: list[Scenario], probes: dict[str, dict[str, Any]],
            duration: float, warmup: float, log: Path, *, cache: bool = True) -> list[dict[str, Any]]:
    env = {"PROGRAMHUB_DATABASE_URL": url, "PROGRAMHUB_WEBADMIT_RATE_LIMIT": UNLIMITED}
    if not cache:
        env["PROGRAMHUB_RESPONSE_CACHE_MB"] = "0"
    rows = []
    for scenario in scenarios:
        found = probes[scenario.name]
        if not found["ok"]:
            rows.append({"scenario": scenario.name, "error": f"HTTP {found['status']} when probed"})
            continue
        port = free_port()
        with running([*programhub_command(), "serve", "--port", str(port)], env, port, log) as server:
            result = load(port, scenario, dataset, duration, warmup)
            memory = peak_rss_mb(server.pid)
        rows.append({"scenario": scenario.name, "concurrency": scenario.concurrency, "read": scenario.read,
                     **result, "queries": found["queries"], "peak_rss_mb": memory})
        print(f"  {scenario.name}{'' if cache else ' (no cache)'}: {result['rps']} req/s, p99 {result['p99_ms']} ms, "
              f"{found['queries']} queries, {memory} MB", flush=True)
    return rows


def measure_floor(dataset: Dataset, scenarios: list[Scenario], probes: dict[str, dict[str, Any]],
                  duration: float, warmup: float, log: Path) -> dict[str, float]:
    routes, seen = [], set()
    for scenario in scenarios:
        found = probes[scenario.name]
        if found["ok"] and (scenario.method, scenario.route) not in seen:
            seen.add((scenario.method, scenario.route))
            routes.append({"method": scenario.method, "route": scenario.route, "status": found["status"],
                           "body": found["body"], "headers": found["headers"]})
    spec_path = OUT / "floor-spec.json"
    spec_path.write_text(json.dumps(routes))
    floors: dict[str, float] = {}
    port = free_port()
    with running([sys.executable, "-m", "bench.floor", str(spec_path), str(port)], {}, port, log):
        for scenario in scenarios:
            if probes[scenario.name]["ok"]:
                floors[scenario.name] = load(port, scenario, dataset, duration, warmup)["rps"]
    return floors


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def postgres_version(url: str) -> str:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return str(version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=SCALES, default="moderate")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("PROGRAMHUB_BENCH_POSTGRES_URL",
                                                                   "postgresql://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL server where the benchmark may create databases")
    parser.add_argument("--duration", type=float, default=4.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each")
    parser.add_argument("--only", default="", help="run scenarios whose name contains this text")
    args = parser.parse_args()

    programs, growth_scales = SCALES[args.scale]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if args.scale == "large":
        databases = [d for d in databases if d == "postgresql"] or ["postgresql"]
    scenarios = [s for s in SCENARIOS if args.only in s.name]
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "server.log"
    log.unlink(missing_ok=True)
    results: dict[str, Any] = {"machine": machine(), "scale": args.scale, "programs": programs,
                               "duration_s": args.duration, "databases": {}}
    if "postgresql" in databases:
        results["machine"]["postgresql"] = postgres_version(args.postgres_url)
    started = time.perf_counter()
    for kind in databases:
        print(f"{kind}: scenarios at {programs:,} programs", flush=True)
        url, dataset = prepare(kind, args.postgres_url, programs)
        probes = probe(url, dataset, scenarios + TREE_DEPTHS)
        rows = measure(url, dataset, scenarios, probes, args.duration, args.warmup, log)
        reads = [s for s in scenarios if s.read]
        uncached = {row["scenario"]: row for row in measure(url, dataset, reads, probes, args.duration, args.warmup, log, cache=False)}
        for row in rows:
            if row["scenario"] in uncached and "rps" in uncached[row["scenario"]]:
                row["uncached_rps"] = uncached[row["scenario"]]["rps"]
                row["uncached_p99_ms"] = uncached[row["scenario"]]["p99_ms"]
        floors = measure_floor(dataset, scenarios, probes, args.duration, args.warmup, log)
        for row in rows:
            floor = floors.get(row["scenario"])
            if floor and "rps" in row:
                row["floor_rps"] = floor
                row["of_floor"] = round(row["rps"] / floor, 2)
        tree_queries = {s.name: probes[s.name]["queries"] for s in TREE_DEPTHS if probes[s.name]["ok"]}
        growth = []
        for scale in growth_scales:
            print(f"{kind}: growth at {scale:,} programs", flush=True)
            scale_url, scale_data = (url, dataset) if scale == programs else prepare(kind, args.postgres_url, scale)
            chosen = [s for s in scenarios if s.growth]
            scale_probes = probes if scale == programs else probe(scale_url, scale_data, chosen)
            for row in measure(scale_url, scale_data, chosen, scale_probes, max(args.duration / 2, 2), args.warmup, log):
                growth.append({"programs": scale, **row})
        results["databases"][kind] = {"scenarios": rows, "tree_queries": tree_queries, "growth": growth}
        if kind == "sqlite":
            shutil.rmtree(OUT / "sqlite", ignore_errors=True)
    results["elapsed_s"] = round(time.perf_counter() - started)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    (OUT / "results.md").write_text(markdown(results))
    print(f"done in {results['elapsed_s']} s: bench/out/results.md, bench/out/results.json")


if __name__ == "__main__":
    main()
