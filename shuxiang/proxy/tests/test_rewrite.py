"""Vendor pages rewritten so every link stays inside the gateway."""

import gzip
import zlib

import brotli
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuxiang.proxy.hostnames import proxy_host
from shuxiang.proxy.rewrite import (
    BodyRewriter,
    HostMap,
    rewrite_header,
    rewrite_set_cookie,
    rewrites,
)
from shuxiang.proxy.stanzas import Origin

DOMAIN = "proxy.zjlib.cn"


def hosts(domains=()):
    return HostMap(
        [Origin("https", "www.vendor.com"), Origin("http", "cdn.vendor.com", 8080)],
        lambda origin: proxy_host(origin, DOMAIN),
        domains=domains,
    )


def run(body: bytes, size: int, pairs=()) -> bytes:
    rewriter = BodyRewriter(hosts(), list(pairs))
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(rewriter.stream(chunks))


PAGE = (
    b'<a href="https://www.vendor.com/search?q=x">s</a> <img src="//www.vendor.com/i.png">'
    b' <script>var u = "https:\\/\\/www.vendor.com\\/api";</script>'
    b" <link href='http://cdn.vendor.com:8080/a.css'> <a href=\"https://www.vendor.com.evil.org/\">"
    b' <a href="https://other.org/">x</a> \xe4\xb8\xad\xe6\x96\x87'
)


@pytest.mark.parametrize("size", [1, 7, 100, 4096, 10**6])
def test_absolute_links_are_rewritten_whatever_the_chunk_boundaries(size):
    out = run(PAGE * 3, size)
    assert out.count(b'href="https://https-www-vendor-com.proxy.zjlib.cn/search?q=x"') == 3
    assert out.count(b'src="//https-www-vendor-com.proxy.zjlib.cn/i.png"') == 3
    assert out.count(b'"https:\\/\\/https-www-vendor-com.proxy.zjlib.cn\\/api"') == 3
    assert out.count(b"'https://cdn-vendor-com-p8080.proxy.zjlib.cn/a.css'") == 3
    assert out.count(b"https://www.vendor.com.evil.org/") == 3  # a longer host is not ours
    assert out.count(b"https://other.org/") == 3
    assert out.count("中文".encode()) == 3
    assert b"//www.vendor.com/" not in out and b"www.vendor.com\\/" not in out


def test_long_bodies_match_the_one_chunk_result():
    body = (PAGE + b"x" * 3000) * 50
    assert run(body, 997) == run(body, len(body))


def test_find_replace_pairs_with_gateway_markers():
    out = run(b"IncludeCss('//o.vendor.com/a.css')", 5, [("//o.vendor.com", "//^So.vendor.com^")])
    assert out == b"IncludeCss('//https-o-vendor-com.proxy.zjlib.cn/a.css')"


def test_hosts_inside_a_domain_are_proxied():
    rewriter = BodyRewriter(hosts(domains=["cnki.net"]))
    out = b"".join(rewriter.stream([b'<a href="https://kns.cnki.net/x">', b" https://cnki.net/"]))
    assert out == (
        b'<a href="https://https-kns-cnki-net.proxy.zjlib.cn/x"> '
        b"https://https-cnki-net.proxy.zjlib.cn/"
    )


def test_headers():
    h = hosts()
    assert (
        rewrite_header("Location", "https://www.vendor.com/login?next=/x", h)
        == "https://https-www-vendor-com.proxy.zjlib.cn/login?next=/x"
    )
    assert rewrite_header("Refresh", "0; url=https://www.vendor.com/", h).endswith(
        "url=https://https-www-vendor-com.proxy.zjlib.cn/"
    )
    csp = rewrite_header("Content-Security-Policy", "img-src 'self' https://www.vendor.com", h)
    assert csp == "img-src 'self' https://https-www-vendor-com.proxy.zjlib.cn"
    assert rewrite_header("Content-Type", "text/html", h) == "text/html"
    cookie = rewrite_set_cookie("sid=1; Domain=.vendor.com; Path=/app; HttpOnly", "x")
    assert cookie == "sid=1; Path=/app; HttpOnly"


def test_what_is_rewritten():
    assert rewrites("text/html; charset=gbk")
    assert rewrites("application/javascript")
    assert not rewrites("application/pdf")
    assert not rewrites("application/octet-stream")
    assert rewrites("application/x-custom", ["application/x-.* javascript"])
    assert gzip  # bodies arrive decoded; the gateway test covers compressed transfers


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as some send
        ("br", brotli.compress),
    ],
)
def test_compressed_bodies_are_decoded_chunk_by_chunk_before_rewriting(encoding, encode):
    from shuxiang.proxy.upstream import Decoder

    page = b"<a href='http://www.vendor.com/x'>x</a>" * 500
    packed = encode(page)
    decoder = Decoder(encoding)
    out = b"".join(decoder.feed(packed[i : i + 97]) for i in range(0, len(packed), 97))
    assert out + decoder.finish() == page


FRAGMENTS = [
    b"http://", b"https://", b"HTTPS://", b"Http://", b"//", b"\\/\\/", b"http:\\/\\/",
    b"https:\\/\\/", b"ftp://", b"a//", b":", b"/", b"\\", b"www.vendor.com", b"WWW.Vendor.COM",
    b"cdn.vendor.com:8080", b"cdn.vendor.com", b"vendor.com", b".evil.org", b"-x", b":443",
    b"/path?q=1", b'"', b"'", b" ", b"x", b"\xe4\xb8\xad", b"<a href=", b">",
]  # fmt: skip


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_literal_fast_path_rewrites_exactly_as_the_general_pattern(parts):
    """Any mix of URL forms, cases, near-miss hosts and boundaries: the same bytes either way."""
    body = b"".join(parts)
    for host_map in (hosts(), listed_with_overlap()):
        rewriter = BodyRewriter(host_map)
        assert rewriter.literal is not None
        general = rewriter.pattern.sub(rewriter._swap, body)
        assert rewriter._rewrite(body) == general


def listed_with_overlap() -> HostMap:
    """Listed hosts where one is a suffix of another (the fast path must defer to the pattern)."""
    return HostMap(
        [Origin("https", "www.vendor.com"), Origin("http", "vendor.com"),
         Origin("http", "cdn.vendor.com", 8080)],
        lambda origin: proxy_host(origin, DOMAIN),
        gateway_scheme="http",
        gateway_port=8443,
    )  # fmt: skip


def test_pages_of_plain_links_take_the_fast_path_and_others_the_general_pattern():
    rewriter = BodyRewriter(hosts())
    page = b'<a href="https://www.vendor.com/a">a</a><img src="//cdn.vendor.com:8080/i.png">'
    assert rewriter.literal.rewrite(page) == rewriter.pattern.sub(rewriter._swap, page)
    assert rewriter.literal.rewrite(page) != page
    assert rewriter.literal.rewrite(page + b"<p>see www.vendor.com</p>") is None  # not a URL
    assert BodyRewriter(hosts(domains=["cnki.net"])).literal is None
