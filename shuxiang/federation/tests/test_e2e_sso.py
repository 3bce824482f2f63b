"""One identity across nodes, end to end: real ``shuxiang serve`` nodes over loopback HTTP.

A reader of the national node logs in at the provincial node through the national provider
(a real HTTP client following every redirect, filling the forms a person fills), then single
logout: at the province (RP-initiated, and the signed call up when no browser follows), and at
the national node (back-channel logout down to the province).
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from shuxiang.federation.tests.sso_nodes import ServedNode, national_setup, province_setup

pytestmark = [pytest.mark.live]
PASSWORD = "read2026"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    national = ServedNode("国家图书馆", tmp_path_factory.mktemp("national"))
    province = ServedNode("浙江省图书馆", tmp_path_factory.mktemp("province"))
    try:
        for node in (national, province):
            node.cli("migrate", "-v", "0")
        national.run(national_setup(province.url))
        province.run(province_setup(national.url))
        national.start()
        province.start()
        yield national, province
    finally:
        national.stop()
        province.stop()


class Person:
    """A reader's browser: keeps cookies per node, follows redirects, fills our forms."""

    def __init__(self):
        self.http = requests.Session()
        self.http.trust_env = False
        self.visited: list[str] = []

    def go(self, url: str, *, identifier: str = "", method: str = "get", data=None):
        response = self.http.request(method, url, data=data, allow_redirects=False, timeout=15)
        for _ in range(20):
            self.visited.append(response.url)
            if response.status_code in (301, 302, 303):
                target = urljoin(response.url, response.headers["Location"])
                response = self.http.get(target, allow_redirects=False, timeout=15)
            elif (
                response.status_code == 200 and 'name="identifier"' in response.text and identifier
            ):
                response = self._log_in(response, identifier)
                identifier = ""  # once: a second login page means the password was refused
            else:
                return response
        raise AssertionError("too many redirects")

    def csrf(self, page) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def _log_in(self, page, identifier: str):
        next_url = parse_qs(urlsplit(page.url).query).get("next", [""])[0]
        form = {
            "identifier": identifier,
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": self.csrf(page),
        }
        login = urljoin(page.url, "/accounts/login/")
        return self.http.post(
            login, data=form, headers={"Referer": page.url}, allow_redirects=False, timeout=15
        )

    def log_out(self, node: ServedNode, *, follow: bool = True):
        page = self.http.get(node.url + "/accounts/me/", timeout=15)
        form = {"csrfmiddlewaretoken": self.csrf(page)}
        if not follow:
            return self.http.post(
                node.url + "/accounts/logout/",
                data=form,
                headers={"Referer": page.url},
                allow_redirects=False,
                timeout=15,
            )
        self.http.headers["Referer"] = page.url
        try:
            return self.go(node.url + "/accounts/logout/", method="post", data=form)
        finally:
            del self.http.headers["Referer"]

    def signed_in(self, node: ServedNode) -> bool:
        me = self.http.get(node.url + "/accounts/me/", allow_redirects=False, timeout=15)
        return me.status_code == 200


def eventually(check, *, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def sign_in_at_province(national: ServedNode, province: ServedNode, identifier: str) -> Person:
    person = Person()
    page = person.go(province.url + "/accounts/login/?next=/accounts/me/")
    assert "国家图书馆账号登录" in page.text
    link = re.search(r'href="(/federation/sso/login/[^"]*)"', page.text).group(1)
    landed = person.go(province.url + link.replace("&amp;", "&"), identifier=identifier)
    assert landed.status_code == 200, landed.text[:2000]
    assert landed.url == province.url + "/accounts/me/"
    assert any(url.startswith(national.url + "/o/authorize/") for url in person.visited)
    return person


def test_reader_logs_in_at_the_province_with_the_national_account(nodes):
    national, province = nodes
    person = sign_in_at_province(national, province, "13700001111")
    assert person.signed_in(province) and person.signed_in(national)
    linked = province.run(
        "from shuxiang.federation.models import SsoLink\n"
        "link = SsoLink.objects.get()\n"
        "print(link.home_library, link.home_node, link.user.home_library.code,"
        " link.user.has_usable_password(), link.user.display_name)"
    ).split()
    home_name = national.run(
        "from shuxiang.accounts.models import User\n"
        "print(User.objects.get(home_library__code='330681'))"
    ).strip()
    assert linked == ["330681", national.url, "330681", "False", home_name]
    again = sign_in_at_province(national, province, "13700001111")
    assert again.signed_in(province)
    assert (
        province.run(
            "from shuxiang.federation.models import SsoLink\nprint(SsoLink.objects.count())"
        ).strip()
        == "1"
    )  # the second login finds the same account


def test_a_staff_role_does_not_cross_nodes(nodes):
    national, province = nodes
    person = sign_in_at_province(national, province, "nlc-admin")
    readers = person.http.get(province.url + "/accounts/readers/", timeout=15)
    assert readers.status_code == 403  # national administrator, plain reader here
    assert 'class="staff-menu"' in person.http.get(national.url + "/accounts/me/", timeout=15).text
    assert 'class="staff-menu"' not in person.http.get(province.url + "/accounts/me/").text
    roles = province.run(
        "from shuxiang.federation.models import SsoLink\n"
        "user = SsoLink.objects.get(user__display_name='nlc-admin').user\n"
        "print(user.staff_roles.count(), user.is_staff, user.is_superuser)"
    ).split()
    assert roles == ["0", "False", "False"]


def test_logout_at_the_province_ends_the_national_session(nodes):
    national, province = nodes
    person = sign_in_at_province(national, province, "13700001111")
    person.log_out(province)  # RP-initiated: through the national end-session endpoint
    assert any(url.startswith(national.url + "/o/logout/") for url in person.visited)
    assert not person.signed_in(province)
    assert not person.signed_in(national)


def test_logout_at_the_province_without_a_browser_redirect_reaches_the_national_node(nodes):
    national, province = nodes
    person = sign_in_at_province(national, province, "13700001111")
    answer = person.log_out(province, follow=False)  # the browser never goes to the national
    assert answer.status_code == 302 and answer.headers["Location"].startswith(national.url)
    assert not person.signed_in(province)
    assert eventually(lambda: not person.signed_in(national))  # the signed call up


def test_logout_at_the_national_node_ends_the_province_session(nodes):
    national, province = nodes
    person = sign_in_at_province(national, province, "13700001111")
    person.log_out(national)
    assert not person.signed_in(national)
    assert eventually(lambda: not person.signed_in(province))  # back-channel logout down
    refused = requests.post(
        province.url + "/federation/sso/backchannel-logout/",
        data={"logout_token": "not-a-token"},
        timeout=15,
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
