"""Derivatives through the real embedded task queue: SQLite-backed huey and its consumer.

A node in its own data folder queues the job when a resource is created; a separately
started ``shuxiang run_huey`` consumer picks it up and makes the thumbnail.
"""

from __future__ import annotations

import signal
import sqlite3
import time

from shuxiang.resources.tests.test_import_kill import embedded_node, shuxiang

CREATE = """
import io
from PIL import Image
from shuxiang.resources import services
from shuxiang.resources.models import Collection
out = io.BytesIO()
Image.new("RGB", (800, 600), "teal").save(out, "PNG")
out.seek(0)
services.create_resource(
    {"type": "image", "subtype": "old_photograph", "title": "队列测试"},
    collection=Collection.objects.get(code="scans"), by=__import__("shuxiang.core.actors",
    fromlist=["SYSTEM"]).SYSTEM, files=[services.Upload("queued.png", out)],
)
"""


def job_states(database) -> list[tuple[str, str]]:
    with sqlite3.connect(database, timeout=5) as connection:
        return connection.execute("SELECT kind, state FROM resources_derivativejob").fetchall()


def test_a_queued_derivative_is_made_by_the_embedded_consumer(tmp_path):
    env, database = embedded_node(tmp_path)
    creating = shuxiang(env, "shell", "-c", CREATE)
    assert creating.wait(timeout=120) == 0, creating.communicate()[1].decode()
    assert job_states(database) == [("thumbnails", "pending")]  # queued, nobody ran it yet
    consumer = shuxiang(env, "run_huey", "--workers", "1")
    try:
        deadline = time.monotonic() + 120
        while job_states(database) != [("thumbnails", "done")] and time.monotonic() < deadline:
            assert consumer.poll() is None, consumer.communicate()[1].decode()
            time.sleep(0.1)
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=30)
    assert job_states(database) == [("thumbnails", "done")]
    with sqlite3.connect(database) as connection:
        roles = connection.execute("SELECT role FROM resources_resourcefile ORDER BY role")
        assert [row[0] for row in roles] == ["original", "thumbnail"]
