"""The site's pages under load: p50/p95/p99 at 32 connections on SQLite, one server process
(`programhub serve`, as users run it), the load client in a process of its own (bench/load.py).

    .venv/bin/python -m bench.pages [--concurrency 32] [--duration 15]

The demo organisation (test mode, so the server runs with the preview flag, and a per-address
limit high enough that the one client address is never refused: each page still counts its
visit, a write per page), then, one after the other: the catalog home, its search, a
program page, and the console's programs page signed in. Prints a table; writes
bench/out/pages.json."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.server import free_port, programhub_command, running
from programhub.core.catalogs import service as catalogs
from programhub.core.keys import service as keys
from programhub.core.tenancy import Mode, Tenant
from programhub.demo import ensure_demo
from programhub.settings import Settings
from programhub.store import open_store
from programhub.store.migrate import upgrade
from programhub.web.deps import signing_of

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/pages.db"
        env = {
            "PROGRAMHUB_DATABASE_URL": url,
            "PROGRAMHUB_CREDENTIAL_KEY_FILE": f"{scratch}/credential-key",
            "PROGRAMHUB_CATALOG_PREVIEW_TEST": "1",
            "PROGRAMHUB_CATALOG_PAGE_RATE_LIMIT": "1000000000",
            "PROGRAMHUB_LOG_REQUESTS": "0",
        }
        settings = Settings.from_env(env)
        store = open_store(url)
        upgrade(store)
        with store.write() as conn:
            demo = ensure_demo(conn, signing_of(settings))
            key = keys.create(conn, demo.org.public_id, Mode.TEST, "bench").secret
            catalog_id = catalogs.default_id(conn, Tenant(demo.org.id, Mode.TEST, demo.org.public_id, demo.org.name))
        store.dispose()
        cookie = f"programhub_console=test.{key}; programhub_console_csrf={'b' * 43}"
        scenarios = {
            "catalog home": {"method": "GET", "path": f"/catalogs/{catalog_id}"},
            "catalog search": {"method": "GET", "path": f"/catalogs/{catalog_id}?q=program&open=1"},
            "program page": {"method": "GET", "path": f"/catalogs/{catalog_id}/programs/mongodb"},
            "console programs": {"method": "GET", "path": "/console/programs", "headers": {"Cookie": cookie}},
        }
        port = free_port()
        results = {}
        command = [*programhub_command(), "serve", "--port", str(port)]
        with running(command, env, port, Path(scratch) / "server.log"):
            for name, request in scenarios.items():
                spec = {"host": "127.0.0.1", "port": port, "requests": [request], "concurrency": args.concurrency,
                        "warmup": args.warmup, "duration": args.duration}  # fmt: skip
                done = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(spec), text=True,
                                      capture_output=True, check=True)  # fmt: skip
                results[name] = json.loads(done.stdout)
    (OUT / "pages.json").write_text(json.dumps(results, indent=2))
    print(f"| page (SQLite, {args.concurrency} connections) | requests/s | p50 ms | p95 ms | p99 ms | statuses |")
    print("|---|---|---|---|---|---|")
    for name, result in results.items():
        print(f"| {name} | {result['rps']} | {result['p50_ms']} | {result['p95_ms']} | {result['p99_ms']} | {result['statuses']} |")


if __name__ == "__main__":
    main()
