"""Logging in with any identifier; lockout per account and per IP; sessions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from shuxiang.accounts import login as login_service
from shuxiang.accounts.lockouts import LockedOut
from shuxiang.accounts.models import ReaderCard
from shuxiang.accounts.tests.factories import READER_PASSWORD, id_number, reader
from shuxiang.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def login(identifier, password=READER_PASSWORD, *, ip="", library=None):
    return login_service.first_step(identifier, password, library=library, source=ip).user


def test_reader_logs_in_with_username_mobile_id_number_and_card(net):
    number = id_number("330681", "1985-01-01", 5)
    person = reader(net["zhuji"], id_number=number, mobile="13811112222")
    ReaderCard.objects.create(user=person, library=net["zhuji"], number="ZJ0001")
    assert login(person.username) == person
    assert login("13811112222") == person
    assert login(number.lower()) == person
    assert login("ZJ0001", library=net["zhuji"]) == person


def test_same_card_number_at_two_libraries_is_told_apart_by_library(net):
    first, second = reader(net["zhuji"]), reader(net["yuzhong"], password="other2026")
    ReaderCard.objects.create(user=first, library=net["zhuji"], number="0001")
    ReaderCard.objects.create(user=second, library=net["yuzhong"], number="0001")
    assert login("0001", library=net["zhuji"]) == first
    assert login("0001", "other2026", library=net["yuzhong"]) == second
    with pytest.raises(ValidationFailed):
        login("0001", "other2026", library=net["zhuji"])


def test_wrong_password_names_the_password_field(net):
    person = reader()
    with pytest.raises(ValidationFailed) as caught:
        login(person.username, "wrong2026")
    assert caught.value.errors[0].field == "password"


def test_account_locks_after_five_failures_even_for_the_right_password(net):
    person = reader()
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            login(person.username, "wrong2026", ip="10.0.0.1")
    with pytest.raises(LockedOut) as caught, translation.override("en"):
        login(person.username, ip="10.0.0.1")
    assert caught.value.status == 429
    assert caught.value.errors[0].code == "locked_out"
    assert "Try again in 15 minutes" in caught.value.message


def test_one_ip_is_locked_after_twenty_failures_across_accounts(net):
    person = reader()
    for i in range(20):
        with pytest.raises(ValidationFailed):
            login(f"nobody{i}", "wrong2026", ip="10.9.9.9")
    with pytest.raises(LockedOut):
        login(person.username, ip="10.9.9.9")
    assert login(person.username, ip="10.9.9.10") == person


def test_remember_me_keeps_the_session_two_weeks(net):
    person = reader()
    client = Client()
    client.post(
        "/accounts/login/",
        {"identifier": person.username, "password": READER_PASSWORD, "remember": "1"},
    )
    assert client.session.get_expiry_age() == 14 * 24 * 3600
    assert not client.session.get_expire_at_browser_close()


def test_without_remember_me_the_session_ends_with_the_browser(net):
    person = reader()
    client = Client()
    response = client.post(
        "/accounts/login/", {"identifier": person.username, "password": READER_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close()


def test_login_gives_a_new_session_key(net):
    person = reader()
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    client.post("/accounts/login/", {"identifier": person.username, "password": READER_PASSWORD})
    assert client.session.session_key != before


def test_login_page_shows_the_lockout_message(net):
    person = reader()
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"identifier": person.username, "password": "bad12345"})
    response = client.post(
        "/accounts/login/",
        {"identifier": person.username, "password": READER_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert b"err-identifier" in response.content
    assert "_auth_user_id" not in client.session


def test_login_page_refuses_an_offsite_next(net):
    person = reader()
    response = Client().post(
        "/accounts/login/",
        {
            "identifier": person.username,
            "password": READER_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/accounts/me/"
