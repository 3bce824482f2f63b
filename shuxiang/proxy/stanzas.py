"""EZproxy-compatible vendor definitions (数据库配置段, "stanzas").

A stanza file is what libraries share by the hundreds (OCLC's list, the usask-library
collection): one directive per line, ``Title`` opening a database definition, ``URL`` its
starting point, ``Host``/``HJ`` the hosts proxied by name, ``Domain``/``DJ`` whole domains,
``NeverProxy`` hosts left alone, ``Find``/``Replace`` pairs applied to rewritten text,
``MimeFilter`` which types are rewritten. Position-dependent directives (``Option``,
``HTTPMethod``, ``HTTPHeader``, ``AnonymousURL``, ``ProxyHostnameEdit`` …) written before a
``Title`` belong to the definition that follows; the reset lines after it (``Option Cookie``,
``AnonymousURL -*``) close it.

Parsing never fails on a directive it does not know: it is reported (line, directive) and the
rest of the file is read. Only a file with no usable definition is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ALIASES = {
    "t": "title",
    "u": "url",
    "h": "host",
    "hj": "hostjavascript",
    "d": "domain",
    "dj": "domainjavascript",
    "np": "neverproxy",
    "phe": "proxyhostnameedit",
}
APPLIED = {
    "title",
    "url",
    "host",
    "hostjavascript",
    "domain",
    "domainjavascript",
    "neverproxy",
    "find",
    "replace",
    "mimefilter",
    "option",
    "httpmethod",
    "description",
}
# Understood but not acted on by this gateway (reported as "not applied", never fatal).
NOT_APPLIED = {
    "anonymousurl",
    "httpheader",
    "proxyhostnameedit",
    "formvariable",
    "byteserve",
    "adduserheader",
    "cookie",
    "redirectsafe",
    "sso",
    "tokensignaturekey",
    "tokenkey",
    "ebrarysite",
    "books24x7site",
    "clienttimeout",
    "binarytimeout",
    "referer",
    "group",
    "includefile",
    "formselect",
    "formsubmit",
    "validate",
}
RESETS = {("option", "cookie"), ("anonymousurl", "-*")}
HOST_NAME = re.compile(r"^[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?(\.[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?)*$")


@dataclass(frozen=True)
class Origin:
    """A proxied host with the scheme and port it is reached on."""

    scheme: str
    host: str
    port: int | None = None

    @property
    def netloc(self) -> str:
        default = {"http": 80, "https": 443}[self.scheme]
        return self.host if self.port in (None, default) else f"{self.host}:{self.port}"


@dataclass
class Stanza:
    title: str
    url: str = ""
    hosts: list[Origin] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    never_proxy: list[str] = field(default_factory=list)
    find_replace: list[tuple[str, str]] = field(default_factory=list)
    mime_filters: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    http_methods: list[str] = field(default_factory=list)
    description: str = ""
    not_applied: list[str] = field(default_factory=list)
    first_line: int = 0


@dataclass(frozen=True)
class Notice:
    line: int
    directive: str
    reason: str


@dataclass
class ParsedFile:
    stanzas: list[Stanza]
    notices: list[Notice]


def origin_of(value: str, default_scheme: str = "http") -> Origin | None:
    """``www.vendor.com``, ``https://www.vendor.com/path`` or ``host:8080`` → an Origin."""
    text = value.strip()
    if "://" not in text:
        text = f"{default_scheme}://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not HOST_NAME.match(host):
        return None
    return Origin(parts.scheme, host, port)


def _url_target(argument: str) -> str:
    """``URL [-Refresh|-Form=…|-Append|-Encoded] [label] url`` → the url."""
    words = [w for w in argument.split() if not w.startswith("-")]
    return words[-1] if words else ""


