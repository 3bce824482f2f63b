"""Vendor definitions read from real EZproxy stanza files (OCLC's, via usask-library)."""

from pathlib import Path

import pytest

from shuxiang.proxy.stanzas import Origin, parse

DATA = Path(__file__).parent / "data" / "stanzas"
FILES = sorted(DATA.glob("*.txt"))


def test_the_sample_covers_a_dozen_real_vendors():
    assert len(FILES) >= 12


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_real_stanza_parses_with_a_starting_point_and_hosts(path):
    parsed = parse(path.read_text(encoding="utf-8"))
    assert parsed.stanzas, path.name
    for stanza in parsed.stanzas:
        assert stanza.title and stanza.url.startswith(("http://", "https://"))
        assert stanza.hosts, stanza.title
    assert not [n for n in parsed.notices if n.reason == "unknown directive"]


def test_cnki_keeps_its_hosts_domain_and_find_replace_pairs():
    stanza = parse((DATA / "CNKI.txt").read_text(encoding="utf-8")).stanzas[0]
    assert stanza.title.startswith("The CNKI Main Page")
    assert stanza.url == "https://oversea.cnki.net/"
    assert Origin("https", "oversea.cnki.net") in stanza.hosts
    assert Origin("http", "tcm.oversea.cnki.net") in stanza.hosts
    assert stanza.domains == ["cnki.net"]
    assert ("//o.oversea.cnki.net", "//^So.oversea.cnki.net^") in stanza.find_replace
    assert len(stanza.find_replace) == 3
    assert "CookiePassThrough" in stanza.options  # written before Title, belongs to it
    assert "AllowSendGZip" in stanza.options


def test_abbreviated_directives_mean_the_long_ones():
    stanza = parse((DATA / "AVA_HBZ.txt").read_text(encoding="utf-8")).stanzas[0]
    assert stanza.url == "https://hbz.ava.watch"
    assert Origin("http", "hbz.ava.watch") in stanza.hosts
    assert stanza.domains == ["hbz.ava.watch"]


def test_mime_filters_and_understood_directives_are_reported_not_fatal():
    parsed = parse((DATA / "APS_Journals.txt").read_text(encoding="utf-8"))
    assert parsed.stanzas[0].mime_filters == ["application/json .* javascript"]
    parsed = parse((DATA / "BMJ.txt").read_text(encoding="utf-8"))
    assert any(n.directive == "byteserve" for n in parsed.notices)


def test_unknown_directives_and_bad_lines_are_reported_with_their_line():
    parsed = parse(
        "Title 中国知网 (test)\nURL https://kns.cnki.net/\nFrobnicate yes\n"
        "Host not a host!\nReplace orphan\nHJ kns.cnki.net\nOption Cookie\n"
        "Title Second\nHJ second.example.org\n"
    )
    notices = {(n.line, n.directive, n.reason.split(":")[0]) for n in parsed.notices}
    assert (3, "frobnicate", "unknown directive") in notices
    assert (4, "host", "not a host") in notices
    assert (5, "replace", "Replace without a Find before it") in notices
    assert (8, "url", "definition has no URL") in notices
    first, second = parsed.stanzas
    assert first.hosts == [Origin("https", "kns.cnki.net"), Origin("http", "kns.cnki.net")]
    assert second.hosts == [Origin("http", "second.example.org")]


def test_a_reset_line_closes_the_definition_so_later_hosts_are_not_added_to_it():
    parsed = parse(
        "T A\nU https://a.example.org/\nOption Cookie\nHJ b.example.org\nT B\nU http://b.example.org/\n"
    )
    assert [s.title for s in parsed.stanzas] == ["A", "B"]
    assert parsed.stanzas[0].hosts == [Origin("https", "a.example.org")]
