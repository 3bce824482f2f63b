"""BagIt bags (RFC 8493) of package versions: writing them and verifying them.

A bag holds ``bagit.txt``, ``bag-info.txt``, ``manifest-sha256.txt``,
``tagmanifest-sha256.txt``, ``data/…`` (see ``layout``), a delta's ``removals.txt`` (payload
paths of the base version that the delta removes) and ``signature.ed25519``: the base64 of a
detached Ed25519 signature over the bytes of ``tagmanifest-sha256.txt`` by the key named in
bag-info's ``Shuxiang-Key-Id``. ``verify_bag`` refuses a bag naming each file and reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed
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


class Problems:
    """The refusals found so far, each naming a file of the bag and the reason."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, reason: str, code: str) -> None:
        self.errors.append(FieldError(path, reason, code))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(_("The bag is not valid."), self.errors)


def _read_text(bag: Path, name: str, problems: Problems) -> str | None:
    path = bag / name
    if path.is_symlink() or not path.is_file():
        problems.add(name, _("The file is missing."), "missing")
        return None
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(name, _("Not UTF-8 (byte %(n)d).") % {"n": exc.start}, "encoding")
        return None


def _check_bagit_txt(bag: Path, problems: Problems) -> None:
    text = _read_text(bag, "bagit.txt", problems)
    if text is None:
        return
    lines = text.splitlines()
    version = VERSION_RE.match(lines[0]) if lines else None
    if text.startswith("\ufeff") or len(lines) != 2 or version is None:
        problems.add(
            "bagit.txt",
            _("It must hold exactly the lines BagIt-Version: M.N and Tag-File-Character-Encoding."),
            "bad_declaration",
        )
    elif lines[1] != "Tag-File-Character-Encoding: UTF-8":
        problems.add("bagit.txt", _("Only UTF-8 tag files are supported."), "bad_declaration")
    elif (int(version.group(1)), int(version.group(2))) not in {(1, 0), (0, 97)}:
        problems.add("bagit.txt", _("BagIt version 1.0 or 0.97 is required."), "bad_version")


def parse_bag_info(text: str, problems: Problems) -> dict[str, list[str]]:
    """bag-info.txt labels and values (a label may repeat; indented lines continue one)."""
    info: dict[str, list[str]] = {}
    last = None
    for number, line in enumerate(text.splitlines(), 1):
        if line[:1] in (" ", "\t") and last is not None:
            info[last][-1] += " " + line.strip()
            continue
        label, colon, value = line.partition(":")
        if not colon or not label.strip():
            problems.add(
                "bag-info.txt", _("Line %(n)d is not a label: value.") % {"n": number}, "bad_line"
            )
            continue
        last = label.strip()
        info.setdefault(last, []).append(value.strip())
    return info


def _safe_payload_path(path: str) -> bool:
    parts = path.split("/")
    return (
        len(parts) >= 2
        and parts[0] == "data"
        and all(part not in ("", ".", "..") for part in parts)
        and "\\" not in path
        and "\x00" not in path
    )


def parse_manifest(bag: Path, name: str, problems: Problems, *, tags=False) -> dict[str, str]:
    """{path: digest} of a (tag) manifest; refuses unsafe or duplicated paths."""
    text = _read_text(bag, name, problems)
    entries: dict[str, str] = {}
    if text is None:
        return entries
    algorithm = MANIFEST_RE.match(name).group(2)
    width = hashlib.new(algorithm).digest_size * 2
    for number, line in enumerate(text.splitlines(), 1):
        digest, _sep, raw = line.strip().partition(" ")
        path = decode_path(raw.strip())
        safe = "/" not in path and path not in ("", ".", "..") if tags else _safe_payload_path(path)
        if len(digest) != width or not re.fullmatch(r"[0-9a-fA-F]+", digest) or not safe:
            problems.add(name, _("Line %(n)d is not a valid entry.") % {"n": number}, "bad_line")
        elif path in entries:
            problems.add(name, _("%(path)s is listed twice.") % {"path": path}, "duplicate")
        else:
            entries[path] = digest.lower()
    return entries


