"""Starting the HTTP server (uvicorn over the ASGI application)."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable

import uvicorn
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from shuxiang.core import options
from shuxiang.core.checks import check_allowed_hosts
from shuxiang.core.http import adopt_base_url

log = logging.getLogger(__name__)


def run_server(
    host: str, port: int, *, workers: int = 1, announce: Callable[[str], None] = print
) -> None:
    """Serve until interrupted; static files come from WhiteNoise inside the app.

    Refuses to start in server mode while any Host header is accepted (unless
    ``SHUXIANG_ALLOW_ANY_HOST``); forwarded headers are judged by the app
    (``shuxiang.core.proxies``), not by uvicorn.
    """
    server = options.value("SERVER")
    if server not in ("uvicorn", "granian"):
        raise ImproperlyConfigured(f"SHUXIANG_SERVER: use uvicorn or granian, not {server!r}.")
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
    os.environ[WARM_ENV] = "1"  # each worker process warms up as it imports the application
    extra = _extra_ports()
    if extra and server == "uvicorn":
        announce(f"... and on ports {extra[0]}-{extra[-1]} (the proxy gateway by port)")
        return serve_on_ports("shuxiang.asgi:application", host, [port, *extra], workers)
    if extra:
        announce("Proxy by port needs SHUXIANG_SERVER=uvicorn here, or `shuxiang proxy` beside.")
    if server == "granian":
        return _run_granian(host, port, workers)
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


def _extra_ports() -> list[int]:
    """Ports the apps' fronts answer on besides the site's (``settings.LISTEN_PORT_HOOKS``:
    the proxy gateway by port); core imports no app."""
    return sorted({p for path in settings.LISTEN_PORT_HOOKS for p in import_string(path)()})


def serve_on_ports(
    app: str, host: str, ports: list[int], workers: int = 1, factory: bool = False
) -> None:
    """An ASGI application on several ports of one address (uvicorn serves any bound sockets)."""
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        app, host=host, port=ports[0], workers=workers, factory=factory,
        log_level="warning", access_log=False, lifespan="off", proxy_headers=False,
    )  # fmt: skip
    sockets = [_bound(host, port) for port in ports]
    server = uvicorn.Server(config)
    if workers > 1:
        Multiprocess(config, target=server.run, sockets=sockets).run()
    else:
        server.run(sockets=sockets)


def _bound(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ImproperlyConfigured(f"Cannot listen on {host}:{port}: {exc}.") from None
    sock.set_inheritable(True)
    return sock


def _run_granian(host: str, port: int, workers: int) -> None:
    """The same ASGI application (fronts and Django) under granian: its HTTP core is written in
    Rust, and bench/portal.py measured it faster than uvicorn for cached and rendered pages."""
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "shuxiang.asgi:application",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        websockets=False,
        log_access=False,
    ).serve()


WARM_ENV = "SHUXIANG_WARM_WORKER"


def warm_worker() -> None:
    """Run ``settings.WORKER_WARMUP`` in this worker (only under ``shuxiang serve``); a failing
    warm-up is logged and the worker serves anyway (the work happens on first use instead)."""
    if os.environ.get(WARM_ENV) != "1":
        return
    # On a thread of its own: uvicorn imports the application inside its event loop, where
    # Django refuses database work; the worker starts serving once this is done.
    thread = threading.Thread(target=_warm, name="shuxiang-warm-up")
    thread.start()
    thread.join()
    # What is loaded by now lives as long as the worker: move it out of the collector's way, so
    # a full collection (every few hundred requests that allocate much, e.g. parsing signature
    # headers) scans only what requests created, not the whole application (≈0.5 s measured).
    gc.collect()
    gc.freeze()


def _warm() -> None:
    from django.db import connections

    for path in getattr(settings, "WORKER_WARMUP", ()):
        try:
            import_string(path)()
        except Exception:
            log.warning("worker warm-up %s failed", path, exc_info=True)
    connections.close_all()  # this thread ends; requests run on others


def _share_metrics_between_workers() -> None:
    """Prometheus figures of all workers are summed through files in the data dir."""
    folder = settings.DATA_DIR / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def recover_interrupted_work() -> None:
    """Finish what the last process was killed in the middle of (tus uploads), on a thread.

    The apps name their recovery functions in ``settings.RECOVERY_HOOKS`` (core imports no app).
    """
    for path in settings.RECOVERY_HOOKS:
        import_string(path)()


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
