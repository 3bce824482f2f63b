"""The OAI-PMH 2.0 data provider: answers the six verbs over the warehouse records.

Identifiers are ``oai:<repository id>:<record id>``; datestamps are the warehouse's change
times at seconds granularity; deleted records stay as persistent tombstones; lists page with
keyset resumption tokens that are signed, carry the cursor and expire after an hour.

Every verb answers only about the records the requester may find in search (the same
``Visibility``): anonymous harvesters get public records (and their tombstones) only; staff and
partner nodes harvest their scope with a bearer token. See docs/catalog.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import socket
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from lxml import etree

from shuxiang.catalog.models import Record
from shuxiang.catalog.oai import formats as fmt
from shuxiang.catalog.oai import sets as oai_sets
from shuxiang.catalog.oai.rows import list_rows
from shuxiang.catalog.oai.tokens import (
    PAGE_SIZE,
    OaiError,
    check_arguments,
    issue_token,
    parse_datestamp,
    read_token,
    to_datestamp,
)
from shuxiang.catalog.search.base import Visibility
from shuxiang.catalog.search.postgres_backend import visibility_filter
from shuxiang.core import options

NS = fmt.OAI_NS


DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+", re.ASCII)


def repository_id() -> str:
    """OAI_REPOSITORY_ID, else the host of BASE_URL, else this host's FQDN (a domain name,
    as the oai-identifier scheme requires), else ``<host>.invalid``."""
    configured = options.value("OAI_REPOSITORY_ID")
    if configured:
        return configured
    host = urlsplit(options.value("BASE_URL") or "").hostname or ""
    if DOMAIN.fullmatch(host):
        return host.lower()
    return _host_domain()


@functools.cache
def _host_domain() -> str:
    """This machine's FQDN, or ``<host name>.invalid`` (looked up once: it may ask DNS)."""
    fqdn = socket.getfqdn()
    if DOMAIN.fullmatch(fqdn):
        return fqdn.lower()
    label = re.sub(r"[^a-z0-9-]", "", socket.gethostname().lower()).lstrip("0123456789-")
    return f"{label or 'shuxiang'}.invalid"


def node_url_of(base_url: str) -> str:
    """This node's public base URL: BASE_URL, else the scheme and host of the OAI base URL."""
    configured = (getattr(settings, "BASE_URL", "") or "").rstrip("/")
    if configured:
        return configured
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def oai_identifier(record: Record) -> str:
    return f"oai:{repository_id()}:{record.pk}"


