"""Liveness and readiness probes."""

from __future__ import annotations


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_readyz_reports_the_database_ready(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert {check["name"] for check in body["checks"]} >= {"database"}


def test_cache_backend_follows_the_mode(settings):
    from django.core.cache import caches

    cache = caches["default"]
    expected = "RedisCache" if settings.REDIS_URL else "LocMemCache"
    assert type(cache).__name__ == expected
    cache.set("shuxiang-probe", "书香", 5)
    assert cache.get("shuxiang-probe") == "书香"
