"""Proxy by port: ports handed to vendor origins for good, cookies kept apart per port, and
the configuration check and page explaining the mode."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.proxy import ports
from shuxiang.proxy.check import check_ports
from shuxiang.proxy.stanzas import Origin

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_port(monkeypatch):
    monkeypatch.setenv("SHUXIANG_PROXY_MODE", "port")
    monkeypatch.setenv("SHUXIANG_PROXY_PORTS", "9100-9102")


def test_each_origin_keeps_the_port_it_was_given_until_the_range_is_full(by_port):
    first = ports.port_of(Origin("https", "www.vendor.com"))
    second = ports.port_of(Origin("http", "www.vendor.com"))  # another scheme, another origin
    assert (first, second) == (9100, 9101)
    assert ports.port_of(Origin("https", "www.vendor.com")) == 9100
    assert ports.origin_of_port(9101) == Origin("http", "www.vendor.com")
    assert ports.origin_of_port(9102) is None
    ports.port_of(Origin("https", "cdn.vendor.com", 8443))
    with pytest.raises(ports.PortsExhausted):
        ports.port_of(Origin("https", "fourth.example"))


@pytest.mark.parametrize("bad", ["9100", "80-90", "9200-9100", "９１００-９１０１", "1-99999"])
def test_a_bad_range_or_mode_names_the_setting(monkeypatch, bad):
    monkeypatch.setenv("SHUXIANG_PROXY_PORTS", bad)
    with pytest.raises(ImproperlyConfigured, match="SHUXIANG_PROXY_PORTS"):
        ports.port_range()
    monkeypatch.setenv("SHUXIANG_PROXY_MODE", "wildcard")
    with pytest.raises(ImproperlyConfigured, match="SHUXIANG_PROXY_MODE"):
        ports.mode()


def test_vendor_cookies_are_renamed_per_port_and_only_their_own_go_back():
    assert ports.outgoing_cookie("vsid=abc; Path=/", 9101) == "sx9101-vsid=abc; Path=/"
    header = "sessionid=node; sx9101-vsid=abc; sx9102-vsid=other; sxproxy=k; csrftoken=t"
    assert ports.incoming_cookies(header, 9101) == "vsid=abc"
    assert ports.incoming_cookies("sessionid=node", 9101) == ""


def test_the_port_of_a_host_header():
    assert ports.request_port("node.example:9101") == 9101
    assert ports.request_port("[::1]:9101") == 9101
    assert ports.request_port("node.example") is None
    assert ports.request_port("[::1]") is None
    assert ports.request_port("node:９１０１") is None


def test_the_check_explains_the_mode_and_finds_closed_ports():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        findings = check_ports("127.0.0.1", range(port, port + 1), scheme="http")
    assert [f.what for f in findings] == ["mode", "dns", "ports", "tls"]
    assert "No wildcard DNS record" in findings[0].message and findings[2].ok
    assert not findings[3].ok  # plain http is a warning
    closed = check_ports("127.0.0.1", range(port, port + 1), scheme="http")
    assert not closed[-1].ok and closed[-1].what == "ports" and "open ports" in closed[-1].message


def test_proxy_check_in_port_mode_reports_a_bad_setting(monkeypatch):
    monkeypatch.setenv("SHUXIANG_PROXY_MODE", "port")
    monkeypatch.setenv("SHUXIANG_PROXY_PORTS", "nonsense")
    with pytest.raises(CommandError, match="SHUXIANG_PROXY_PORTS"):
        call_command("proxy_check")


def test_the_configuration_page_explains_proxy_by_port(client, net, by_port, monkeypatch):
    client.force_login(admin_of(net["zj"]))
    page = client.get("/proxy/configuration/").content.decode()
    assert "9100" in page and "9102" in page and "SHUXIANG_PROXY_MODE=hostname" in page
    monkeypatch.setenv("SHUXIANG_PROXY_PORTS", "oops")
    answer = client.get("/proxy/configuration/")
    assert answer.status_code == 200 and "SHUXIANG_PROXY_PORTS" in answer.content.decode()