def _tag_files(bag: Path) -> list[str]:
    return sorted(p.name for p in bag.iterdir() if p.name != "data")


def _payload_files(bag: Path, problems: Problems) -> dict[str, int]:
    found: dict[str, int] = {}
    data = bag / "data"
    if not data.is_dir():
        problems.add("data", _("The payload folder is missing."), "missing")
        return found
    for root, dirs, files in os.walk(data):
        for name in dirs + files:
            path = Path(root) / name
            relative = path.relative_to(bag).as_posix()
            if path.is_symlink():
                problems.add(relative, _("Links are not allowed in a bag."), "symlink")
            elif name in files:
                found[relative] = path.stat().st_size
    return found


def _check_tags(bag: Path, problems: Problems) -> dict[str, dict[str, str]]:
    """Check every tag manifest; return the payload manifests by algorithm."""
    names = _tag_files(bag)
    matches = [(n, MANIFEST_RE.match(n)) for n in names]
    payload_names = {m.group(2): n for n, m in matches if m and not m.group(1)}
    tag_names = {m.group(2): n for n, m in matches if m and m.group(1)}
    payload_manifests = {
        alg: parse_manifest(bag, name, problems)
        for alg, name in payload_names.items()
        if alg in ALGORITHMS
    }
    if "sha256" not in payload_manifests:
        problems.add(MANIFEST, _("The bag has no SHA-256 payload manifest."), "missing")
    if TAGMANIFEST not in names:
        problems.add(TAGMANIFEST, _("The bag has no SHA-256 tag manifest."), "missing")
    unsigned = {SIGNATURE, *tag_names.values()}
    for alg, name in tag_names.items():
        if alg not in ALGORITHMS:
            continue
        listed = parse_manifest(bag, name, problems, tags=True)
        for tag in names:
            if tag not in unsigned and (bag / tag).is_file() and tag not in listed:
                problems.add(tag, _("Not listed in %(m)s.") % {"m": name}, "not_in_tagmanifest")
        for tag, digest in listed.items():
            path = bag / tag
            if not path.is_file():
                problems.add(tag, _("Listed in %(m)s but missing.") % {"m": name}, "missing")
            elif hashlib.new(alg, path.read_bytes()).hexdigest() != digest:
                problems.add(tag, _("Checksum does not match %(m)s.") % {"m": name}, "checksum")
    return payload_manifests


def _check_signature(bag: Path, info: dict[str, list[str]], problems: Problems) -> str:
    key_id = (info.get("Shuxiang-Key-Id") or [""])[0]
    sig_path = bag / SIGNATURE
    if not sig_path.is_file():
        problems.add(SIGNATURE, _("The bag is not signed."), "unsigned")
        return key_id
    if not key_id:
        problems.add("bag-info.txt", _("Shuxiang-Key-Id is missing."), "required")
        return key_id
    try:
        signature = base64.b64decode(sig_path.read_bytes().strip(), validate=True)
    except (binascii.Error, ValueError):
        problems.add(SIGNATURE, _("Not a base64 signature."), "bad_signature")
        return key_id
    tagmanifest = bag / TAGMANIFEST
    if tagmanifest.is_file() and not keys.verify_bytes(key_id, tagmanifest.read_bytes(), signature):
        problems.add(
            SIGNATURE,
            _("The signature does not verify with a trusted key (%(key)s).") % {"key": key_id},
            "bad_signature",
        )
    return key_id


def _check_info(info: dict[str, list[str]], found: dict[str, int], problems: Problems) -> None:
    for label in ("External-Identifier", "Version", "Payload-Oxum"):
        if not info.get(label):
            problems.add("bag-info.txt", _("%(label)s is missing.") % {"label": label}, "required")
    for label in ("Version", "Shuxiang-Base-Version"):
        value = (info.get(label) or [""])[0]
        if value and not re.fullmatch(r"[0-9]{1,9}", value):
            problems.add(
                "bag-info.txt", _("%(label)s is not a number.") % {"label": label}, "invalid"
            )
    oxum = (info.get("Payload-Oxum") or [""])[0]
    if oxum and oxum != f"{sum(found.values())}.{len(found)}":
        problems.add(
            "bag-info.txt",
            _("Payload-Oxum %(oxum)s does not match the payload (%(real)s).")
            % {"oxum": oxum, "real": f"{sum(found.values())}.{len(found)}"},
            "oxum",
        )


