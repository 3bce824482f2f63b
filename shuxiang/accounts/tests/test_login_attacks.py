"""Guessing passwords and one-time codes as an attacker would, on every way in.

Every login path (the login page, its second step, ``POST /api/v1/accounts/tokens`` and the
OIDC authorization flow, which sends the reader to the login page) and every spelling of one
reader's identifiers count on one counter per account; a guesser from one address cannot keep
the reader out from another; the lockout store's outage answers 503, not 500.
"""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from shuxiang.accounts import oidc, totp
from shuxiang.accounts.models import ReaderCard
from shuxiang.accounts.resident_id import generate
from shuxiang.accounts.tests.factories import PASSWORD, READER_PASSWORD, reader, staff_of
from shuxiang.accounts.tests.test_totp import enrolled

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def id_number_ending_in_x() -> str:
    import datetime as dt

    for sequence in range(1, 999):
        number = generate("330681", dt.date(1988, 8, 8), sequence)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives a check character X")


@pytest.fixture
def victim(net):
    """A real-name reader with a card: five ways to name the same account."""
    number = id_number_ending_in_x()
    person = reader(net["zhuji"], id_number=number, mobile="13912345678")
    ReaderCard.objects.create(user=person, library=net["zhuji"], number="ZJ0042")
    person.id_text = number
    return person


def spellings(person) -> list[str]:
    number = person.id_text
    return [
        f"{number[:1]} {number[1:]}",  # a space inside
        f"{number[:2]} {number[2:6]}　{number[6:]}",  # ASCII and ideographic spaces
        number.translate(FULL_WIDTH),
        number.translate(ARABIC_INDIC),
        number.lower(),  # lower-case x
        number[:17].translate(DEVANAGARI) + "x",
        "13912345678",
        "139 1234 5678",
        "zj0042",
        person.username,
    ]


def html_login(client: Client, identifier: str, password: str, url: str = "/accounts/login/"):
    return client.post(url, {"identifier": identifier, "password": password})


def api_login(client: Client, identifier: str, password: str, otp: str = ""):
    body = {"identifier": identifier, "password": password, "otp": otp}
    return client.post("/api/v1/accounts/tokens", json.dumps(body), content_type="application/json")


def oidc_login_url(client: Client, net) -> str:
    """Start an OIDC authorization as a client system would; return the login page it sends to."""
    app, _secret = oidc.register_client(
        net["zhuji"], "ILS", ["https://ils.example/cb"], by=staff_of(net["zhuji"])
    )
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 50).digest()).rstrip(b"=")
    start = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": app.client_id,
            "scope": "openid",
            "redirect_uri": "https://ils.example/cb",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
            "state": "s",
        },
    )
    assert start.status_code == 302
    target = urlsplit(start["Location"])
    assert target.path == "/accounts/login/"
    return f"{target.path}?{target.query}"


def test_every_spelling_counts_on_one_counter_on_the_login_page(victim):
    client = Client()
    for identifier in spellings(victim)[:5]:
        assert html_login(client, identifier, "guess2026").status_code == 400
    locked = html_login(client, spellings(victim)[5], READER_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_every_spelling_counts_on_one_counter_on_the_token_api(victim):
    client = Client()
    for identifier in spellings(victim)[5:]:
        assert api_login(client, identifier, "guess2026").status_code == 400
    locked = api_login(client, victim.id_text.translate(FULL_WIDTH), READER_PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["errors"][0]["code"] == "locked_out"


def test_guessing_through_the_oidc_login_counts_on_the_same_counter(victim, net):
    client = Client()
    url = oidc_login_url(client, net)
    for identifier in spellings(victim)[2:5]:
        assert html_login(client, identifier, "guess2026", url).status_code == 400
    for identifier in spellings(victim)[6:8]:
        assert api_login(client, identifier, "guess2026").status_code == 400
    locked = html_login(client, victim.username, READER_PASSWORD, url)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_every_spelling_of_the_right_password_logs_in(victim):
    for identifier in spellings(victim):
        assert api_login(Client(), identifier, READER_PASSWORD).status_code == 201, identifier


def test_a_guesser_cannot_keep_the_reader_out_from_elsewhere(victim):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(8):
        api_login(attacker, victim.username, "guess2026")
    assert api_login(attacker, victim.username, READER_PASSWORD).status_code == 429
    at_home = Client(REMOTE_ADDR="198.51.100.7")
    assert html_login(at_home, victim.username, READER_PASSWORD).status_code == 302


def test_the_wait_doubles_after_each_further_failure(victim, monkeypatch):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        api_login(client, victim.username, "guess2026")
    first = api_login(client, victim.username, READER_PASSWORD).json()["detail"]
    assert "Try again in 15 minutes" in first
    from shuxiang.accounts import lockouts

    started = lockouts._now()
    monkeypatch.setattr(lockouts, "_now", lambda: started + 16 * 60)
    assert api_login(client, victim.username, "guess2026").status_code == 400
    second = api_login(client, victim.username, READER_PASSWORD).json()["detail"]
    assert "Try again in 30 minutes" in second


def staff_with_code(net):
    admin = staff_of(net["zj"])
    return admin, enrolled(admin)


def test_wrong_codes_through_the_token_api_are_throttled(net):
    admin, secret = staff_with_code(net)
    client = Client()
    for _ in range(5):
        assert api_login(client, admin.username, PASSWORD, "000000").status_code == 400
    right = totp.code_at(secret, totp.current_step())
    locked = api_login(client, admin.username, PASSWORD, right)
    assert locked.status_code == 429


def test_the_right_password_does_not_reset_the_code_counter(net):
    admin, secret = staff_with_code(net)
    page, api = Client(), Client()
    for _ in range(3):
        html_login(page, admin.username, PASSWORD)
        assert page.post("/accounts/login/code/", {"otp": "000000"}).status_code == 400
    for _ in range(2):
        assert api_login(api, admin.username, PASSWORD, "111111").status_code == 400
    assert html_login(page, admin.username, PASSWORD).status_code == 429
    right = totp.code_at(secret, totp.current_step())
    assert api_login(api, admin.username, PASSWORD, right).status_code == 429


def test_lockouts_survive_a_restart(victim):
    client = Client()
    for _ in range(5):
        html_login(client, victim.username, "guess2026")
    _restart_the_process()
    assert html_login(Client(), victim.username, READER_PASSWORD).status_code == 429


def _restart_the_process():
    """What a restart loses: every in-process cache and store object."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        if "LocMemCache" in type(cache).__name__:
            cache.clear()
    _forget_store_objects()


def _forget_store_objects():
    try:
        from shuxiang.accounts import lockouts
    except ImportError:  # the code before the lockout store existed
        return
    lockouts._stores.clear()


@pytest.fixture
def redis_down(settings):
    """The lockout store is Redis and Redis does not answer (nothing listens on port 1)."""
    settings.LOGIN_LOCKOUT_STORE = "shuxiang.accounts.lockouts.RedisStore"
    settings.LOGIN_LOCKOUT_REDIS_URL = "redis://127.0.0.1:1/0"
    _forget_store_objects()
    yield
    _forget_store_objects()


def test_a_redis_outage_answers_503_json_on_the_api(victim, redis_down):
    response = api_login(Client(), victim.username, READER_PASSWORD)
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "unavailable"


def test_a_redis_outage_answers_a_503_page_on_the_login_page(victim, redis_down):
    client = Client(raise_request_exception=False)
    response = client.post(
        "/accounts/login/",
        {"identifier": victim.username, "password": READER_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 503
    assert "Logging in is unavailable" in response.content.decode()
    assert "_auth_user_id" not in client.session