class Provider:
    """One request: ``respond(params)`` returns the XML response bytes."""

    def __init__(
        self,
        base_url: str,
        now: dt.datetime | None = None,
        visibility: Visibility | None = None,
        node_url: str = "",
        page_size: int | None = None,
    ):
        self.base_url = base_url
        self.page_size = page_size or PAGE_SIZE  # records a ListRecords/ListIdentifiers page
        self.node_url = node_url or node_url_of(base_url)
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.formats = fmt.formats(base_url)
        self.visibility = visibility or Visibility()
        self.repository_id = repository_id()
        self.repository_xml = escape(self.repository_id)
        self.visible = Record.objects.filter(visibility_filter(self.visibility))
        self.scope = hashlib.sha256(repr(self.visibility).encode()).hexdigest()[:16]

    def respond(self, params: dict[str, list[str]]) -> bytes:
        root = etree.Element(f"{{{NS}}}OAI-PMH", nsmap={None: NS, "xsi": fmt.XSI_NS})
        root.set(
            f"{{{fmt.XSI_NS}}}schemaLocation",
            f"{NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
        )
        etree.SubElement(root, f"{{{NS}}}responseDate").text = to_datestamp(self.now)
        request = etree.SubElement(root, f"{{{NS}}}request")
        request.text = self.base_url
        try:
            verb, args = check_arguments(params)
            body = getattr(self, verb)(args)
        except OaiError as error:
            if error.code not in ("badVerb", "badArgument"):
                _echo(request, params)
            element = etree.SubElement(root, f"{{{NS}}}error", code=error.code)
            element.text = error.message
        else:
            _echo(request, params)
            if isinstance(body, str):  # a list page, built as text: spliced in, not re-parsed
                head = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
                return b"".join((head[: -len(CLOSE)], body.encode(), CLOSE))
            root.append(body)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    # verbs ---------------------------------------------------------------------------
    def Identify(self, args) -> etree._Element:  # noqa: N802 - verb names are the protocol's
        body = _el("Identify")
        earliest = self.visible.aggregate(m=Min("datestamp"))["m"]
        for tag, text in (
            ("repositoryName", settings.NODE_NAME),
            ("baseURL", self.base_url),
            ("protocolVersion", "2.0"),
            ("adminEmail", options.value("OAI_ADMIN_EMAIL")),
            ("earliestDatestamp", to_datestamp(earliest) if earliest else "1970-01-01T00:00:00Z"),
            ("deletedRecord", "persistent"),
            ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ):
            _sub(body, tag, text)
        body.append(self._identifier_description())
        return body

    def _identifier_description(self) -> etree._Element:
        ns = "http://www.openarchives.org/OAI/2.0/oai-identifier"
        description = _el("description")
        ident = etree.SubElement(description, f"{{{ns}}}oai-identifier", nsmap={None: ns})
        ident.set(
            f"{{{fmt.XSI_NS}}}schemaLocation",
            f"{ns} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
        )
        for tag, text in (
            ("scheme", "oai"),
            ("repositoryIdentifier", self.repository_id),
            ("delimiter", ":"),
            ("sampleIdentifier", f"oai:{self.repository_id}:1"),
        ):
            etree.SubElement(ident, f"{{{ns}}}{tag}").text = text
        return description

    def ListMetadataFormats(self, args) -> etree._Element:  # noqa: N802
        available = list(self.formats.values())
        if "identifier" in args:
            record = self._record(args["identifier"])
            available = [f for f in available if f.applies_to(record)]
        body = _el("ListMetadataFormats")
        for item in available:
            node = etree.SubElement(body, f"{{{NS}}}metadataFormat")
            _sub(node, "metadataPrefix", item.prefix)
            _sub(node, "schema", item.schema)
            _sub(node, "metadataNamespace", item.namespace)
        return body

    def ListSets(self, args) -> etree._Element:  # noqa: N802
        state = read_token(args["resumptionToken"], "ListSets", self.now) if args else {"cursor": 0}
        every = oai_sets.all_sets(self.visible)
        cursor = state["cursor"]
        body = _el("ListSets")
        for spec, name in every[cursor : cursor + PAGE_SIZE]:
            node = etree.SubElement(body, f"{{{NS}}}set")
            _sub(node, "setSpec", spec)
            _sub(node, "setName", fmt.clean(name) or spec)
        more = cursor + PAGE_SIZE < len(every)
        state = {"verb": "ListSets", "cursor": cursor + PAGE_SIZE}
        self._token(body, state if more else None, cursor, len(every), bool(args))
        return body

    def GetRecord(self, args) -> etree._Element:  # noqa: N802
        record = self._record(args["identifier"])
        prefix = self._prefix(args["metadataPrefix"])
        if not self.formats[prefix].applies_to(record):
            raise OaiError("cannotDisseminateFormat", f"This record is not available as {prefix}.")
        item = self._record_xml(record, prefix)
        return etree.fromstring(f'<GetRecord xmlns="{NS}">{item}</GetRecord>', LIST_PARSER)

    def ListIdentifiers(self, args) -> str:  # noqa: N802
        return self._list("ListIdentifiers", args)

    def ListRecords(self, args) -> str:  # noqa: N802
        return self._list("ListRecords", args)

    # helpers -------------------------------------------------------------------------
    def _prefix(self, prefix: str) -> str:
        if prefix not in self.formats:
            raise OaiError(
                "cannotDisseminateFormat",
                f"Unknown metadataPrefix {prefix}; see ListMetadataFormats.",
            )
        return prefix

    def _record(self, identifier: str) -> Record:
        prefix = f"oai:{self.repository_id}:"
        number = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
        record = None
        if re.fullmatch(r"[1-9][0-9]{0,17}", number, re.ASCII):
            record = self.visible.select_related("source", "library").filter(pk=int(number)).first()
        if record is None:
            raise OaiError("idDoesNotExist", f"No record has the identifier {identifier}.")
        return record

    def _list(self, verb: str, args: dict) -> str:
        """One page of a list as XML text (every value escaped where it is written)."""
        resumed = "resumptionToken" in args
        state = (
            read_token(args["resumptionToken"], verb, self.now)
            if resumed
            else self._new_state(verb, args)
        )
        if state.get("scope", self.scope) != self.scope:
            raise OaiError(
                "badResumptionToken", "This resumption token was issued to someone else."
            )
        matching = self._matching(state)
        # Keyset: after (last_ts, last_id). The redundant ``datestamp >= last_ts`` lets the
        # (datestamp, id) index seek to the page instead of scanning from the first record.
        after = (
            Q(datestamp__gte=state["last_ts"])
            & (
                Q(datestamp__gt=state["last_ts"])
                | Q(datestamp=state["last_ts"], id__gt=state["last_id"])
            )
            if state.get("last_id")
            else Q()
        )
        page = list_rows(
            matching.filter(after).order_by("datestamp", "id"), verb, state["prefix"],
            self.page_size,
        )  # fmt: skip
        if not page and not resumed:
            raise OaiError("noRecordsMatch", "No records match these arguments.")
        more, page = len(page) > self.page_size, page[: self.page_size]
        render = self._record_xml if verb == "ListRecords" else self._header_xml
        items = "".join(render(record, state["prefix"]) for record in page)
        total = state.get("total")
        if total is None:
            total = state["total"] = matching.count()
        if more:
            last = page[-1]
            state = {
                **state,
                "last_ts": last.datestamp.isoformat(),
                "last_id": last.pk,
                "cursor": state["cursor"] + len(page),
            }
        token = self._token_xml(
            state if more else None,
            state["cursor"] - (len(page) if more else 0),
            total,
            resumed,
        )
        return f"<{verb}>{items}{token}</{verb}>"

    def _new_state(self, verb: str, args: dict) -> dict:
        prefix = self._prefix(args["metadataPrefix"])
        state = {
            "verb": verb,
            "prefix": prefix,
            "cursor": 0,
            "set": args.get("set", ""),
            "scope": self.scope,
        }
        granularities = set()
        for name, end in (("from", False), ("until", True)):
            if name in args:
                value, granularity = parse_datestamp(args[name], end=end)
                granularities.add(granularity)
                state[name] = value.isoformat()
        if len(granularities) > 1:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if "from" in state and "until" in state and state["from"] > state["until"]:
            raise OaiError("badArgument", "from is later than until.")
        return state

    def _matching(self, state: dict):
        records = self.visible
        if state.get("from"):
            records = records.filter(datestamp__gte=state["from"])
        if state.get("until"):
            records = records.filter(datestamp__lte=state["until"])
        if state.get("set"):
            records = records.filter(set_specs__contains=f"|{state['set']}|")
        if state["prefix"] == "marc21":
            records = records.filter(format__in=fmt.MARC_FORMATS)
        return records

    def _token(self, body, state: dict | None, cursor: int, total: int, resumed: bool) -> None:
        if state is None and not resumed:
            return
        token = etree.SubElement(
            body, f"{{{NS}}}resumptionToken", cursor=str(cursor), completeListSize=str(total)
        )
        if state is not None:
            value, expires = issue_token(state, self.now)
            token.text = value
            token.set("expirationDate", to_datestamp(expires))

    def _token_xml(self, state: dict | None, cursor: int, total: int, resumed: bool) -> str:
        """``_token`` as XML text, for list pages built as text."""
        if state is None and not resumed:
            return ""
        attributes = f'cursor="{cursor}" completeListSize="{total}"'
        if state is None:
            return f"<resumptionToken {attributes}/>"
        value, expires = issue_token(state, self.now)
        return (
            f'<resumptionToken {attributes} expirationDate="{to_datestamp(expires)}">'
            f"{escape(value)}</resumptionToken>"
        )

    def _header_xml(self, record: Record, _prefix: str = "") -> str:
        """A record's header as XML text (lists are rendered as text and parsed once: fast)."""
        status = ' status="deleted"' if record.deleted else ""
        specs = "".join(f"<setSpec>{escape(spec)}</setSpec>" for spec in record.sets)
        return (
            f"<header{status}><identifier>oai:{self.repository_xml}:{record.pk}</identifier>"
            f"<datestamp>{to_datestamp(record.datestamp)}</datestamp>{specs}</header>"
        )

    def _record_xml(self, record: Record, prefix: str) -> str:
        if record.deleted:
            return f"<record>{self._header_xml(record)}</record>"
        metadata = fmt.metadata_xml(prefix, record, self.node_url)
        return f"<record>{self._header_xml(record)}<metadata>{metadata}</metadata></record>"


LIST_PARSER = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
CLOSE = b"</OAI-PMH>"


def _el(tag: str) -> etree._Element:
    return etree.Element(f"{{{NS}}}{tag}")


def _sub(parent, tag: str, text: str) -> None:
    etree.SubElement(parent, f"{{{NS}}}{tag}").text = text


def _echo(request, params: dict[str, list[str]]) -> None:
    for key, values in params.items():
        if values and key in {
            "verb",
            "identifier",
            "metadataPrefix",
            "from",
            "until",
            "set",
            "resumptionToken",
        }:
            request.set(key, values[0])
