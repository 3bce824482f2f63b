"""``sync``: the steps other federation parts register (harvest, stats push, heartbeat).

A step is ``fn(node: Node, progress) -> str`` (a one-line summary); ``progress`` is a tqdm bar
or None. Parts register their steps in their modules' import (``register("harvest", fn)``)
and list the module in ``STEP_MODULES`` so the registry is filled before a sync runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

SYNC_JOB = "federation.sync"
STEP_MODULES: list[str] = [  # dotted modules whose import registers sync steps
    "shuxiang.federation.harvest",
]


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable
    direction: str  # "children": the parent pulls from each child; "parent": push up


_steps: dict[str, Step] = {}


def register(name: str, fn: Callable, *, direction: str = "children") -> None:
    """Add (or replace) sync step ``name``; ``direction`` says which nodes it runs for."""
    if direction not in ("children", "parent"):
        raise ValueError("direction is 'children' or 'parent'")
    _steps[name] = Step(name, fn, direction)


def steps() -> list[Step]:
    for module in STEP_MODULES:
        importlib.import_module(module)
    return list(_steps.values())


def run(node, only: list[str] | None = None, progress_factory=None) -> dict[str, str]:
    """Run every registered step that applies to ``node``; {step: summary or error}."""
    from shuxiang.federation.models import Node

    direction = "children" if node.relation == Node.Relation.CHILD else "parent"
    results: dict[str, str] = {}
    for step in steps():
        if step.direction != direction or (only and step.name not in only):
            continue
        bar = progress_factory(step.name) if progress_factory else None
        try:
            results[step.name] = str(step.run(node, bar) or "done")
        except Exception as exc:  # one failing step does not stop the others; it is recorded
            results[step.name] = f"error: {exc}"
            Node.objects.filter(pk=node.pk).update(
                last_error=f"{step.name}: {exc}"[:1000], last_error_at=timezone.now()
            )
        finally:
            if bar is not None:
                bar.close()
    Node.objects.filter(pk=node.pk).update(last_sync=timezone.now())
    return results


def run_job(job) -> None:
    """Job handler of "sync now": run the steps for the node in the payload."""
    from shuxiang.federation.models import Node

    node = Node.objects.get(pk=job.payload["node"])
    run(node, only=job.payload.get("steps") or None)
