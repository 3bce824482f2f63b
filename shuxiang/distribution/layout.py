"""What a package bag holds and where (its payload layout), rendered byte-for-byte the same
every time from the same snapshot, so full and delta bags of a version agree.

    data/package.json                          package, version, configuration table, items
    data/resources/<key>/metadata.json         native metadata, identifiers, provenance, files
    data/resources/<key>/dc.xml                the same as Dublin Core (oai_dc)
    data/resources/<key>/files/<role>-<order>-<name>   originals and offline derivatives
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from xml.sax.saxutils import escape

PACKAGE_JSON = "package.json"
RESOURCES = "resources"
FORMAT = "shuxiang-package/1"
METADATA_FIELDS = (
    "type",
    "subtype",
    "title",
    "titles",
    "creator",
    "contributor",
    "publisher",
    "date",
    "description",
    "subjects",
    "language",
    "rights",
    "licence",
    "access",
    "extra",
)
FILE_FIELDS = ("path", "sha256", "size", "role", "order", "filename", "content_type", "label")
SAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def canonical_json(data: Any) -> bytes:
    """JSON bytes that depend only on the data (sorted keys, fixed separators, UTF-8)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, separators=(",", ": "))
    return (text + "\n").encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_name(filename: str) -> str:
    """An ASCII file name for the bag (the original name is kept in the metadata)."""
    stem, dot, ext = filename.rpartition(".")
    stem = SAFE_RE.sub("-", stem if dot else filename).strip("-.")[:60] or "file"
    ext = SAFE_RE.sub("", ext)[:10].lower() if dot else ""
    return f"{stem}.{ext}" if ext else stem


def item_dir(key: str) -> str:
    return f"{RESOURCES}/{key}"


def metadata_path(key: str) -> str:
    return f"{item_dir(key)}/metadata.json"


def dc_path(key: str) -> str:
    return f"{item_dir(key)}/dc.xml"


def file_path(key: str, role: str, order: int, filename: str) -> str:
    return f"{item_dir(key)}/files/{role}-{order:03d}-{safe_name(filename)}"


def render_metadata(metadata: dict) -> bytes:
    return canonical_json(metadata)


DC_ELEMENTS = (
    ("title", "title"),
    ("creator", "creator"),
    ("contributor", "contributor"),
    ("publisher", "publisher"),
    ("date", "date"),
    ("description", "description"),
    ("language", "language"),
    ("rights", "rights"),
    ("type", "type"),
)


def render_dc(metadata: dict) -> bytes:
    """The item's Dublin Core record (oai_dc), identifiers included."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">',
    ]
    for element, name in DC_ELEMENTS:
        if metadata.get(name):
            lines.append(f"  <dc:{element}>{escape(str(metadata[name]))}</dc:{element}>")
    for subject in metadata.get("subjects") or []:
        lines.append(f"  <dc:subject>{escape(str(subject))}</dc:subject>")
    for identifier in metadata.get("identifiers") or []:
        lines.append(f"  <dc:identifier>{escape(identifier)}</dc:identifier>")
    for item in metadata.get("files") or []:
        if item["role"] == "original":
            lines.append(f"  <dc:format>{escape(item['content_type'])}</dc:format>")
    lines.append("</oai_dc:dc>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def generated_files(metadata: dict) -> dict[str, bytes]:
    """The metadata files of one item: bag path (under data/) -> bytes."""
    key = metadata["key"]
    return {metadata_path(key): render_metadata(metadata), dc_path(key): render_dc(metadata)}


def metadata_digest(metadata: dict) -> str:
    return sha256_hex(render_metadata(metadata))
