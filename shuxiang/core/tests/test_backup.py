"""Backup and restore bring back exactly what was stored, in either mode."""

from __future__ import annotations

import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from shuxiang.core.actors import SYSTEM
from shuxiang.network import services
from shuxiang.network.models import Library
from shuxiang.network.tests.factories import small_network


@pytest.fixture
def stored(transactional_db):
    from shuxiang.network.divisions import load_divisions

    load_divisions(progress=False)
    network = small_network()
    settings.MEDIA_ROOT.mkdir(exist_ok=True)
    (settings.MEDIA_ROOT / "cover.txt").write_text("书香")
    return network


def test_restore_brings_back_libraries_and_media_changed_after_the_backup(stored, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    services.update_library(stored["sx"], {"name": "改过的名字"}, by=SYSTEM)
    Library.objects.filter(code="620123").delete()
    (settings.MEDIA_ROOT / "cover.txt").write_text("changed")

    call_command("restore", str(archive), yes=True)

    assert Library.objects.get(code="330600").name == "330600图书馆"
    assert Library.objects.filter(code="620123").exists()
    assert (settings.MEDIA_ROOT / "cover.txt").read_text() == "书香"


def test_restore_refuses_a_file_that_is_not_a_backup(stored, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as archive:
        note = tmp_path / "note.txt"
        note.write_text("hello")
        archive.add(note, "note.txt")
    with pytest.raises(CommandError, match="archive: not a Shuxiang backup"):
        call_command("restore", str(bogus), yes=True)
    assert Library.objects.filter(code="330600").exists()


def test_restore_refuses_a_corrupt_archive(stored, tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(CommandError, match="is not a backup archive"):
        call_command("restore", str(broken), yes=True)
    assert Library.objects.count() == 8
