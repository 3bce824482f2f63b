"""Subtree queries over the full division tree: materialized path vs naive recursion.

Builds the whole network a division list implies (national, every province, every city and
county: ≈3,300 libraries), then for every provincial library fetches its whole subtree twice:
once with the one-query path prefix Shuxiang uses, once the naive way (query the children of
each node, level by level — one query per node). Prints subtrees/s of both and the speed-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import best_of, report, setup_django  # noqa: E402


def build_full_network() -> int:
    """Insert one library per current division (bulk, parents first); return the count."""
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.models import Division, Library
    from shuxiang.network.naming import library_name
    from shuxiang.network.services import path_for

    load_divisions(progress=False)
    root = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
    by_code = {"NLC": root}
    levels = [("province", "provincial"), ("prefecture", "city"), ("county", "county")]
    for division_level, library_level in levels:
        batch = []
        for division in Division.objects.filter(is_current=True, level=division_level):
            parent = _parent_of(division, by_code)
            library = Library(
                code=division.code,
                name=library_name(division.name),
                level=library_level,
                parent=parent,
                division=division,
                path=path_for(division.code, parent),
                depth=parent.depth + 1,
            )
            batch.append(library)
        for library in Library.objects.bulk_create(batch, batch_size=500):
            by_code[library.code] = library
    return Library.objects.count()


def _parent_of(division, by_code):
    for candidate in (division.code[:4] + "00", division.code[:2] + "0000", "NLC"):
        if candidate != division.code and candidate in by_code:
            return by_code[candidate]
    return by_code["NLC"]


def naive_subtree(library) -> list:
    """What code without a path column does: one query per node, level by level."""
    from shuxiang.network.models import Library

    found, frontier = [library], [library]
    while frontier:
        node = frontier.pop()
        children = list(Library.objects.filter(parent_id=node.pk))
        found.extend(children)
        frontier.extend(children)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="Runs per method (median kept).")
    args = parser.parse_args()
    setup_django()
    from shuxiang.network import queries
    from shuxiang.network.models import Library

    total = build_full_network()
    provinces = list(Library.objects.filter(level="provincial"))
    sizes = [len(list(queries.subtree(p))) for p in provinces]
    assert sizes == [len(naive_subtree(p)) for p in provinces], "methods disagree"
    path_time = best_of(lambda: [list(queries.subtree(p)) for p in provinces], args.repeat)
    naive_time = best_of(lambda: [naive_subtree(p) for p in provinces], args.repeat)
    rate, naive_rate = len(provinces) / path_time, len(provinces) / naive_time
    print(f"{total} libraries; {len(provinces)} provincial subtrees, {sum(sizes)} rows in all")
    print(f"materialized path: {rate:,.1f} subtrees/s; naive recursion: {naive_rate:,.1f}/s")
    report(
        "network_subtree",
        "province subtrees per second",
        rate,
        "naive per-level recursive queries",
        naive_rate,
        "subtrees/s",
        libraries=total,
    )


if __name__ == "__main__":
    main()
