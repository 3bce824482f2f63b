"""Starting the HTTP server (uvicorn over the ASGI application)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import uvicorn
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shuxiang.core.checks import check_allowed_hosts
from shuxiang.core.http import adopt_base_url


def run_server(
    host: str, port: int, *, workers: int = 1, announce: Callable[[str], None] = print
) -> None:
    """Serve until interrupted; static files come from WhiteNoise inside the app.

    Refuses to start in server mode while any Host header is accepted (unless
    ``SHUXIANG_ALLOW_ANY_HOST``); forwarded headers are judged by the app
    (``shuxiang.core.proxies``), not by uvicorn.
    """
    refusal = check_allowed_hosts()
    if refusal is not None and refusal.level == "error":
        raise ImproperlyConfigured(refusal.message)
    adopted = adopt_base_url(host, port)
    if adopted:
        announce(f"SHUXIANG_BASE_URL is not set: using {adopted} (set it for a public address)")
    if workers > 1:
        _share_metrics_between_workers()
    if not settings.REDIS_URL:
        start_embedded_task_consumer()
    recover_interrupted_work()
    announce(f"Shuxiang is serving at http://{host}:{port}/  (Ctrl+C stops it)")
    uvicorn.run(
        "shuxiang.asgi:application",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        lifespan="off",
        proxy_headers=False,
    )


def _share_metrics_between_workers() -> None:
    """Prometheus figures of all workers are summed through files in the data dir."""
    folder = settings.DATA_DIR / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def recover_interrupted_work() -> None:
    """Finish what the last process was killed in the middle of (tus uploads), on a thread."""
    from django.apps import apps

    if apps.is_installed("shuxiang.resources"):
        from shuxiang.resources.uploads import sweep_in_background

        sweep_in_background()


def start_embedded_task_consumer() -> None:
    """Embedded default: run the SQLite task queue's consumer inside this process (threads).

    Server mode runs ``shuxiang worker`` processes against Redis instead.
    """
    from huey.consumer import Consumer
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return

    class InProcessConsumer(Consumer):
        def _set_signal_handlers(self) -> None:  # the web server owns the signals
            pass

    InProcessConsumer(HUEY, workers=1, worker_type="thread").start()
