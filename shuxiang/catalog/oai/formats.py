"""Metadata formats the provider disseminates: oai_dc, the native format and MARCXML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

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


def native(record) -> etree._Element:
    ns = f"{{{NATIVE_NS}}}"
    root = etree.Element(ns + "record", nsmap={None: NATIVE_NS})
    etree.SubElement(root, ns + "title").text = clean(record.title)
    for tag, values in (("creator", record.creators), ("subject", record.subjects)):
        for value in values:
            _sub(root, ns + tag, value)
    for tag in ("description", "publisher", "date", "year", "language", "type", "collection"):
        _sub(root, ns + tag, getattr(record, tag) if getattr(record, tag) is not None else "")
    for identifier in record.identifiers:
        _sub(root, ns + "identifier", identifier)
    _sub(root, ns + "isbn", record.isbn)
    _sub(root, ns + "library", record.library.code if record.library_id else "")
    etree.SubElement(root, ns + "accessPolicy").text = record.access_policy
    etree.SubElement(root, ns + "source").text = f"{record.source.key}/{clean(record.local_id)}"
    _sub(root, ns + "work", record.work_id or "")
    return root


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


def metadata(prefix: str, record) -> etree._Element:
    return {"oai_dc": oai_dc, "shuxiang": native, "marc21": marcxml}[prefix](record)


def metadata_xml(prefix: str, record) -> str:
    """The metadata element of ``record`` in ``prefix`` as XML text."""
    if prefix == "oai_dc":
        return oai_dc_xml(record)
    return etree.tostring(metadata(prefix, record), encoding="unicode")
