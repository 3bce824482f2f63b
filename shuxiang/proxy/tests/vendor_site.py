"""A licensed vendor site for the gateway tests, run as its own process.

``python vendor_site.py PORT ALLOWED_ADDRESS``: listens on 127.0.0.1 and 127.0.0.3; admits only
requests from ALLOWED_ADDRESS (the library's egress), 403 otherwise. Host names it links to:
``127.0.0.1:PORT`` (itself) and ``127.0.0.3:PORT`` (a second vendor host). It has absolute
links, a redirect setting a cookie for its domain, a link built by JavaScript, a search form,
and a 20 MB PDF served with Range. ``/handoff?token=…`` admits a reader from any address on
the library's signed token (HANDOFF_KEY shared with the library).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import brotli

PDF_SIZE = 20 * 2**20


def pdf_bytes() -> bytes:
    block = b"%PDF-1.4\n" + hashlib.sha256(b"shuxiang").digest() * 1000
    return (block * (PDF_SIZE // len(block) + 1))[:PDF_SIZE]


PDF = pdf_bytes()
HANDOFF_KEY = "vendor-and-library-shared-key-0123456789"


def bench_page(me: str, other: str) -> str:
    """About 100 KB of HTML with 1,000 absolute links to the vendor's two hosts."""
    rows = [
        f'<li><a href="{me}/article/{n}">Article {n}</a> <a href="{other}/cite/{n}">cite</a>'
        f" <span>{'一篇文章的摘要。' * 2}</span></li>"
        for n in range(500)
    ]
    return f"<html><body><h1>Bench</h1><ul>{''.join(rows)}</ul></body></html>"


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Vendor(BaseHTTPRequestHandler):
    allowed = "127.0.0.2"
    port = 0

    def log_message(self, *args):  # quiet
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def html(self, text: str, headers=()):
        body, headers = text.encode(), [("Content-Type", "text/html; charset=utf-8"), *headers]
        accepted = self.headers.get("Accept-Encoding", "")
        path = urlsplit(self.path).path
        if path == "/search" and "gzip" in accepted:  # the gateway decodes what it rewrites
            body, headers = gzip.compress(body), [*headers, ("Content-Encoding", "gzip")]
        elif path == "/other" and "br" in accepted:
            body, headers = brotli.compress(body), [*headers, ("Content-Encoding", "br")]
        self.reply(200, body, headers)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if urlsplit(self.path).path == "/handoff":  # readers arrive from anywhere, with a token
            return self.handoff()
        if self.client_address[0] != self.allowed:
            return self.reply(403, f"address {self.client_address[0]} not licensed".encode())
        me, other = f"http://127.0.0.1:{self.port}", f"http://127.0.0.3:{self.port}"
        url = urlsplit(self.path)
        host = self.headers.get("Host", "")
        if url.path == "/":
            return self.html(
                f'<h1>Vendor home on {host}</h1><a id="self" href="{me}/search?q=x">search</a>'
                f' <a id="other" href="{other}/other">other host</a>'
                f' <a id="login" href="{me}/login-redirect">login</a>'
                f' <a id="js" href="#">js</a><script>document.getElementById("js").href = '
                f'"{me}" + "/js-target";</script>'
                f'<form id="find" action="{me}/search"><input name="q"><button>go</button></form>'
                f' <a id="pdf" href="{me}/paper.pdf">pdf</a>'
            )
        if url.path == "/search":
            q = parse_qs(url.query).get("q", [""])[0]
            referer = (self.headers.get("Referer") or "").split("://")[-1]  # without its scheme
            return self.html(f"<h1>Results for {q}</h1><p>referer={referer}</p>")
        if url.path == "/login-redirect":
            return self.reply(
                302,
                headers=[
                    ("Location", f"{me}/landing"),
                    ("Set-Cookie", "vsid=abc123; Domain=127.0.0.1; Path=/"),
                ],
            )
        if url.path == "/landing":
            return self.html(f"<h1>Landing</h1><p id='cookie'>{self.headers.get('Cookie')}</p>")
        if url.path in ("/other", "/js-target"):
            return self.html(f"<h1>{url.path[1:]} on {host}</h1>")
        if url.path == "/paper.pdf":
            return self.pdf()
        if url.path == "/bench.pdf":  # bench/proxy.py: 1 MB passed byte for byte
            return self.reply(200, PDF[: 2**20], [("Content-Type", "application/pdf")])
        if url.path == "/bench.html":  # bench/proxy.py: a page full of links to rewrite
            return self.html(bench_page(me, other))
        if url.path.startswith("/article/") and url.path.endswith(".pdf"):  # 64 KB articles
            body = (b"%PDF-1.4\n" + url.path.encode() * 8192)[: 64 * 1024]
            return self.reply(200, body, [("Content-Type", "application/pdf")])
        return self.reply(404, b"not found")

    def handoff(self):
        """Admit a reader on the library's signed token (HS256, audience, expiry checked)."""
        token = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
        try:
            head, body, mac = token.split(".")
            signed = f"{head}.{body}".encode()
            expected = hmac.new(HANDOFF_KEY.encode(), signed, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(mac)):
                raise ValueError("bad signature")
            claims = json.loads(_unb64(body))
            if json.loads(_unb64(head)).get("alg") != "HS256":
                raise ValueError("bad algorithm")
            if claims["aud"] != f"http://127.0.0.1:{self.port}/handoff":
                raise ValueError("not for us")
            if not claims["iat"] - 5 <= time.time() <= claims["exp"]:
                raise ValueError("expired")
        except (ValueError, KeyError) as exc:
            return self.reply(401, f"refused: {exc}".encode())
        return self.html(
            f"<h1>Welcome</h1><p id='sub'>{claims['sub']}</p>"
            f"<p id='entitlement'>{claims['entitlement']}</p><p id='iss'>{claims['iss']}</p>"
        )

    def pdf(self):
        start, end = 0, len(PDF) - 1
        header = self.headers.get("Range", "")
        status = 200
        if header.startswith("bytes="):
            first, _, last = header[6:].partition("-")
            start = int(first or 0)
            end = int(last) if last else end
            status = 206
        body = PDF[start : end + 1]
        headers = [("Content-Type", "application/pdf"), ("Accept-Ranges", "bytes")]
        if status == 206:
            headers.append(("Content-Range", f"bytes {start}-{end}/{len(PDF)}"))
        self.reply(status, body, headers)


def main() -> None:
    Vendor.port, Vendor.allowed = int(sys.argv[1]), sys.argv[2]
    import threading

    second = ThreadingHTTPServer(("127.0.0.3", Vendor.port), Vendor)
    threading.Thread(target=second.serve_forever, daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", Vendor.port), Vendor).serve_forever()


if __name__ == "__main__":
    main()
