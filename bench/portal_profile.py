"""Where the dynamic portal pages spend their time, in-process (no server, no network).

Builds the same node as ``bench/portal.py`` and renders each page many times through Django's
full middleware stack (the test client, as an anonymous reader whose pages bypass the page
cache, and as a signed-in reader), reporting per page: median milliseconds, SQL queries and
model instances built. ``--profile NAME`` prints cProfile's top functions for one page.
A diagnosis tool: its figures are not a benchmark result (no peer), so it prints no JSON line.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django  # noqa: E402

PAGES = {
    "home": ("/", False),
    "branch": ("/s/330600/", False),
    "resource": ("/read/demo:lunyu/3/", False),
    "search": ("/search?q=%E6%9C%88", False),
    "search_signed_in": ("/search?q=%E6%9C%88", True),
    "reader_home": ("/", True),
    "search_empty": ("/search", False),
}


def clients():
    from django.test import Client

    from shuxiang.accounts.tests.factories import reader
    from shuxiang.network.models import Library

    anonymous, signed_in = Client(), Client()
    signed_in.force_login(reader(Library.objects.get(code="330600"), username="profile-reader"))
    return anonymous, signed_in


def counted(client, path: str) -> tuple[float, int, int]:
    """(seconds, queries, model instances) of one request."""
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    built = [0]

    def count(**_kwargs):
        built[0] += 1

    post_init.connect(count, weak=False, dispatch_uid="profile-count")
    try:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - start
    finally:
        post_init.disconnect(dispatch_uid="profile-count")
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, len(queries), built[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=60, help="Renders per page.")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key.")
    parser.add_argument("--profile", default="", help="Print cProfile's top functions for it.")
    args = parser.parse_args()
    data_dir = setup_django()
    try:
        from portal import build_node

        build_node()
        anonymous, signed_in = clients()
        for name, (path, signed) in PAGES.items():
            client = signed_in if signed else anonymous
            _seconds, queries, built = counted(client, path)  # first render: warm-up
            times = [client_time(client, path) for _ in range(args.repeat)]
            _seconds, queries, built = counted(client, path)
            print(
                f"{name:17} {statistics.median(times) * 1000:6.2f} ms  "
                f"{queries:3} queries  {built:4} model instances"
            )
        if args.profile:
            path, signed = PAGES[args.profile]
            client = signed_in if signed else anonymous
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)
    finally:
        from shuxiang.stats import events

        events.flush()  # the pages' usage events, before their folder goes
        shutil.rmtree(data_dir, ignore_errors=True)


def client_time(client, path: str) -> float:
    start = time.perf_counter()
    client.get(path)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
