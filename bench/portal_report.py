"""Printing and saving the figures of ``bench/portal.py`` (ratios against nginx and the
previous revision, per worker)."""

from __future__ import annotations

from common import report

PAGES = {"home": "/", "branch": "/s/330600/", "resource": "/read/demo:lunyu/3/"}


def summarize(served: dict, limit: dict, floor: dict, sizes: dict, args) -> None:
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s over loopback; "
        f"shuxiang serve --workers {args.workers} vs nginx ({args.workers} workers)"
    )
    for name in PAGES:
        ours, theirs = served[name], limit[name]
        print(
            f"{name:7} ({sizes[name]:,} B HTML): shuxiang {ours['rps']:,.0f} req/s "
            f"(p95 {ours['p95_ms']:.1f} ms, {ours['errors']} errors) | nginx "
            f"{theirs['rps']:,.0f} req/s (p95 {theirs['p95_ms']:.1f} ms) | "
            f"ratio {ours['rps'] / theirs['rps']:.3f}"
        )
    print(
        f"/healthz (no database, no template: the server's own floor): {floor['rps']:,.0f} req/s"
        f" (p95 {floor['p95_ms']:.1f} ms)"
    )


def summarize_dynamic(dynamic, floor, crowd, states, load_average, args) -> None:
    print(f"page cache state of the anonymous pages after one visit: {states}")
    for name, result in dynamic.items():
        print(
            f"{name:11} (signed-in, uncached): {result['rps']:,.0f} req/s = "
            f"{result['rps'] / args.workers:,.0f} per worker (p95 {result['p95_ms']:.1f} ms, "
            f"{result['errors']} errors; server CPU {result['cpu_ms']:.2f} ms/request) | "
            f"{result['rps'] / floor['rps']:.3f}x /healthz"
        )
    for name, result in crowd.items():
        print(
            f"{name:11} at 200 connections: {result['rps']:,.0f} req/s, p95 "
            f"{result['p95_ms']:.1f} ms, {result['errors']} errors"
        )
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in load_average))


def summarize_others(others: dict, ours: dict, args) -> None:
    """The same pages under the baseline revision and the other setups, and our ratios."""
    for name, found in others.items():
        label = f"revision {args.baseline}" if name == "baseline" else name
        print(f"{label} (same database, loaded in turns with serve, {args.rounds} rounds):")
        for page, result in found.items():
            print(
                f"  {page:11} {result['rps']:,.0f} req/s = {result['rps'] / args.workers:,.1f} "
                f"per worker (p95 {result['p95_ms']:.1f} ms, {result['errors']} errors; CPU "
                f"{result['cpu_ms']:.2f} ms/request) | serve now: "
                f"{ours[page]['rps'] / max(result['rps'], 0.01):.2f}x req/s, "
                f"{result['cpu_ms'] / max(ours[page]['cpu_ms'], 1e-6):.2f}x less CPU per request"
            )


def finish(served, limit, dynamic, floor, crowd, load_average, args, others=None) -> None:
    ratios = {name: served[name]["rps"] / limit[name]["rps"] for name in PAGES}
    extra = {}
    for name in PAGES:
        extra[f"{name}_rps"] = round(served[name]["rps"], 1)
        extra[f"{name}_ratio"] = round(ratios[name], 4)
        extra[f"{name}_p95_ms"] = round(served[name]["p95_ms"], 2)
        extra[f"nginx_{name}_rps"] = round(limit[name]["rps"], 1)
    for name, result in dynamic.items():
        extra[f"{name}_rps_per_worker"] = round(result["rps"] / args.workers, 1)
        extra[f"{name}_p95_ms"] = round(result["p95_ms"], 2)
        extra[f"{name}_healthz_ratio"] = round(result["rps"] / floor["rps"], 4)
        extra[f"{name}_cpu_ms"] = round(result["cpu_ms"], 3)
    for name, found in (others or {}).items():
        for page, result in found.items():
            extra[f"{name}_{page}_rps_per_worker"] = round(result["rps"] / args.workers, 1)
            extra[f"{name}_{page}_p95_ms"] = round(result["p95_ms"], 2)
            extra[f"{name}_{page}_cpu_ms"] = round(result["cpu_ms"], 3)
    report(
        "portal",
        "anonymous home page requests/s (shuxiang serve, page cache)",
        served["home"]["rps"],
        "nginx serving the same page as a static file",
        limit["home"]["rps"],
        "requests/s",
        **extra,
        healthz_rps=round(floor["rps"], 1),
        errors=sum(r["errors"] for r in (*served.values(), *limit.values(), *dynamic.values())),
        errors_at_200_connections=sum(r["errors"] for r in crowd.values()),
        load_average_1min=round(load_average[0], 2),
        workers=args.workers,
        connections=args.connections,
    )
