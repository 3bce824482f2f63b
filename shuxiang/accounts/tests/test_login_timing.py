"""Account enumeration by timing: an unknown identifier costs the same as a known one.

Both answer "wrong identifier or password" after one argon2 verification. Measured through
the token endpoint over 20 interleaved tries each; the medians must lie within 10%. The time
is the processor time of the thread that answers (the test client answers in this thread): the
work the server does per answer, which other programs on a loaded machine do not move.
"""

from __future__ import annotations

import json
import statistics
import time

import pytest
from django.test import Client

from shuxiang.accounts.tests.factories import reader

pytestmark = pytest.mark.django_db
TRIES = 20


def _elapsed(client: Client, identifier: str) -> float:
    body = json.dumps({"identifier": identifier, "password": "guess2026"})
    start = time.thread_time()
    response = client.post("/api/v1/accounts/tokens", body, content_type="application/json")
    elapsed = time.thread_time() - start
    assert response.status_code == 400
    return elapsed


def test_unknown_identifiers_answer_as_slowly_as_known_ones(net, monkeypatch):
    monkeypatch.setenv("SHUXIANG_LOGIN_FAILURE_LIMIT", "1000")
    monkeypatch.setenv("SHUXIANG_LOGIN_IP_FAILURE_LIMIT", "1000")
    known = reader(net["zhuji"], mobile="13955550000")
    client = Client()
    _elapsed(client, "13955550001")  # warm up (the dummy hash is made once per process)
    known_times, unknown_times = [], []
    for index in range(TRIES):
        known_times.append(_elapsed(client, known.username if index % 2 else "13955550000"))
        unknown_times.append(_elapsed(client, f"139{index:08d}"))
    known_ms = statistics.median(known_times) * 1000
    unknown_ms = statistics.median(unknown_times) * 1000
    print(f"\nmedian known {known_ms:.1f} ms, unknown {unknown_ms:.1f} ms over {TRIES} tries each")
    assert abs(unknown_ms - known_ms) <= 0.10 * known_ms
