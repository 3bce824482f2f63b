"""Recording usage events: pseudonyms, never failing the caller, durability across a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from shuxiang.stats import events
from shuxiang.stats.backends import get_backend
from shuxiang.stats.middleware import channel_of

ROOT = Path(__file__).resolve().parents[3]


def test_recorded_events_are_stored_with_library_kind_and_local_day(db):
    at = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai
    events.record("download", library="330681", resource_type="ebook", at=at, item_id="b1")
    assert events.flush() == 1
    backend = get_backend()
    assert backend.count(kind="download", library="330681", item_id="b1") == 1
    assert backend.count(day="2026-03-02", hour="1") == 1


def test_reader_ids_are_keyed_pseudonyms_never_the_account_id(db):
    events.record("login", library="NLC", reader=4711)
    events.flush()
    stored = events.pseudonym(4711)
    assert stored != "4711" and "4711" not in stored and len(stored) == 24
    assert get_backend().count(reader=stored) == 1
    assert events.pseudonym(4711) == stored != events.pseudonym(4712)


def test_a_bad_event_never_raises_into_the_caller(db):
    events.record("teleport", library="NLC")
    events.record("search", library=object())
    events.record("search", library="NLC", at="yesterday")
    assert events.COLLECTOR.failed >= 2
    assert events.flush() <= 1


def test_recording_does_not_touch_storage_until_flushed(db):
    events.record("search", library="NLC")
    assert get_backend().count() == 0
    assert events.COLLECTOR.pending() == 1


def test_a_failed_write_keeps_the_events_for_the_next_flush(db, monkeypatch):
    events.record("search", library="NLC")
    backend = get_backend()
    original = backend.append_rows
    monkeypatch.setattr(backend, "append_rows", lambda rows: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        events.flush()
    monkeypatch.setattr(backend, "append_rows", original)
    assert events.flush() == 1 and backend.count(kind="search") == 1


@pytest.mark.parametrize(
    ("path", "agent", "channel"),
    [
        ("/api/v1/libraries", "curl/8", "api"),
        ("/network/", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148", "mobile"),
        ("/network/", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "web"),
    ],
)
def test_channel_follows_path_and_user_agent(path, agent, channel):
    assert channel_of(path, agent) == channel


def test_html_pages_record_a_page_view(client, db):
    client.get("/network/", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    assert events.COLLECTOR.pending() == 1
    events.flush()
    assert get_backend().count(kind="page_view", channel="mobile") == 1


def _writer_env(tmp_path: Path) -> tuple[dict, list[str]]:
    env = {**os.environ, "SHUXIANG_DATA_DIR": str(tmp_path / "data")}
    args = []
    if settings.STATS_BACKEND.endswith("ParquetBackend"):
        args = [str(tmp_path / "events")]
    else:
        db = connection.settings_dict
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["SHUXIANG_DATABASE_URL"] = f"postgresql://{db['USER']}@{host}/{db['NAME']}"
    return env, args


@pytest.mark.django_db(transaction=True)
def test_a_writer_killed_mid_stream_loses_nothing_it_acknowledged(tmp_path):
    env, args = _writer_env(tmp_path)
    script = str(Path(__file__).with_name("writer_process.py"))
    proc = subprocess.Popen(
        [sys.executable, script, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    acknowledged = 0
    try:
        for line in proc.stdout:
            acknowledged = int(line.split()[1])
            if acknowledged >= 20_000:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert acknowledged >= 20_000
    if args:
        from shuxiang.stats.backends.duckdb import ParquetBackend

        backend = ParquetBackend(args[0])
    else:
        backend = get_backend()
    stored = backend.count(kind="item_view", library="330681")
    assert stored >= acknowledged
    assert stored % 500 == 0  # whole batches only: nothing half-written is ever read
    if not args:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM stats_event")


def test_awkward_text_survives_the_store_unchanged(db):
    from datetime import date

    title = '红楼梦, "脂砚斋"\n评本\x00'
    at = datetime(2026, 3, 1, 4, tzinfo=UTC)
    events.record("download", library="330681", item_id="b,1", title=title, at=at)
    events.flush()
    rows = get_backend().item_rows(date(2026, 3, 1), date(2026, 3, 31), ["330681"])
    assert [(r[1], r[2]) for r in rows] == [("b,1", '红楼梦, "脂砚斋"\n评本')]


@pytest.mark.django_db(transaction=True)
def test_the_background_flusher_writes_events_without_being_asked():
    import time

    events.COLLECTOR.interval = 0.1
    try:
        events.record("search", library="330681")
        deadline = time.monotonic() + 10
        while get_backend().count(kind="search") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert get_backend().count(kind="search") == 1
        assert events.COLLECTOR.pending() == 0
    finally:
        events.COLLECTOR.stop()
        events.COLLECTOR.interval = 0


def test_a_batch_failing_on_one_day_leaves_nothing_and_its_retry_duplicates_nothing(db):
    """A flush spanning two days whose second day cannot be written is kept whole for retry."""
    backend = get_backend()
    if not hasattr(backend, "root"):
        pytest.skip("PostgreSQL writes a batch in one transaction")
    blocker = backend.root / "day=2026-03-02"
    blocker.write_text("a file where the day's folder should be")  # mkdir fails: a real fault
    events.record("download", library="330681", item_id="a", at=datetime(2026, 3, 1, 4, tzinfo=UTC))
    events.record("download", library="330681", item_id="b", at=datetime(2026, 3, 2, 4, tzinfo=UTC))
    with pytest.raises(OSError):
        events.flush()
    assert backend.count(kind="download") == 0
    assert events.COLLECTOR.pending() == 2
    blocker.unlink()
    assert events.flush() == 2
    assert backend.count(kind="download", item_id="a") == 1
    assert backend.count(kind="download", item_id="b") == 1


def _stored_numbers(args: list[str]) -> list[int]:
    if args:
        from shuxiang.stats.backends.duckdb import ParquetBackend

        backend = ParquetBackend(args[0])
        segments = backend.all_segments()
        if not segments:
            return []
        rows = backend._query(f"SELECT item_id FROM {backend._source(segments)}", [])
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT item_id FROM stats_event WHERE kind = 'download'")
            rows = cursor.fetchall()
    return [int(item[1:]) for (item,) in rows]


@pytest.mark.django_db(transaction=True)
def test_writers_killed_at_several_points_of_a_flush_lose_and_duplicate_nothing(tmp_path):
    """SIGKILL right after an acknowledgement and 1, 5, 20 and 60 ms into the next flush;
    each restarted writer carries on. Every acknowledged event is stored exactly once, and
    nothing is stored twice."""
    import time

    env, args = _writer_env(tmp_path)
    script = str(Path(__file__).with_name("flush_writer.py"))
    acknowledged, first, promised = 0, 0, set()
    try:
        for delay in (0, 0.001, 0.005, 0.02, 0.06):
            proc = subprocess.Popen(
                [sys.executable, script, str(first), *args],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            try:
                for count, line in enumerate(proc.stdout):
                    acknowledged = int(line.split()[1])
                    if count == 3:
                        time.sleep(delay)
                        break
            finally:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
            promised |= set(range(first, acknowledged))
            stored = _stored_numbers(args)
            assert len(stored) == len(set(stored)), "an event was stored twice"
            assert promised <= set(stored), "an acknowledged event was lost"
            first = max(stored) + 1  # the next writer numbers on; the killed one's rest is gone
        assert len(promised) >= 5 * 4 * 400
    finally:
        if not args:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM stats_event")
