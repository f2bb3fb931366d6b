"""What a WebAdMIT export costs: 10,000 applicants (each designated to one of two
programs, with two custom fields answered) exported to CSV by the export job, on each
database: its time, the peak of Python memory it allocated while running (tracemalloc: flat,
since the file is written a page at a time), the file's size, and the queries a designation
read takes (constant whatever the number of applicants).

    .venv/bin/python -m bench.admissions [--databases sqlite,postgresql] [--postgres-url URL] [--applicants 10000]

Prints a Markdown table and writes bench/out/admissions.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench.credentials import fresh_store
from programhub.app import create_app
from programhub.core import versions
from programhub.core.admissions import exports
from programhub.core.admissions import service as admissions
from programhub.core.identities import service as identities
from programhub.core.jobs.runner import JobRunner
from programhub.core.keys import service as api_keys
from programhub.core.listings import service as listings
from programhub.core.orgs import service as orgs
from programhub.core.tenancy import Mode, Tenant
from programhub.settings import Settings
from programhub.store import Store
from tests.support import count_queries

CYCLE = "2025 - 2026"
OUT = Path(__file__).resolve().parent / "out"


def _seed(store: Store, count: int) -> tuple[Tenant, str, int, int, exports.Export]:
    with store.write() as conn:
        org = orgs.create(conn, "Bench University")
        key = api_keys.create(conn, org.public_id, Mode.LIVE, "bench").secret
        tenant = Tenant(org.id, Mode.LIVE, org.public_id, org.name)
        programs = [listings.create(conn, tenant, "program", {"name": f"Program {n}"}) for n in range(2)]
        identity = identities.create(conn, tenant, type="Admissions User", cycle=CYCLE)
        fields = [
            admissions.create_custom_field(conn, tenant, programs[0], label="Age", field_type="number"),
            admissions.create_custom_field(conn, tenant, programs[0], label="Citizen", field_type="boolean"),
        ]
        export = exports.create(
            conn, tenant, identity, name="Nightly", list_type="all", format="Comma-Separated Values"
        )
    for start in range(0, count, 1000):
        new = [
            admissions.new_applicant(
                cas_id=str(1_000_000 + n),
                email=f"applicant{n}@example.edu",
                first_name="Ann",
                last_name=f"Lee {n}",
                program_ids=[programs[n % 2]],
            )
            for n in range(start, min(count, start + 1000))
        ]
        with versions.writing(store, tenant) as conn:
            admissions.import_applicants(conn, tenant, CYCLE, new)
            found = admissions.designations_by_cas_id(conn, tenant, CYCLE, programs[0], [a.cas_id for a in new])
            admissions.store_answers(
                conn,
                tenant,
                [(d.id, f.id, 21.0 if f.field_type == "number" else True) for d in found.values() for f in fields],
            )
    return tenant, key, identity, programs[0], export


def measure(store: Store, count: int) -> dict[str, Any]:
    tenant, key, identity, program, export = _seed(store, count)
    with store.write() as conn:
        file_id = exports.run(conn, tenant, export)
    tracemalloc.start()
    started = time.perf_counter()
    JobRunner(store).run_pending()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with store.read() as conn:
        found = exports.file(conn, tenant, export.id, file_id)
    size = sum(len(part) for part in exports.parts(store, tenant, found))
    app = create_app(Settings(database_url="sqlite://", run_jobs=False), store=store)
    with TestClient(app) as client, count_queries(store) as statements:
        path = f"/api/v1/user_identities/{identity}/programs/{program}/applicants_by_cas_id/1000000/designation"
        assert client.get(path, headers={"x-api-key": key}).status_code == 200
    return {
        "applicants": count,
        "rows": found.rows,
        "export_seconds": round(seconds, 2),
        "peak_python_mb": round(peak / 2**20, 1),
        "file_mb": round(size / 2**20, 2),
        "designation_read_queries": len(statements),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PROGRAMHUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--applicants", type=int, default=10_000)
    args = parser.parse_args()
    results = {}
    for kind in args.databases.split(","):
        with fresh_store(kind, args.postgres_url) as store:
            results[kind] = measure(store, args.applicants)
    OUT.mkdir(exist_ok=True)
    (OUT / "admissions.json").write_text(json.dumps(results, indent=2))
    columns = list(next(iter(results.values())))
    print("| database | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for kind, row in results.items():
        print(f"| {kind} | " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
