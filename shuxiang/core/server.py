"""Starting the HTTP server (uvicorn over the ASGI application)."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn


def run_server(
    host: str, port: int, *, workers: int = 1, announce: Callable[[str], None] = print
) -> None:
    """Serve until interrupted; static files come from WhiteNoise inside the app."""
    announce(f"Shuxiang is serving at http://{host}:{port}/  (Ctrl+C stops it)")
    uvicorn.run(
        "shuxiang.asgi:application",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
