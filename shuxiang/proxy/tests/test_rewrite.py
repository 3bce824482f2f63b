"""Vendor pages rewritten so every link stays inside the gateway."""

import gzip
import zlib

import brotli
import pytest

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
