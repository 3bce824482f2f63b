"""HTTPS deployments: HSTS and Secure cookies follow an https base URL, forwarded headers count
only from trusted proxies, and a server-mode node names its hosts and its public address."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from shuxiang.core import checks
from shuxiang.core.proxies import TrustedProxyMiddleware

SETTINGS_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE]))"
)


def _settings_with(tmp_path, **env) -> list:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    environ.update(DJANGO_SETTINGS_MODULE="shuxiang.settings", SHUXIANG_DATA_DIR=str(tmp_path))
    environ.update({f"SHUXIANG_{key}": value for key, value in env.items()})
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE], env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_https_base_url_turns_on_hsts_and_secure_cookies_by_default(tmp_path):
    assert _settings_with(tmp_path, BASE_URL="https://library.example") == [31536000, True, True]
    assert _settings_with(tmp_path, BASE_URL="http://127.0.0.1:8000") == [0, False, False]
    explicit = _settings_with(
        tmp_path, BASE_URL="https://library.example", HSTS_SECONDS="0", SECURE_COOKIES="false"
    )
    assert explicit == [0, False, False]


def _seen_by_django(settings, meta: dict) -> tuple[bool, str]:
    seen = {}

    def view(request):
        seen.update(secure=request.is_secure(), ip=request.META["REMOTE_ADDR"])
        return HttpResponse()

    request = RequestFactory().get("/", **meta)
    TrustedProxyMiddleware(view)(request)
    return seen["secure"], seen["ip"]


def test_forwarded_proto_and_for_from_an_untrusted_peer_are_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    meta = {
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "198.51.100.1",
    }
    assert _seen_by_django(settings, meta) == (False, "203.0.113.9")


def test_a_trusted_proxy_is_believed_and_the_client_is_the_last_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]
    meta = {
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "1.1.1.1, 198.51.100.7, 10.9.9.9",  # 1.1.1.1 is a client's lie
    }
    assert _seen_by_django(settings, meta) == (True, "198.51.100.7")


def test_a_bad_trusted_proxy_entry_names_itself(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example"]
    with pytest.raises(ImproperlyConfigured, match="SHUXIANG_TRUSTED_PROXIES: 'proxy.example'"):
        TrustedProxyMiddleware(lambda request: HttpResponse())


@pytest.mark.django_db
def test_hsts_is_sent_on_https_requests_through_a_trusted_proxy_only(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    trusted = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert trusted["Strict-Transport-Security"] == "max-age=31536000"
    forged = client.get("/healthz", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in forged


def test_server_mode_refuses_any_host_unless_explicitly_allowed(settings, monkeypatch):
    settings.SERVER_MODE, settings.ALLOWED_HOSTS = True, ["*"]
    monkeypatch.setenv("SHUXIANG_ALLOW_ANY_HOST", "false")
    refusal = checks.check_allowed_hosts()
    assert refusal.level == "error" and "SHUXIANG_ALLOWED_HOSTS" in refusal.message
    monkeypatch.setenv("SHUXIANG_ALLOW_ANY_HOST", "true")
    assert checks.check_allowed_hosts().level == "warning"
    settings.ALLOWED_HOSTS = ["library.example"]
    assert checks.check_allowed_hosts() is None


def test_check_warns_when_server_mode_has_no_base_url(settings, monkeypatch):
    settings.SERVER_MODE = True
    monkeypatch.delenv("SHUXIANG_BASE_URL", raising=False)
    warning = checks.check_base_url()
    assert warning.level == "warning" and warning.topic == "SHUXIANG_BASE_URL"
    monkeypatch.setenv("SHUXIANG_BASE_URL", "https://library.example")
    assert checks.check_base_url() is None
    settings.SERVER_MODE = False
    monkeypatch.delenv("SHUXIANG_BASE_URL")
    assert checks.check_base_url() is None


def test_serve_in_server_mode_with_any_host_refuses_to_start(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    environ.update(
        SHUXIANG_DATA_DIR=str(tmp_path),
        SHUXIANG_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
    )
    result = subprocess.run(
        [sys.executable, "-m", "shuxiang.cli", "serve", "--port", "1"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS=*" in result.stderr and "SHUXIANG_ALLOW_ANY_HOST" in result.stderr
