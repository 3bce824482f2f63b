"""The other apps report usage: logins, registrations and searches (resources: their tests)."""

from __future__ import annotations

from shuxiang.accounts.tests.factories import PASSWORD, user
from shuxiang.stats import events
from shuxiang.stats.backends import get_backend


def test_a_login_through_the_page_is_one_login_event_of_the_home_library(client, net):
    reader = user(home_library=net["zhuji"])
    events.flush()
    client.post("/accounts/login/", {"identifier": reader.username, "password": PASSWORD})
    events.flush()
    assert get_backend().count(kind="login", library="330681") == 1


def test_a_new_account_is_one_registration_event(net):
    user(home_library=net["lz"])
    events.flush()
    assert get_backend().count(kind="registration", library="620100") == 1


def test_a_search_from_a_phone_is_a_mobile_search_event(client, net):
    client.get("/search?q=论语", HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)")
    events.flush()
    assert get_backend().count(kind="search", channel="mobile") == 1
