"""Two real nodes for the figures tests: a national parent (``shuxiang serve``) and a Zhejiang
child whose pushes run as real ``shuxiang`` processes (so they can be SIGKILLed).

Each node has its own data folder and SQLite database (copied from one migrated template) and
its own Ed25519 key; trust is set up in each database as an approved join leaves it (the join
handshake itself is tested by the registry's own tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from shuxiang.resources.tests.nodes import ROOT, Node, free_port, migrated_database

KEY = """
from shuxiang.federation import keys
key = keys.own_key()
print("KEY", key.key_id, key.public_key_b64)
"""

TRUST = """
from django.utils import timezone
from shuxiang.federation.models import HostedLibrary, Node, NodeKey
from shuxiang.network.models import Library
node = Node.objects.create(name=%(name)r, base_url=%(url)r, relation=%(relation)r,
                           status="approved", approved_at=timezone.now())
NodeKey.objects.create(node=node, key_id=%(key_id)r, public_key=%(public)r)
for code in %(hosted)r:
    HostedLibrary.objects.create(node=node, library=Library.objects.get(code=code))
"""

LIBRARIES = """
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
for code, name, level, parent in %r:
    network.create_library({"code": code, "name": name, "level": level, "parent": parent},
                           by=SYSTEM)
"""

EVENTS = """
import random
from datetime import UTC, datetime, timedelta
from shuxiang.stats import events
rng = random.Random(%(seed)d)
start = datetime(%(year)d, %(month)d, %(day)d, tzinfo=UTC)
kinds = ["page_view", "search", "item_view", "download", "play", "login"]
for _ in range(%(n)d):
    at = start + timedelta(minutes=rng.randrange(%(days)d * 24 * 60))
    events.record(rng.choice(kinds), library=rng.choice(%(codes)r), reader=rng.randrange(300),
                  channel=rng.choice(["web", "mobile", "api"]), resource_type="ebook", at=at)
events.flush()
"""

FIGURES = """
import json
from django.db.models import Sum
from shuxiang.stats.models import DailyRollup, HourlyRollup
def sums(model, **where):
    rows = model.objects.filter(**where).values_list("scope", "day").annotate(n=Sum("events"))
    return {f"{scope} {day}": n for scope, day, n in rows.order_by()}
own = DailyRollup.objects.filter(subtree=False).values_list("scope", "day", "kind", "channel")
print("JSON", json.dumps({
    "own": {" ".join(map(str, key)): n for *key, n in own.annotate(n=Sum("events")).order_by()},
    "subtree": sums(DailyRollup, subtree=True),
    "hourly": sums(HourlyRollup),
}))
"""

PUSH = "from shuxiang.federation.figures import push_figures; print(push_figures().summary())"
CHILD_LIBRARIES = [
    ("NLC", "国家图书馆", "national", None),
    ("330000", "浙江图书馆", "provincial", "NLC"),
    ("330100", "杭州图书馆", "city", "330000"),
    ("330600", "绍兴图书馆", "city", "330000"),
    ("330681", "诸暨市图书馆", "county", "330600"),
]
ZHEJIANG = ["330000", "330100", "330600", "330681"]


class FigureNode(Node):
    """A node of this pair: its shell, its figures as JSON, its own key."""

    def __init__(self, folder: Path, template: Path, name: str) -> None:
        folder.mkdir()
        super().__init__(folder, template)
        self.server_mode = False  # both nodes of the pair are embedded (own SQLite each)
        self.env = {k: v for k, v in self.env.items() if k not in _SERVER_ONLY}
        self.env["SHUXIANG_STATS_FLUSH_SECONDS"] = "0"
        self.name = name
        self.port = free_port()
        self.env["SHUXIANG_BASE_URL"] = self.url
        import shutil

        shutil.copyfile(template, self.data_dir / "shuxiang.sqlite3")
        self.key_id, self.public = self.python(KEY).split("KEY", 1)[1].split()

    def python(self, code: str, timeout: float = 300) -> str:
        return self.run("shell", "-c", code, timeout=timeout)

    def figures(self) -> dict:
        return json.loads(self.python(FIGURES).split("JSON", 1)[1])

    def trust(self, other: FigureNode, relation: str, hosted: list[str] = ()) -> None:
        values = {
            "name": other.name,
            "url": other.url,
            "relation": relation,
            "key_id": other.key_id,
            "public": other.public,
            "hosted": list(hosted),
        }
        self.python(TRUST % values)

    def push(self, **env: str) -> subprocess.Popen:
        """Start ``shuxiang federation-push``-equivalent work: push figures in a process."""
        code = PUSH
        return subprocess.Popen(
            [sys.executable, "-m", "shuxiang.cli", "shell", "-c", code],
            env={**self.env, **env}, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip


_SERVER_ONLY = ("SHUXIANG_DATABASE_URL", "SHUXIANG_REDIS_URL", "SHUXIANG_TASKS_IMMEDIATE")


def pair(tmp: Path) -> tuple[FigureNode, FigureNode]:
    """The national parent (serving) and the Zhejiang child, trusting each other."""
    template = migrated_database(tmp / "template")
    parent = FigureNode(tmp / "national", template, "national")
    child = FigureNode(tmp / "zhejiang", template, "zhejiang")
    parent.python(LIBRARIES % [CHILD_LIBRARIES[0]])
    child.python(LIBRARIES % CHILD_LIBRARIES)
    parent.trust(child, "child")
    child.trust(parent, "parent", hosted=["NLC"])
    parent.start()
    return parent, child


def land(node: FigureNode, codes: list[str], n: int, *, seed: int = 1, first=(2026, 1, 1),
         days: int = 120) -> None:  # fmt: skip
    """Record ``n`` events at ``codes`` over ``days`` days from ``first``, then roll up."""
    year, month, day = first
    node.python(EVENTS % {"seed": seed, "year": year, "month": month, "day": day, "n": n,
                          "days": days, "codes": codes})  # fmt: skip
    node.python("from shuxiang.stats.rollup import run_rollup; run_rollup()")


def wait_for(check, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
