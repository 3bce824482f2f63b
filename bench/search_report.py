# ruff: noqa: E501  (report lines read better unwrapped)
"""Report of bench/search.py: the figures, their ratios, and the machine-readable last line."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import report  # noqa: E402,F401
from search_engines import MIX, percentile  # noqa: E402,F401


def summarize(
    args,
    analysis_rate,
    tantivy_rate,
    fts_rate,
    raw,
    floor,
    fts_samples,
    service_samples,
    http_samples,
    pg,
    fetch_rate,
    harvest_rate,
) -> None:
    p = lambda s, q: round(percentile(s, q), 2)  # noqa: E731
    print(
        f"\n{args.records:,} records, {len(MIX)} queries x {args.rounds} rounds, facets on every query"
    )
    print(
        f"indexing (analyzed docs): tantivy {tantivy_rate:,.0f}/s, SQLite FTS5 {fts_rate:,.0f}/s"
        + (f", PostgreSQL {pg['index_rate']:,.0f}/s" if pg else "")
    )
    rows = [("tantivy (backend)", raw), ("SQLite FTS5 (backend)", fts_samples)]
    if pg:
        rows.append(("PostgreSQL (backend)", pg["samples"]))
    rows += [
        ("tantivy count-only floor", floor),
        ("tantivy search service", service_samples),
        ("tantivy via HTTP API", http_samples),
    ]
    for label, samples in rows:
        print(f"  {label:26s} p50 {p(samples, 0.5):8.2f} ms   p95 {p(samples, 0.95):8.2f} ms")
    fts95, raw95 = percentile(fts_samples, 0.95), percentile(raw, 0.95)
    print(
        f"tantivy p95 is {fts95 / raw95:.1f}x faster than SQLite FTS5"
        + (
            f" and {percentile(pg['samples'], 0.95) / raw95:.1f}x faster than PostgreSQL"
            if pg
            else ""
        )
    )
    floor95, service95 = percentile(floor, 0.95), percentile(service_samples, 0.95)
    print(
        f"search service p95 = {service95 / floor95:.2f}x the engine's count-only floor "
        f"(p95 {floor95:.2f} ms: counting the matches of the slowest queries, nothing else)"
    )
    print(
        f"harvest {harvest_rate:,.0f} records/s = {harvest_rate / fetch_rate:.2f} of fetch+parse only"
    )
    extra = {
        "records": args.records,
        "analysis_rate": round(analysis_rate),
        "tantivy_index_rate": round(tantivy_rate),
        "fts5_index_rate": round(fts_rate),
        "tantivy_p50_ms": p(raw, 0.5),
        "fts5_p95_ms": p(fts_samples, 0.95),
        "floor_p95_ms": p(floor, 0.95),
        "service_p95_ms": p(service_samples, 0.95),
        "service_vs_floor": round(service95 / floor95, 2),
        "http_p95_ms": p(http_samples, 0.95),
        "harvest_rate": round(harvest_rate),
        "harvest_vs_fetch": round(harvest_rate / fetch_rate, 2),
    }
    if pg:
        extra.update(
            postgres_p95_ms=p(pg["samples"], 0.95),
            postgres_index_rate=round(pg["index_rate"]),
            ratio_vs_postgres=round(percentile(pg["samples"], 0.95) / raw95, 2),
        )
    report(
        "search", "query_p95_ms", raw95, "sqlite-fts5", fts95, "ms", higher_is_better=False, **extra
    )