def check_structure(bag: Path) -> BagReport:
    """Everything but the payload checksums: declaration, bag-info, tag manifests, signature,
    completeness (no payload file missing, none extra) and Payload-Oxum."""
    bag = Path(bag)
    problems = Problems()
    if not bag.is_dir():
        raise ValidationFailed.single("bag", _("%(path)s is not a folder.") % {"path": bag})
    _check_bagit_txt(bag, problems)
    info_text = _read_text(bag, "bag-info.txt", problems)
    info = parse_bag_info(info_text, problems) if info_text is not None else {}
    manifests = _check_tags(bag, problems)
    key_id = _check_signature(bag, info, problems)
    found = _payload_files(bag, problems)
    for manifest in manifests.values():
        for path in sorted(set(manifest) - set(found)):
            problems.add(path, _("Listed in the manifest but missing."), "missing")
        for path in sorted(set(found) - set(manifest)):
            problems.add(path, _("Not listed in the manifest."), "not_in_manifest")
    _check_info(info, found, problems)
    removals = _removals(bag, info, problems)
    problems.raise_if_any()
    payload = dict(manifests["sha256"])
    return BagReport(bag, info, payload, sum(found.values()), removals, key_id)


def _removals(bag: Path, info: dict[str, list[str]], problems: Problems) -> list[str]:
    if not (bag / REMOVALS).exists():
        if info.get("Shuxiang-Base-Version"):
            problems.add(REMOVALS, _("A delta package needs its removals list."), "missing")
        return []
    text = _read_text(bag, REMOVALS, problems) or ""
    paths = [decode_path(line) for line in text.splitlines() if line]
    for path in paths:
        if not _safe_payload_path(path):
            problems.add(REMOVALS, _("%(path)s is not a payload path.") % {"path": path}, "invalid")
    return paths


def verify_bag(path: Path, progress: Progress = None, *, checksums: bool = True) -> BagReport:
    """Verify the whole bag (structure, signature, and every payload checksum unless
    ``checksums`` is false); raise ValidationFailed naming each bad file and the reason."""
    report = check_structure(Path(path))
    if checksums:
        problems = Problems()
        algorithms = _payload_algorithms(report.path)
        for rel in sorted(report.payload):
            digests = copying.hash_file(report.path / rel, algorithms, progress)
            for alg, expected in algorithms.items():
                if digests[alg] != expected.get(rel):
                    problems.add(
                        rel,
                        _("Checksum (%(alg)s) does not match the manifest.") % {"alg": alg},
                        "checksum",
                    )
        problems.raise_if_any()
    return report


def _payload_algorithms(bag: Path) -> dict[str, dict[str, str]]:
    problems = Problems()
    result = {}
    for name in _tag_files(bag):
        match = MANIFEST_RE.match(name)
        if match and not match.group(1) and match.group(2) in ALGORITHMS:
            result[match.group(2)] = parse_manifest(bag, name, problems)
    return result


def import_bag(path: Path, into, *, by, progress: Progress = None):
    """Import a verified bag into library ``into`` (see ``importer.import_bag``)."""
    from shuxiang.distribution import importer

    return importer.import_bag(Path(path), into, by=by, progress=progress)


def announced_size(path: Path) -> int | None:
    """The payload size bag-info.txt announces (for progress bars; nothing is checked)."""
    try:
        text = (Path(path) / "bag-info.txt").read_text("utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"^Payload-Oxum:\s*([0-9]{1,18})\.[0-9]+\s*$", text, re.MULTILINE)
    return int(match.group(1)) if match else None
