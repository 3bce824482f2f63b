"""Reading one OAI-PMH response: the fast UTF-8 path and the cleaning path agree."""

import codecs

import pytest
from lxml import etree

from shuxiang.catalog.oai import fetch

PAGE = """<?xml version="1.0" encoding="{label}"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-30T00:00:00Z
</responseDate><request verb="Identify">http://x/oai</request><Identify><repositoryName>{name}
</repositoryName></Identify></OAI-PMH>"""


def name_of(page: fetch.Page) -> str:
    return page.root.findtext(".//{http://www.openarchives.org/OAI/2.0/}repositoryName").strip()


def test_a_clean_utf8_page_is_read_as_it_came():
    page = fetch.parse(PAGE.format(label="UTF-8", name="浙江图书馆 ①").encode())
    assert (name_of(page), page.encoding) == ("浙江图书馆 ①", "utf-8")


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("浙江\x0b图书馆\x01", "浙江图书馆"),  # control characters XML 1.0 forbids
        ("浙江&#x1;图书馆&#11;", "浙江图书馆"),  # references to them
        ("浙江\ufffe图书馆\uffff", "浙江图书馆"),  # non-characters
        ("浙江&#x56FE;书馆", "浙江图书馆"),  # a legal reference is kept (slow path, same result)
    ],
)
def test_what_xml_forbids_is_dropped_and_the_rest_kept(dirty, clean):
    page = fetch.parse(PAGE.format(label="UTF-8", name=dirty).encode())
    assert (name_of(page), page.encoding) == (clean, "utf-8")


def test_a_byte_order_mark_is_skipped():
    page = fetch.parse(codecs.BOM_UTF8 + PAGE.format(label="UTF-8", name="书香").encode())
    assert name_of(page) == "书香"


def test_gb18030_labelled_utf8_is_not_taken_for_utf8():
    page = fetch.parse(PAGE.format(label="UTF-8", name="书香").encode("gb18030"))
    assert (name_of(page), page.encoding) == ("书香", "gb18030")


def test_a_truncated_page_is_refused_on_both_paths():
    body = PAGE.format(label="UTF-8", name="书香").encode()
    for content in (body[:-20], body[:-20].replace(b"\xe4\xb9\xa6", b"\x01")):
        with pytest.raises(fetch.PageError, match="not complete XML"):
            fetch.parse(content)


def test_both_paths_build_the_same_tree():
    body = PAGE.format(label="UTF-8", name="《论语》 Analects").encode()
    fast = fetch.parse(body).root
    slow = etree.fromstring(fetch.decode(body)[0].encode(), fetch._parser())
    assert etree.tostring(fast) == etree.tostring(slow)
