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
import time
from dataclasses import dataclass, field

import requests
from django.db import transaction
from django.utils import timezone
from lxml import etree

from shuxiang.catalog import services
from shuxiang.catalog.models import Source
from shuxiang.catalog.oai import fetch, mapping
from shuxiang.catalog.oai.formats import OAI_NS
from shuxiang.catalog.oai.tokens import to_datestamp
from shuxiang.core import options
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError

log = logging.getLogger(__name__)
RETRIES = 5
BACKOFF_SECONDS = 2.0
RESTARTS = 1


class HarvestFailed(Exception):
    """The provider could not be read completely, or answered with an OAI-PMH error."""


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

    def __init__(self, source: Source, *, session=None, backoff: float = BACKOFF_SECONDS):
        self.source = source
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "Shuxiang OAI-PMH harvester")
        self.backoff = backoff
        self.report = HarvestReport()
        self.restarts = 0

    def run(self, max_pages: int | None = None) -> HarvestReport:
        """Harvest until the list is complete (or ``max_pages`` pages, for tests and tasks)."""
        params: dict | None = self._first_params()
        while params is not None:
            page = self._fetch(params)
            error = page.error()
            if error is not None:
                params = self._on_error(error, params, page)
                continue
            token = self._store_page(page)
            self.report.pages += 1
            params = {"verb": "ListRecords", "resumptionToken": token} if token else None
            if params and max_pages and self.report.pages >= max_pages:
                return self.report
        self._complete()
        return self.report

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

    def _fetch(self, params: dict) -> fetch.Page:
        limit = float(options.value("HARVEST_RETRY_AFTER_MAX"))
        problem = ""
        for attempt in range(RETRIES):
            try:
                answer = fetch.get(self.session, self.source.base_url, params, limit=limit)
            except (requests.RequestException, OSError, fetch.PageError) as exc:
                problem, wait = str(exc), self.backoff * 2**attempt
            else:
                if isinstance(answer, fetch.Page):
                    return answer
                problem, wait = f"busy; asked to retry after {answer:.0f}s", answer
            log.warning("harvest %s: %s; retrying in %.1fs", self.source.key, problem, wait)
            if attempt + 1 < RETRIES:
                time.sleep(wait)
        self._fail(problem)
        raise HarvestFailed(
            f"{self.source.base_url} gave no complete answer in {RETRIES} attempts: {problem}"
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

    def _store_page(self, page: fetch.Page) -> str:
        """Store the page's records and the token after them in one transaction."""
        list_element = page.root.find(f"{{{OAI_NS}}}ListRecords")
        if list_element is None:
            raise HarvestFailed(f"{self.source.base_url} answered without ListRecords")
        records = list_element.findall(f"{{{OAI_NS}}}record")
        token = (list_element.findtext(f"{{{OAI_NS}}}resumptionToken") or "").strip()
        counts = self.report.encodings
        counts[page.encoding] = counts.get(page.encoding, 0) + len(records)
        with transaction.atomic():
            for position, element in enumerate(records, 1):
                try:
                    with transaction.atomic():
                        self._store(element, page.encoding)
                except (ValueError, ServiceError, etree.LxmlError, KeyError, IndexError) as exc:
                    self.report.note(f"page {self.report.pages + 1} record {position}: {exc}")
            self._remember_response_date(page)
            self.source.resumption_token = token
            self.source.save(update_fields=["resumption_token", "pending_datestamp"])
        return token

    def _store(self, element, encoding: str) -> None:
        identifier, datestamp, deleted, _specs = mapping.header_of(element)
        prefix = self.source.metadata_prefix
        if deleted:
            existing = self.source.records.filter(local_id=identifier).first()
            if existing is not None:
                services.delete_record(existing.pk, by=SYSTEM)
                self.report.deleted += 1
            return
        services.upsert_record(
            source=self.source,
            local_id=identifier,
            fmt=prefix if prefix != "shuxiang" else "native",
            payload=etree.tostring(element, encoding="unicode"),
            fields=mapping.fields_of(element, prefix),
            by=SYSTEM,
            source_datestamp=datestamp,
            encoding=encoding,
        )
        self.report.stored += 1

    def _complete(self) -> None:
        source = self.source
        source.last_datestamp = source.pending_datestamp or to_datestamp(timezone.now())
        source.resumption_token = source.pending_datestamp = ""
        source.last_harvest_at = timezone.now()
        source.last_error = ""
        source.save()


def harvest(source: Source, **options) -> HarvestReport:
    """Harvest ``source`` (run by the system: tasks and the CLI)."""
    return Harvester(
        source, **{k: v for k, v in options.items() if k in ("session", "backoff")}
    ).run(max_pages=options.get("max_pages"))
