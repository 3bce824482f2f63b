"""The sync registry: steps other parts register run per node, with errors recorded."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from shuxiang.federation import sync
from shuxiang.federation.models import Node
from shuxiang.federation.tests.factories import peer_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    saved = dict(sync._steps)
    sync._steps.clear()
    yield sync
    sync._steps.clear()
    sync._steps.update(saved)


def test_steps_run_for_their_direction_and_errors_are_recorded(registry):
    child, _key = peer_node()
    parent, _key = peer_node(relation=Node.Relation.PARENT)
    seen = []
    registry.register(
        "harvest", lambda node, bar: seen.append(("harvest", node.pk)) or "12 records"
    )
    registry.register("push", lambda node, bar: seen.append(("push", node.pk)), direction="parent")

    def broken(node, bar):
        raise RuntimeError("child unreachable")

    registry.register("heartbeat", broken)
    assert registry.run(child) == {"harvest": "12 records", "heartbeat": "error: child unreachable"}
    assert registry.run(parent) == {"push": "done"}
    assert seen == [("harvest", child.pk), ("push", parent.pk)]
    child.refresh_from_db()
    assert child.last_sync is not None and child.last_error == "heartbeat: child unreachable"
    with pytest.raises(ValueError):
        registry.register("x", broken, direction="sideways")


def test_the_sync_command_runs_the_steps_with_progress(registry, capsys):
    child, _key = peer_node(name="浙江省节点")
    peer_node(status=Node.Status.PENDING)

    def harvest(node, bar):
        bar.update(3)
        return "3 records"

    registry.register("harvest", harvest)
    call_command("federation", "sync")
    captured = capsys.readouterr()
    assert captured.out.strip() == "浙江省节点\tharvest\t3 records"
    call_command("federation", "sync", "浙江省节点", "--step", "nothing")
    assert "no sync step registered" in capsys.readouterr().out


def test_the_sync_job_runs_one_node(registry):
    child, _key = peer_node()
    ran = []
    registry.register("harvest", lambda node, bar: ran.append(node.pk))

    class Job:
        payload = {"node": child.pk, "steps": []}

    sync.run_job(Job())
    assert ran == [child.pk]
