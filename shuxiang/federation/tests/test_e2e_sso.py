"""One identity across nodes, end to end: the three real nodes of the ``cluster`` fixture.

A reader of the national node logs in at the city node (whose parent is the province, whose
parent is the national node) and at the province — a real HTTP client following every redirect
and filling the forms a person fills, one cookie jar per node as browsers keep for nodes on
different hosts. Then single logout: at the city (RP-initiated up to the province, the signed
call on to the national node), and at the national node (back-channel logout down the tree).
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

pytestmark = [pytest.mark.live]
PASSWORD = "read2026"
READER = "13700001111"
STAFF = "nlc-admin"
PEOPLE = f"""
from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.tests.factories import reader, user
from shuxiang.network.models import Library
nlc = Library.objects.get(code="NLC")
if not StaffRole.objects.filter(user__username="{STAFF}").exists():
    reader(nlc, real_name=False, mobile="{READER}", password="{PASSWORD}")
    boss = user("{STAFF}")
    boss.set_password("{PASSWORD}")
    boss.save()
    StaffRole.objects.create(user=boss, library=nlc, role="admin")
"""


@pytest.fixture(scope="module")
def nodes(cluster):
    """The cluster with a national reader and a national administrator."""
    cluster.national.run(PEOPLE)
    return cluster


class Person:
    """A reader's browser: one cookie jar per node, follows redirects, fills our forms.

    On a login page of another node it takes the "log in with the … account" button (the
    reader's account lives at ``home``); on the home node's login page it logs in.
    """

    def __init__(self, home: str, identifier: str):
        self.home, self.identifier = home, identifier
        self.jars: dict[str, requests.Session] = {}
        self.visited: list[str] = []

    def http(self, url: str) -> requests.Session:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        if origin not in self.jars:
            self.jars[origin] = requests.Session()
            self.jars[origin].trust_env = False
        return self.jars[origin]

    def get(self, url: str, **kwargs):
        return self.http(url).get(url, timeout=15, **kwargs)

    def go(self, url: str, *, method: str = "get", data=None, headers=None):
        response = self.http(url).request(
            method, url, data=data, headers=headers, allow_redirects=False, timeout=15
        )
        for _ in range(30):
            self.visited.append(response.url)
            if response.status_code in (301, 302, 303):
                target = urljoin(response.url, response.headers["Location"])
                response = self.get(target, allow_redirects=False)
            elif 'name="identifier"' in response.text and response.status_code == 200:
                response = self._log_in(response)
            else:
                return response
        raise AssertionError(f"too many steps: {self.visited[-5:]}")

    def _log_in(self, page):
        if not page.url.startswith(self.home):
            link = re.search(r'class="button upstream-login" href="([^"]+)"', page.text)
            assert link, f"no upstream login at {page.url}"
            target = urljoin(page.url, link.group(1).replace("&amp;", "&"))
            return self.get(target, allow_redirects=False)
        form = {
            "identifier": self.identifier,
            "password": PASSWORD,
            "next": parse_qs(urlsplit(page.url).query).get("next", [""])[0],
            "csrfmiddlewaretoken": csrf(page),
        }
        return self.http(page.url).post(
            urljoin(page.url, "/accounts/login/"),
            data=form,
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=15,
        )

    def log_out(self, node, *, follow: bool = True):
        page = self.get(node.url + "/accounts/me/")
        form, headers = {"csrfmiddlewaretoken": csrf(page)}, {"Referer": page.url}
        if follow:
            return self.go(
                node.url + "/accounts/logout/", method="post", data=form, headers=headers
            )
        return self.http(node.url).post(
            node.url + "/accounts/logout/",
            data=form,
            headers=headers,
            allow_redirects=False,
            timeout=15,
        )

    def signed_in(self, node) -> bool:
        return self.get(node.url + "/accounts/me/", allow_redirects=False).status_code == 200


def csrf(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def eventually(check, *, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def sign_in(nodes, at, identifier: str = READER) -> Person:
    person = Person(nodes.national.url, identifier)
    landed = person.go(at.url + "/accounts/login/?next=/accounts/me/")
    assert landed.status_code == 200, landed.text[:2000]
    assert landed.url == at.url + "/accounts/me/"
    assert any(url.startswith(nodes.national.url + "/o/authorize/") for url in person.visited)
    return person


def test_the_province_offers_the_national_account(nodes):
    page = requests.get(nodes.province.url + "/accounts/login/", timeout=15)
    assert "国家图书馆账号登录" in page.text
    city = requests.get(nodes.city.url + "/accounts/login/", timeout=15)
    assert "浙江图书馆账号登录" in city.text  # the city's parent is the province


def test_reader_logs_in_at_the_city_through_province_and_national(nodes):
    person = sign_in(nodes, nodes.city)
    assert any(url.startswith(nodes.province.url + "/o/authorize/") for url in person.visited)
    assert all(person.signed_in(node) for node in (nodes.city, nodes.province, nodes.national))
    show = (
        "from shuxiang.federation.models import SsoLink\n"
        "for link in SsoLink.objects.all():\n"
        "    user = link.user\n"
        "    print(link.home_library, link.home_node, user.home_library.code,"
        " user.has_usable_password(), user.staff_roles.count())"
    )
    expected = ["NLC", nodes.national.url, "NLC", "False", "0"]
    assert nodes.city.run(show).split() == expected  # the home passed on through the province
    assert nodes.province.run(show).split() == expected
    again = sign_in(nodes, nodes.city)
    assert again.signed_in(nodes.city)
    assert len(nodes.city.run(show).splitlines()) == 1  # the second login finds the same account


def test_a_staff_role_does_not_cross_nodes(nodes):
    person = sign_in(nodes, nodes.province, STAFF)
    assert 'class="staff-menu"' in person.get(nodes.national.url + "/accounts/me/").text
    assert 'class="staff-menu"' not in person.get(nodes.province.url + "/accounts/me/").text
    assert person.get(nodes.province.url + "/accounts/readers/").status_code == 403
    roles = nodes.province.run(
        "from shuxiang.federation.models import SsoLink\n"
        "user = SsoLink.objects.get(user__display_name='nlc-admin').user\n"
        "print(user.staff_roles.count(), user.is_staff, user.is_superuser)"
    ).split()
    assert roles == ["0", "False", "False"]


def test_logout_at_the_city_ends_the_session_at_every_node(nodes):
    person = sign_in(nodes, nodes.city)
    person.log_out(nodes.city)  # RP-initiated at the province, then the signed call up
    assert any(url.startswith(nodes.province.url + "/o/logout/") for url in person.visited)
    assert not person.signed_in(nodes.city)
    assert not person.signed_in(nodes.province)
    assert eventually(lambda: not person.signed_in(nodes.national))


def test_logout_at_the_province_without_the_browser_reaches_the_national_node(nodes):
    person = sign_in(nodes, nodes.province)
    answer = person.log_out(nodes.province, follow=False)  # never goes to the national node
    assert answer.status_code == 302 and answer.headers["Location"].startswith(nodes.national.url)
    assert not person.signed_in(nodes.province)
    assert eventually(lambda: not person.signed_in(nodes.national))  # the signed call up


def test_logout_at_the_national_node_ends_the_sessions_below(nodes):
    person = sign_in(nodes, nodes.city)
    person.log_out(nodes.national)
    assert not person.signed_in(nodes.national)
    assert eventually(lambda: not person.signed_in(nodes.province))  # back-channel logout
    assert eventually(lambda: not person.signed_in(nodes.city))  # and on down from the province


def test_a_forged_logout_token_is_refused(nodes):
    refused = requests.post(
        nodes.province.url + "/federation/sso/backchannel-logout/",
        data={"logout_token": "not-a-token"},
        timeout=15,
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
