"""Build shuxiang/network/data/divisions.tsv from the division files in ../shared/data/divisions.

The bundled file is the union of three editions of GB/T 2260 codes (facts, cited by source):
MCA 2019-04 (cn/GB2260), NBS 2018-10 (cn/GB2260) and NBS 2023 (modood/Administrative-divisions-
of-China). For each code the newest name wins; ``current`` marks codes in the newest edition.
Run: python scripts/build_divisions.py [SOURCE_DIR]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "divisions"
TARGET = ROOT / "shuxiang" / "network" / "data" / "divisions.tsv"


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def main() -> None:
    rows: dict[str, tuple[str, str]] = {}  # code -> (name, revision)
    for name, revision in (
        ("GB2260_stats_201810.tsv", "2018-10"),
        ("GB2260_mca_201904.tsv", "2019-04"),
    ):
        with open(SOURCE / name, encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                rows[row["Code"]] = (row["Name"], revision)
    current: set[str] = set()
    for name in (
        ("modood_2023_provinces.csv", 2),
        ("modood_2023_cities.csv", 4),
        "modood_2023_areas.csv",
    ):
        with open(SOURCE / name, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                code = row["code"].ljust(6, "0")
                rows[code] = (row["name"], "2023")
                current.add(code)
    current |= {c for c in rows if c[:2] in {"71", "81", "82"}}
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with open(TARGET, "w", encoding="utf-8", newline="") as out:
        out.write("code\tname\tlevel\trevision\tcurrent\n")
        for code in sorted(rows):
            name, revision = rows[code]
            out.write(f"{code}\t{name}\t{level_of(code)}\t{revision}\t{int(code in current)}\n")
    print(f"wrote {len(rows)} divisions to {TARGET}")


if __name__ == "__main__":
    main()
