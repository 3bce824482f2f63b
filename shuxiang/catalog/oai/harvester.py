"""The OAI-PMH harvester: incremental, resumable, patient with failing and sloppy servers.

Progress is saved after every page (the resumption token and the ``from`` it belongs to), so a
crash or a kill resumes where it stopped; when the harvest completes, the next one starts
from the response date of this one. Each bad record is logged and skipped; the page goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

import requests
from django.db import transaction
from django.utils import timezone
from lxml import etree

from shuxiang.catalog import services
from shuxiang.catalog.models import Source
from shuxiang.catalog.oai import mapping
from shuxiang.catalog.oai.formats import OAI_NS
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError

log = logging.getLogger(__name__)
RETRIES = 4
BACKOFF_SECONDS = 2.0


class HarvestFailed(Exception):
    """The provider could not be reached or answered with an OAI-PMH error."""


@dataclass
class HarvestReport:
    pages: int = 0
    stored: int = 0
    deleted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.failed += 1
        if len(self.errors) < 100:
            self.errors.append(message)
        log.warning("harvest: %s", message)


def parse_page(content: bytes) -> etree._Element:
    """Parse a response, repairing bad encodings and broken markup instead of giving up."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        text = content.decode("utf-8", errors="replace")
        text = text.split("?>", 1)[1] if text.lstrip().startswith("<?xml") else text
        recover = etree.XMLParser(
            no_network=True, resolve_entities=False, recover=True, huge_tree=True
        )
        root = etree.fromstring(text.encode("utf-8"), recover)
        if root is None:
            raise HarvestFailed("the response is not XML") from None
        return root


class Harvester:
    """Harvest one source; ``client`` is a sickle.Sickle (made from the source by default)."""

    def __init__(self, source: Source, *, client=None, backoff: float = BACKOFF_SECONDS):
        from sickle import Sickle

        self.source = source
        self.client = client or Sickle(
            source.base_url, max_retries=2, default_retry_after=5, timeout=60
        )
        self.backoff = backoff
        self.report = HarvestReport()

    def run(self, max_pages: int | None = None) -> HarvestReport:
        """Harvest until the list is complete (or ``max_pages`` pages, for tests and tasks)."""
        started = timezone.now()
        params = self._first_params()
        while params is not None:
            root = self._fetch(params)
            error = root.find(f"{{{OAI_NS}}}error")
            if error is not None:
                params = self._on_error(error, params)
                continue
            token = self._store_page(root)
            self._save_progress(token)
            self.report.pages += 1
            params = {"verb": "ListRecords", "resumptionToken": token} if token else None
            if params and max_pages and self.report.pages >= max_pages:
                return self.report
        self._complete(started)
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
        source.harvest_from = source.last_datestamp
        source.save(update_fields=["harvest_from"])
        return params

    def _fetch(self, params: dict) -> etree._Element:
        for attempt in range(RETRIES):
            try:
                response = self.client.harvest(**params)
                return parse_page(response.http_response.content)
            except (requests.RequestException, OSError) as exc:
                wait = self.backoff * 2**attempt
                log.warning("harvest %s: %s; retrying in %.1fs", self.source.key, exc, wait)
                self._fail(str(exc))
                time.sleep(wait)
        raise HarvestFailed(f"{self.source.base_url} did not answer after {RETRIES} attempts")

    def _fail(self, message: str) -> None:
        Source.objects.filter(pk=self.source.pk).update(last_error=message[:2000])

    def _on_error(self, error, params: dict) -> dict | None:
        code = error.get("code")
        if code == "noRecordsMatch":
            return None
        if code == "badArgument" and "T" in params.get("from", ""):
            return {**params, "from": params["from"][:10]}  # a day-granularity provider
        if code == "badResumptionToken" and "resumptionToken" in params:
            log.warning(
                "harvest %s: token refused, restarting from %s",
                self.source.key,
                self.source.harvest_from,
            )
            self.source.resumption_token = ""
            self.source.last_datestamp = self.source.harvest_from
            return self._first_params()
        self._fail(f"{code}: {error.text}")
        raise HarvestFailed(f"{self.source.base_url} answered {code}: {error.text}")

    def _store_page(self, root) -> str:
        records = root.findall(f"{{{OAI_NS}}}ListRecords/{{{OAI_NS}}}record")
        with transaction.atomic():
            for position, element in enumerate(records, 1):
                try:
                    with transaction.atomic():
                        self._store(element)
                except (ValueError, ServiceError, etree.LxmlError, KeyError, IndexError) as exc:
                    self.report.note(f"page {self.report.pages + 1} record {position}: {exc}")
        token = root.findtext(f"{{{OAI_NS}}}ListRecords/{{{OAI_NS}}}resumptionToken") or ""
        return token.strip()

    def _store(self, element) -> None:
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
        )
        self.report.stored += 1

    def _save_progress(self, token: str) -> None:
        self.source.resumption_token = token
        self.source.save(update_fields=["resumption_token"])

    def _complete(self, started) -> None:
        self.source.last_datestamp = started.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.source.resumption_token = ""
        self.source.last_harvest_at = timezone.now()
        self.source.last_error = ""
        self.source.save()


def harvest(source: Source, **options) -> HarvestReport:
    """Harvest ``source`` (run by the system: tasks and the CLI)."""
    return Harvester(
        source, **{k: v for k, v in options.items() if k in ("client", "backoff")}
    ).run(max_pages=options.get("max_pages"))
