"""A Groonga HTTP server for the tests: one per test session, on a free port, in a temp folder.

The fixture skips (with the reason) only when the ``groonga`` command is missing;
scripts/setup-system installs it (Debian's groonga-bin). ``bench/search_scale.py`` starts its
server with ``start`` too, on a database it keeps."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def skip_without_groonga() -> None:
    if shutil.which("groonga") is None:
        pytest.skip("the groonga command is missing (scripts/setup-system installs groonga-bin)")


def start(folder: Path) -> tuple[subprocess.Popen, str]:
    """Start ``groonga`` serving HTTP on the database under ``folder`` (made when missing);
    (process, URL)."""
    binary = shutil.which("groonga") or "groonga"
    port = _free_port()
    (folder / "db").mkdir(parents=True, exist_ok=True)
    new = [] if (folder / "db" / "db").exists() else ["-n"]
    process = subprocess.Popen(
        [binary, *new, "-s", "--protocol", "http", "--bind-address", "127.0.0.1"]
        + ["-p", str(port), "--log-path", str(folder / "groonga.log"), str(folder / "db" / "db")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{url}/d/status", timeout=2):
                return process, url
        except OSError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(
                    f"groonga did not start (see {folder / 'groonga.log'})"
                ) from error
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
