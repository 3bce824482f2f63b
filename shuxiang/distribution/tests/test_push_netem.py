"""Acceptance: a network push through a throttled, lossy link (20 Mbit/s, 1 % loss), cut twice
midway — once the link goes dark for longer than the pull's timeout, once the pulling process
is SIGKILLed — completes, verifies and imports, and the parent sees it imported.

The parent node (national centre) runs ``shuxiang serve`` inside a network namespace joined to
the host by a shaped veth pair (``netem.NetemLink``); the county node runs ``shuxiang packages
pull`` on the host (embedded, or on the test database in server mode). The two nodes are
federation peers (each holds the other's key, the county library is hosted by the county's
node), so every request of the pull is signed (RFC 9421), ranged resumption included.
Skipped, with the reason, where namespaces or traffic shaping are unavailable.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import bagit
import pytest

from shuxiang.core.tests.subprocess_node import ROOT, _migrated_database, kill_when, make_node, stop
from shuxiang.distribution.tests import netem

REASON = netem.unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no shaped link: {REASON}")

PARENT_SETUP = """
import io, os
from shuxiang.core.actors import SYSTEM
from shuxiang.distribution import deployments, services
from shuxiang.network.tests.factories import library
from shuxiang.resources import services as res
from shuxiang.resources.models import Collection
nlc = library("NLC", None, "national", name="国家图书馆")
library("330000", "NLC", "provincial")
county = library("330681", "330000", "county")
central = Collection.objects.create(library=nlc, code="central", name="中心", kind="central")
for i in range(6):
    upload = res.Upload(f"lecture-{i}.mp4", io.BytesIO(os.urandom(4_000_000)), "video/mp4")
    item = res.create_resource({"type": "video", "subtype": "lecture", "title": f"公开课{i}"},
                               collection=central, by=SYSTEM, files=[upload])
    res.submit(item, by=SYSTEM)
    res.publish(item, by=SYSTEM)
package = services.create_package(nlc, {"code": "classics", "title": "资源包",
                                        "rule": {"collections": [central.pk]}}, by=SYSTEM)
version = services.build_version(package, by=SYSTEM)
deployments.push(package, ["330681"], by=SYSTEM)
print("BYTES", version.payload_bytes)
from shuxiang.distribution import keys
print("KEY", keys.own_key().public_key_b64)
"""

CHILD_SETUP = """
from shuxiang.federation import keys
from shuxiang.federation.models import Node, NodeKey
from shuxiang.network.tests.factories import library
library("NLC", None, "national", name="国家图书馆")
library("330000", "NLC", "provincial")
library("330681", "330000", "county")
parent = Node.objects.create(name="国家中心", base_url={url!r}, relation="parent",
                             status="approved")
NodeKey.objects.create(node=parent, key_id=keys.key_id_for(keys.b64url_decode({key!r})),
                       public_key={key!r})
print("KEY", keys.own_key().public_key_b64)
"""

ADMIT_CHILD = """
from shuxiang.federation import keys
from shuxiang.federation.models import HostedLibrary, Node, NodeKey
from shuxiang.network.models import Library
child = Node.objects.create(name="诸暨市节点", base_url="http://county.invalid",
                            relation="child", status="approved")
NodeKey.objects.create(node=child, key_id=keys.key_id_for(keys.b64url_decode({key!r})),
                       public_key={key!r})
