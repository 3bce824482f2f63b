"""Reading and verifying BagIt bags (RFC 8493): structure, manifests, signature, import.

``verify_bag`` refuses a bag naming each file and reason; ``import_bag`` verifies, then hands
the bag to the importer. Writing bags is ``shuxiang.distribution.bags``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from pathlib import Path

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.distribution import copying, keys
from shuxiang.distribution.bags import (
    ALGORITHMS,
    MANIFEST,
    MANIFEST_RE,
    REMOVALS,
    SIGNATURE,
    TAGMANIFEST,
    VERSION_RE,
    BagReport,
    Progress,
    decode_path,
)


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
