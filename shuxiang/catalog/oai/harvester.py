"""The OAI-PMH harvester: incremental, resumable, patient with failing and sloppy servers.

Rules (each tested against recorded responses and a fault-injecting server):

- the OAI body is read whatever the HTTP status (Zenodo answers errors with 422);
  ``noRecordsMatch`` is a successful harvest of zero records;
- a page is stored completely or not at all: a body that does not parse completely, is not
  ``OAI-PMH`` (an HTML login or error page), or does not arrive is retried with backoff
  (``Retry-After`` of a 503/429 is honoured, capped); when the retries run out the harvest
  fails and the source keeps the token of its last good page and its old datestamp;
- each page's records and the token that follows them commit in one transaction, so a kill at
  any moment resumes from the last good page and re-stores nothing twice;
- ``badResumptionToken`` restarts the list from the last complete datestamp;
- the next incremental harvest starts from the ``responseDate`` of the first page of the last
  complete list (the provider's clock, not ours).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field

import requests
from django.db import transaction
from django.utils import timezone
from lxml import etree

from shuxiang.catalog import bulkstore
from shuxiang.catalog.models import Source
from shuxiang.catalog.oai import fetch, mapping
from shuxiang.catalog.oai.formats import OAI_NS
from shuxiang.catalog.oai.pipeline import PageStream
from shuxiang.catalog.oai.tokens import to_datestamp
from shuxiang.core import options

log = logging.getLogger(__name__)
RETRIES = 5
BACKOFF_SECONDS = 2.0
RESTARTS = 1
SWITCH_SECONDS = 0.0005  # interpreter lock hand-over while harvesting (default 0.005)


class HarvestFailed(Exception):
    """The provider could not be read completely, or answered with an OAI-PMH error."""

    def __init__(self, message: str, problem: str = ""):
        super().__init__(message)
        self.problem = problem or message


@dataclass
class HarvestReport:
    pages: int = 0
    stored: int = 0
    deleted: int = 0
    failed: int = 0
    encodings: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.failed += 1
        if len(self.errors) < 100:
            self.errors.append(message)
        log.warning("harvest: %s", message)


def parse_page(content: bytes) -> etree._Element:
    """The root of a complete OAI-PMH response (``fetch.PageError`` otherwise)."""
    return fetch.parse(content).root


class Harvester:
    """Harvest one source over HTTP (``session`` is a requests.Session, made by default)."""

    def __init__(
        self, source: Source, *, session=None, backoff: float = BACKOFF_SECONDS, progress=None
    ):
        self.source = source
        self.progress = progress  # called after each stored page: (records on it, list size)
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "Shuxiang OAI-PMH harvester")
        self.backoff = backoff
        self.report = HarvestReport()
        self.restarts = 0
        self.libraries = bulkstore.Libraries()
        self.batch = bulkstore.IndexBatch(source)

    def run(self, max_pages: int | None = None) -> HarvestReport:
        """Harvest until the list is complete (or ``max_pages`` pages, for tests and tasks).

        Pages are fetched and parsed ahead by a thread (``PageStream``: at most ``LOOKAHEAD``
        pages waiting, in the list's order) while this thread reads their records and stores
        them (the database is used from this thread only); a page's token is saved only with
        its records, so pages fetched ahead and not stored are simply asked for again.
        """
        bulkstore.repair_index(self.source)
        limit = float(options.value("HARVEST_RETRY_AFTER_MAX"))
        params = self._first_params()
        switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_SECONDS)  # the fetching thread's socket reads each wait
        try:  # for the interpreter lock: at the default 5 ms, a page's reads wait longer
            while params:  # than the server takes to write it
                params = self._follow(params, limit, max_pages)
        finally:
            sys.setswitchinterval(switch)
        if params is None:
            self.batch.flush()
            self._complete()
        return self.report

    def _follow(self, params: dict, limit: float, max_pages: int | None):
        """Store the pages of one list; the parameters to list again with (after an OAI
        error that allows it), None when the list is complete, False when stopped."""
        left = max_pages - self.report.pages if max_pages else None
        with PageStream(self, params, limit, left, prepare=self._prepare) as stream:
            for page, asked, token, (items, problems) in self._checked(stream):
                error = page.error()
                if error is not None:
                    return self._on_error(error, asked, page)
                for message in problems:
                    self.report.note(f"page {self.report.pages + 1} {message}")
                self._store_page(page, items, token)
                self.report.pages += 1
                if self.progress is not None:
                    self.progress(len(items), _list_size(page))
                if token and max_pages and self.report.pages >= max_pages:
                    self.batch.flush()
                    return False
        return None

    def _checked(self, stream: PageStream):
        """The stream's pages; a failure to read one is noted on the source, then raised."""
        try:
            for page, asked, token, prepared in stream:
                yield page, asked, token, prepared or ([], [])
        except HarvestFailed as exc:
            self._fail(str(exc.problem))
            raise

    def _token_of(self, page: fetch.Page) -> str:
        """The resumption token after a list page ("" at the end); runs in the fetching
        thread, as the next page is asked for with it."""
        list_element = page.root.find(f"{{{OAI_NS}}}ListRecords")
        if list_element is None:
            raise HarvestFailed(f"{self.source.base_url} answered without ListRecords")
        return (list_element.findtext(f"{{{OAI_NS}}}resumptionToken") or "").strip()

    def _first_params(self) -> dict:
        source = self.source
        if source.resumption_token:
            return {"verb": "ListRecords", "resumptionToken": source.resumption_token}
        params = {"verb": "ListRecords", "metadataPrefix": source.metadata_prefix}
        if source.last_datestamp:
            params["from"] = source.last_datestamp
        if source.set_spec:
            params["set"] = source.set_spec
        source.harvest_from, source.pending_datestamp = source.last_datestamp, ""
        source.save(update_fields=["harvest_from", "pending_datestamp"])
        return params

    def _answer(self, params: dict, limit: float) -> tuple[fetch.Page, dict]:
        problem = ""
        for attempt in range(RETRIES):
            try:
                answer = fetch.get(self.session, self.source.base_url, params, limit=limit)
            except (requests.RequestException, OSError, fetch.PageError) as exc:
                problem, wait = str(exc), self.backoff * 2**attempt
            else:
                if isinstance(answer, fetch.Page):
                    return answer, params
                problem, wait = f"busy; asked to retry after {answer:.0f}s", answer
            log.warning("harvest %s: %s; retrying in %.1fs", self.source.key, problem, wait)
            if attempt + 1 < RETRIES:
                time.sleep(wait)
        raise HarvestFailed(
            f"{self.source.base_url} gave no complete answer in {RETRIES} attempts: {problem}",
            problem=problem,
        )

    def _fail(self, message: str) -> None:
        Source.objects.filter(pk=self.source.pk).update(last_error=message[:2000])

    def _on_error(self, error, params: dict, page: fetch.Page) -> dict | None:
        code = error.get("code")
        if code == "noRecordsMatch":
            self._remember_response_date(page)
            return None
        if code == "badArgument" and "T" in params.get("from", ""):
            return {**params, "from": params["from"][:10]}  # a day-granularity provider
        if code == "badResumptionToken" and "resumptionToken" in params:
            return self._restart(error)
        self._fail(f"{code}: {error.text}")
        raise HarvestFailed(f"{self.source.base_url} answered {code}: {error.text}")

    def _restart(self, error) -> dict:
        """The provider forgot our token: list again from the last complete datestamp."""
        if self.restarts >= RESTARTS:
            self._fail(f"badResumptionToken: {error.text}")
            raise HarvestFailed(f"{self.source.base_url} refused a fresh resumption token")
        self.restarts += 1
        source = self.source
        log.warning(
            "harvest %s: token refused, restarting from %r", source.key, source.harvest_from
        )
        source.resumption_token, source.last_datestamp = "", source.harvest_from
        source.save(update_fields=["resumption_token", "last_datestamp"])
        return self._first_params()

    def _remember_response_date(self, page: fetch.Page) -> None:
        if not self.source.pending_datestamp:
            self.source.pending_datestamp = page.response_date() or to_datestamp(timezone.now())

    def _prepare(self, page: fetch.Page) -> tuple[list, list[str]]:
        """On the fetching thread: the page's records read and their fields cleaned (pure
        Python, no database), so that this thread does it while the other waits on SQL."""
        items, problems = self._items_of(page)
        bulkstore.clean(items)
        return items, problems

    def _items_of(self, page: fetch.Page) -> tuple[list, list[str]]:
        """The page's records, parsed, and a problem for each record that cannot be read
        (its place in the list holds None)."""
        records = page.root.find(f"{{{OAI_NS}}}ListRecords").findall(f"{{{OAI_NS}}}record")
        items, problems = [], []
        for position, element in enumerate(records, 1):
            try:
                items.append(self._incoming(element))
            except (ValueError, etree.LxmlError, KeyError, IndexError) as exc:
                items.append(None)
                problems.append(f"record {position}: {exc}")
        return items, problems

    def _incoming(self, element) -> bulkstore.Incoming:
        prefix = self.source.metadata_prefix
        if prefix == "shuxiang":
            return _native_incoming(element)
        identifier, datestamp, deleted, _specs = mapping.header_of(element)
        item = bulkstore.Incoming(local_id=identifier, deleted=deleted, source_datestamp=datestamp)
        if deleted:
            return item
        item.fmt = prefix
        item.payload = etree.tostring(element, encoding="unicode")
        item.fields = mapping.fields_of(element, prefix)
        return item

    def _store_page(self, page: fetch.Page, items: list, token: str) -> None:
        """Store the page's records and the token after them in one transaction."""
        counts = self.report.encodings
        counts[page.encoding] = counts.get(page.encoding, 0) + len(items)
        readable = [item for item in items if item is not None]
        positions = [n for n, item in enumerate(items, 1) if item is not None]
        with transaction.atomic():
            bulkstore.commit_without_waiting()
            result = bulkstore.store_page(
                self.source,
                readable,
                encoding=page.encoding,
                libraries=self.libraries,
                batch=self.batch,
            )
            self._remember_response_date(page)
            self.source.resumption_token = token
            self.source.save(update_fields=["resumption_token", "pending_datestamp"])
        self.report.stored += result.stored
        self.report.deleted += result.deleted
        for position, reason in result.problems:
            where = f"page {self.report.pages + 1} record {positions[position - 1]}"
            self.report.note(f"{where}: {reason}")

    def _complete(self) -> None:
        source = self.source
        source.last_datestamp = source.pending_datestamp or to_datestamp(timezone.now())
        source.resumption_token = source.pending_datestamp = ""
        source.last_harvest_at = timezone.now()
        source.last_error = ""
        source.save()


def _native_incoming(element) -> bulkstore.Incoming:
    """A record of the native format (a Shuxiang node's), read in one pass.

    Its payload stays empty, as for the records a node makes itself: every element of the
    native format that a node keeps has its column (the provider writes the format from the
    columns), so a copy of the XML would be stored and never read."""
    identifier, datestamp, deleted, fields, extras = mapping.native_record(element)
    item = bulkstore.Incoming(local_id=identifier, deleted=deleted, source_datestamp=datestamp)
    if deleted:
        return item
    item.fmt, item.fields = "native", fields
    item.library_code = extras["library"]
    item.access_policy = extras["accessPolicy"] or item.access_policy
    item.holding_node, item.holding_url = extras["holdingNode"], extras["landingPage"]
    return item


def _list_size(page: fetch.Page) -> int | None:
    """The ``completeListSize`` a page's resumption token announces, when it does."""
    token = page.root.find(f"{{{OAI_NS}}}ListRecords/{{{OAI_NS}}}resumptionToken")
    size = token.get("completeListSize", "") if token is not None else ""
    return int(size) if size.isascii() and size.isdigit() and len(size) < 12 else None


def harvest(source: Source, **options) -> HarvestReport:
    """Harvest ``source`` (run by the system: tasks and the CLI)."""
    return Harvester(
        source, **{k: v for k, v in options.items() if k in ("session", "backoff")}
    ).run(max_pages=options.get("max_pages"))
