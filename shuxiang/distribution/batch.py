"""Many bag files in one signed request (push between peers without a request per file).

A bag of scanned pages holds thousands of files of ~250 kB; one HTTP request each costs the
sender a signature check, a nonce and a pass through Django for every 100 ms of a 20 Mbit/s
line, which a loaded node cannot keep up with. So the puller asks for files in groups:
``POST …/batch`` with ``{"files": [[path, offset], …]}`` (at most ``MAX_FILES``), and the answer
is one stream of ``<offset> <length> <path>\\n`` and then those ``length`` bytes, file after
file (``offset`` > 0 resumes a partial file, as ``Range`` would). The puller checks each file
against the manifest as it completes it; a cut stream leaves the files it finished in place
and the one it was writing as a partial file, which the next request resumes from its size.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from shuxiang.core.errors import ValidationFailed

MAX_FILES = 64
CHUNK = 1024 * 1024


def parse_request(data: object) -> list[tuple[str, int]]:
    """The (path, offset) pairs of a batch request body; ValidationFailed naming the field."""
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not 0 < len(files) <= MAX_FILES:
        raise ValidationFailed.single(
            "files", _("List 1 to %(n)s [path, offset] pairs.") % {"n": MAX_FILES}, "invalid"
        )
    out = []
    for number, pair in enumerate(files):
        ok = isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
        ok = ok and "\n" not in pair[0] and type(pair[1]) is int and 0 <= pair[1] < 2**62
        if not ok:
            raise ValidationFailed.single(
                f"files.{number}", _("Give [path, offset] (offset: bytes already held)."), "invalid"
            )
        out.append((pair[0], pair[1]))
    return out


class BatchReader:
    """The answer stream: header line and bytes of each file in turn (thread-safe like the
    resources app's ``RangeReader``: reading and closing never overlap)."""

    def __init__(self, files: list[tuple[str, Path, int]]) -> None:
        self._files = list(files)  # (path, file, offset), all checked by the caller
        self._handle: BinaryIO | None = None
        self._left = 0
        self._lock = threading.Lock()
        self.closed = False

    def _next_file(self) -> bytes:
        path, target, offset = self._files.pop(0)
        handle = open(target, "rb")  # noqa: SIM115 - closed at its end or by close()
        size = handle.seek(0, 2)
        offset = min(offset, size)
        handle.seek(offset)
        self._handle, self._left = handle, size - offset
        return f"{offset} {size - offset} {path}\n".encode()

    def read_chunk(self) -> bytes:
        with self._lock:
            if self.closed:
                return b""
            if self._handle is not None and self._left == 0:
                self._handle.close()
                self._handle = None
            if self._handle is None:
                if not self._files:
                    self.closed = True
                    return b""
                return self._next_file()
            data = self._handle.read(min(CHUNK, self._left))
            if not data:  # the file shrank: end the stream, the client sees it short
                self._close()
                return b""
            self._left -= len(data)
            return data

    def _close(self) -> None:
        self.closed = True
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def close(self) -> None:
        with self._lock:
            self._close()

    def __iter__(self) -> BatchReader:
        return self

    def __next__(self) -> bytes:
        chunk = self.read_chunk()
        if not chunk:
            raise StopIteration
        return chunk


class StreamReader:
    """Reads the batch stream on the puller's side: header lines and exact byte counts."""

    def __init__(self, chunks) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def _more(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._buffer += chunk
                return True
        return False

    def header(self) -> tuple[int, int, str] | None:
        """(offset, length, path) of the next file, or None at the end of the stream."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > 8192 or not self._more():
                if self._buffer:
                    raise ConnectionError("the batch stream ended inside a header")
                return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        offset, length, path = line.decode("utf-8").split(" ", 2)
        return int(offset), int(length), path

    def body(self, length: int):
        """The next ``length`` bytes, in pieces; ConnectionError when the stream is cut."""
        while length > 0:
            if not self._buffer and not self._more():
                raise ConnectionError("the batch stream was cut")
            piece, self._buffer = self._buffer[:length], self._buffer[length:]
            length -= len(piece)
            yield piece


def groups(specs: list, connections: int = 1) -> list[list]:
    """The files to pull, in requests of at most 32 files, and at least four requests per
    connection when there are files enough (so that no connection idles at the end)."""
    size = max(1, min(32, len(specs) // (max(connections, 1) * 4)))
    return [specs[start : start + size] for start in range(0, len(specs), size)]


def fetch(puller, specs: list) -> None:
    """Bring every file of ``specs`` into the puller's bag, retrying a cut stream with
    backoff (the files already complete are not asked for again; a partial one resumes)."""
    import requests

    from shuxiang.distribution.transfer import Paused, Stalled

    delay, mismatches = 0.5, {}
    while specs := [s for s in specs if not (puller.dest / s.path).exists()]:
        if puller._stop or not puller.is_open():
            raise Paused()
        try:
            _one_request(puller, specs, mismatches)
            delay = 0.5
        except (requests.RequestException, ConnectionError) as error:
            if time.monotonic() - puller._last_byte > puller.stall_seconds:
                raise Stalled(str(error)) from error
            time.sleep(delay)
            delay = min(delay * 2, 10)


def _one_request(puller, specs: list, mismatches: dict) -> None:
    from shuxiang.distribution.transfer import Refused

    have = {s.path: _size(puller.partial / s.path) for s in specs}
    body = {"files": [[s.path, have[s.path]] for s in specs]}
    with puller.session.post(
        puller.offer.batch_url, json=body, stream=True, timeout=puller.timeout
    ) as reply:
        if 400 <= reply.status_code < 500 and reply.status_code not in (408, 429):
            raise Refused(specs[0].path, reply.status_code, reply.text[:300])
        reply.raise_for_status()
        stream = StreamReader(reply.iter_content(64 * 1024))
        by_path = {s.path: s for s in specs}
        while (head := stream.header()) is not None:
            offset, length, path = head
            if path not in by_path:
                raise ConnectionError(f"the batch stream sent a file not asked for: {path}")
            _receive(puller, by_path[path], offset, length, have[path], stream, mismatches)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _receive(puller, spec, offset: int, length: int, have: int, stream, mismatches) -> None:
    """Write one file of the stream into its partial file; move it into the bag if whole."""
    import hashlib
    import os

    from shuxiang.distribution.transfer import Paused, _hash_into

    part = puller.partial / spec.path
    if offset != have:  # the partial file is longer than the file itself: start it over
        part.unlink(missing_ok=True)
        puller._add(-have)
        raise ConnectionError(f"{spec.path}: the partial file is longer than the file")
    part.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    if offset:
        _hash_into(digest, part)
    with open(part, "ab" if offset else "wb") as out:
        for piece in stream.body(length):
            puller.bucket.take(len(piece))
            out.write(piece)
            digest.update(piece)
            puller._last_byte = time.monotonic()
            puller._add(len(piece))
            if puller._stop or not puller.is_open():
                out.flush()
                raise Paused()
    if digest.hexdigest() != spec.sha256:
        puller._add(-(offset + length))
        part.unlink()
        mismatches[spec.path] = mismatches.get(spec.path, 0) + 1
        if mismatches[spec.path] >= 2:
            raise ValidationFailed.single(
                spec.path,
                _("The file arrived twice with a checksum other than the manifest's."),
                "checksum",
            )
        return
    target = puller.dest / spec.path
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    with puller._lock:
        puller.progress.files_done += 1
