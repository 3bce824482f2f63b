"""Live questions behind a reverse proxy: nginx (Debian's, default buffering on) in front of the
uvicorn server passes each server-sent event on at once (the stream says X-Accel-Buffering: no),
so a viewer behind the proxy sees a question within a second."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests

from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.courses import services
from shuxiang.courses.tests.asgi_server import AsgiServer, free_port
from shuxiang.courses.tests.helpers import world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed"),
]
CONFIG = """worker_processes 1; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{ proxy_pass {upstream}; proxy_http_version 1.1; proxy_set_header Host $host;
                 proxy_set_header Connection ""; proxy_read_timeout 60s; }}
  }}
}}
"""


def _nginx(folder, upstream: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(CONFIG.format(d=folder, port=port, upstream=upstream))
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(folder)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError((folder / "error.log").read_text())


def _first_question(stream, seen: dict) -> None:
    for line in stream.iter_lines():
        if line.startswith(b"event: question"):
            seen["at"] = time.monotonic()
            return


def test_a_question_passes_through_nginx_within_a_second(tmp_path):
    w = world()
    lecture = services.add_lecture(w["course"], {"title": "直播：雕版印刷"}, by=SYSTEM)
    services.set_live_state(lecture, "live", by=SYSTEM)
    asker = user("asker")
    with AsgiServer() as server:
        nginx, front = _nginx(tmp_path, server.url)
        try:
            url = f"{front}/courses/live/{lecture.pk}/events"
            with requests.get(url, stream=True, timeout=10) as stream:
                assert stream.status_code == 200
                assert stream.headers["Content-Type"].startswith("text/event-stream")
                seen: dict = {}
                reader = threading.Thread(target=_first_question, args=(stream, seen))
                reader.start()
                time.sleep(0.5)  # the stream is open and subscribed
                sent = time.monotonic()
                services.post_question(lecture, "雕版印刷始于何时", by=asker)
                reader.join(timeout=5)
            assert "at" in seen, "the question never came through nginx"
            assert seen["at"] - sent < 1.0, f"it took {seen['at'] - sent:.2f} s"
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
