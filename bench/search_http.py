# ruff: noqa: E501  (report lines read better unwrapped)
"""HTTP side of bench/search.py: a live node on loopback, the JSON search call, OAI harvest rate."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_engines import Fts5, percentile, timed  # noqa: E402,F401


def http_call(session, base: str):
    def run(item):
        params = {"q": item["q"], "sort": item.get("sort", "relevance"), **item.get("filters", {})}
        response = session.get(f"{base}/api/v1/catalog/search", params=params)
        response.raise_for_status()

    return run


def serve_django():
    """This node's ASGI app under uvicorn (what ``shuxiang serve`` runs) on a loopback port."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        "shuxiang.asgi:application",
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def harvest_rates(base: str, harvest: int) -> tuple[float, float]:
    """(fetch-and-parse records/s, full harvest records/s) for ``harvest`` records over HTTP."""
    import requests

    from shuxiang.catalog.models import Source
    from shuxiang.catalog.oai import harvester

    spec = "library:NLC:620000:620100:620123"
    session, params, fetched = (
        requests.Session(),
        {"verb": "ListRecords", "metadataPrefix": "shuxiang", "set": spec},
        0,
    )
    start = time.perf_counter()
    while params:
        root = harvester.parse_page(session.get(f"{base}/oai", params=params).content)
        fetched += len(root.findall(".//{http://www.openarchives.org/OAI/2.0/}record"))
        token = root.findtext(".//{http://www.openarchives.org/OAI/2.0/}resumptionToken")
        params = {"verb": "ListRecords", "resumptionToken": token} if token else None
    fetch_rate = fetched / (time.perf_counter() - start)
    source = Source.objects.create(
        key="self",
        name="self",
        kind="oai",
        base_url=f"{base}/oai",
        metadata_prefix="shuxiang",
        set_spec=spec,
    )
    start = time.perf_counter()
    stored = harvester.harvest(source, backoff=0).stored
    harvest_rate = stored / (time.perf_counter() - start)
    print(
        f"harvest: fetched+parsed {fetched:,} at {fetch_rate:,.0f}/s; harvested {stored:,} at {harvest_rate:,.0f}/s"
    )
    return fetch_rate, harvest_rate
