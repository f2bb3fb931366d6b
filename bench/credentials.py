"""What signing costs: a 1,000-recipient batch issued through the core, with and without
its credentials signed, on each database; the per-credential cost of the batch template
against canonicalizing each whole document with pyld; and the queries a verification of
a page of credentials takes (a batch read, a credential page) at 1 and at 1,000.

    .venv/bin/python -m bench.credentials [--databases sqlite,postgresql] [--postgres-url URL]

Prints a Markdown table and writes bench/out/credentials.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from programhub.core.credentials import badges, issuers, keys, linked_data, signing, status_lists
from programhub.core.credentials import service as credentials
from programhub.core.credentials.service import NewRecipient
from programhub.core.keys import service as api_keys
from programhub.core.listings import service as listings
from programhub.core.orgs import service as orgs
from programhub.core.tenancy import Mode, Tenant
from programhub.store import Store, open_store
from programhub.store.engine import normalise_url
from programhub.store.migrate import upgrade
from tests.support import count_queries

BATCH = 1000
ROUNDS = 5
PUBLIC_URL = "https://hub.example.edu"
SECRET = "bench-credential-key-secret-0123456789abcdef"
OUT = Path(__file__).resolve().parent / "out"


@contextmanager
def fresh_store(kind: str, postgres_url: str) -> Iterator[Store]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            store = open_store(f"sqlite:///{directory}/bench.db")
            upgrade(store)
            try:
                yield store
            finally:
                store.dispose()
        return
    name = f"programhub_bench_credentials_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(postgres_url)).set(database=name).render_as_string(hide_password=False)
    store = open_store(url)
    try:
        upgrade(store)
        yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tenant_and_program(store: Store) -> tuple[Tenant, str]:
    with store.write() as conn:
        org = orgs.create(conn, "Bench University")
        api_keys.create(conn, org.public_id, Mode.LIVE, "bench")
        tenant = Tenant(org.id, Mode.LIVE, org.public_id, org.name)
        courses = [listings.create(conn, tenant, "course", {"name": f"Course {n}", "credits": 3}) for n in range(5)]
        program = listings.create(conn, tenant, "program", {"name": "Data Science", "description": "A programme."})
        listings.set_requirements(conn, tenant, program, courses)
        return tenant, str(listings.get(conn, tenant, program).public_id)


def _seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(kind: str, postgres_url: str) -> dict[str, Any]:
    sign = issuers.configured(PUBLIC_URL, SECRET, "unused")
    recipients = [NewRecipient(f"Learner {n}", f"learner{n}@example.edu") for n in range(BATCH)]
    with fresh_store(kind, postgres_url) as store:
        tenant, program_id = _tenant_and_program(store)

        def issue() -> None:
            with store.write() as conn:
                credentials.issue(conn, tenant, program_id, "Bench", recipients, signing_with=sign)

        issue()  # the tenant's key and first status list
        signed = [_seconds(issue) for _ in range(ROUNDS)]
        real_sign_new = signing.sign_new
        signing.sign_new = lambda *args, **kwargs: None  # type: ignore[assignment]
        try:
            unsigned = [_seconds(issue) for _ in range(ROUNDS)]
        finally:
            signing.sign_new = real_sign_new  # type: ignore[assignment]

        with store.read() as conn:
            batches = credentials.list_batches(conn, tenant)
        small = _issue_one(store, tenant, program_id, sign)
        large = batches[0].public_id
        queries = {}
        for label, batch_id in (("batch read, 1 credential", small), (f"batch read, {BATCH} credentials", large)):
            with count_queries(store) as statements, store.read() as conn:
                credentials.get_batch(conn, tenant, batch_id)
            queries[label] = len(statements)
        with store.read() as conn:
            recipient = credentials.get_batch(conn, tenant, large).recipients[0].public_id
        with count_queries(store) as statements, store.read() as conn:
            credentials.find_credential(conn, recipient)
        queries["credential page (document, key, status bit)"] = len(statements)
    signed_median, unsigned_median = statistics.median(signed), statistics.median(unsigned)
    return {
        "database": kind,
        "issue_1000_signed_s": round(signed_median, 3),
        "issue_1000_unsigned_s": round(unsigned_median, 3),
        "signing_added_ms_per_credential": round((signed_median - unsigned_median) * 1000 / BATCH, 3),
        "queries": queries,
    }


def _issue_one(store: Store, tenant: Tenant, program_id: str, sign: issuers.Signing) -> str:
    with store.write() as conn:
        batch = credentials.issue(conn, tenant, program_id, "One", [NewRecipient("Solo", "solo@example.edu")], signing_with=sign)
    return batch.public_id


def template_against_whole_documents() -> dict[str, float]:
    """CPU per credential: the batch template against pyld on each whole document."""
    private = keys.Ed25519PrivateKey.generate()
    key = keys.SigningKey(1, keys._raw_public(private.public_key()), private)
    issuer = issuers.Issuer(issuers.did_web(PUBLIC_URL, "org_1", Mode.LIVE), "Org", PUBLIC_URL + "/orgs/org_1", Mode.LIVE, key)
    achievement = badges.Achievement(f"{PUBLIC_URL}/orgs/org_1/achievements/p", "Data Science", "A programme.", "Complete:\n- A", 15)
    now = datetime.now(UTC)
    signer = badges.BatchSigner(issuer, achievement, now, now)
    entry = status_lists.Entry(1, f"{PUBLIC_URL}/orgs/org_1/status/1", 0)
    awards = [badges.Award(f"{PUBLIC_URL}/credentials/rec_{n}", f"Learner {n}", f"l{n}@example.edu", entry, None) for n in range(BATCH)]
    signer.sign(awards[0])
    template = _seconds(lambda: [signer.sign(award) for award in awards]) / BATCH
    sample = [json.loads(signer.sign(award)) for award in awards[:50]]
    whole = _seconds(lambda: [linked_data.canonical({k: v for k, v in doc.items() if k != "proof"}) for doc in sample]) / len(sample)
    return {"template_ms_per_credential": round(template * 1000, 3), "pyld_whole_document_ms_per_credential": round(whole * 1000, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PROGRAMHUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    cpu = template_against_whole_documents()
    rows = [measure(kind, args.postgres_url) for kind in args.databases.split(",")]
    OUT.mkdir(exist_ok=True)
    (OUT / "credentials.json").write_text(json.dumps({"cpu": cpu, "databases": rows}, indent=2))
    print(f"Signing CPU per credential: batch template {cpu['template_ms_per_credential']} ms; "
          f"pyld on each whole document {cpu['pyld_whole_document_ms_per_credential']} ms (canonicalization alone)\n")
    print("| database | issue 1,000 signed (s) | issue 1,000 unsigned (s) | signing added per credential (ms) |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['database']} | {row['issue_1000_signed_s']} | {row['issue_1000_unsigned_s']} | {row['signing_added_ms_per_credential']} |")
    print("\n| database | " + " | ".join(rows[0]["queries"]) + " |")
    print("|---|" + "---:|" * len(rows[0]["queries"]))
    for row in rows:
        print(f"| {row['database']} | " + " | ".join(str(v) for v in row["queries"].values()) + " |")


if __name__ == "__main__":
    main()
