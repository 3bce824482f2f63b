"""Usage statistics: event ingest rate and dashboard latency over many events.

1. Ingest: N events through ``shuxiang.stats.events.record()`` with the real background
   flusher (every 0.5 s, or at once when 50,000 events wait), timed until every event is
   acknowledged by the store, against the analytics engine's own bulk append
   of the very same rows (the backend's ``append_rows`` of the captured batches: DuckDB
   turning them into fsync'd Parquet segments in embedded mode, PostgreSQL ``COPY`` in server
   mode) — the limit: the collector can only add its own overhead to it.
2. Dashboards: ``--events`` raw events (default 100,000,000) generated in bulk straight into
   the raw store for the demo network over one year, rolled up, then every dashboard query
   (totals, comparison, trend, heatmap at national, provincial and county tier) timed; the
   peer is the same national comparison computed by the engine straight from the raw events.

Prints what it measured; the last line is the JSON result (value = slowest dashboard query).
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import best_of, report, setup_django  # noqa: E402
from stats_data import generate_events, raw_comparison  # noqa: E402


def measure_ingest(n: int, codes: list[str]) -> tuple[float, float]:
    """(record+flush events/s, bulk append events/s) over the same ``n`` rows."""
    import random

    from shuxiang.stats import backends, events

    rng = random.Random(1)
    kinds = ["page_view", "search", "item_view", "download", "play", "login"]
    inputs = [(rng.choice(kinds), rng.choice(codes), rng.randrange(100_000)) for _ in range(n)]
    backend = backends.get_backend()
    captured: list = []
    original = backend.append_rows

    def capture(rows):
        captured.append(rows)
        original(rows)

    backend.append_rows = capture
    events.COLLECTOR.stop()
    events.COLLECTOR.interval = 0.5  # the real background flusher (and its size trigger)
    dropped = events.COLLECTOR.dropped
    began = time.perf_counter()
    for kind, code, reader in inputs:  # live events, stamped "now"
        events.record(
            kind, library=code, reader=reader, channel="mobile", resource_type="ebook", item_id="b1"
        )
    events.flush()  # waits for a flush in progress, then writes the rest: all acknowledged
    elapsed = time.perf_counter() - began
    acknowledged = sum(len(rows) for rows in captured)
    ingest = acknowledged / elapsed
    events.COLLECTOR.stop()
    if events.COLLECTOR.dropped != dropped:
        print(f"WARNING: {events.COLLECTOR.dropped - dropped} events dropped (buffer full)")
    backend.append_rows = original
    began = time.perf_counter()
    for rows in captured:
        backend.append_rows(rows)
    limit = acknowledged / (time.perf_counter() - began)
    return ingest, limit


def dashboard_queries(nlc, province, county, first, last) -> dict[str, float]:
    from shuxiang.core.actors import SYSTEM
    from shuxiang.stats import indicators, services

    calls = {
        "national totals": lambda: services.totals(SYSTEM, nlc, first, last),
        "national comparison": lambda: services.comparison(SYSTEM, nlc, first, last),
        "national trend": lambda: services.trend(SYSTEM, nlc, first, last),
        "national heatmap": lambda: services.heatmap(SYSTEM, nlc, first, last),
        "provincial comparison": lambda: services.comparison(SYSTEM, province, first, last),
        "provincial totals": lambda: services.totals(SYSTEM, province, first, last),
        "county trend": lambda: services.trend(SYSTEM, county, first, last),
        "national headline": lambda: indicators.headline(SYSTEM, nlc, last.year),
    }
    return {name: best_of(call, repeat=5) for name, call in calls.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000_000, help="raw events for dashboards")
    parser.add_argument("--ingest", type=int, default=1_000_000, help="events through record()")
    args = parser.parse_args()
    data_dir = setup_django()
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)  # raw events can be gigabytes
    from datetime import date

    from shuxiang.network.demo import load_demo_network
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.models import Library
    from shuxiang.stats.rollup import run_rollup

    load_divisions(progress=False)
    load_demo_network(progress=False)
    codes = list(Library.objects.values_list("code", flat=True))
    ingest, limit = measure_ingest(args.ingest, codes)
    print(
        f"ingest: {ingest:,.0f} events/s via record()+flush; bulk append {limit:,.0f}/s "
        f"(ratio {ingest / limit:.2f}) over {args.ingest:,} events"
    )
    first, last = date(2025, 1, 1), date(2025, 12, 31)
    began = time.perf_counter()
    generate_events(args.events, first, codes)
    generated = time.perf_counter() - began
    began = time.perf_counter()
    rolled = run_rollup(force=True)
    rollup_seconds = time.perf_counter() - began
    print(
        f"generated {args.events:,} raw events in {generated:.1f} s; rollup "
        f"{rolled.summary()} in {rollup_seconds:.1f} s"
    )
    nlc = Library.objects.get(code="NLC")
    province, county = Library.objects.get(code="330000"), Library.objects.get(code="330681")
    latencies = dashboard_queries(nlc, province, county, first, last)
    for name, seconds in latencies.items():
        print(f"  {name:<24} {seconds * 1000:8.1f} ms")
    raw = best_of(lambda: raw_comparison(nlc, first, last), repeat=3)
    slowest = max(latencies.values())
    print(
        f"slowest dashboard query {slowest * 1000:.1f} ms (target < 200 ms); the national "
        f"comparison straight from raw events takes {raw * 1000:.0f} ms"
    )
    print(
        json.dumps(
            {
                "ingest_events_per_s": round(ingest),
                "bulk_append_per_s": round(limit),
                "ingest_ratio": round(ingest / limit, 3),
            }
        )
    )
    report(
        "stats",
        "slowest dashboard query",
        slowest * 1000,
        "same figure from raw events",
        raw * 1000,
        "ms",
        higher_is_better=False,
        events=args.events,
        ingest_events_per_s=round(ingest),
        ingest_limit_per_s=round(limit),
        ingest_ratio=round(ingest / limit, 3),
        rollup_seconds=round(rollup_seconds, 1),
        queries_ms={k: round(v * 1000, 1) for k, v in latencies.items()},
    )


if __name__ == "__main__":
    main()
