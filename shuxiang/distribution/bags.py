"""BagIt bags (RFC 8493) of package versions: writing them and verifying them.

A bag holds ``bagit.txt``, ``bag-info.txt``, ``manifest-sha256.txt``,
``tagmanifest-sha256.txt``, ``data/…`` (see ``layout``), a delta's ``removals.txt`` (payload
paths of the base version that the delta removes) and ``signature.ed25519``: the base64 of a
detached Ed25519 signature over the bytes of ``tagmanifest-sha256.txt`` by the key named in
bag-info's ``Shuxiang-Key-Id``. ``verify_bag`` refuses a bag naming each file and reason.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core.errors import ValidationFailed
from shuxiang.distribution import copying, keys, layout
from shuxiang.distribution.models import PackageVersion
from shuxiang.resources.storage import get_storage

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "signature.ed25519"
REMOVALS = "removals.txt"
ALGORITHMS = ("sha256", "sha512", "sha384", "sha224", "sha1", "md5")
MANIFEST_RE = re.compile(r"^(tag)?manifest-([a-z0-9]+)\.txt$")
VERSION_RE = re.compile(r"^BagIt-Version: ([0-9]+)\.([0-9]+)$")
Progress = copying.Progress


@dataclass
class Entry:
    """One payload file to write: from the store (``key``) or generated (``data``)."""

    path: str
    sha256: str
    size: int
    key: str = ""
    data: bytes | None = None


@dataclass
class BagReport:
    """What a verified bag holds."""

    path: Path
    info: dict[str, list[str]]
    payload: dict[str, str]  # payload path (under data/) -> sha256
    payload_bytes: int
    removals: list[str] = field(default_factory=list)
    key_id: str = ""

    def first(self, label: str, default: str = "") -> str:
        return (self.info.get(label) or [default])[0]

    @property
    def external_id(self) -> str:
        return self.first("External-Identifier")

    @property
    def number(self) -> int:
        return int(self.first("Version", "0"))

    @property
    def base_number(self) -> int | None:
        base = self.first("Shuxiang-Base-Version")
        return int(base) if base else None


# --- writing -------------------------------------------------------------------------------


def version_entries(version: PackageVersion) -> dict[str, Entry]:
    """Every payload file of the version's full content: bag path -> entry."""
    entries: dict[str, Entry] = {}
    for item in version.items.order_by("key"):
        for path, data in layout.generated_files(item.metadata).items():
            entries[path] = Entry(path, layout.sha256_hex(data), len(data), data=data)
        for row in item.files:
            entries[row["path"]] = Entry(row["path"], row["sha256"], row["size"], key=row["key"])
    return entries


def package_json(version: PackageVersion) -> bytes:
    package = version.package
    items = {item.key: layout.metadata_digest(item.metadata) for item in version.items.all()}
    return layout.canonical_json(
        {
            "format": layout.FORMAT,
            "external_id": external_id(package),
            "library": package.library.code,
            "code": package.code,
            "title": package.title,
            "description": package.description,
            "version": version.number,
            "base_version": version.base_version.number if version.base_version_id else None,
            "items": items,
            "config": [
                {
                    "number": row.number,
                    "category": row.category,
                    "type": row.type,
                    "type_label": row.type_label,
                    "count": row.count,
                    "size": row.size,
                    "description": row.description,
                }
                for row in version.config.all()
            ],
        }
    )


def external_id(package) -> str:
    """The package's id across the network: ``shuxiang:<library code>:<package code>``."""
    return f"shuxiang:{package.library.code}:{package.code}"


def bag_plan(version: PackageVersion) -> tuple[list[Entry], list[str]]:
    """The payload entries to write and (for a delta) the payload paths it removes."""
    entries = version_entries(version)
    removals: list[str] = []
    if version.base_version_id:
        base = version_entries(version.base_version)
        removals = sorted(path for path in base if path not in entries)
        entries = {
            path: entry
            for path, entry in entries.items()
            if path not in base or base[path].sha256 != entry.sha256
        }
    data = package_json(version)
    entries[layout.PACKAGE_JSON] = Entry(
        layout.PACKAGE_JSON, layout.sha256_hex(data), len(data), data=data
    )
    return [entries[path] for path in sorted(entries)], removals


