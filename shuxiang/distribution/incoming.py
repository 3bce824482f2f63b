"""Reading what an incoming bag says before anything is stored: its package.json and each
item's metadata.json, checked against the manifest, the layout and the resource rules; and
the store keys its files will have at the receiving library."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.distribution import layout
from shuxiang.distribution.bagcheck import Problems
from shuxiang.distribution.bags import BagReport
from shuxiang.distribution.copying import hash_file
from shuxiang.resources.models import ResourceFile
from shuxiang.resources.validation import clean_metadata

HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_METADATA = 4 * 1024 * 1024
ROLES = set(ResourceFile.Role.values)


@dataclass
class Item:
    key: str
    digest: str  # sha256 of its metadata.json
    metadata: dict | None = None  # None: unchanged in a delta (not shipped)
    fields: dict = field(default_factory=dict)


@dataclass
class Contents:
    external_id: str
    code: str
    title: str
    source_library: str
    number: int
    base_number: int | None
    items: dict[str, Item]


def _json(report: BagReport, rel: str, problems: Problems) -> dict | None:
    """The verified, parsed JSON payload file ``rel`` (under data/), or None with a problem."""
    path = report.path / "data" / rel
    name = f"data/{rel}"
    if name not in report.payload:
        problems.add(name, _("The file is missing."), "missing")
        return None
    if path.stat().st_size > MAX_METADATA:
        problems.add(name, _("The file is too large."), "too_large")
        return None
    if hash_file(path, ["sha256"])["sha256"] != report.payload[name]:
        problems.add(name, _("Checksum (sha256) does not match the manifest."), "checksum")
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        problems.add(name, _("Not valid JSON: %(e)s") % {"e": exc}, "invalid_json")
        return None
    if not isinstance(data, dict):
        problems.add(name, _("Expected a JSON object."), "invalid_json")
        return None
    return data


def read_contents(report: BagReport) -> Contents:
    """package.json of the bag, checked against bag-info; raises ValidationFailed."""
    problems = Problems()
    data = _json(report, layout.PACKAGE_JSON, problems) or {}
    problems.raise_if_any()
    name = f"data/{layout.PACKAGE_JSON}"
    items = data.get("items")
    expect = {
        "format": layout.FORMAT,
        "external_id": report.external_id,
        "version": report.number,
        "base_version": report.base_number,
    }
    for label, value in expect.items():
        if data.get(label) != value:
            problems.add(
                name, _("%(f)s must be %(v)r (bag-info).") % {"f": label, "v": value}, "mismatch"
            )
    if not isinstance(items, dict) or not all(
        isinstance(k, str) and layout.KEY_RE.match(k) and isinstance(v, str) and HEX64.match(v)
        for k, v in items.items()
    ):
        problems.add(name, _("items must map item keys to metadata checksums."), "invalid")
        items = {}
    for label in ("code", "title", "library"):
        if not isinstance(data.get(label), str) or not data.get(label):
            problems.add(name, _("%(f)s is required.") % {"f": label}, "required")
    problems.raise_if_any()
    return Contents(
        external_id=report.external_id,
        code=re.sub(r"[^a-z0-9-]", "-", data["code"].lower())[:40] or "package",
        title=data["title"][:200],
        source_library=re.sub(r"[^A-Za-z0-9-]", "-", data["library"])[:40],
        number=report.number,
        base_number=report.base_number,
        items={key: Item(key, digest) for key, digest in sorted(items.items())},
    )


def store_key(into_code: str, contents: Contents, item: str, entry: dict) -> str:
    """Where a file lands at the receiving library: the same for the same content, whichever
    bag (full or delta) brought it."""
    name = layout.safe_name(entry["path"].rsplit("/", 1)[-1])
    prefix = f"packages/{into_code}/{contents.source_library}-{contents.code}/{item}"
    return f"{prefix}/{entry['sha256'][:16]}-{name}"


def _check_file(entry, item: str, number: int, md_name: str, problems: Problems) -> bool:
    where = f"{md_name}: files.{number}"
    ok = isinstance(entry, dict)
    ok = ok and isinstance(entry.get("path"), str)
    ok = ok and entry["path"].startswith(f"{layout.item_dir(item)}/files/")
    ok = ok and ".." not in entry["path"].split("/")
    ok = ok and isinstance(entry.get("sha256"), str) and bool(HEX64.match(entry["sha256"]))
    ok = ok and type(entry.get("size")) is int and 0 <= entry["size"] < 2**62
    ok = ok and entry.get("role") in ROLES
    ok = ok and type(entry.get("order")) is int and 0 <= entry["order"] < 2**31
    ok = ok and isinstance(entry.get("filename"), str) and 0 < len(entry["filename"]) <= 255
    ok = ok and isinstance(entry.get("content_type"), str) and len(entry["content_type"]) <= 100
    ok = ok and isinstance(entry.get("label", ""), str) and len(entry.get("label", "")) <= 300
    if not ok:
        problems.add(
            where,
            _("A file entry needs path, sha256, size, role, order, filename and content type."),
            "invalid",
        )
    return ok


def _check_item(report: BagReport, item: Item, problems: Problems) -> None:
    md_name = f"data/{layout.metadata_path(item.key)}"
    before = len(problems.errors)
    data = _json(report, layout.metadata_path(item.key), problems)
    if data is None:
        return
    if layout.metadata_digest(data) != item.digest and report.payload[md_name] != item.digest:
        problems.add(md_name, _("Does not match its checksum in package.json."), "mismatch")
    if data.get("key") != item.key:
        problems.add(md_name, _("key must be %(k)s.") % {"k": item.key}, "mismatch")
    try:
        fields = clean_metadata({k: data.get(k) for k in layout.METADATA_FIELDS if k in data})
    except ValidationFailed as exc:
        for error in exc.errors:
            problems.add(f"{md_name}: {error.field}", error.reason, error.code)
        fields = {}
    files = data.get("files")
    if not isinstance(files, list):
        problems.add(f"{md_name}: files", _("Give the list of files."), "invalid")
        files = []
    seen = set()
    for number, entry in enumerate(files):
        if _check_file(entry, item.key, number, md_name, problems):
            slot = (entry["role"], entry["order"])
            if slot in seen or entry["path"] in seen:
                problems.add(f"{md_name}: files.{number}", _("Listed twice."), "duplicate")
            seen.update({slot, entry["path"]})
    identifier = data.get("identifier") or ""
    if not isinstance(identifier, str) or len(identifier) > 200:
        problems.add(f"{md_name}: identifier", _("At most 200 characters."), "invalid")
    if len(problems.errors) == before:
        item.metadata, item.fields = data, fields


def check_items(report: BagReport, contents: Contents, held: dict[str, str]) -> None:
    """Validate every shipped item; for a delta, the unshipped ones must be held unchanged
    (``held``: item key -> metadata checksum at the library). Every payload file must be
    described by its item's metadata with the manifest's checksum."""
    problems = Problems()
    for item in contents.items.values():
        md_name = f"data/{layout.metadata_path(item.key)}"
        if md_name in report.payload:
            _check_item(report, item, problems)
        elif contents.base_number is None:
            problems.add(md_name, _("The file is missing."), "missing")
        elif held.get(item.key) != item.digest:
            problems.add(
                md_name,
                _(
                    "Not in this delta, and the library does not hold this "
                    "item's version: import the versions in order."
                ),
                "missing",
            )
    described = {f"data/{layout.PACKAGE_JSON}"}
    for item in contents.items.values():
        described |= {f"data/{layout.metadata_path(item.key)}", f"data/{layout.dc_path(item.key)}"}
        for entry in (item.metadata or {}).get("files", []):
            name = f"data/{entry['path']}"
            described.add(name)
            shipped = report.payload.get(name)
            if shipped is not None and shipped != entry["sha256"]:
                problems.add(
                    name, _("The manifest and metadata.json disagree on its checksum."), "mismatch"
                )
    for name in sorted(set(report.payload) - described):
        problems.add(name, _("No item of package.json describes this file."), "not_described")
    problems.raise_if_any()


def refusal(errors: list[FieldError]) -> ValidationFailed:
    return ValidationFailed(_("The bag is not valid."), errors)


def payload_file(report: BagReport, rel: str) -> Path:
    return report.path / "data" / rel
