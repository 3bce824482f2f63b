"""``shuxiang pid``: mint, register, resolve, import, history from the command line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.identifiers import names
from shuxiang.identifiers.models import Identifier


def run(*args) -> str:
    out = io.StringIO()
    call_command("pid", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_mint_prints_valid_unused_names(net):
    minted = run("mint", "--library", "330600", "--count", "3").splitlines()
    assert len(minted) == 3 and all(names.has_valid_check(n) for n in minted)


def test_register_resolve_and_history(net, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF scan of a local gazetteer")
    name = run(
        "register",
        "--library",
        "330600",
        "--location",
        "https://sx.example/fz/1",
        "--title",
        "绍兴县志",
        "--rights",
        "本馆所有",
        "--file",
        str(scan),
        "--suffix",
        "FZ-1",
    )
    assert name == "sx.330600/fz-1"
    assert run("resolve", "SX.330600/FZ-1") == "https://sx.example/fz/1"
    assert json.loads(run("resolve", name, "--json"))["responseCode"] == 1
    assert "register" in run("history", name)


def test_register_as_a_user_outside_the_scope_fails_with_the_reason(net):
    admin_of(net["gs"], username="gs_admin")
    with pytest.raises(CommandError):
        run(
            "--as",
            "gs_admin",
            "register",
            "--library",
            "330600",
            "--location",
            "https://x.example/1",
            "--title",
            "x",
            "--rights",
            "r",
        )
    assert not Identifier.objects.exists()


def test_import_writes_a_failure_report_and_registers_good_rows(net, tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text(
        "location,title,rights\nhttps://a.example/1,甲,r\nbad,乙,r\n", encoding="utf-8"
    )
    report = tmp_path / "failures.csv"
    with pytest.raises(CommandError):
        run("import", str(source), "--library", "330600", "--report", str(report))
    assert Identifier.objects.count() == 1
    assert "2,location" in report.read_text(encoding="utf-8")
    run_again = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "pid",
            "import",
            str(source),
            "--library",
            "330600",
            stdout=run_again,
            stderr=io.StringIO(),
        )
    assert Identifier.objects.count() == 1


def test_resolving_an_unknown_name_fails(net):
    with pytest.raises(CommandError):
        run("resolve", "sx.330600/nothing")
