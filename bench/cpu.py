"""The service's CPU per request, in process, for two checkouts side by side.

    python -m bench.cpu --before ../old-checkout --after . [--databases sqlite,postgresql]
        [--only TEXT[|TEXT...]] [--rounds 7] [--requests 300] [--warmup 50]

Throughput on a shared 2-core machine drifts by up to 1.5x within a minute (RESULTS.md run
20), more than most changes gain, and a server's load test takes ~10 s. Here each run takes
about one: for each scenario, round after round and alternating the order, each checkout's
app (its own `.venv`, uncached, no job runner) is called `--requests` times in a row
through ASGI alone, in a fresh process (`bench/cpu_probe.py`, run by that checkout's
Python), and the process's CPU time per request is read (SQLite's work included: it runs
in the process); on PostgreSQL the server processes' CPU per request too, beside it. The
CPU time drifts with the machine as well (2.4 to 5.1 ms for one build's tree in one run),
but the two runs of a round, seconds apart, drift alike: the reading is the median of the
rounds' after/before ratios, over many rounds. One request at a time: what a change costs
per request, not how it queues. Data as `bench.compare` makes it (each checkout's own,
`--reuse`). `--report` prints the medians with their spread. Results are appended to
`bench/out/cpu.jsonl` (`PROGRAMHUB_BENCH_CPU_FILE`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path
from typing import Any

from bench.compare import measure_or_report, prepare, side_by_side_arguments
from bench.run import OUT
from bench.scenarios import SCENARIOS, Scenario

RUNS = Path(os.environ.get("PROGRAMHUB_BENCH_CPU_FILE", OUT / "cpu.jsonl"))
PROBE = Path(__file__).with_name("cpu_probe.py")


def probe(
    checkout: Path, url: str, scenario: Scenario, requests: list[dict[str, Any]], count: int, warmup: int
) -> dict[str, Any]:
    """One fresh process of `checkout` serving `scenario`'s requests: its CPU per request."""
    spec = {"url": url, "requests": requests, "count": count, "warmup": warmup}
    result = subprocess.run(
        [str(checkout / ".venv/bin/python"), str(PROBE)],
        input=json.dumps(spec),
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{scenario.name} on {checkout}: {result.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def measure(args: argparse.Namespace) -> None:
    before, after = Path(args.before).resolve(), Path(args.after).resolve()
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    scenarios = [
        s for s in SCENARIOS if s.read and not s.mixed and any(part in s.name for part in args.only.split("|"))
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    data = {
        kind: {
            side: prepare(checkout, kind, args.postgres_url, args.programs, f"{args.prefix}_{side}")
            for side, checkout in (("before", before), ("after", after))
        }
        for kind in databases
    }
    for round_ in range(args.rounds):
        for kind in databases:
            for scenario in scenarios:
                order = [("before", before), ("after", after)]
                if round_ % 2:
                    order.reverse()
                for side, checkout in order:
                    url, dataset = data[kind][side]
                    result = probe(checkout, url, scenario, scenario.requests(dataset), args.requests, args.warmup)
                    row = {"round": round_, "database": kind, "scenario": scenario.name, "side": side, **result}
                    with RUNS.open("a") as file:
                        file.write(json.dumps(row) + "\n")
                    print(
                        f"r{round_} {kind} {scenario.name} {side}: {result['cpu_ms']:.3f} ms CPU/req, "
                        f"database {result['database_cpu_ms']:.3f} ms, statuses {result['statuses']}",
                        flush=True,
                    )


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})" if values else ""


def report(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    lines = [
        "| database | scenario | before CPU ms/req | after CPU ms/req | after/before | "
        "database CPU ms/req before → after |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for kind in dict.fromkeys(r["database"] for r in rows):
        for name in dict.fromkeys(r["scenario"] for r in rows if r["database"] == kind):
            by: dict[str, dict[int, dict[str, Any]]] = {}
            for r in rows:
                if r["database"] == kind and r["scenario"] == name:
                    by.setdefault(r["side"], {})[r["round"]] = r
            rounds = sorted(set(by.get("before", {})) & set(by.get("after", {})))
            cpu = {side: [by[side][n]["cpu_ms"] for n in rounds] for side in ("before", "after")}
            ratios = [by["after"][n]["cpu_ms"] / by["before"][n]["cpu_ms"] for n in rounds if by["before"][n]["cpu_ms"]]
            database = {
                side: statistics.median([by[side][n]["database_cpu_ms"] for n in rounds]) if rounds else 0.0
                for side in ("before", "after")
            }
            lines.append(
                f"| {kind} | {name} | {_spread(cpu['before'])} | {_spread(cpu['after'])} | "
                f"{_spread(ratios).replace(' (', 'x (')} | "
                f"{database['before']:.3f} → {database['after']:.3f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = side_by_side_arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per run")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests before them")
    measure_or_report(parser, measure, report, RUNS)

if __name__ == "__main__":
    main()
