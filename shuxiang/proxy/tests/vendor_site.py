"""A licensed vendor site for the gateway tests, run as its own process.

``python vendor_site.py PORT ALLOWED_ADDRESS``: listens on 127.0.0.1 and 127.0.0.3; admits only
requests from ALLOWED_ADDRESS (the library's egress), 403 otherwise. Host names it links to:
``127.0.0.1:PORT`` (itself) and ``127.0.0.3:PORT`` (a second vendor host). It has absolute
links, a redirect setting a cookie for its domain, a link built by JavaScript, a search form,
and a 20 MB PDF served with Range.
"""

from __future__ import annotations

import hashlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PDF_SIZE = 20 * 2**20


def pdf_bytes() -> bytes:
    block = b"%PDF-1.4\n" + hashlib.sha256(b"shuxiang").digest() * 1000
    return (block * (PDF_SIZE // len(block) + 1))[:PDF_SIZE]


PDF = pdf_bytes()


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
        body = text.encode()
        self.reply(200, body, [("Content-Type", "text/html; charset=utf-8"), *headers])

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
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
        return self.reply(404, b"not found")

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
