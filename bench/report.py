"""Render a results.json as the Markdown table RESULTS.md shows."""

from __future__ import annotations

from typing import Any

P99_TARGET_MS = 50
FLOOR_TARGET = 0.5
MEMORY_TARGET_MB = 250


def _verdict(row: dict[str, Any]) -> str:
    if not row.get("read") or "rps" not in row:
        return ""
    misses = []
    if row["p99_ms"] is not None and row["p99_ms"] >= P99_TARGET_MS:
        misses.append("p99")
    if row.get("of_floor") is not None and row["of_floor"] < FLOOR_TARGET:
        misses.append("floor")
    if row.get("peak_rss_mb") and row["peak_rss_mb"] >= MEMORY_TARGET_MB:
        misses.append("memory")
    return "ok" if not misses else "missed: " + ", ".join(misses)


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
        f"SQLite {m['sqlite']}" + (f", PostgreSQL {m['postgresql']}" if "postgresql" in m else "") + ".",
        f"Scale `{results['scale']}`: {results['programs']:,} programs in the measured organisation; "
        f"{results['duration_s']} s measured per scenario; total run {results.get('elapsed_s', '?')} s.",
        "",
    ]
    for kind, data in results["databases"].items():
        lines += [f"### {kind}", "",
                  "| scenario | conc. | req/s | p50 ms | p95 ms | p99 ms | SQL/req | peak MB | floor req/s | of floor | targets "
                  "| no cache: req/s | no cache: p99 ms |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
        for row in data["scenarios"]:
            if "error" in row:
                lines.append(f"| {row['scenario']} | | | | | | | | | | {row['error']} |")
                continue
            lines.append(
                f"| {row['scenario']} | {row['concurrency']} | {row['rps']:,} | {row['p50_ms']} | {row['p95_ms']} | "
                f"{row['p99_ms']} | {row['queries']} | {row['peak_rss_mb']} | {row.get('floor_rps', '')} | "
                f"{row.get('of_floor', '')} | {_verdict(row)} | {row.get('uncached_rps', '')} | {row.get('uncached_p99_ms', '')} |"
            )
        if data["tree_queries"]:
            trees = ", ".join(f"{name}: {count}" for name, count in data["tree_queries"].items())
            lines += ["", f"Tree queries by depth: {trees}."]
        if data["growth"]:
            lines += ["", "Growth:", "", "| scenario | programs | req/s | p50 ms | p99 ms | SQL/req |", "|---|---:|---:|---:|---:|---:|"]
            for row in sorted(data["growth"], key=lambda r: (r["scenario"], r["programs"])):
                if "error" in row:
                    continue
                lines.append(f"| {row['scenario']} | {row['programs']:,} | {row['rps']:,} | {row['p50_ms']} | "
                             f"{row['p99_ms']} | {row['queries']} |")
        lines.append("")
    return "\n".join(lines)
