"""Offline XML-schema validation of OAI-PMH responses (official schemas kept in tests/data)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

DATA = Path(__file__).parent / "data" / "xsd"
NATIVE = Path(__file__).parents[1] / "oai" / "shuxiang-record.xsd"
REMOTE = {
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": DATA / "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": DATA / "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": DATA / "xml.xsd",
}
IMPORTS = {
    "http://www.openarchives.org/OAI/2.0/": DATA / "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": DATA / "oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier": DATA / "oai-identifier.xsd",
    "http://www.loc.gov/MARC21/slim": DATA / "MARC21slim.xsd",
    "urn:shuxiang:record:1": NATIVE,
}


class _Offline(etree.Resolver):
    def resolve(self, url, pubid, context):
        if url in REMOTE:
            return self.resolve_filename(str(REMOTE[url]), context)
        return None


@lru_cache(maxsize=1)
def oai_schema() -> etree.XMLSchema:
    """OAI-PMH + oai_dc + oai-identifier + MARCXML + the native format, in one schema."""
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>'
        for ns, path in IMPORTS.items()
    )
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:wrapper">'
        f"{imports}</xs:schema>"
    )
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Offline())
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser))


def assert_valid(body: bytes) -> etree._Element:
    """Parse ``body`` and fail with the schema's message unless it is valid OAI-PMH."""
    doc = etree.fromstring(body, etree.XMLParser(no_network=True))
    schema = oai_schema()
    assert schema.validate(doc), f"{schema.error_log.last_error}\n{body[:2000]!r}"
    return doc
