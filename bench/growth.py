"""Growth without the cache (issue 20): the growth scenarios (Catalog's list, Sunbird's forms
A, C and E) uncached at each scale, at 32 connections and at one, in one server process.

    .venv/bin/python -m bench.growth [--databases sqlite] [--scales 5000,50000] [--duration 10]

Reads against the target: each form flat within 1.5x from the first scale to the last under
32 connections, and no form's p99 above 10x its single-request latency (p50 at one
connection). Data is generated once per scale with `bench.run.prepare` (`--reuse`: 50,000
programs take a few minutes). Prints a table; writes bench/out/growth.json.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path

from bench.run import OUT, measure, prepare, probe
from bench.scenarios import SCENARIOS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("PROGRAMHUB_BENCH_POSTGRES_URL",
                                                                   "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--scales", default="5000,50000")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "server.log"
    chosen = [s for s in SCENARIOS if s.growth]
    rows = []
    for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
        for scale in [int(s) for s in args.scales.split(",")]:
            print(f"{kind}: {scale:,} programs", flush=True)
            url, dataset = prepare(kind, args.postgres_url, scale, reuse=True)
            probes = probe(url, dataset, chosen)
            loaded = measure(url, dataset, chosen, probes, args.duration, args.warmup, log, cache=False)
            alone = measure(url, dataset, [replace(s, concurrency=1) for s in chosen], probes, args.duration / 2,
                            args.warmup / 2, log, cache=False)  # fmt: skip
            for under_load, single in zip(loaded, alone, strict=True):
                rows.append({"database": kind, "programs": scale, **under_load,
                             "single_p50_ms": single.get("p50_ms"), "single_rps": single.get("rps")})  # fmt: skip
    (Path(OUT) / "growth.json").write_text(json.dumps(rows, indent=2))
    print("| database | scenario | programs | req/s at 32 | p50 ms | p99 ms | alone p50 ms | p99 / alone | queries |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ratio = round(row["p99_ms"] / row["single_p50_ms"], 1) if row.get("single_p50_ms") else None
        print(f"| {row['database']} | {row['scenario']} | {row['programs']:,} | {row.get('rps')} | {row.get('p50_ms')} "
              f"| {row.get('p99_ms')} | {row.get('single_p50_ms')} | {ratio} | {row.get('queries')} |")


if __name__ == "__main__":
    main()
