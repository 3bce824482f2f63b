"""Turning harvested OAI-PMH XML into warehouse fields (oai_dc, native format, MARCXML)."""

from __future__ import annotations

from lxml import etree

from shuxiang.catalog.oai.formats import DC_NS, MARC_NS, NATIVE_NS, OAI_NS, clean

DC_FIELDS = {
    "title": "title",
    "creator": "creators",
    "contributor": "creators",
    "subject": "subjects",
    "description": "description",
    "publisher": "publisher",
    "date": "date",
    "type": "type",
    "language": "language",
    "identifier": "identifiers",
}
LISTS = {"creators", "subjects", "identifiers"}


def _texts(parent, namespace: str, tag: str) -> list[str]:
    return [
        clean(e.text).strip()
        for e in parent.iter(f"{{{namespace}}}{tag}")
        if e.text and e.text.strip()
    ]


def from_oai_dc(metadata) -> dict:
    fields: dict = {"creators": [], "subjects": [], "identifiers": []}
    for tag, name in DC_FIELDS.items():
        values = _texts(metadata, DC_NS, tag)
        if name in LISTS:
            fields[name] += values
        elif values:
            fields.setdefault(name, values[0])
    return fields


NATIVE_SINGLE = ("title", "description", "publisher", "date", "language", "type", "collection",
                 "isbn")  # fmt: skip
NATIVE_LISTS = {"creator": "creators", "subject": "subjects", "identifier": "identifiers"}
_NATIVE_TAGS = {f"{{{NATIVE_NS}}}{tag}": tag for tag in (*NATIVE_SINGLE, *NATIVE_LISTS)}


def from_native(metadata) -> dict:
    """The native format's fields in one pass over its elements (the first non-empty value of
    a single field, every value of a list field)."""
    fields: dict = {name: "" for name in NATIVE_SINGLE}
    lists: dict[str, list[str]] = {name: [] for name in NATIVE_LISTS.values()}
    for element in metadata.iter():
        tag = _NATIVE_TAGS.get(element.tag)
        text = element.text
        if tag is None or not text or not text.strip():
            continue
        if tag in NATIVE_LISTS:
            lists[NATIVE_LISTS[tag]].append(clean(text).strip())
        elif not fields[tag]:
            fields[tag] = clean(text).strip()
    return {**fields, **lists}


def from_marcxml(metadata) -> dict:
    from io import BytesIO

    import pymarc

    from shuxiang.catalog.marc import fields_of

    node = metadata.find(f".//{{{MARC_NS}}}record")
    if node is None:
        return {}
    parsed = pymarc.parse_xml_to_array(BytesIO(etree.tostring(node)))
    return fields_of(parsed[0]) if parsed else {}


READERS = {"oai_dc": from_oai_dc, "shuxiang": from_native, "marc21": from_marcxml}


def header_of(record) -> tuple[str, str, bool, list[str]]:
    """(identifier, datestamp, deleted, setSpecs) of a harvested ``record`` element."""
    header = record.find(f"{{{OAI_NS}}}header")
    if header is None:
        raise ValueError("record without a header")
    identifier = clean(header.findtext(f"{{{OAI_NS}}}identifier") or "").strip()
    if not identifier:
        raise ValueError("header without an identifier")
    datestamp = clean(header.findtext(f"{{{OAI_NS}}}datestamp") or "").strip()
    specs = [clean(e.text) for e in header.findall(f"{{{OAI_NS}}}setSpec") if e.text]
    return identifier, datestamp, header.get("status") == "deleted", specs


def fields_of(record, prefix: str) -> dict:
    """Core fields of a harvested record's metadata (empty when it carries none)."""
    metadata = record.find(f"{{{OAI_NS}}}metadata")
    if metadata is None or len(metadata) == 0:
        return {}
    return READERS[prefix](metadata[0])


NATIVE_EXTRAS = ("library", "accessPolicy", "holdingNode", "landingPage")


_EXTRA_TAGS = {f"{{{NATIVE_NS}}}{tag}": tag for tag in NATIVE_EXTRAS}


