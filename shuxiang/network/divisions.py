"""Loading GB/T 2260 administrative division codes (行政区划代码) into the database."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from tqdm import tqdm

from shuxiang.network.models import Division

BUNDLED = Path(__file__).resolve().parent / "data" / "divisions.tsv"
CODE_RE = re.compile(r"^\d{6}$")
LEVELS = set(Division.Level.values)


@dataclass
class LoadReport:
    """What a load did: counts, plus each bad row with its line number and reason."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.bad_rows)} bad rows"
        )


def _read_rows(path: Path, report: LoadReport):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        for line, row in enumerate(reader, start=2):
            code = (row.get("code") or "").strip()
            name = (row.get("name") or "").strip()
            level = (row.get("level") or "").strip()
            if not CODE_RE.match(code):
                report.bad_rows.append((line, f"code {code!r} is not six digits"))
            elif not name:
                report.bad_rows.append((line, "name is empty"))
            elif level not in LEVELS:
                report.bad_rows.append((line, f"level {level!r} is not one of {sorted(LEVELS)}"))
            else:
                yield Division(
                    code=code,
                    name=name,
                    level=level,
                    revision=(row.get("revision") or "").strip(),
                    is_current=(row.get("current") or "1").strip() == "1",
                )


@transaction.atomic
def load_divisions(path: Path | None = None, *, progress: bool = True) -> LoadReport:
    """Insert or update every division in ``path`` (the bundled file by default).

    Idempotent: a second run with the same file reports everything unchanged.
    """
    report = LoadReport()
    existing = {d.code: d for d in Division.objects.all()}
    new, changed = [], []
    rows = list(_read_rows(path or BUNDLED, report))
    for division in tqdm(rows, desc="divisions", unit="row", disable=not progress):
        old = existing.get(division.code)
        if old is None:
            new.append(division)
        elif (old.name, old.level, old.revision, old.is_current) != (
            division.name,
            division.level,
            division.revision,
            division.is_current,
        ):
            changed.append(division)
        else:
            report.unchanged += 1
    Division.objects.bulk_create(new, batch_size=500)
    Division.objects.bulk_update(
        changed, ["name", "level", "revision", "is_current"], batch_size=500
    )
    report.created, report.updated = len(new), len(changed)
    return report
