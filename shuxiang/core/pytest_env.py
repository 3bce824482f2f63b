"""Pytest plugin loaded before Django settings (``-p shuxiang.core.pytest_env``).

Gives every test run its own data folder, inline background tasks and any Host header, unless
the caller chose otherwise; conftest.py would be too late, pytest-django reads the settings first.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SHUXIANG_DATA_DIR", tempfile.mkdtemp(prefix="shuxiang-test-"))
os.environ.setdefault("SHUXIANG_TASKS_IMMEDIATE", "true")
os.environ.setdefault("SHUXIANG_DEMO_BOOKS", "8")  # a thinned demo: 8 of the ~300 classics
# Tests speak to the node under many Host names (test client, live servers, branch sites).
os.environ.setdefault("SHUXIANG_ALLOW_ANY_HOST", "true")
