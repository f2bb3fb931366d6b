"""What an enrollment costs under load: `POST /enrollments` through a live server, 32
writers at once, either all into one listing (its seats contended: every enrollment takes
the listing's row lock on PostgreSQL, SQLite's writer slot on SQLite) or each into a
listing of its own, on each database; and the queries a page of enrollments and a user's
enrollments take at 1 and at 100 per page.

    .venv/bin/python -m bench.enrollments [--databases sqlite,postgresql] [--postgres-url URL]
        [--writers 32] [--per-writer 25]

Prints a Markdown table and writes bench/out/enrollments.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
from tests.support import count_queries, serve_in_thread

from bench.credentials import fresh_store
from programhub.app import create_app
from programhub.core import versions
from programhub.core.keys import service as api_keys
from programhub.core.learners import service as learners
from programhub.core.listings import service as listings
from programhub.core.orgs import service as orgs
from programhub.core.tenancy import Mode, Tenant
from programhub.settings import Settings
from programhub.store import Store

OUT = Path(__file__).resolve().parent / "out"
SECRET = "bench-enrollment-key-secret-0123456789abcdef"


def _seed(store: Store, writers: int, per_writer: int) -> tuple[Tenant, str, list[int], list[int]]:
    """An organisation with a live key, writers x per_writer users, and a listing per writer."""
    with store.write() as conn:
        org = orgs.create(conn, "Bench University")
        key = api_keys.create(conn, org.public_id, Mode.LIVE, "bench")
    tenant = Tenant(org.id, Mode.LIVE, org.public_id, org.name)
    with versions.writing(store, tenant) as conn:
        courses = [listings.create(conn, tenant, "course", {"name": f"Course {n}"}) for n in range(writers)]
        users = [
            learners.create_user(conn, tenant, {"email": f"u{n}@example.com"}) for n in range(writers * per_writer)
        ]
    return tenant, key.secret, courses, users


def _run(base: str, token: str, writers: int, per_writer: int, target: Any) -> dict[str, float]:
    """`writers` threads, each enrolling its `per_writer` users into `target(writer)`."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(writers)

    def work(writer: int) -> None:
        with httpx2.Client(base_url=base, timeout=60, headers={"Authorization": f"Token token={token}"}) as http:
            http.get("/healthz")
            barrier.wait()
            for n in range(per_writer):
                user, listing = target(writer, n)
                started = time.perf_counter()
                response = http.post("/api/v1/enrollments", json={"user_id": user, "listing_id": listing})
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    if response.status_code != 201:
                        failures.append(response.text[:200])

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} enrollments failed, e.g. {failures[0]}")
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
    }


def _queries(store: Store, app: Any, token: str, user: int) -> dict[str, int]:
    from fastapi.testclient import TestClient

    counts: dict[str, int] = {}
    headers = {"Authorization": f"Token token={token}"}
    with TestClient(app) as client:
        for label, path in (
            ("page", "/api/v1/enrollments?per_page={n}"),
            ("user", f"/api/v1/enrollments?user_id={user}&per_page={{n}}"),
        ):
            for per_page in (1, 100):
                with count_queries(store) as statements:
                    assert client.get(path.format(n=per_page), headers=headers).status_code == 200
                counts[f"{label}_{per_page}"] = len(statements)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PROGRAMHUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--per-writer", type=int, default=25)
    args = parser.parse_args()
    writers, per_writer = args.writers, args.per_writer
    results: dict[str, Any] = {}
    for kind in args.databases.split(","):
        for scenario in ("contended", "uncontended"):
            with fresh_store(kind, args.postgres_url) as store:
                _, token, courses, users = _seed(store, writers, per_writer)
                settings = Settings(
                    database_url=str(store.engine.url.render_as_string(hide_password=False)),
                    public_url="http://bench.example",
                    credential_key_secret=SECRET,
                )
                app = create_app(settings, store=store)

                def target(
                    writer: int,
                    n: int,
                    courses: list[int] = courses,
                    users: list[int] = users,
                    contended: bool = scenario == "contended",
                ) -> tuple[int, int]:
                    listing = courses[0] if contended else courses[writer]
                    return users[writer * per_writer + n], listing

                with serve_in_thread(app) as base:
                    measured = _run(base, token, writers, per_writer, target)
                if scenario == "contended":
                    measured["queries"] = _queries(store, app, token, users[0])  # type: ignore[assignment]
                results[f"{kind}/{scenario}"] = measured
    OUT.mkdir(exist_ok=True)
    (OUT / "enrollments.json").write_text(json.dumps(results, indent=2))
    print(f"| database / writers={writers} | requests | per second | p50 ms | p95 ms |")
    print("|---|---|---|---|---|")
    for name, measured in results.items():
        print(
            f"| {name} | {measured['requests']} | {measured['per_second']} | {measured['p50_ms']} | {measured['p95_ms']} |"
        )
    for name, measured in results.items():
        if "queries" in measured:
            print(f"{name} queries (after authentication): {measured['queries']}")


if __name__ == "__main__":
    main()
