"""Pulling a bag from the parent node over HTTP with Range (资源推送 by network).

The offer names the bag's top-level (tag) files and the sha256 of its tag manifest. The puller
fetches the tag files first and checks them (the tag manifest against the offer, every other
tag file against the tag manifest), then each payload file of ``manifest-sha256.txt``: into
``<dest>.partial/<path>``, resuming a partial file with ``Range: bytes=N-`` (``If-Range``
guards against a file that changed meanwhile), hashing on the way, and moving the file into
``<dest>/<path>`` only once its sha256 matches the manifest. A cut link is retried with
backoff; a killed process resumes from the partial files (a lock file keeps a second puller
out). Bytes pass a shared token bucket (the configured bandwidth) and a transfer pauses when
the off-hours window closes. The whole bag is verified by the caller (``bagcheck.verify_bag``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests
from django.utils.translation import gettext as _

from shuxiang.core.errors import Conflict, ValidationFailed
from shuxiang.distribution import batch
from shuxiang.distribution.throttle import TokenBucket

CHUNK = 64 * 1024
TAGMANIFEST = "tagmanifest-sha256.txt"
MANIFEST = "manifest-sha256.txt"


class Paused(Exception):
    """The off-hours window closed; the transfer stops cleanly and resumes later."""


class Stalled(Exception):
    """No byte arrived for longer than the stall limit; the transfer resumes on a later run."""


class Refused(Exception):
    """The parent refused a file (4xx): the offer was withdrawn or never covered it."""

    def __init__(self, path: str, status: int, text: str) -> None:
        super().__init__(f"{path}: HTTP {status} {text}".strip())
        self.path, self.status = path, status


@dataclass
class FileSpec:
    path: str
    sha256: str
    size: int | None = None


@dataclass
class Offer:
    """What the parent offers: where the files are and what the tag manifest hashes to."""

    files_url: str
    tagmanifest_sha256: str
    top: list[str]
    payload_bytes: int = 0
    file_count: int = 0
    token: str = ""
    batch_url: str = ""  # between peers: many files per request (``batch``)


@dataclass
class Progress:
    done_bytes: int = 0
    total_bytes: int = 0
    files_done: int = 0
    files_total: int = 0
    current: str = ""
    extra: dict = field(default_factory=dict)


def decode_path(path: str) -> str:
    """A manifest path with %0D, %0A and %25 decoded (RFC 8493 §2.1.3)."""
    for code, char in (("%0D", "\r"), ("%0d", "\r"), ("%0A", "\n"), ("%0a", "\n")):
        path = path.replace(code, char)
    return path.replace("%25", "%")


def read_manifest(path: Path) -> dict[str, str]:
    """{path: sha256} of a manifest file already checked against its own checksum."""
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _sep, name = line.strip().partition(" ")
        if digest:
            entries[decode_path(name.strip())] = digest.lower()
    return entries


def safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and all(p not in ("", ".", "..") for p in parts) and "\\" not in path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class Puller:
    """One bag's pull into ``dest``; ``run()`` returns when every file is in place."""

    def __init__(
        self,
        offer: Offer,
        dest: Path,
        *,
        bucket: TokenBucket | None = None,
        is_open: Callable[[], bool] = lambda: True,
        on_progress: Callable[[Progress], None] | None = None,
        session: requests.Session | None = None,
        stall_seconds: float = 600,
        connections: int = 2,
        timeout: float = 20,
    ) -> None:
        self.offer, self.dest = offer, Path(dest)
        self.partial = self.dest.with_name(self.dest.name + ".partial")
        self.bucket = bucket or TokenBucket(0)
        self.is_open, self.on_progress = is_open, on_progress
        self.session = session or requests.Session()
        if offer.token:
            self.session.headers["Authorization"] = f"Offer {offer.token}"
        self.stall_seconds, self.connections, self.timeout = stall_seconds, connections, timeout
        self.progress = Progress(total_bytes=offer.payload_bytes, files_total=offer.file_count)
        self._last_byte = time.monotonic()
        self._last_report = 0.0
        self._lock = threading.Lock()
        self._stop = False

    # -- the whole bag ---------------------------------------------------------------------

    def run(self) -> Progress:
        self.dest.mkdir(parents=True, exist_ok=True)
        self.partial.mkdir(parents=True, exist_ok=True)
        with open(self.dest.with_name(self.dest.name + ".lock"), "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Conflict.single(
                    "transfer", _("Another process is pulling this package."), "busy"
                ) from None
            payload = self._fetch_tags()
            self._count_done(payload)
            pending = [spec for spec in payload if not (self.dest / spec.path).exists()]
            self._pull_all(pending)
        self._report(force=True)
        return self.progress

    def _pull_all(self, pending: list[FileSpec]) -> None:
        """Pull on ``connections`` threads; progress is reported from this (the calling)
        thread only, so a callback may use the database connection of the caller."""
        with ThreadPoolExecutor(max(self.connections, 1)) as pool:
            if self.offer.batch_url:
                groups = batch.groups(pending, self.connections)
                futures = [pool.submit(batch.fetch, self, group) for group in groups]
            else:
                futures = [pool.submit(self._fetch_payload, spec) for spec in pending]
            try:
                while not_done := [f for f in futures if not f.done()]:
                    wait(not_done, timeout=0.5, return_when=FIRST_EXCEPTION)
                    if any(f.done() and f.exception() for f in futures):
                        break
                    self._report()
            finally:
                self._stop = True
                for future in futures:
                    future.cancel()
        for future in futures:
            if future.done() and not future.cancelled() and future.exception():
                raise future.exception()

    def _fetch_tags(self) -> list[FileSpec]:
        """Fetch and check the tag files; the payload files to pull, from the manifest."""
        if TAGMANIFEST not in self.offer.top or MANIFEST not in self.offer.top:
            raise ValidationFailed.single(
                "offer", _("The offer lists no sha256 manifest and tag manifest."), "offer"
            )
        self._fetch(FileSpec(TAGMANIFEST, self.offer.tagmanifest_sha256), count=False)
        tags = read_manifest(self.dest / TAGMANIFEST)
        for name in self.offer.top:
            if name == TAGMANIFEST or not safe_relative(name) or "/" in name:
                continue
            self._fetch(FileSpec(name, tags.get(name, "")), count=False)
        manifest = read_manifest(self.dest / MANIFEST)
        unsafe = [path for path in manifest if not safe_relative(path)]
        if unsafe or not all(path.startswith("data/") for path in manifest):
            raise ValidationFailed.single(
                MANIFEST, _("The manifest names a path outside data/."), "unsafe_path"
            )
        self.progress.files_total = len(manifest)
        return [FileSpec(path, digest) for path, digest in sorted(manifest.items())]

    def _count_done(self, payload: list[FileSpec]) -> None:
        for spec in payload:
            target = self.dest / spec.path
            if target.exists():
                self.progress.files_done += 1
                self.progress.done_bytes += target.stat().st_size
            else:
                part = self.partial / spec.path
                if part.exists():
                    self.progress.done_bytes += part.stat().st_size

    def _fetch_payload(self, spec: FileSpec) -> None:
        if self._stop:
            raise Paused()
        self._fetch(spec, count=True)

    # -- one file, resumable -------------------------------------------------------------

    def _fetch(self, spec: FileSpec, *, count: bool) -> None:
        """Bring one file into ``dest`` (verified), retrying cut connections with backoff."""
        target, part = self.dest / spec.path, self.partial / spec.path
        if target.exists() and (count or not spec.sha256 or sha256_of(target) == spec.sha256):
            return
        part.parent.mkdir(parents=True, exist_ok=True)
        delay, mismatches = 0.5, 0
        while True:
            if not self.is_open():
                raise Paused()
            try:
                digest = self._download(spec, part, count)
            except requests.RequestException as error:
                if time.monotonic() - self._last_byte > self.stall_seconds:
                    raise Stalled(str(error)) from error
                time.sleep(delay)
                delay = min(delay * 2, 10)
                continue
            if not spec.sha256 or digest == spec.sha256:
                break
            mismatches += 1
            if count:
                self._add(-part.stat().st_size)
            part.unlink()
            if mismatches >= 2:
                raise ValidationFailed.single(
                    spec.path,
                    _("The file arrived twice with a checksum other than the manifest's."),
                    "checksum",
                )
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, target)
        if count:
            with self._lock:
                self.progress.files_done += 1

    def _download(self, spec: FileSpec, part: Path, count: bool) -> str:
        """Append the missing bytes to ``part``; the sha256 of the whole part file."""
        digest, have = hashlib.sha256(), part.stat().st_size if part.exists() else 0
        headers = {}
        if have:
            headers["Range"] = f"bytes={have}-"
        url = self.offer.files_url.rstrip("/") + "/" + quote(spec.path, safe="/")
        with self.session.get(url, headers=headers, stream=True, timeout=self.timeout) as reply:
            if reply.status_code == 416 and have:
                return _hash_into(digest, part)  # complete already
            if 400 <= reply.status_code < 500 and reply.status_code not in (408, 429):
                raise Refused(spec.path, reply.status_code, reply.text[:300])
            reply.raise_for_status()
            start = reply.headers.get("Content-Range", "").partition(" ")[2].partition("-")[0]
            if have and (reply.status_code != 206 or start != str(have)):  # start over
                if count:
                    self._add(-have)
                have = 0
                if reply.status_code == 206:
                    part.unlink()
                    raise requests.ConnectionError("the server answered another range")
            mode = "ab" if have else "wb"
            with open(part, mode) as out:
                if have:
                    _hash_into(digest, part)
                for chunk in reply.iter_content(CHUNK):
                    self.bucket.take(len(chunk))
                    out.write(chunk)
                    digest.update(chunk)
                    self._last_byte = time.monotonic()
                    if count:
                        self._add(len(chunk))
                    if self._stop or not self.is_open():
                        out.flush()
                        raise Paused()
        return digest.hexdigest()

    def _add(self, count: int) -> None:
        with self._lock:
            self.progress.done_bytes += count

    def _report(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.on_progress and (force or now - self._last_report >= 0.5):
            self._last_report = now
            self.on_progress(self.progress)


def _hash_into(digest, path: Path) -> str:
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
