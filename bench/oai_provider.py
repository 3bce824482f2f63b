# ruff: noqa: E501  (report lines read better unwrapped)
"""OAI-PMH provider benchmark: records/s served by /oai to a full ListRecords harvest.

Stores N generated records (bench/catalog_corpus.py; default 100,000, all public), then
harvests them in full (ListRecords, oai_dc, following resumption tokens) over HTTP on loopback
from two providers serving the same rows of the same database in the same run:

- this node's /oai (the Django ASGI app under uvicorn, what ``shuxiang serve`` runs);
- pyoai's ``BatchingServer`` (a third-party OAI-PMH server) as a WSGI app under the same
  uvicorn, its repository reading the same records (100 per page, like ours).

The harvesting client is the same for both (requests + a full lxml parse of every page) and
counts the records it received. The ratio is ours / pyoai (goal ≥ 1).

    .venv/bin/python bench/oai_provider.py --records 100000
"""

from __future__ import annotations

import argparse
import cgi
import datetime as dt
import json
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_corpus import generate  # noqa: E402
from common import setup_django  # noqa: E402

OAI = "{http://www.openarchives.org/OAI/2.0/}"
BATCH = 100


def insert_records(count: int) -> None:
    from django.utils import timezone

    from shuxiang.catalog.models import Record, Source
    from shuxiang.catalog.normalize import fold

    source = Source.objects.create(key="bench", name="Generated", kind="generated")
    start, batch, began = timezone.now().replace(microsecond=0), [], time.time()
    for n, fields in enumerate(generate(count)):
        batch.append(
            Record(
                source=source,
                local_id=fields["local_id"],
                format="native",
                payload="",
                datestamp=start - dt.timedelta(seconds=count - n),
                access_policy="public",
                title=fields["title"],
                title_folded=fold(fields["title"])[:200],
                creators=fields["creators"],
                subjects=fields["subjects"],
                description=fields["description"],
                publisher=fields["publisher"],
                date=fields["date"],
                year=fields["year"],
                language=fields["language"],
                type=fields["type"],
                collection=fields["collection"],
                identifiers=[fields["isbn"]] if fields["isbn"] else [],
                isbn=fields["isbn"],
                set_specs="||",
            )
        )
        if len(batch) >= 5000:
            Record.objects.bulk_create(batch)
            batch = []
    Record.objects.bulk_create(batch)
    print(f"stored {count:,} records in {time.time() - began:.1f}s")


class WarehouseRepository:
    """pyoai's IBatchingOAI over the same warehouse rows (ordered by datestamp, id)."""

    COLUMNS = ("id", "datestamp", "title", "creators", "subjects", "description", "publisher",
               "date", "type", "language", "identifiers", "isbn")  # fmt: skip

    def identify(self):
        from oaipmh import common

        return common.Identify("pyoai", "http://127.0.0.1/pyoai", "2.0", ["a@example.org"],
                               dt.datetime(2000, 1, 1), "persistent", "YYYY-MM-DDThh:mm:ssZ",
                               ["identity"], toolkit_description=False)  # fmt: skip

    def listMetadataFormats(self, identifier=None):  # noqa: N802 - pyoai's interface
        return [("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                 "http://www.openarchives.org/OAI/2.0/oai_dc/")]  # fmt: skip

    def listRecords(
        self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10
    ):  # noqa: N802,N803,A002
        from oaipmh import common

        from shuxiang.catalog.models import Record

        rows = Record.objects.order_by("datestamp", "id").values_list(*self.COLUMNS)
        items = []
        for (
            pk,
            stamp,
            title,
            creators,
            subjects,
            description,
            publisher,
            date,
            type_,
            language,
            identifiers,
            isbn,
        ) in rows[cursor : cursor + batch_size]:
            header = common.Header(
                None, f"oai:pyoai:{pk}", stamp.astimezone(dt.UTC).replace(tzinfo=None), [], False
            )
            fields = {"title": [title], "creator": creators, "subject": subjects,
                      "description": [description] if description else [],
                      "publisher": [publisher] if publisher else [], "date": [date] if date else [],
                      "type": [type_] if type_ else [], "language": [language] if language else [],
                      "identifier": identifiers + ([f"ISBN {isbn}"] if isbn and isbn not in identifiers else [])}  # fmt: skip
            items.append((header, common.Metadata(None, fields), None))
        return items

    def listIdentifiers(self, *args, **kwargs):  # noqa: N802
        return [header for header, _m, _a in self.listRecords(*args, **kwargs)]

    def listSets(self, cursor=0, batch_size=10):  # noqa: N802
        from oaipmh import error

        raise error.NoSetHierarchyError("no sets")

    def getRecord(self, metadataPrefix, identifier):  # noqa: N802,N803
        from oaipmh import error

        raise error.IdDoesNotExistError(identifier)


def pyoai_app(page_size: int = BATCH):
    """pyoai's BatchingServer as a WSGI app."""
    from django.db import close_old_connections
    from oaipmh import metadata, server

    cgi.parse_qs = urllib.parse.parse_qs  # pyoai predates Python 3.8
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    pyoai = server.BatchingServer(WarehouseRepository(), registry, resumption_batch_size=page_size)

    def app(environ, start_response):
        params = {
            k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()
        }
        body = pyoai.handleRequest(params)
        close_old_connections()
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body]

    return app


def serve(app, interface: str):
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="off", interface=interface)  # fmt: skip
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def full_harvest(url: str) -> tuple[int, float]:
    """(records received, seconds) for a complete ListRecords oai_dc harvest of ``url``."""
    import requests
    from lxml import etree

    session, count = requests.Session(), 0
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    start = time.perf_counter()
    while params:
        response = session.get(url, params=params, timeout=300)
        response.raise_for_status()
        root = etree.fromstring(response.content)
        error = root.find(f"{OAI}error")
        if error is not None:
            raise RuntimeError(f"{url}: {error.get('code')}: {error.text}")
        count += len(root.findall(f"{OAI}ListRecords/{OAI}record"))
        token = root.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
        params = {"verb": "ListRecords", "resumptionToken": token} if token else None
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records harvested in full")
    parser.add_argument("--rounds", type=int, default=1, help="harvests per provider (best kept)")
    parser.add_argument(
        "--page-size", type=int, default=BATCH, help="records a page, both providers"
    )
    args = parser.parse_args()
    setup_django()
    from shuxiang.catalog.oai import provider

    provider.PAGE_SIZE = args.page_size
    insert_records(args.records)
    ours_server, ours = serve("shuxiang.asgi:application", "asgi3")
    theirs_server, theirs = serve(pyoai_app(args.page_size), "wsgi")
    results = {"shuxiang": [], "pyoai": []}
    for _round in range(args.rounds):
        for name, url in (("shuxiang", f"{ours}/oai"), ("pyoai", theirs)):
            count, seconds = full_harvest(url)
            assert count == args.records, f"{name} served {count} of {args.records} records"
            results[name].append(count / seconds)
            print(f"{name}: {count:,} records in {seconds:.1f}s = {count / seconds:,.0f} records/s")
    for server in (ours_server, theirs_server):
        server.should_exit = True
    ours_rate, their_rate = max(results["shuxiang"]), max(results["pyoai"])
    print(json.dumps({"bench": "oai_provider", "metric": "full ListRecords harvest (oai_dc)",
                      "value": round(ours_rate, 1), "baseline": "pyoai BatchingServer, same rows",
                      "baseline_value": round(their_rate, 1), "ratio": round(ours_rate / their_rate, 2),
                      "unit": "records/s", "records": args.records, "page_size": args.page_size}))  # fmt: skip


if __name__ == "__main__":
    main()
