"""End to end, faults: a harvest between real nodes killed mid-way resumes with nothing lost,
nothing twice, and its resumption token never past the last stored page.

The province (parent) harvests the city (child) over the signed peer endpoint, both real
``shuxiang serve`` processes of the session's ``cluster``. The city holds RECORDS records
(PAGE a page, so several pages). First the harvesting process itself — ``shuxiang federation
sync --step harvest`` at the province — is SIGKILLed as soon as a page is stored; then the
records change at the city and, while the province harvests them again, the city's server is
SIGKILLed and started again on its port (the harvester retries the page it was asking for).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from shuxiang.federation.tests.cluster import ROOT

pytestmark = pytest.mark.live
# RECORDS: pages enough that the harvest, which fetches pages ahead, is still mid-list when
# killed; PAGE: the cluster's SHUXIANG_FEDERATION_OAI_PAGE_SIZE
RECORDS, PAGE = 1500, 50
TITLE = "断点续传测试记录"
POPULATE = """
import datetime as dt
from django.utils import timezone
from shuxiang.catalog import services
from shuxiang.catalog.models import Record
from shuxiang.network.models import Library
library = Library.objects.get(code="HZLIB")
source = services.local_source(library, "local-kill-test")
start = timezone.now().replace(microsecond=0)
rows = []
for n in range({records}):
    fields = services.clean_fields({{"title": f"{title} {{n:04d}}", "creators": ["测试"],
                                     "type": "text", "date": "2020"}})
    record = Record(source=source, local_id=f"kill:{{n}}", format="native", payload="",
                    datestamp=start + dt.timedelta(milliseconds=n), library=library, **fields)
    record.set_specs = "|" + "|".join(services.set_specs_for(record)) + "|"
    rows.append(record)
Record.objects.bulk_create(rows)
"""
TOUCH = """
from django.utils import timezone
from shuxiang.catalog.models import Record
Record.objects.filter(title__startswith={title!r}).update(datestamp=timezone.now(),
                                                        description="第二版")
"""
READ_TOKEN = """
import json
from django.utils import timezone
from shuxiang.catalog.models import Record
from shuxiang.catalog.oai.tokens import read_token
state = read_token({token!r}, "ListRecords", timezone.now())
print(json.dumps([state["last_id"], Record.objects.get(pk=state["last_id"]).title]))
"""


def stored(province) -> list[tuple[str, str]]:
    """(title, description) of the test's records harvested at the province, in id order."""
    with sqlite3.connect(province.data_dir / "shuxiang.sqlite3", timeout=30) as db:
        return db.execute(
            "SELECT title, description FROM catalog_record WHERE title LIKE ? ORDER BY id",
            (f"{TITLE}%",),
        ).fetchall()


def token(province) -> str:
    with sqlite3.connect(province.data_dir / "shuxiang.sqlite3", timeout=30) as db:
        (value,) = db.execute(
            "SELECT resumption_token FROM catalog_source WHERE kind = 'node'"
        ).fetchone()
    return value


def harvest(province) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "shuxiang.cli", "federation", "sync", "--step", "harvest"],
        env=province.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def once_a_page_is_stored(province, process: subprocess.Popen, seen: int = 0) -> int:
    """Wait until the running harvest has stored a page (beyond ``seen`` rows); that count."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        count = len(stored(province))
        if count > seen:
            return count
        time.sleep(0.01)
    raise AssertionError(f"no page stored before the harvest ended: {process.communicate()}")


def check_whole(province, description: str | None) -> None:
    rows = stored(province)
    assert [t for t, _d in rows] == [f"{TITLE} {n:04d}" for n in range(RECORDS)]
    if description is not None:
        assert {d for _t, d in rows} == {description}


def test_harvesting_process_killed_mid_harvest_resumes_from_its_last_page(cluster):
    province, city = cluster.province, cluster.city
    city.run(POPULATE.format(records=RECORDS, title=TITLE))
    process = harvest(province)
    once_a_page_is_stored(province, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    rows = stored(province)
    # whole pages only, in the child's order: the first pages of the list and nothing else
    assert 0 < len(rows) < RECORDS and len(rows) % PAGE == 0
    assert [t for t, _d in rows] == [f"{TITLE} {n:04d}" for n in range(len(rows))]
    # the saved token continues right after the last stored record (read by the child)
    answer = city.run(READ_TOKEN.format(token=token(province))).strip().splitlines()[-1]
    last_id, last_title = json.loads(answer)
    assert last_title == rows[-1][0], (last_id, last_title)
    out = province.cli("federation", "sync", "--step", "harvest")
    assert "error" not in out, out
    check_whole(province, "")
    assert token(province) == ""
    # the index update the killed run had not handed over was queued again: search finds all
    found = requests.get(
        province.url + "/api/v1/catalog/search", params={"q": TITLE, "page_size": 1},
        headers={"Authorization": f"Bearer {province.token}"}, timeout=60,
    ).json()  # fmt: skip
    assert found["total"] == RECORDS, found


def test_child_server_killed_mid_page_resumes_without_loss_or_duplicates(cluster):
    province, city = cluster.province, cluster.city
    city.run(TOUCH.format(title=TITLE))
    process = harvest(province)
    before = len([r for r in stored(province) if r[1] == "第二版"])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if any(d == "第二版" for _t, d in stored(province)):
                break
            time.sleep(0.01)
        city.kill()  # a page is being asked for or answered: the next one is always in flight
        updated = len([r for r in stored(province) if r[1] == "第二版"])
        assert before < updated < RECORDS and updated % PAGE == 0
        time.sleep(1)
    finally:
        city.start().wait()
    out, _err = process.communicate(timeout=120)
    if process.returncode != 0 or "error" in out:  # retries ran out before the city was back
        out = province.cli("federation", "sync", "--step", "harvest")
    assert "error" not in out, out
    check_whole(province, "第二版")
    assert token(province) == ""
