"""Fetching one OAI-PMH response: the body whatever the HTTP status, decoded, parsed strictly.

A page is either read completely or refused (``PageError``, which the harvester retries): a
truncated or broken body is never "recovered" into a partial page. Bytes that are not valid in
the declared encoding are tried as GB18030 (Chinese library systems still send it, often
labelled UTF-8) before anything is replaced; the page says which encoding was used.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import re
from dataclasses import dataclass

import requests
from lxml import etree

from shuxiang.catalog.oai.formats import OAI_NS

FLOW_CONTROL = {429, 503}
GB_FAMILY = {"gb2312", "gbk", "cp936"}
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.ASCII)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.ASCII | re.IGNORECASE)
# XML 1.0 forbids these; they carry nothing, so dropping them is safe (characters and references).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL_REF = re.compile(
    r"&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));", re.I
)
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_DIGITS = re.compile(r"[0-9]{1,9}", re.ASCII)


class PageError(Exception):
    """The response is not a complete OAI-PMH document (retried, then the harvest fails)."""


@dataclass
class Page:
    root: etree._Element
    encoding: str
    status: int

    def error(self) -> etree._Element | None:
        return self.root.find(f"{{{OAI_NS}}}error")

    def response_date(self) -> str:
        """The provider's ``responseDate`` in UTC at seconds granularity, or ""."""
        return normalize_datestamp(self.root.findtext(f"{{{OAI_NS}}}responseDate") or "")


def normalize_datestamp(raw: str) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` for a valid UTC date/datetime string; "" otherwise."""
    raw = raw.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9:]+)?)?", raw, re.ASCII):
        return ""
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _codec(label: str | None) -> str | None:
    """Python's codec for an encoding label; GB2312 and GBK labels read as GB18030, their
    superset, as the WHATWG Encoding Standard does (Python's gb2312 maps some marks apart)."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "gb18030" if name in GB_FAMILY else name


def _declared(content: bytes, content_type: str) -> str:
    """The codec the body says it is in: its XML declaration, else the HTTP charset, else
    UTF-8 (unknown labels count as unsaid)."""
    declared = _DECLARATION.match(content)
    charset = _CHARSET.search(content_type or "")
    return (
        (_codec(declared.group(1).decode()) if declared else None)
        or (_codec(charset.group(1)) if charset else None)
        or "utf-8"
    )


def decode(content: bytes, content_type: str = "") -> tuple[str, str]:
    """(text, encoding used): the declared encoding, then GB18030, then it with U+FFFD.

    The XML declaration wins over the HTTP charset (servers label everything with a default
    charset; the document's own declaration was written by the software that wrote it).
    """
    if content.startswith(codecs.BOM_UTF8):
        content = content[3:]
    primary = _declared(content, content_type)
    for name in dict.fromkeys([primary, "gb18030", "utf-8"]):
        try:
            return content.decode(name), name
        except UnicodeDecodeError:
            continue
    return content.decode(primary, errors="replace"), f"{primary}+replaced"


def parse(content: bytes, content_type: str = "", status: int = 200) -> Page:
    """The complete OAI-PMH document in ``content``; PageError for anything less."""
    root, encoding = _clean_utf8(content, content_type), "utf-8"
    if root is None:
        text, encoding = decode(content, content_type)
        text = _ILLEGAL_REF.sub("", _ILLEGAL.sub("", text))
        try:
            root = etree.fromstring(text.encode("utf-8"), _parser())
        except etree.XMLSyntaxError as exc:
            raise PageError(f"HTTP {status}: the response is not complete XML ({exc})") from None
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise PageError(
            f"HTTP {status}: the response is <{etree.QName(root).localname}>, not OAI-PMH"
        )
    return Page(root, encoding, status)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        no_network=True, resolve_entities=False, huge_tree=True, encoding="utf-8"
    )


def _clean_utf8(content: bytes, content_type: str) -> etree._Element | None:
    """The common case in one step: a UTF-8 body with nothing to drop (no control character,
    no U+FFFE/U+FFFF, no character reference at all) parsed as it came; None when the body
    needs ``decode`` and cleaning first (or is not valid UTF-8: the slow path decides)."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[3:]
    if _declared(content, content_type) != "utf-8" or b"&#" in content:
        return None
    if b"\xef\xbf\xbe" in content or b"\xef\xbf\xbf" in content:  # U+FFFE, U+FFFF
        return None
    if len(content.translate(None, _CONTROL_BYTES)) != len(content):
        return None
    try:
        return etree.fromstring(content, _parser())
    except etree.XMLSyntaxError:
        return None


def retry_after(response: requests.Response, *, limit: float) -> float | None:
    """Seconds a 503/429 answer asks us to wait (capped at ``limit``); None when it does not."""
    if response.status_code not in FLOW_CONTROL:
        return None
    raw = (response.headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    if _DIGITS.fullmatch(raw):
        return min(float(raw), limit)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, min((when - dt.datetime.now(dt.UTC)).total_seconds(), limit))


def get(session: requests.Session, url: str, params: dict, *, limit: float) -> Page | float:
    """One request: the parsed page, or the seconds to wait before asking again (503/429)."""
    response = session.get(url, params=params, timeout=(15, 120))
    wait = retry_after(response, limit=limit)
    if wait is not None:
        return wait
    return parse(response.content, response.headers.get("Content-Type", ""), response.status_code)
