"""Proxy by hostname: every origin maps to one gateway name and back."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuxiang.proxy.hostnames import origin_of_proxy_host, proxy_host
from shuxiang.proxy.stanzas import Origin

DOMAIN = "proxy.zjlib.cn"


@pytest.mark.parametrize(
    ("origin", "name"),
    [
        (Origin("http", "www.vendor.com"), "www-vendor-com.proxy.zjlib.cn"),
        (Origin("https", "kns.cnki.net"), "https-kns-cnki-net.proxy.zjlib.cn"),
        (Origin("https", "e-books.vendor-x.com"), "https-e--books-vendor--x-com.proxy.zjlib.cn"),
        (Origin("http", "127.0.0.1", 8080), "127-0-0-1-p8080.proxy.zjlib.cn"),
        (Origin("https", "a.example.org", 443), "https-a-example-org.proxy.zjlib.cn"),
    ],
)
def test_known_names(origin, name):
    assert proxy_host(origin, DOMAIN) == name
    back = origin_of_proxy_host(name.upper() + ":443", DOMAIN)
    assert back.netloc == origin.netloc and back.scheme == origin.scheme


LABEL = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\Z")


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a loaded machine
@given(
    st.lists(LABEL, min_size=1, max_size=4),
    st.sampled_from(["http", "https"]),
    st.one_of(st.none(), st.integers(1, 65535)),
)
def test_round_trip(labels, scheme, port):
    host = ".".join(labels)
    if "--" in host:  # not a valid LDH label pattern for our mapping's inverse
        return
    origin = Origin(scheme, host, port)
    back = origin_of_proxy_host(proxy_host(origin, DOMAIN), DOMAIN)
    assert (back.scheme, back.netloc) == (origin.scheme, origin.netloc)


@pytest.mark.parametrize(
    "name",
    [
        "www-vendor-com.other.cn",
        "proxy.zjlib.cn",
        "-x.proxy.zjlib.cn",
        "a--.proxy.zjlib.cn",
        "a-p99999.proxy.zjlib.cn",
        "ａ-b.proxy.zjlib.cn",
        "a-b-.proxy.zjlib.cn",
    ],
)
def test_names_that_are_not_ours(name):
    assert origin_of_proxy_host(name, DOMAIN) is None
