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


def test_metrics_count_requests_by_route_not_by_raw_path(client, db):
    client.get("/network/330600/")
    client.get("/network/NOPE/")
    body = client.get("/metrics").content.decode()
    assert 'route="network/<str:code>/",status="404"' in body
    assert "/network/330600/" not in body
    assert "shuxiang_http_request_seconds_bucket" in body


def test_json_log_lines_carry_extra_fields():
    import json
    import logging

    from shuxiang.core.logs import JsonFormatter

    record = logging.LogRecord(
        "shuxiang.test", logging.INFO, __file__, 1, "已导入 %d 条", (3,), None
    )
    record.library = "330600"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "已导入 3 条"
    assert line["library"] == "330600" and line["level"] == "INFO"
