"""The SPARQL 1.1 endpoint over HTTP (SPARQLWrapper against a live server) and its bounds."""

from __future__ import annotations

import csv
import io

import pytest
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from shuxiang.linkeddata import store, sync
from shuxiang.linkeddata.tests.conftest import SECRET

pytestmark = pytest.mark.live

BOOKS = """PREFIX schema: <https://schema.org/>
SELECT ?item ?name WHERE { ?item a schema:Book ; schema:name ?name }"""
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?p }"


@pytest.fixture
def endpoint(live_server, world):
    sync.rebuild_now()
    return live_server.url + "/sparql"


def ask(endpoint: str, query: str, fmt=JSON, method="GET"):
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client.query().convert()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_selects_the_public_books(endpoint, method):
    answer = ask(endpoint, BOOKS, JSON, method)
    names = {row["name"]["value"] for row in answer["results"]["bindings"]}
    assert "呐喊" in names and not any(SECRET in n for n in names)


def test_results_come_as_xml_csv_and_tsv(endpoint):
    xml = ask(endpoint, BOOKS, XML)
    assert "呐喊" in xml.toxml()
    rows = list(csv.reader(io.StringIO(ask(endpoint, BOOKS, CSV).decode())))
    assert rows[0] == ["item", "name"] and any(r[1] == "呐喊" for r in rows[1:])
    tsv = ask(endpoint, BOOKS, TSV).decode()
    assert tsv.splitlines()[0] == "?item\t?name" and '"呐喊"' in tsv


def test_ask_and_construct(endpoint):
    assert ask(endpoint, "ASK { ?s a <https://schema.org/Library> }")["boolean"] is True
    client = SPARQLWrapper(endpoint)
    client.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://schema.org/Library> ; ?p ?o }")
    graph = client.queryAndConvert()
    assert len(graph) > 0


def test_a_commit_reaches_the_store_through_the_task_queue(endpoint, world):
    from shuxiang.resources.models import Collection
    from shuxiang.resources.tests.helpers import png_bytes, published, upload

    collection = Collection.objects.get(code="local")
    published(collection, title="新到的拓片", files=[upload("new.png", png_bytes("yellow"))])
    query = 'ASK { ?s <https://schema.org/name> "新到的拓片" }'
    assert ask(endpoint, query)["boolean"] is True


def test_updates_service_and_huge_queries_are_refused(client, endpoint):
    for text in ("INSERT DATA { <a:b> <a:c> <a:d> }", "DROP ALL", "CLEAR DEFAULT"):
        response = client.get("/sparql", {"query": text})
        assert response.status_code == 400
    form = client.post("/sparql", {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    assert form.status_code == 400 and form.content.startswith(b"update")
    service = client.get("/sparql", {"query": "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"})
    assert service.status_code == 400
    huge = client.get("/sparql", {"query": "SELECT * {" + " " * 30_000 + "}"})
    assert huge.status_code == 400 and b"query" in huge.content
    assert client.get("/sparql", {"query": "SELEKT nonsense"}).status_code == 400


def test_a_runaway_query_is_stopped_at_the_timeout(client, endpoint, monkeypatch):
    monkeypatch.setenv("SHUXIANG_SPARQL_TIMEOUT_SECONDS", "1")
    response = client.get("/sparql", {"query": CROSS})
    assert response.status_code == 503
    # The endpoint still answers afterwards (a fresh worker replaced the killed one).
    assert client.get("/sparql", {"query": "ASK {}"}).status_code == 200


def test_answers_are_cut_at_the_result_limit(client, endpoint, monkeypatch):
    monkeypatch.setenv("SHUXIANG_SPARQL_RESULT_LIMIT", "3")
    response = client.get("/sparql", {"query": "SELECT * { ?s ?p ?o }", "format": "csv"})
    assert response.status_code == 200 and response["X-SPARQL-Truncated"] == "true"
    assert len(response.content.decode().strip().splitlines()) == 4


def test_before_the_first_build_the_endpoint_says_so(
    client, world, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("SHUXIANG_LINKEDDATA_DIR", str(tmp_path / "empty"))
    assert not store.exists()
    assert client.get("/sparql", {"query": "ASK {}"}).status_code == 503
    assert client.get("/sparql").status_code == 200  # the query form


def test_direct_post_and_default_graph_uri(client, endpoint, world):
    query = "SELECT ?s WHERE { ?s a <https://schema.org/Library> }"
    direct = client.post(
        "/sparql", query, content_type="application/sparql-query", HTTP_ACCEPT="text/csv"
    )
    assert direct.status_code == 200 and direct["Content-Type"].startswith("text/csv")
    assert len(direct.content.decode().strip().splitlines()) > 1
    graph = "http://127.0.0.1:8000/network/330600/"
    only_one = client.get("/sparql", {"query": query, "default-graph-uri": graph, "format": "csv"})
    assert only_one.content.decode().split() == ["s", graph]
    assert client.post("/sparql", "x", content_type="text/plain").status_code == 415
