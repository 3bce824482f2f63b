"""Recommendation serving: p95 of a resource page with related items, over HTTP, against the
same page with the recommendation tag switched off (same server, same run, interleaved).

    python bench/analytics_serving.py [requests]

A fresh embedded node (SQLite, temporary data folder): the small test network, 40 published
resources, a generated year of reading over them, the nightly jobs on DuckDB; then a WSGI
server on loopback answers GET /resources/<pk>/ for an anonymous reader.
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
os.environ["SHUXIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="shuxiang-serving-")
os.environ.pop("SHUXIANG_DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from shuxiang.analytics import services  # noqa: E402
from shuxiang.analytics.generator import Shape, generate  # noqa: E402
from shuxiang.analytics.templatetags import recommendations  # noqa: E402
from shuxiang.network.divisions import load_divisions  # noqa: E402
from shuxiang.network.tests.factories import small_network  # noqa: E402
from shuxiang.resources.models import Collection  # noqa: E402
from shuxiang.resources.tests.helpers import png_bytes, published, upload  # noqa: E402
from shuxiang.stats.backends import get_backend  # noqa: E402


class Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def prepare() -> list[int]:
    call_command("migrate", verbosity=0)
    load_divisions(progress=False)
    net = small_network()
    shelf = Collection.objects.create(library=net["sx"], code="b", name="书", kind="independent")
    pks = []
    for n in range(40):
        color = (n * 6 % 256, n * 3 % 256, 200)
        res = published(shelf, title=f"第{n + 1}种", files=[upload(f"{n}.png", png_bytes(color))])
        pks.append(res.pk)
    items = [f"resource:{pk}" for pk in pks]
    shape = Shape(events=40_000, readers=800, items=40, topics=5)
    for batch in generate(shape, ["330600", "330681"], items):
        get_backend().append(batch)
    services.run_nightly("duckdb")
    return pks


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    pks = prepare()
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real = recommendations.serving.related
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for n in range(requests * 2):
        mode = "with" if n % 2 else "without"
        recommendations.serving.related = real if mode == "with" else (lambda *a, **k: [])
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port)
        began = time.perf_counter()
        conn.request("GET", f"/resources/{pks[n % len(pks)]}/")
        body = conn.getresponse().read()
        timings[mode].append(time.perf_counter() - began)
        conn.close()
        assert body
    server.shutdown()
    with_p95, without_p95 = p95(timings["with"]), p95(timings["without"])
    print(f"requests per variant: {requests}")
    print(f"p95 with recommendations:    {with_p95 * 1000:.1f} ms")
    print(f"p95 without recommendations: {without_p95 * 1000:.1f} ms")
    print(f"ratio: {with_p95 / without_p95:.2f}x")


if __name__ == "__main__":
    main()
