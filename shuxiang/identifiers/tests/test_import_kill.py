"""``shuxiang pid import`` really killed (SIGKILL) at several points, then re-run to the end.

Every row is registered exactly once: rows with a suffix (by name), with a fingerprint, and
with neither (by location). The import runs in its own process on its own node.
"""

from __future__ import annotations

import csv

import pytest

from shuxiang.core.tests.subprocess_node import kill_when, make_node

ROWS = 1500
BATCH = "100"
SETUP = """
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
network.create_library({"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM)
"""


def write_rows(path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["location", "title", "rights", "fingerprint", "suffix"])
        for n in range(ROWS):
            fingerprint = f"{n:064x}" if n % 3 == 1 else ""
            suffix = f"k{n}" if n % 3 == 2 else ""
            location = f"https://digital.example.cn/item/{n}"
            writer.writerow([location, f"古籍{n}", "国家图书馆版权所有", fingerprint, suffix])


@pytest.mark.django_db(transaction=True)
def test_a_killed_identifier_import_reruns_to_every_row_exactly_once(tmp_path):
    node = make_node(tmp_path)
    node.python(SETUP)
    rows = tmp_path / "rows.csv"
    write_rows(rows)
    command = ("pid", "import", str(rows), "--library", "NLC", "--batch-size", BATCH)
    count = "SELECT COUNT(*) FROM identifiers_identifier"
    for threshold in (1, ROWS * 2 // 5, ROWS * 4 // 5):
        kill_when(node.start(*command), lambda t=threshold: node.scalar(count) >= t)
        assert node.scalar(count) < ROWS, "the import ended before the kill"
    node.run(*command)
    assert node.scalar(count) == ROWS
    assert node.scalar("SELECT COUNT(DISTINCT location) FROM identifiers_identifier") == ROWS
    assert node.scalar("SELECT COUNT(*) FROM identifiers_resolve") == ROWS
    fingerprints = "SELECT COUNT(DISTINCT fingerprint) FROM identifiers_identifier"
    assert node.scalar(fingerprints + " WHERE fingerprint IS NOT NULL") == ROWS // 3
    assert (
        node.scalar(
            "SELECT COUNT(*) FROM identifiers_identifier i JOIN identifiers_resolve r"
            " ON r.name = i.name AND r.target = i.location"
        )
        == ROWS
    )
    again = node.run(*command, SHUXIANG_LANGUAGE="en")
    assert f"0 registered, {ROWS} already there, 0 failed" in again
