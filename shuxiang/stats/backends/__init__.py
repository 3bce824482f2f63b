"""Choosing the usage-statistics backend: embedded (DuckDB over Parquet) or PostgreSQL.

``settings.STATS_BACKEND`` holds a dotted class path; ``get_backend()`` returns one shared
instance per process, ``reset_backend()`` drops it (tests point it at a fresh folder).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from shuxiang.stats.backends.base import COLUMNS, Batch, StatsBackend

__all__ = ["COLUMNS", "Batch", "StatsBackend", "get_backend", "reset_backend"]

_lock = threading.Lock()
_instance: StatsBackend | None = None


def get_backend() -> StatsBackend:
    """The process-wide backend named by ``settings.STATS_BACKEND``."""
    global _instance
    with _lock:
        if _instance is None:
            _instance = import_string(settings.STATS_BACKEND)()
        return _instance


def reset_backend(backend: StatsBackend | None = None) -> StatsBackend:
    """Replace the process-wide backend (a fresh default one when ``backend`` is None)."""
    global _instance
    with _lock:
        _instance = backend
    return get_backend()
