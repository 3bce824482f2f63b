"""The shuxiang command: check, load-divisions and the console script behave as promised."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command


def test_check_reports_the_embedded_database_as_reachable(db, capsys):
    call_command("shuxiang_check")
    out = capsys.readouterr().out
    assert "[ok] database" in out


def test_check_flags_a_misspelt_setting(db, capsys, monkeypatch):
    monkeypatch.setenv("SHUXIANG_DATABSE_URL", "postgresql://x")
    call_command("shuxiang_check")
    assert "SHUXIANG_DATABSE_URL: unknown setting" in capsys.readouterr().out


def test_check_fails_on_a_malformed_value(db, monkeypatch):
    monkeypatch.setenv("SHUXIANG_DEBUG", "perhaps")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("shuxiang_check")


def test_load_divisions_reports_bad_rows_and_loads_good_ones(db, tmp_path, capsys):
    source = tmp_path / "divisions.tsv"
    source.write_text(
        "code\tname\tlevel\trevision\tcurrent\n"
        "990000\t测试省\tprovince\t2099\t1\n"
        "99X100\t坏代码\tprefecture\t2099\t1\n"
        "990100\t\tprefecture\t2099\t1\n",
        encoding="utf-8",
    )
    call_command("load_divisions", str(source))
    captured = capsys.readouterr()
    assert "line 3: code '99X100' is not six digits" in captured.err
    assert "line 4: name is empty" in captured.err
    assert "1 created" in captured.out


def test_load_divisions_refuses_a_missing_file(db):
    with pytest.raises(CommandError, match="path: .* is not a readable file"):
        call_command("load_divisions", "/nonexistent/divisions.tsv")


def test_the_console_script_prints_help():
    result = subprocess.run(
        [sys.executable, "-m", "shuxiang.cli", "--help"],
        capture_output=True,
        text=True,
        env=os.environ,
        check=True,
    )
    assert "shuxiang demo" in result.stdout


def test_check_warns_of_failed_and_overdue_jobs(db, capsys):
    from datetime import timedelta

    from django.utils import timezone

    from shuxiang.core.models import Job

    call_command("shuxiang_check")
    assert "[ok] jobs" in capsys.readouterr().out
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.create(kind="x", state=Job.State.FAILED, next_run_at=long_ago)
    Job.objects.create(kind="x", next_run_at=long_ago)
    call_command("shuxiang_check")
    out = capsys.readouterr().out
    assert "[warning] jobs: 1 failed" in out
    assert "1 overdue by 10 minutes or more" in out
