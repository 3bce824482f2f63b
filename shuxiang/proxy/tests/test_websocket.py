"""Websockets through the gateway: passed to the vendor after the same checks as pages.

Real processes and servers: a ``shuxiang proxy`` gateway process (the server-mode gateway) and
a websocket echo server of the vendor (the ``websockets`` library, admitting only the
library's egress address 127.0.0.2). The client connects to the gateway name of the vendor
host with the reader's gateway cookie, as a vendor page in a browser would.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.http11 import Response
from websockets.sync.client import connect
from websockets.sync.server import serve

from shuxiang.proxy.tests.conftest import prepared_node
from shuxiang.resources.tests.nodes import free_port

pytestmark = pytest.mark.django_db(transaction=True)
SETUP = """
from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library
from shuxiang.network.tests.factories import library
from shuxiang.proxy import services
from shuxiang.proxy.models import VendorDefinition
L = Library.Level
library("NLC", None, L.NATIONAL)
zj = library("330000", "NLC", L.PROVINCIAL)
zhuji = library("330681", "330000", L.COUNTY)
lz = library("620100", "NLC", L.CITY)
services.import_stanzas("Title Live Vendor\\nURL http://127.0.0.1:{port}/\\n", zj, by=SYSTEM)
services.import_stanzas("Title Gansu Only\\nURL http://127.0.0.9:9/\\n", lz, by=SYSTEM)
VendorDefinition.objects.update(egress_address="127.0.0.2")
for name, lib, url in [("zjreader", zhuji, "http://127.0.0.1:{port}/"),
                       ("gsreader", lz, "http://127.0.0.9:9/")]:
    person = user(name, home_library=lib)
    ticket = services.start(person, url, by=person).split("ticket=")[1].split("&")[0]
    print("KEY", name, services.enter(ticket))
"""


class EchoVendor:
    """The vendor's websocket: first what it saw of the handshake, then every message back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server = serve(
            self.handle, "127.0.0.1", self.port, process_request=self.admit, compression=None
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def admit(self, connection, request):
        if connection.remote_address[0] != "127.0.0.2":
            return Response(403, "Forbidden", Headers(), b"library network only")
        if request.path == "/nowhere":
            return Response(404, "Not Found", Headers(), b"no socket here")
        return None

    def handle(self, connection):
        headers = connection.request.headers
        connection.send(json.dumps({
            "peer": connection.remote_address[0], "host": headers.get("Host"),
            "origin": headers.get("Origin"), "cookie": headers.get("Cookie"),
            "path": connection.request.path, "subprotocol": connection.subprotocol,
        }))  # fmt: skip
        for message in connection:
            connection.send(message)


@pytest.fixture
def vendor_socket():
    vendor = EchoVendor()
    yield vendor.port
    vendor.server.shutdown()


@pytest.fixture
def gateway(vendor_socket, tmp_path, node_template):
    """A ``shuxiang proxy`` process: (its port, {reader: gateway cookie})."""
    node = prepared_node(tmp_path, node_template)
    out = node.run("shell", "-c", SETUP.replace("{port}", str(vendor_socket)))
    keys = dict(line.split()[1:] for line in out.splitlines() if line.startswith("KEY "))
    process = node.command("proxy", "--port", str(node.port))
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.communicate()[1].decode()
        try:
            socket.create_connection(("127.0.0.1", node.port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.1)
    yield node.port, keys
    process.terminate()
    process.wait(30)


def open_socket(port: int, vendor_port: int, path: str, cookie: str = "", **kwargs):
    host = f"127-0-0-1-p{vendor_port}.proxy.test:{port}"
    headers = {"Cookie": cookie} if cookie else {}
    return connect(
        f"ws://{host}{path}",
        sock=socket.create_connection(("127.0.0.1", port)),
        origin=f"http://{host}",
        additional_headers=headers,
        compression=None,
        open_timeout=20,
        **kwargs,
    )


def test_a_websocket_passes_through_with_the_library_identity(gateway, vendor_socket):
    port, keys = gateway
    cookie = f"sxproxy={keys['zjreader']}; vsid=abc"
    with open_socket(port, vendor_socket, "/live?room=7", cookie, subprotocols=["chat"]) as ws:
        seen = json.loads(ws.recv(timeout=20))
        assert seen == {
            "peer": "127.0.0.2",  # the library's egress address
            "host": f"127.0.0.1:{vendor_socket}",  # the vendor's own name, not the gateway's
            "origin": f"http://127.0.0.1:{vendor_socket}",
            "cookie": "vsid=abc",  # the vendor's cookie; the gateway's own never leaves
            "path": "/live?room=7",
            "subprotocol": None,  # the vendor chose none of the reader's
        }
        ws.send("你好")
        assert ws.recv(timeout=20) == "你好"
        ws.send(b"\x00\x01binary")
        assert ws.recv(timeout=20) == b"\x00\x01binary"


def test_websockets_are_refused_like_pages(gateway, vendor_socket):
    port, keys = gateway
    with pytest.raises(InvalidStatus) as signed_out:
        open_socket(port, vendor_socket, "/live")
    assert signed_out.value.response.status_code == 403
    assert b"Sign in" in signed_out.value.response.body
    with pytest.raises(InvalidStatus) as unentitled:  # a reader of another province
        open_socket(port, vendor_socket, "/live", f"sxproxy={keys['gsreader']}")
    assert unentitled.value.response.status_code == 403
    assert unentitled.value.response.body.strip()  # the reason, as for a page
    with pytest.raises(InvalidStatus) as direct:  # the vendor admits the library only
        connect(f"ws://127.0.0.1:{vendor_socket}/live", open_timeout=20)
    assert direct.value.response.status_code == 403


def test_a_vendor_refusing_the_websocket_is_a_clean_refusal(gateway, vendor_socket):
    port, keys = gateway
    with pytest.raises(InvalidStatus) as refused:
        open_socket(port, vendor_socket, "/nowhere", f"sxproxy={keys['zjreader']}")
    assert refused.value.response.status_code == 502
    assert b"(404)" in refused.value.response.body
