"""Compile the .po translation catalogs to .mo (pure Python, via polib).

``--check`` fails when a committed .mo differs from what its .po compiles to.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "shuxiang"


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for po_path in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")):
        catalog = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        compiled = catalog.to_binary()
        if check:
            if not mo_path.exists() or mo_path.read_bytes() != compiled:
                stale.append(mo_path)
        else:
            mo_path.write_bytes(compiled)
            print(
                f"compiled {mo_path.relative_to(ROOT.parent)} "
                f"({len(catalog.translated_entries())} messages)"
            )
    if stale:
        for path in stale:
            print(f"{path} is out of date: run python scripts/compilemessages.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