HostedLibrary.objects.create(node=child, library=Library.objects.get(code="330681"))
"""


@pytest.fixture(scope="module")
def link():
    with netem.NetemLink(rate="20mbit", loss="1%") as shaped:
        yield shaped


@pytest.fixture(scope="module")
def parent(link, tmp_path_factory):
    """The national centre's node, serving inside the namespace: (url, data folder, payload
    bytes, its public key, admit(child key) making the county's node an approved child)."""
    data = tmp_path_factory.mktemp("parent")
    port = 18000 + os.getpid() % 1000
    url = f"http://{link.inner_ip}:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    env.update(SHUXIANG_DATA_DIR=str(data), PYTHONPATH=str(ROOT), SHUXIANG_BASE_URL=url)
    shutil.copyfile(_migrated_database(env), data / "shuxiang.sqlite3")
    setup = subprocess.run(
        [sys.executable, "-m", "shuxiang.cli", "shell", "-c", PARENT_SETUP],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in setup.stdout.splitlines() if " " in line)
    log = open(data / "serve.log", "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(
        link.inside([sys.executable, "-m", "shuxiang.cli", "serve", "--host", link.inner_ip,
                     "--port", str(port)]),
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def admit(child_key: str) -> None:
        code = ADMIT_CHILD.format(key=child_key)
        done = subprocess.run(
            [sys.executable, "-m", "shuxiang.cli", "shell", "-c", code],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]

    try:
        _wait_listening(server, link, port)
        yield url, data, int(lines["BYTES"]), lines["KEY"].strip(), admit
    finally:
        stop(server)
        log.close()


def _wait_listening(server: subprocess.Popen, link: netem.NetemLink, port: int) -> None:
    probe = f"import socket; socket.create_connection(('{link.inner_ip}', {port}), 1).close()"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the parent node exited while starting"
        if not subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode:
            return
        time.sleep(0.2)
    raise AssertionError("the parent node did not listen within 60 s")


def _sent_bytes(link: netem.NetemLink) -> int:
    """Bytes the parent's end of the link has sent so far (its qdisc's counter)."""
    shown = subprocess.run(
        link.inside(["tc", "-s", "-j", "qdisc", "show", "dev", link.inner_dev]),
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return max(int(q.get("bytes", 0)) for q in json.loads(shown))


@pytest.mark.django_db(transaction=True)
def test_a_push_cut_twice_on_a_lossy_link_completes_verifies_and_imports(link, parent, tmp_path):
    url, parent_data, payload, key, admit = parent
    node = make_node(tmp_path)
    printed = node.python(CHILD_SETUP.format(url=url, key=key))
    admit(printed.split("KEY", 1)[1].strip())  # the parent approved the county's node
    env = {"SHUXIANG_PACKAGES_TIMEOUT": "2", "SHUXIANG_PACKAGES_STALL_SECONDS": "300"}

    def done() -> int:
        rows = node.query("SELECT done_bytes FROM distribution_transfer")
        return rows[0][0] if rows else 0

    first = node.start("packages", "pull", **env)  # signed: the federation parent
    try:
        _pull_with_two_cuts(first, link, payload, done)
    except AssertionError as exc:
        served = (parent_data / "serve.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"{exc}\n--- the parent node's log ---\n{served}") from None
    finally:
        stop(first)
    arrived = done()
    assert 0 < arrived < payload
    sent_before = _sent_bytes(link)
    second = node.start("packages", "pull", "--no-poll", **env)
    assert second.wait(timeout=300) == 0, second.log.read_text()[-3000:]
    resent = _sent_bytes(link) - sent_before
    assert resent < payload - arrived / 2, "the second run started over instead of resuming"
    state, got, total, folder = node.query(
        "SELECT state, done_bytes, total_bytes, folder FROM distribution_transfer"
    )[0]
    assert (state, got) == ("imported", total), second.log.read_text()[-3000:]
    bagit.Bag(folder).validate()
    assert node.scalar("SELECT version FROM distribution_importedpackage") == 1
    assert node.scalar("SELECT COUNT(*) FROM distribution_importedresource") == 6
    with sqlite3.connect(parent_data / "shuxiang.sqlite3") as db:
        seen = db.execute("SELECT state, held, done_bytes FROM distribution_deployment").fetchone()
    with sqlite3.connect(parent_data / "federation" / "replay.sqlite3") as db:
        signed = db.execute("SELECT COUNT(*) FROM nonces").fetchone()[0]  # the embedded store
    assert seen == ("imported", 1, payload)
    assert signed >= 6 + 4  # every file, the offers and the reports came signed
    assert not any(p.is_file() for p in Path(folder + ".partial").rglob("*"))


def _pull_with_two_cuts(first, link, payload: int, done) -> None:
    _wait(first, lambda: done() > payload * 0.25)
    link.cut()  # cut 1: the link goes dark for longer than the pull's timeout
    before = done()
    time.sleep(6)
    link.restore()
    _wait(first, lambda: done() > max(before, payload * 0.55))
    kill_when(first, lambda: True)  # cut 2: the pulling process dies


def _wait(process: subprocess.Popen, condition, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(process.log.read_text(errors="replace")[-3000:])
        assert time.monotonic() < deadline, "the pull made no progress"
        time.sleep(0.05)
