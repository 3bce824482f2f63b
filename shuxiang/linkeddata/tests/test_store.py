"""The store follows the database: commits refresh documents; the CLI rebuilds and dumps."""

from __future__ import annotations

import gzip

from django.core.management import call_command
from rdflib import Graph

from shuxiang.core.actors import SYSTEM
from shuxiang.linkeddata import dumps, store, sync
from shuxiang.resources import services

NAME = "https://schema.org/name"


def titles_in_store() -> set[str]:
    snapshot = store.open_snapshot()
    query = f"SELECT ?t WHERE {{ ?s <{NAME}> ?t }}"
    return {row["t"].value for row in snapshot.query(query, use_default_graph_as_union=True)}


def test_withdrawing_a_resource_removes_it_after_the_commit(
    world, django_capture_on_commit_callbacks
):
    sync.rebuild_now()
    assert "兰亭旧影" in titles_in_store()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(world["photo"], by=SYSTEM, reason="测试撤回")
    assert "兰亭旧影" not in titles_in_store()


def test_renaming_a_library_reaches_the_store(world, django_capture_on_commit_callbacks):
    sync.rebuild_now()
    library = world["net"]["sx"]
    library.name = "绍兴图书馆（新馆）"
    with django_capture_on_commit_callbacks(execute=True):
        library.save()
    assert "绍兴图书馆（新馆）" in titles_in_store()


def test_the_cli_rebuilds_and_writes_dumps_and_void(world, capsys):
    call_command("linkeddata", "dump")
    out = capsys.readouterr().out
    assert "store rebuilt" in out and "shuxiang.nt.gz" in out
    with gzip.open(dumps.folder() / "shuxiang.ttl.gz") as packed:
        graph = Graph().parse(data=packed.read().decode(), format="turtle")
    # Labels repeated in several documents are one triple once parsed.
    assert 0 < len(graph) <= dumps.listed()[0].triples
    void = Graph().parse((dumps.folder() / dumps.VOID_NAME).as_posix(), format="turtle")
    assert any("shuxiang.nt.gz" in str(o) for o in void.objects())


def test_void_and_dump_downloads_over_http(client, world):
    call_command("linkeddata", "dump")
    void = Graph().parse(data=client.get("/ld/void").content.decode(), format="turtle")
    assert len(void) > 5
    download = client.get("/ld/dumps/shuxiang.nt.gz")
    assert download.status_code == 200
    body = gzip.decompress(b"".join(download.streaming_content)).decode()
    assert Graph().parse(data=body, format="nt")
    assert client.get("/ld/dumps/../../etc/passwd").status_code == 404
    assert client.get("/ld/dumps/other.gz").status_code == 404
