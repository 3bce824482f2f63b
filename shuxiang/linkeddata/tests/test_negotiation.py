"""Content negotiation: the page URL answers HTML or RDF by Accept (q-values) or ?format=."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld
from rdflib import Graph, URIRef

from shuxiang.linkeddata.negotiation import choose

RDF_TYPES = {
    "application/ld+json": "json-ld",
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


def entity_paths(world) -> dict[str, str]:
    book = world["book"]
    return {
        "resource": f"/resources/{world['photo'].pk}/",
        "library": "/network/330600/",
        "person": "/ld/person/鲁迅/",
        "subject": "/ld/subject/小说/",
        "place": "/ld/place/330600/",
        "work": f"/ld/work/{book.work_id}/",
    }


def parsed(response, rdflib_format: str) -> Graph:
    return Graph().parse(data=response.content.decode(), format=rdflib_format)


@pytest.mark.parametrize("media_type", RDF_TYPES)
def test_every_entity_kind_parses_in_every_rdf_format(client, world, media_type):
    for kind, path in entity_paths(world).items():
        response = client.get(path, HTTP_ACCEPT=media_type)
        assert response.status_code == 200, (kind, response.content[:300])
        assert response["Content-Type"].startswith(media_type)
        assert "Accept" in response["Vary"]
        graph = parsed(response, RDF_TYPES[media_type])
        uri = URIRef(
            "http://127.0.0.1:8000"
            + path.replace("鲁迅", "%E9%B2%81%E8%BF%85").replace("小说", "%E5%B0%8F%E8%AF%B4")
        )
        assert (uri, None, None) in graph or (None, None, uri) in graph, (kind, path)


def test_json_ld_expands_with_pyld(client, world):
    for path in entity_paths(world).values():
        document = json.loads(client.get(path, HTTP_ACCEPT="application/ld+json").content)
        expanded = jsonld.expand(document)
        assert expanded and all("@id" in node for node in expanded)


def test_browsers_get_the_page_and_the_alternates_are_linked(client, world):
    path = f"/resources/{world['photo'].pk}/"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(path, HTTP_ACCEPT=browser)
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    assert 'rel="alternate"; type="text/turtle"' in response["Link"]


def test_content_location_names_the_format_specific_url(client, world):
    path = f"/resources/{world['photo'].pk}/"
    response = client.get(path, HTTP_ACCEPT="text/turtle")
    assert response["Content-Location"] == path + "?format=ttl"
    again = client.get(response["Content-Location"], HTTP_ACCEPT="text/html")
    assert again["Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("text/html;q=0.1, text/turtle", "text/turtle"),
        ("application/rdf+xml, text/html;q=0.99", "application/rdf+xml"),
        ("application/n-triples;q=0.2, text/*;q=0.1", "application/n-triples"),
        ("*/*;q=0.1, text/turtle;q=0", "text/html"),
        ("text/turtle;q=1.0, text/html;q=1.0", "text/html"),
        ("", "text/html"),
    ],
)
def test_accept_q_values_choose_the_format(client, world, accept, expected):
    response = client.get(f"/resources/{world['photo'].pk}/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(expected)


def test_nothing_acceptable_is_406_and_a_bad_format_400(client, world):
    path = f"/resources/{world['photo'].pk}/"
    assert client.get(path, HTTP_ACCEPT="image/png").status_code == 406
    assert client.get(path, HTTP_ACCEPT="text/turtle;q=0").status_code == 406
    bad = client.get(path + "?format=exe")
    assert bad.status_code == 400 and b"format" in bad.content


def test_hostile_q_values_count_as_zero():
    assert choose("text/turtle;q=１, text/html;q=0.5").media_type == "text/html"
    assert choose("text/turtle;q=1e9") is None
