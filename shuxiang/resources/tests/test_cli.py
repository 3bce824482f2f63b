"""``shuxiang resources import|export|verify`` on real folders and stored files."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from shuxiang.resources.models import Resource, ResourceFile
from shuxiang.resources.storage import get_storage
from shuxiang.resources.tests.test_ingest import write_folder


def test_import_command_reports_failed_rows_and_exits_nonzero(tmp_path, sx_collection, capsys):
    rows = [
        {"file": "photos/0.png", "type": "image", "subtype": "old_photograph", "title": "好"},
        {"file": "photos/1.png", "type": "image", "subtype": "old_photograph", "title": ""},
    ]
    folder, manifest = write_folder(tmp_path, rows)
    with pytest.raises(CommandError, match="1 rows failed"):
        call_command("resources", "import", str(folder), "--manifest", str(manifest),
                     "--collection", "330600/local", "--no-progress")  # fmt: skip
    captured = capsys.readouterr()
    assert "row 2: title:" in captured.err
    assert "stored 1" in captured.out
    assert Resource.objects.count() == 1


def test_export_writes_a_json_lines_manifest_that_imports_again(tmp_path, sx_collection, net):
    from shuxiang.resources.models import Collection

    folder, manifest = write_folder(tmp_path)
    call_command("resources", "import", str(folder), "--manifest", str(manifest),
                 "--collection", "330600/local", "--no-progress")  # fmt: skip
    out = tmp_path / "export.jsonl"
    call_command("resources", "export", "--collection", "330600/local", "--out", str(out))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 6 and lines[0]["files"][0]["sha256"]
    Collection.objects.create(library=net["hz"], code="copy", name="副本", kind="independent")
    for line in lines:  # the exported names are relative to the photos folder
        line["files"] = [f"photos/{f['name']}" for f in line["files"]]
    out.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    call_command("resources", "import", str(folder), "--manifest", str(out),
                 "--collection", "330100/copy", "--no-progress")  # fmt: skip
    assert Resource.objects.filter(library=net["hz"]).count() == 6


def test_verify_finds_a_changed_original(tmp_path, sx_collection, capsys):
    folder, manifest = write_folder(tmp_path)
    call_command("resources", "import", str(folder), "--manifest", str(manifest),
                 "--collection", "330600/local", "--no-progress")  # fmt: skip
    call_command("resources", "verify")
    assert "6 intact, 0 bad" in capsys.readouterr().out
    item = ResourceFile.objects.filter(role="original").first()
    path = get_storage().local_path(item.key)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(CommandError):
        call_command("resources", "verify", "--collection", "330600/local")
    assert f"CHANGED resource {item.resource_id}" in capsys.readouterr().err


def test_verify_lists_and_deletes_orphaned_files(tmp_path, sx_collection, capsys):
    import io

    from shuxiang.resources.tests.helpers import make_resource

    make_resource(sx_collection)
    get_storage().save("resources/330600/dead/0000-left-by-a-kill.png", io.BytesIO(b"x"))
    call_command("resources", "verify", "--orphans")
    out = capsys.readouterr().out
    assert "ORPHAN resources/330600/dead/0000-left-by-a-kill.png" in out
    assert "1 orphaned files" in out and "1 intact" in out
    call_command("resources", "verify", "--delete-orphans")
    call_command("resources", "verify", "--orphans")
    assert "0 orphaned files" in capsys.readouterr().out


def test_jobs_reports_failed_derivatives_and_retries_them(
    sx_collection, capsys, django_capture_on_commit_callbacks
):
    from shuxiang.resources.models import DerivativeJob
    from shuxiang.resources.tests.helpers import make_resource, upload

    with django_capture_on_commit_callbacks(execute=True):
        resource = make_resource(
            sx_collection, type="newspaper_page", subtype="",
            extra={"newspaper_title": "绍兴日报", "issue_date": "1949-05-07", "page_number": 1},
            files=[upload("page.pdf", b"%PDF broken")],
        )  # fmt: skip
    call_command("resources", "jobs")
    out = capsys.readouterr().out
    assert f"resource {resource.pk} pages: attempt 3:" in out and "1 failed" in out
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resources", "jobs", "--retry")
    assert "1 failed jobs queued again" in capsys.readouterr().out
    assert resource.jobs.get().state == DerivativeJob.State.FAILED  # still broken, re-reported
