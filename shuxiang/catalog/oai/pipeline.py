"""Fetching a list's pages ahead of storing them (流水线): a bounded producer and consumer.

Only the provider knows a list's next page (its resumption token), so pages are asked for one
after the other; but nothing makes the harvest wait for a page to be stored before asking for
the next. ``PageStream`` asks for the pages of one list on its own thread, parses each, reads
its token and asks for the following page at once; a second thread reads each parsed page's
records (``prepare``: no database), so that asking for pages goes at the pace of fetching and
parsing alone. Pages go from one thread to the next, and to the consumer, in the list's order
through queues of at most ``LOOKAHEAD`` pages (bounded: a slow database does not pile up the
whole list in memory). The consumer (the harvester's thread, the only one using the database)
stores them and saves each page's token with its records; pages fetched ahead of a failure or
a kill were never marked as harvested, so they are simply asked for again.

The stream ends after a page without a token, after an OAI error page (the consumer decides
what follows: a restart is a new stream), after ``max_pages`` pages, or with the exception that
stopped the fetching thread (raised in the consumer).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

LOOKAHEAD = 4  # parsed pages waiting to be stored
_END = object()
PUT_WAIT = 0.25  # seconds between checks that the consumer still listens


class PageStream:
    """Iterate ``(page, params asked, token, prepared)`` of one list; use as a context manager
    (``prepared``: what ``prepare`` made of the page on the fetching thread, None after an error
    page or without ``prepare``)."""

    def __init__(
        self, harvester, params: dict, limit: float, max_pages: int | None = None, *, prepare=None
    ):
        self.harvester, self.params, self.limit, self.max_pages = (
            harvester, params, limit, max_pages,
        )  # fmt: skip
        self.prepare = prepare  # page -> what the consumer needs of it (here, off its thread)
        self.pages: queue.Queue = queue.Queue(maxsize=LOOKAHEAD)
        self.fetched: queue.Queue = queue.Queue(maxsize=LOOKAHEAD)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._produce, name="harvest-fetch", daemon=True)
        self.preparer = threading.Thread(target=self._prepare, name="harvest-read", daemon=True)

    def __enter__(self) -> PageStream:
        self.thread.start()
        self.preparer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()  # the thread ends at its next page (a request under way finishes)

    def __iter__(self) -> Iterator[tuple]:
        while True:
            item = self.pages.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _produce(self) -> None:
        params, fetched = self.params, 0
        try:
            while params and not self.stopped.is_set():
                page, asked = self.harvester._answer(params, self.limit)
                failed = page.error() is not None
                token = "" if failed else self.harvester._token_of(page)
                fetched += 1
                self._put((page, asked, token, failed), self.fetched)
                if not token or (self.max_pages and fetched >= self.max_pages):
                    break
                params = {"verb": "ListRecords", "resumptionToken": token}
            self._put(_END, self.fetched)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(exc, self.fetched)

    def _prepare(self) -> None:
        while not self.stopped.is_set():
            try:
                item = self.fetched.get(timeout=PUT_WAIT)
            except queue.Empty:
                continue
            if isinstance(item, tuple):
                page, asked, token, failed = item
                read = None if failed or self.prepare is None else self.prepare
                try:
                    item = (page, asked, token, read(page) if read else None)
                except BaseException as exc:
                    item = exc
            self._put(item, self.pages)
            if not isinstance(item, tuple):
                return

    def _put(self, item, into: queue.Queue) -> None:
        while not self.stopped.is_set():
            try:
                into.put(item, timeout=PUT_WAIT)
                return
            except queue.Full:
                continue
