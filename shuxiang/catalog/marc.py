"""MARC import: MARC 21 and UNIMARC/CNMARC, ISO 2709 or MARCXML, streamed into the warehouse.

Each record maps to the core fields (CNMARC 200$a title, 700/701 names, 010 ISBN, 210$d date;
MARC 21 245/100/700/020/260/264). A record that cannot be read or stored is reported with its
position and the import goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pymarc
from django.db import transaction
from tqdm import tqdm

from shuxiang.catalog import services
from shuxiang.catalog.models import Source
from shuxiang.core.actors import Actor
from shuxiang.core.errors import ServiceError

TRAILING = re.compile(r"[\s/:;,.=]+$")
LEADER_TYPES = {"a": "book", "t": "book", "c": "score", "g": "video", "i": "audio", "j": "audio",
                "k": "image", "e": "map", "m": "electronic", "l": "electronic"}  # fmt: skip
BATCH = 500


@dataclass
class ImportReport:
    stored: int = 0
    failed: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def note(self, position: int, reason: str) -> None:
        self.failed += 1
        if len(self.problems) < 1000:
            self.problems.append((position, reason))


def _values(record: pymarc.Record, tags: str, codes: str) -> list[str]:
    found = []
    for item in record.get_fields(*tags.split()):
        for code in codes:
            found += [
                TRAILING.sub("", v).strip() for v in item.get_subfields(code) if v and v.strip()
            ]
    return [v for v in found if v]


def _first(record: pymarc.Record, tags: str, codes: str) -> str:
    return next(iter(_values(record, tags, codes)), "")


def flavor_of(record: pymarc.Record) -> str:
    """``unimarc`` when the record has a UNIMARC title (200) and no MARC 21 title (245)."""
    return "unimarc" if record.get_fields("200") and not record.get_fields("245") else "marc21"


def _marc21(record: pymarc.Record) -> dict:
    title = " ".join(_values(record, "245", "ab"))
    fixed = record.get("008").data if record.get("008") else ""
    return {
        "title": title,
        "creators": _values(record, "100 110 111 700 710 711", "a"),
        "subjects": _values(record, "600 610 650 651", "a"),
        "isbn": _first(record, "020", "a"),
        "identifiers": _values(record, "020 022 024", "a"),
        "publisher": _first(record, "260 264", "b"),
        "date": _first(record, "260 264", "c") or fixed[7:11].strip(),
        "language": _first(record, "041", "a") or fixed[35:38].strip(),
        "description": _first(record, "520", "a"),
    }


def _unimarc(record: pymarc.Record) -> dict:
    names = []
    for item in record.get_fields("700", "701", "702", "710", "711", "712"):
        name = "".join(item.get_subfields("a")) + "".join(item.get_subfields("b"))
        if name.strip():
            names.append(TRAILING.sub("", name.strip()))
    return {
        "title": " ".join(_values(record, "200", "a")),
        "creators": names,
        "subjects": _values(record, "600 601 606 607 610", "a"),
        "isbn": _first(record, "010", "a"),
        "identifiers": _values(record, "010 011", "a"),
        "publisher": _first(record, "210", "c"),
        "date": _first(record, "210", "d"),
        "language": _first(record, "101", "a"),
        "description": _first(record, "330", "a"),
    }


def fields_of(record: pymarc.Record, flavor: str = "auto") -> dict:
    """Core warehouse fields of a MARC record (MARC 21 or UNIMARC/CNMARC)."""
    flavor = flavor_of(record) if flavor == "auto" else flavor
    fields = _unimarc(record) if flavor == "unimarc" else _marc21(record)
    leader = str(record.leader or "")
    fields["type"] = LEADER_TYPES.get(leader[6:7], "book")
    return fields


def read(path: Path) -> Iterator[tuple[int, pymarc.Record | None, str]]:
    """(position, record or None, problem) for each record of an ISO 2709 or MARCXML file."""
    with open(path, "rb") as handle:
        start = handle.read(64).lstrip()
    if start.startswith(b"<"):
        yield from _read_xml(path)
        return
    with open(path, "rb") as handle:
        reader = pymarc.MARCReader(
            handle, to_unicode=True, utf8_handling="replace", permissive=True
        )
        for position, record in enumerate(reader, 1):
            if record is None:
                yield position, None, str(reader.current_exception or "unreadable record")
            else:
                yield position, record, ""


def _read_xml(path: Path) -> Iterator[tuple[int, pymarc.Record | None, str]]:
    try:
        records = pymarc.parse_xml_to_array(str(path))
    except Exception as exc:  # the SAX parser stops at the first broken byte
        yield 1, None, f"MARCXML unreadable: {exc}"
        return
    for position, record in enumerate(records, 1):
        yield position, record, ""


def import_file(
    path: Path, *, source: Source, by: Actor, flavor: str = "auto", progress: bool = False
) -> ImportReport:
    """Stream ``path`` into the warehouse under ``source``; bad records are reported."""
    report = ImportReport()
    stream = read(Path(path))
    if progress:
        stream = tqdm(stream, unit="rec", desc=Path(path).name)
    batch: list[tuple[int, pymarc.Record]] = []
    for position, record, problem in stream:
        if record is None:
            report.note(position, problem)
            continue
        batch.append((position, record))
        if len(batch) >= BATCH:
            _store_batch(batch, source, by, flavor, report)
            batch = []
    _store_batch(batch, source, by, flavor, report)
    return report


def _store_batch(batch, source: Source, by: Actor, flavor: str, report: ImportReport) -> None:
    with transaction.atomic():
        for position, record in batch:
            try:
                with transaction.atomic():
                    _store(position, record, source, by, flavor)
                report.stored += 1
            except (ServiceError, ValueError, KeyError, TypeError) as exc:
                report.note(position, str(exc) or type(exc).__name__)


def _store(position: int, record: pymarc.Record, source: Source, by: Actor, flavor: str) -> None:
    control = record.get("001").data.strip() if record.get("001") else ""
    detected = flavor_of(record) if flavor == "auto" else flavor
    services.upsert_record(
        source=source,
        local_id=control or f"position-{position}",
        fmt=detected,
        payload=pymarc.record_to_xml(record, namespace=True).decode("utf-8"),
        fields=fields_of(record, detected),
        by=by,
    )
