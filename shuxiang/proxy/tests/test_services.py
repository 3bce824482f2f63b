"""Vendor definitions, entitlement, the ticket hand-off and the PDF limit."""

import pytest

from shuxiang.accounts.tests.factories import reader, staff_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent
from shuxiang.proxy import services
from shuxiang.proxy.models import GatewaySession, ReaderPause
from shuxiang.proxy.stanzas import Origin

STANZA = """Title 中国知网 (test)
URL https://kns.cnki.net/
HJ kns.cnki.net
DJ cnki.net
Frobnicate on
"""


@pytest.fixture
def gateway(settings, monkeypatch):
    monkeypatch.setenv("SHUXIANG_PROXY_DOMAIN", "proxy.zjlib.cn")
    monkeypatch.setenv("SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR", "3")


def test_staff_import_stanzas_for_their_library_and_unknown_lines_are_reported(net):
    report = services.import_stanzas(STANZA, net["zj"], by=staff_of(net["zj"]))
    assert report.created == ["中国知网 (test)"]
    assert [(n.line, n.directive) for n in report.notices] == [(5, "frobnicate")]
    again = services.import_stanzas(STANZA, net["zj"], by=staff_of(net["zj"]))
    assert again.updated == ["中国知网 (test)"] and not again.created


def test_staff_of_another_province_may_not_import(net):
    with pytest.raises(PermissionDenied):
        services.import_stanzas(STANZA, net["zj"], by=staff_of(net["gs"]))


def test_a_file_without_definitions_is_refused_naming_the_field(net):
    with pytest.raises(ValidationFailed) as caught:
        services.import_stanzas("Option Cookie\n", net["zj"], by=SYSTEM)
    assert caught.value.errors[0].field == "file"


def test_readers_below_the_vendor_library_are_entitled_others_are_refused(net, gateway):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    county_reader = reader(net["zhuji"])
    url = services.start(county_reader, "https://kns.cnki.net/kns8/search?q=论语", by=county_reader)
    assert url.startswith("https://https-kns-cnki-net.proxy.zjlib.cn/.sxproxy/enter?ticket=")
    assert url.endswith("&to=%2Fkns8%2Fsearch%3Fq%3D%E8%AE%BA%E8%AF%AD")
    other = reader(net["lz"])
    with pytest.raises(PermissionDenied) as caught:
        services.start(other, "https://kns.cnki.net/", by=other)
    assert caught.value.errors[0].code == "not_entitled"


def test_unknown_hosts_and_bad_urls_are_refused(net, gateway):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    person = reader(net["zj"])
    with pytest.raises(NotFound):
        services.start(person, "https://www.example.org/", by=person)
    for bad in ["kns.cnki.net", "javascript:alert(1)", "ftp://kns.cnki.net/", ""]:
        with pytest.raises(ValidationFailed):
            services.start(person, bad, by=person)


def test_hosts_of_a_domain_are_proxied(net, gateway):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    assert services.vendor_for(Origin("https", "oversea.cnki.net")).title == "中国知网 (test)"
    assert services.vendor_for(Origin("https", "cnki.net.evil.org")) is None


def test_a_ticket_is_used_once_and_gives_a_fresh_cookie(net, gateway):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    person = reader(net["zj"])
    url = services.start(person, "https://kns.cnki.net/", by=person)
    ticket = url.split("ticket=")[1].split("&")[0]
    key = services.enter(ticket)
    assert key and services.session_user(key) == person
    assert services.enter(ticket) is None
    assert services.enter("") is None
    assert services.session_user("forged") is None
    assert GatewaySession.objects.count() == 1


def test_passing_the_pdf_limit_pauses_the_reader_with_evidence(net, gateway):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    vendor = services.vendor_for(Origin("https", "kns.cnki.net"))
    person = reader(net["zj"])
    for n in range(3):
        assert services.count(person, vendor, "pdf", 1000, f"/a{n}.pdf") is None
    assert services.count(person, vendor, "html", 10, "/") is None
    pause = services.count(person, vendor, "pdf", 1000, "/a3.pdf")
    assert pause is not None and "4" in pause.reason and "3" in pause.reason
    assert pause.evidence["last_path"] == "/a3.pdf"
    assert services.active_pause(person, vendor) == pause
    assert AuditEvent.objects.filter(action="proxy.reader_paused").count() == 1
    assert services.count(person, vendor, "pdf", 1000, "/a4.pdf") == pause  # one pause only
    services.lift(pause.pk, by=staff_of(net["zj"]))
    assert services.active_pause(person, vendor) is None
    assert ReaderPause.objects.count() == 1
