"""Signed hand-off: the vendor site (its own process) admits readers on the node's token."""

from __future__ import annotations

import base64
import json
import re

import pytest
import requests

from shuxiang.accounts.tests.factories import reader
from shuxiang.core.actors import SYSTEM
from shuxiang.proxy import handoff, services
from shuxiang.proxy.models import VendorDefinition
from shuxiang.proxy.tests.vendor_site import HANDOFF_KEY


@pytest.fixture
def definition(net, vendor):
    stanza = f"Title 期刊库 Vendor\nURL http://127.0.0.1:{vendor}/\nHJ 127.0.0.3:{vendor}\n"
    services.import_stanzas(stanza, net["zj"], by=SYSTEM)
    row = VendorDefinition.objects.get()
    data = {"handoff_url": f"http://127.0.0.1:{vendor}/handoff", "handoff_secret": HANDOFF_KEY}
    return services.update_vendor(row.pk, data, by=SYSTEM)


def _enter(client, person, vendor_port) -> requests.Response:
    client.force_login(person)
    response = client.get("/proxy/login", {"url": f"http://127.0.0.1:{vendor_port}/journal/7"})
    assert response.status_code == 302, response.content
    return requests.get(response["Location"], timeout=10)


def _claims(url: str) -> dict:
    body = url.split("token=")[1].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_the_vendor_admits_an_entitled_reader_under_a_per_vendor_pseudonym(
    client, net, vendor, definition
):
    person = reader(net["zhuji"])
    answer = _enter(client, person, vendor)
    assert answer.status_code == 200, answer.text
    subject = re.search(r"id='sub'>([0-9a-f]+)<", answer.text)[1]
    assert subject == handoff.subject(person, definition) and len(subject) == 32
    assert "urn:shuxiang:library:330000" in answer.text
    claims = _claims(answer.url)
    assert person.username not in json.dumps(claims) and claims["exp"] - claims["iat"] == 60
    again = _enter(client, person, vendor)
    assert re.search(r"id='sub'>([0-9a-f]+)<", again.text)[1] == subject  # stable
    other_vendor = VendorDefinition(pk=definition.pk + 1)
    assert handoff.subject(person, other_vendor) != subject  # unlinkable across vendors
    assert handoff.subject(reader(net["zhuji"]), definition) != subject


def test_a_forged_or_foreign_token_is_refused_by_the_vendor(client, net, vendor, definition):
    url = _enter(client, reader(net["zj"]), vendor).url
    head, body, mac = url.split("token=")[1].split(".")
    claims = _claims(url) | {"entitlement": "urn:shuxiang:library:620000"}
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = requests.get(url.replace(body, forged_body), timeout=10)
    assert forged.status_code == 401 and "signature" in forged.text
    wrong_key = handoff.sign(claims, "another-library-key-" * 3)
    assert (
        requests.get(url.split("token=")[0] + f"token={wrong_key}", timeout=10).status_code == 401
    )


def test_unentitled_and_paused_readers_get_no_token(client, net, vendor, definition):
    client.force_login(reader(net["lz"]))
    response = client.get("/proxy/login", {"url": f"http://127.0.0.1:{vendor}/"})
    assert response.status_code == 403 and "330000" in response.content.decode()
    person = reader(net["zj"])
    services.pause(person, definition, 9, 1, "/x.pdf")
    client.force_login(person)
    response = client.get("/proxy/login", {"url": f"http://127.0.0.1:{vendor}/"})
    assert response.status_code == 403 and "Location" not in response
