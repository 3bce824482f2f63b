"""The SPARQL worker process: runs one query at a time on a read-only snapshot of the store.

It imports nothing of Django, so it starts quickly; its address space is capped, and the web
process kills it when a query runs past the timeout (pyoxigraph has no query timeout of its own).
Answers are written here, row by row, so a result limit cuts them off cleanly.
"""

from __future__ import annotations

import csv
import io
import json
import resource
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            attr = quoteattr(term.datatype.value)
            return f"<literal datatype={attr}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _plain(term, tsv: bool) -> str:
    if term is None:
        return ""
    if tsv:
        return str(term)
    return term.value if hasattr(term, "value") else str(term)


def write_select(names: list[str], rows: list[list], media: str) -> bytes:
    """SPARQL 1.1 results in JSON, XML, CSV or TSV."""
    if media == "application/sparql-results+json":
        bindings = [
            {n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None}
            for row in rows
        ]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}).encode()
    if media == "application/sparql-results+xml":
        head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
        body = "".join(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                for n, t in zip(names, row, strict=True)
                if t is not None
            )
            + "</result>"
            for row in rows
        )
        return (
            '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{body}</results></sparql>"
        ).encode()
    tsv = media == "text/tab-separated-values"
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter="\t" if tsv else ",", lineterminator="\r\n" if not tsv else "\n"
    )
    writer.writerow([("?" + n) if tsv else n for n in names])
    for row in rows:
        writer.writerow([_plain(t, tsv) for t in row])
    return out.getvalue().encode()


def write_boolean(value: bool, media: str) -> bytes:
    if media == "application/sparql-results+xml":
        return (
            '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>"
        ).encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def answer(store: ox.Store, request: dict) -> tuple[str, bytes, bool]:
    """(media type, body, truncated) for one query request."""
    limit = request["limit"]
    results = store.query(
        request["query"],
        use_default_graph_as_union=not request.get("default_graphs"),
        default_graph=[ox.NamedNode(u) for u in request.get("default_graphs") or []] or None,
    )
    if isinstance(results, (bool, ox.QueryBoolean)):
        media = request["boolean_media"]
        return media, write_boolean(bool(results), media), False
    if isinstance(results, ox.QuerySolutions):
        names = [v.value for v in results.variables]
        rows, truncated = [], False
        for solution in results:
            if len(rows) >= limit:
                truncated = True
                break
            rows.append([solution[n] for n in names])
        media = request["select_media"]
        return media, write_select(names, rows, media), truncated
    triples, truncated = [], False
    for triple in results:
        if len(triples) >= limit:
            truncated = True
            break
        triples.append(triple)
    media = request["graph_media"]
    return media, ox.serialize(triples, format=GRAPH_FORMATS[media]), truncated


def serve(connection, memory_mb: int) -> None:
    """Loop: receive a request, answer (or report the error), until the pipe closes."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    opened: tuple[str, ox.Store] | None = None
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        try:
            if opened is None or opened[0] != request["snapshot"]:
                opened = (request["snapshot"], ox.Store.read_only(request["snapshot"]))
            connection.send(("ok", *answer(opened[1], request)))
        except SyntaxError as error:
            connection.send(("syntax", str(error)[:500], b"", False))
        except MemoryError:
            connection.send(("memory", "", b"", False))
        except Exception as error:  # evaluation errors are the query's fault, not the node's
            connection.send(("error", f"{type(error).__name__}: {error}"[:500], b"", False))
