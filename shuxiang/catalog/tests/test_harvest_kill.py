"""``shuxiang harvest`` really killed (SIGKILL) at several moments, then re-run: nothing lost,
nothing twice, and the source's datestamp untouched until the list is complete.

The harvest runs as the real command in its own process on its own embedded node (a fresh
SQLite data folder); the kill is fired by the fault-injecting server when a chosen page is
requested, after a chosen delay, so it lands while waiting, parsing or storing.
"""

from __future__ import annotations

import itertools
import signal
import sqlite3
import threading

from shuxiang.catalog.tests.faults import RESPONSE_DATE, FaultyRepository
from shuxiang.catalog.tests.servers import serve
from shuxiang.resources.tests.test_import_kill import embedded_node, shuxiang

RECORDS, PAGE = 2000, 20  # enough pages that the last kill lands before the list ends,
# even though the harvester fetches pages ahead while it stores
# (n-th request of the run, seconds after): counted per run, since a resumed run starts at
# whatever page the last one reached (pages are stored in bulk while the next one is fetched).
KILLS = [(1, 0.0), (3, 0.01), (3, 0.03), (2, 0.0)]


def state(database) -> tuple[list[str], str, str]:
    with sqlite3.connect(database, timeout=5) as connection:
        ids = [r[0] for r in connection.execute("SELECT local_id FROM catalog_record")]
        stamp, token = connection.execute(
            "SELECT last_datestamp, resumption_token FROM catalog_source WHERE key = 'faulty'"
        ).fetchone()
    return ids, stamp, token


def test_harvest_killed_at_several_moments_resumes_without_loss_or_duplicates(tmp_path):
    env, database = embedded_node(tmp_path)
    repository = FaultyRepository(count=RECORDS, page_size=PAGE)
    with serve(repository) as url:
        create = f"from shuxiang.catalog.models import Source; Source.objects.create(key='faulty', name='F', kind='oai', base_url='{url}')"  # noqa: E501
        setup = shuxiang(env, "shell", "-c", create)
        assert setup.wait(timeout=120) == 0, setup.communicate()[1].decode()
        for page, delay in KILLS:
            process = shuxiang(env, "harvest", "faulty")

            requests = itertools.count(1)

            def kill(number, page=page, delay=delay, process=process, requests=requests):
                if next(requests) == page:
                    threading.Timer(delay, process.send_signal, (signal.SIGKILL,)).start()

            repository.on_request = kill
            process.communicate(timeout=120)
            assert process.returncode == -signal.SIGKILL, (page, repository.log[-3:])
            ids, stamp, token = state(database)
            assert stamp == "" and len(ids) == len(set(ids))
            # the next page is requested while one is stored: a kill may land before any commit
            assert len(ids) % PAGE == 0 and token == (f"p{len(ids) // PAGE}" if ids else "")
        repository.on_request = None
        final = shuxiang(env, "harvest", "faulty")
        out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    ids, stamp, token = state(database)
    assert len(ids) == len(set(ids)) == RECORDS
    assert stamp == RESPONSE_DATE and token == ""
    served = [params.get("resumptionToken", "") for _when, _page, params in repository.log]
    assert len(served) < 2 * RECORDS // PAGE, "each kill costs at most one page again"