def _write_entry(entry: Entry, target: Path, link: bool, progress: Progress, built: Path | None):
    """Write one payload file: generated bytes, or the store's file (linked, or read once and
    hashed on the way); when the store no longer has it, the copy in the built bag."""
    if entry.data is not None:
        size, digest = copying.write_chunks([entry.data], target, progress)
    else:
        storage = get_storage()
        local = storage.local_path(entry.key)
        kept = built / entry.path if built is not None else None
        if link and local is not None and copying.link_file(local, target):
            if progress:
                progress(entry.size)
            return
        if local is not None and local.is_file():
            size, digest = copying.copy_file(local, target, progress)
        elif local is None and storage.exists(entry.key):
            size, digest = copying.write_chunks(storage.read_range(entry.key), target, progress)
        elif kept is not None and kept.is_file():
            size, digest = copying.copy_file(kept, target, progress)
        else:
            raise ValidationFailed.single(
                entry.key,
                _("The file %(path)s is no longer stored; build a new version.")
                % {"path": entry.path},
                "store_missing",
            )
    if digest != entry.sha256 or size != entry.size:
        raise ValidationFailed.single(
            entry.key or entry.path,
            _("The stored file does not match its recorded checksum (%(path)s).")
            % {"path": entry.path},
            "store_corrupt",
        )


def encode_path(path: str) -> str:
    """A manifest path: percent-encode %, CR and LF (RFC 8493 §2.1.3)."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(path: str) -> str:
    return (
        path.replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%25", "%")
    )


def _manifest(lines: dict[str, str]) -> bytes:
    text = "".join(f"{digest}  {encode_path(path)}\n" for path, digest in sorted(lines.items()))
    return text.encode("utf-8")


def _bag_info(version: PackageVersion, entries: list[Entry], key_id: str) -> bytes:
    total = sum(entry.size for entry in entries)
    package = version.package
    fields = [
        ("Source-Organization", package.library.name),
        ("Organization-Address", package.library.code),
        ("External-Identifier", external_id(package)),
        ("External-Description", package.title),
        ("Version", str(version.number)),
        ("Bagging-Date", timezone.now().date().isoformat()),
        ("Payload-Oxum", f"{total}.{len(entries)}"),
        ("Bag-Size", _human(total)),
        ("Shuxiang-Key-Id", key_id),
    ]
    if version.base_version_id:
        fields.append(("Shuxiang-Base-Version", str(version.base_version.number)))
    text = "".join(f"{label}: {' '.join(value.split())}\n" for label, value in fields)
    return text.encode("utf-8")


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return ""


def write_bag(version: PackageVersion, dest: Path, progress: Progress = None, *, link=False):
    """Write the version's bag at ``dest`` (a new folder) and return it.

    The bag is written under a temporary name and renamed when complete, so a killed export
    leaves no folder that looks like a bag. Store files are read once, hashed on the way and
    checked against their records; with ``link`` and a local store they are hard-linked (the
    store never rewrites a file in place). ``progress(n)`` is called with each n bytes written.
    """
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ValidationFailed.single(
            "dest", _("%(path)s already exists and is not empty.") % {"path": dest}, "exists"
        )
    part = dest.with_name(f".{dest.name}.part")
    shutil.rmtree(part, ignore_errors=True)
    entries, removals = bag_plan(version)
    built = Path(version.bag_path) / "data" if version.bag_path else None
    try:
        for entry in entries:
            _write_entry(entry, part / "data" / entry.path, link, progress, built)
        _write_tags(version, part, entries, removals)
        copying.sync_folder(part)
        if dest.exists():
            dest.rmdir()
        os.replace(part, dest)
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return dest


def _write_tags(version: PackageVersion, bag: Path, entries: list[Entry], removals) -> None:
    own = keys.own_key()
    tags = {
        "bagit.txt": BAGIT_TXT,
        "bag-info.txt": _bag_info(version, entries, own.key_id),
        MANIFEST: _manifest({f"data/{entry.path}": entry.sha256 for entry in entries}),
    }
    if version.base_version_id:
        tags[REMOVALS] = "".join(f"data/{encode_path(p)}\n" for p in removals).encode("utf-8")
    for name, data in tags.items():
        (bag / name).write_bytes(data)
    tagmanifest = _manifest({name: layout.sha256_hex(data) for name, data in tags.items()})
    (bag / TAGMANIFEST).write_bytes(tagmanifest)
    key_id, signature = keys.sign_bytes(tagmanifest)
    (bag / SIGNATURE).write_bytes(base64.b64encode(signature) + b"\n")
    version.oxum = f"{sum(e.size for e in entries)}.{len(entries)}"
    version.payload_bytes = sum(e.size for e in entries)
    version.file_count = len(entries)
    version.tagmanifest_sha256 = layout.sha256_hex(tagmanifest)
    version.key_id = key_id
    version.signature = base64.b64encode(signature).decode("ascii")


# --- verifying -----------------------------------------------------------------------------
