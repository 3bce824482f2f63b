"""Background tasks run the same services as the foreground (called in-process here)."""

from __future__ import annotations

from shuxiang.identifiers import tasks
from shuxiang.identifiers.models import Identifier
from shuxiang.identifiers.tests.factories import registered


def test_import_task_registers_the_file_rows(net, tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text("location,title,rights\nhttps://t.example/1,甲,r\n", encoding="utf-8")
    report = tasks.import_file.call_local(str(source), "330600", None)
    assert report["created"] == 1
    assert Identifier.objects.filter(location="https://t.example/1").exists()


def test_verify_locations_reports_only_urls_that_stopped_answering(net, served):
    up = registered(net["sx"], location=f"{served}/ok/1")
    down = registered(net["sx"], location=f"{served}/gone/1")
    problems = tasks.verify_locations.call_local([up.name, down.name])
    assert list(problems) == [down.name]