def native_extras(record) -> dict[str, str]:
    """Where a native-format record is held: library code, access policy, holding node and
    its page there ("" for what the record does not say)."""
    metadata = record.find(f"{{{OAI_NS}}}metadata")
    native = metadata[0] if metadata is not None and len(metadata) else None
    values: dict[str, str] = {}
    for child in native if native is not None else ():
        tag = _EXTRA_TAGS.get(child.tag)
        if tag is not None and tag not in values:  # the first such element, as find() does
            values[tag] = clean(child.text).strip() if child.text else ""
    return {tag: values.get(tag, "") for tag in NATIVE_EXTRAS}


_HEADER = f"{{{OAI_NS}}}header"
_METADATA = f"{{{OAI_NS}}}metadata"
_HEADER_TAGS = {f"{{{OAI_NS}}}identifier": 0, f"{{{OAI_NS}}}datestamp": 1}
_SINGLE_TAGS = {f"{{{NATIVE_NS}}}{tag}": tag for tag in NATIVE_SINGLE}
_LIST_TAGS = {f"{{{NATIVE_NS}}}{tag}": name for tag, name in NATIVE_LISTS.items()}
_NO_EXTRAS = dict.fromkeys(NATIVE_EXTRAS, "")
_SINGLE, _LIST, _EXTRA = "single", "list", "extra"
_NATIVE_KINDS = {  # element tag → (what it is, the field it fills): one lookup an element
    **{tag: (_SINGLE, name) for tag, name in _SINGLE_TAGS.items()},
    **{tag: (_LIST, name) for tag, name in _LIST_TAGS.items()},
    **{tag: (_EXTRA, name) for tag, name in _EXTRA_TAGS.items()},
}


def native_record(record) -> tuple[str, str, bool, dict, dict[str, str]]:
    """(identifier, datestamp, deleted, fields, extras) of a native-format record in one pass
    over its elements: what ``header_of``, ``fields_of`` and ``native_extras`` give, for the
    harvester's pages of thousands of records.

    The native record is flat (``shuxiang-record.xsd``: a sequence of text elements), so only
    its children are read. No ``clean`` here: the text of a parsed page cannot hold what
    ``clean`` drops (XML 1.0 forbids those characters, and ``fetch.parse`` removes them).
    """
    header = metadata = None
    for child in record:
        if child.tag == _HEADER:
            header = header if header is not None else child
        elif child.tag == _METADATA:
            metadata = metadata if metadata is not None else child
    if header is None:
        raise ValueError("record without a header")
    found = ["", ""]
    for child in header:
        slot = _HEADER_TAGS.get(child.tag)
        if slot is not None and not found[slot]:  # the first of each, as findtext() does
            found[slot] = (child.text or "").strip() or " "
            if found[0] and found[1]:
                break  # the setSpecs that follow are worked out again from the columns
    identifier, datestamp = found[0].strip(), found[1].strip()
    if not identifier:
        raise ValueError("header without an identifier")
    if header.get("status") == "deleted":
        return identifier, datestamp, True, {}, {}
    if metadata is None or len(metadata) == 0:
        return identifier, datestamp, False, {}, dict(_NO_EXTRAS)
    return identifier, datestamp, False, *_native_fields(metadata[0])


def _native_fields(native) -> tuple[dict, dict[str, str]]:
    fields: dict = dict.fromkeys(NATIVE_SINGLE, "")
    extras = dict(_NO_EXTRAS)
    lists: dict[str, list[str]] = {"creators": [], "subjects": [], "identifiers": []}
    seen: set[str] = set()
    kinds = _NATIVE_KINDS
    for element in native:
        kind = kinds.get(element.tag)
        if kind is None:
            continue
        text = element.text
        role, name = kind
        if role is _LIST:
            if text and (text := text.strip()):
                lists[name].append(text)
        elif role is _SINGLE:
            if text and not fields[name]:
                fields[name] = text.strip()
        elif name not in seen:  # the first such element, as find() does
            seen.add(name)
            extras[name] = text.strip() if text else ""
    fields.update(lists)
    return fields, extras