class _Reader:
    def __init__(self) -> None:
        self.stanzas: list[Stanza] = []
        self.notices: list[Notice] = []
        self.pending: list[tuple[int, str, str]] = []  # position-dependent lines before Title
        self.current: Stanza | None = None
        self.find: str | None = None

    def line(self, number: int, raw: str) -> None:
        text = raw.strip()
        if not text or text.startswith("#"):
            return
        word, _, argument = text.partition(" ")
        directive = ALIASES.get(word.lower(), word.lower())
        argument = argument.strip()
        if (directive, argument.lower()) in RESETS:
            self.current = None
            return
        if directive == "title":
            self.open(number, argument)
        elif self.current is None:
            self.before_title(number, directive, argument)
        else:
            self.apply(number, directive, argument)

    def open(self, number: int, title: str) -> None:
        self.current = Stanza(title=title or f"line {number}", first_line=number)
        self.stanzas.append(self.current)
        for line, directive, argument in self.pending:
            self.apply(line, directive, argument)
        self.pending = []

    def before_title(self, number: int, directive: str, argument: str) -> None:
        if directive in APPLIED or directive in NOT_APPLIED:
            self.pending.append((number, directive, argument))
        else:
            self.notices.append(Notice(number, directive, "unknown directive"))

    def apply(self, number: int, directive: str, argument: str) -> None:
        stanza = self.current
        handler = getattr(self, f"_{directive}", None)
        if handler is not None:
            handler(stanza, number, argument)
        elif directive in NOT_APPLIED:
            stanza.not_applied.append(directive)
            self.notices.append(Notice(number, directive, "understood, not applied here"))
        else:
            self.notices.append(Notice(number, directive, "unknown directive"))

    def _host_list(self, target: list, number: int, directive: str, argument: str) -> None:
        origin = origin_of(argument)
        if origin is None:
            self.notices.append(Notice(number, directive, f"not a host: {argument!r}"))
        elif origin not in target:
            target.append(origin)

    def _url(self, stanza: Stanza, number: int, argument: str) -> None:
        target = _url_target(argument)
        origin = origin_of(target)
        if origin is None:
            self.notices.append(Notice(number, "url", f"not a URL: {argument!r}"))
            return
        stanza.url = target if "://" in target else f"http://{target}"
        if origin not in stanza.hosts:
            stanza.hosts.append(origin)

    def _host(self, stanza: Stanza, number: int, argument: str) -> None:
        self._host_list(stanza.hosts, number, "host", argument.split()[-1] if argument else "")

    _hostjavascript = _host

    def _domain(self, stanza: Stanza, number: int, argument: str) -> None:
        origin = origin_of(argument)
        if origin is None:
            self.notices.append(Notice(number, "domain", f"not a domain: {argument!r}"))
        elif origin.host not in stanza.domains:
            stanza.domains.append(origin.host)

    _domainjavascript = _domain

    def _neverproxy(self, stanza: Stanza, number: int, argument: str) -> None:
        host = argument.lower().strip()
        if host:
            stanza.never_proxy.append(host)

    def _find(self, stanza: Stanza, number: int, argument: str) -> None:
        self.find = argument

    def _replace(self, stanza: Stanza, number: int, argument: str) -> None:
        if self.find is None:
            self.notices.append(Notice(number, "replace", "Replace without a Find before it"))
            return
        stanza.find_replace.append((self.find, argument))
        self.find = None

    def _mimefilter(self, stanza: Stanza, number: int, argument: str) -> None:
        stanza.mime_filters.append(argument)

    def _option(self, stanza: Stanza, number: int, argument: str) -> None:
        stanza.options.append(argument)

    def _httpmethod(self, stanza: Stanza, number: int, argument: str) -> None:
        stanza.http_methods.append(argument.upper())

    def _description(self, stanza: Stanza, number: int, argument: str) -> None:
        stanza.description = argument


def parse(text: str) -> ParsedFile:
    """Every definition in an EZproxy stanza file, with a notice for each line not applied."""
    reader = _Reader()
    for number, raw in enumerate(text.splitlines(), start=1):
        reader.line(number, raw)
    for stanza in reader.stanzas:
        if not stanza.url:
            reader.notices.append(Notice(stanza.first_line, "url", "definition has no URL"))
    return ParsedFile(stanzas=reader.stanzas, notices=reader.notices)
