"""Metadata formats the provider disseminates: oai_dc, the native format and MARCXML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.urls import NoReverseMatch, reverse
from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NATIVE_NS = "urn:shuxiang:record:1"
MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_FORMATS = ("marc21", "unimarc")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    """Text safe for XML 1.0 (control characters dropped)."""
    text = text if isinstance(text, str) else str(text or "")
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """``clean`` text, stripped and escaped for XML character data; one regex search when
    there is nothing to drop or escape (the common case)."""
    text = value if isinstance(value, str) else str(value or "")
    if _SPECIAL.search(text):
        text = escape(clean(text))
    return text.strip()


@dataclass(frozen=True)
class Format:
    prefix: str
    schema: str
    namespace: str

    def applies_to(self, record) -> bool:
        return self.prefix != "marc21" or record.format in MARC_FORMATS


def formats(base_url: str) -> dict[str, Format]:
    return {
        "oai_dc": Format("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
        "shuxiang": Format("shuxiang", f"{base_url}/shuxiang-record.xsd", NATIVE_NS),
        "marc21": Format(
            "marc21", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", MARC_NS
        ),
    }


def _sub(parent, tag: str, text: object) -> None:
    value = clean(text).strip()
    if value:
        etree.SubElement(parent, tag).text = value


OAI_DC_OPEN = (
    f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" xmlns:xsi="{XSI_NS}" '
    f'xsi:schemaLocation="{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
)


DC_SINGLE = ("description", "publisher", "date", "type", "language")


def oai_dc_xml(record) -> str:
    """The record as oai_dc, as XML text (built as text: lists of 100 records need speed)."""
    parts = [OAI_DC_OPEN]
    isbn = [f"ISBN {record.isbn}"] if record.isbn and record.isbn not in record.identifiers else []
    for tag, values in (
        ("title", (record.title,)),
        ("creator", record.creators),
        ("subject", record.subjects),
        *((tag, (getattr(record, tag),)) for tag in DC_SINGLE),
        ("identifier", (*record.identifiers, *isbn)),
    ):
        for value in values:
            text = xml_text(value)
            if text:
                parts.append(f"<dc:{tag}>{text}</dc:{tag}>")
    parts.append("</oai_dc:dc>")
    return "".join(parts)


def oai_dc(record) -> etree._Element:
    return etree.fromstring(oai_dc_xml(record))


def _related(record, attribute: str, column: str) -> str:
    """A related value of a model instance (``library.code``) or of a list row's column."""
    if hasattr(record, column):
        return getattr(record, column) or ""
    related = getattr(record, attribute.split(".")[0], None)
    return getattr(related, attribute.split(".")[1], "") if related is not None else ""


def landing_page(record, node_url: str) -> str:
    """The record's page: at its holding node, or this node's page of a local resource."""
    if record.holding_url:
        return record.holding_url
    number = (record.local_id or "").removeprefix("resource:")
    kind = _related(record, "source.kind", "source__kind")
    if not node_url or kind != "local" or not number.isdigit() or number == record.local_id:
        return ""
    try:
        return node_url + reverse("resources:detail", args=[int(number)])
    except NoReverseMatch:
        return ""


def native_xml(record, node_url: str = "") -> str:
    """The record in the native format as XML text (for model instances and list rows)."""
    parts = [f'<record xmlns="{NATIVE_NS}"><title>{xml_text(record.title)}</title>']
    single = ("description", "publisher", "date", "year", "language", "type", "collection")
    values = [("creator", v) for v in record.creators] + [("subject", v) for v in record.subjects]
    values += [(tag, getattr(record, tag)) for tag in single]
    values += [("identifier", v) for v in record.identifiers] + [("isbn", record.isbn)]
    values.append(("library", _related(record, "library.code", "library__code")))
    for tag, value in values:
        text = xml_text(value if value is not None else "")
        if text:
            parts.append(f"<{tag}>{text}</{tag}>")
    source = f"{_related(record, 'source.key', 'source__key')}/{record.local_id}"
    parts.append(f"<accessPolicy>{xml_text(record.access_policy)}</accessPolicy>")
    parts.append(f"<source>{xml_text(source)}</source>")
    if record.work_id:
        parts.append(f"<work>{record.work_id}</work>")
    holder = record.holding_node or node_url
    for tag, value in (("holdingNode", holder), ("landingPage", landing_page(record, node_url))):
        if value:
            parts.append(f"<{tag}>{xml_text(value)}</{tag}>")
    parts.append("</record>")
    return "".join(parts)


def native(record, node_url: str = "") -> etree._Element:
    return etree.fromstring(native_xml(record, node_url))


LEADER_DEFAULT = "00000nam a2200000   4500"
LEADER_OK = [r"[\d ]"] * 5 + [r"[\dA-Za-z ]", r"[\dA-Za-z]"] + [r"[\dA-Za-z ]"] * 3
LEADER_OK += [r"[2 ]"] * 2 + [r"[\d ]"] * 5 + [r"[\dA-Za-z ]"] * 3 + ["4", "5", "0", "0"]


def repair_leader(leader: str) -> str:
    """A leader MARCXML accepts: each invalid position takes the default's character."""
    leader = (leader or "").ljust(24)[:24]
    return "".join(
        ch if re.fullmatch(LEADER_OK[i], ch) else LEADER_DEFAULT[i] for i, ch in enumerate(leader)
    )


def marcxml(record) -> etree._Element:
    """The stored MARCXML payload of a MARC-sourced record (its ``marc:record`` element)."""
    parsed = etree.fromstring(record.payload.encode())
    found = (
        parsed if parsed.tag == f"{{{MARC_NS}}}record" else parsed.find(f".//{{{MARC_NS}}}record")
    )
    leader = found.find(f"{{{MARC_NS}}}leader")
    if leader is not None:
        leader.text = repair_leader(leader.text)
    return found


def metadata(prefix: str, record, node_url: str = "") -> etree._Element:
    if prefix == "shuxiang":
        return native(record, node_url)
    return {"oai_dc": oai_dc, "marc21": marcxml}[prefix](record)


def metadata_xml(prefix: str, record, node_url: str = "") -> str:
    """The metadata element of ``record`` in ``prefix`` as XML text."""
    if prefix == "oai_dc":
        return oai_dc_xml(record)
    if prefix == "shuxiang":
        return native_xml(record, node_url)
    return etree.tostring(metadata(prefix, record), encoding="unicode")
