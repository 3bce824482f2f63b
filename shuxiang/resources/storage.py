"""File storage behind one small interface: a local folder (embedded) or S3-compatible storage.

``settings.RESOURCES_STORAGE`` = {"BACKEND": dotted path, "OPTIONS": {...}} picks the backend
(chosen from ``SHUXIANG_STORAGE_BACKEND`` / ``SHUXIANG_S3_*``). Every ``save`` streams the bytes
once, computing size and SHA-256 on the way, and never rewrites what it was given.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.module_loading import import_string

CHUNK = 1024 * 1024
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,499}$")


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str


class HashingReader:
    """Wraps a readable stream; counts the bytes read and hashes them with SHA-256."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


class RangeReader:
    """The bytes of one stored range, read chunk by chunk from an open file or HTTP body.

    An iterator, but not a generator: an async response reads each chunk in a worker thread
    while a client disconnect may close it from another, so reading and closing take a lock
    and never overlap (a generator cannot be closed while another thread is inside it).
    """

    def __init__(self, raw: BinaryIO, length: int | None) -> None:
        self._raw = raw
        self._remaining = length
        self._lock = threading.Lock()
        self.closed = False

    def read_chunk(self) -> bytes:
        """The next chunk; b"" at the end or once closed (the handle is then closed)."""
        with self._lock:
            if self.closed:
                return b""
            wanted = CHUNK if self._remaining is None else min(CHUNK, self._remaining)
            data = self._raw.read(wanted) if wanted else b""
            if self._remaining is not None:
                self._remaining -= len(data)
        if not data:
            self.close()
        return data

    def close(self) -> None:
        """Close the handle (waiting for a read in progress on another thread to end)."""
        with self._lock:
            if not self.closed:
                self.closed = True
                self._raw.close()

    def __iter__(self) -> RangeReader:
        return self

    def __next__(self) -> bytes:
        chunk = self.read_chunk()
        if not chunk:
            raise StopIteration
        return chunk


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root (``..``, absolute paths, odd bytes)."""
    if not KEY_RE.match(key) or ".." in key.split("/") or "//" in key:
        raise ValueError(f"invalid storage key {key!r}")
    return key


class Storage:
    """The interface every backend implements."""

    def save(self, key: str, stream: BinaryIO) -> Stored:
        """Store the whole stream under ``key`` (replacing it); return size and SHA-256."""
        raise NotImplementedError

    def save_file(self, key: str, path: Path) -> Stored:
        """Store a finished local file under ``key``; the backend may move it instead of copying."""
        with open(path, "rb") as stream:
            return self.save(key, stream)

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> RangeReader:
        """The bytes ``start``..``end`` (inclusive; None = to the end), read in chunks."""
        raise NotImplementedError

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Iterate over the bytes ``start``..``end`` (inclusive; None = to the end) in chunks."""
        return self.open_range(key, start, end)

    def size(self, key: str) -> int:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def local_path(self, key: str) -> Path | None:
        """The file on local disk (for X-Sendfile/X-Accel-Redirect), or None."""
        return None

    def keys(self, prefix: str) -> Iterator[str]:
        """Every stored key under ``prefix`` (for finding orphans)."""
        raise NotImplementedError

    def sha256(self, key: str) -> str:
        """Re-read the stored bytes and return their SHA-256 (for ``verify``)."""
        digest = hashlib.sha256()
        for chunk in self.read_range(key):
            digest.update(chunk)
        return digest.hexdigest()


class LocalStorage(Storage):
    """Files in a folder (default ``SHUXIANG_DATA_DIR/media``); writes are atomic renames."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root or settings.MEDIA_ROOT).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, stream: BinaryIO) -> Stored:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob(f".part-{target.name}.*"):  # a killed save of this key
            stale.unlink(missing_ok=True)
        reader = HashingReader(stream)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".part-{target.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Stored(key, reader.size, reader.digest.hexdigest())

    def save_file(self, key: str, path: Path) -> Stored:
        """Hash the file, then move it into place (one rename; a copy across file systems)."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        try:
            os.replace(path, target)
        except OSError:  # another file system: copy (atomically) instead
            return super().save_file(key, path)
        return Stored(key, size, digest.hexdigest())

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> RangeReader:
        handle = open(self._path(key), "rb")  # noqa: SIM115 - the reader closes it
        handle.seek(start)
        return RangeReader(handle, None if end is None else end - start + 1)

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if base.is_dir():
            for path in base.rglob("*"):
                if path.is_file() and not path.name.startswith(".part-"):
                    yield path.relative_to(self.root).as_posix()


class S3Storage(Storage):
    """S3-compatible object storage through django-storages (boto3 underneath)."""

    def __init__(self, **options: str) -> None:
        from storages.backends.s3 import S3Storage as DjangoS3

        self.backend = DjangoS3(
            bucket_name=options["bucket"],
            endpoint_url=options.get("endpoint_url") or None,
            access_key=options.get("access_key") or None,
            secret_key=options.get("secret_key") or None,
            region_name=options.get("region") or None,
            default_acl=None,
            file_overwrite=True,
            querystring_auth=False,
        )

    def _object(self, key: str):
        return self.backend.bucket.Object(check_key(key))

    def save(self, key: str, stream: BinaryIO) -> Stored:
        reader = HashingReader(stream)
        self._object(key).upload_fileobj(reader)
        return Stored(key, reader.size, reader.digest.hexdigest())

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> RangeReader:
        span = f"bytes={start}-" if end is None else f"bytes={start}-{end}"
        if start == 0 and end is None:
            body = self._object(key).get()["Body"]
        else:
            body = self._object(key).get(Range=span)["Body"]
        return RangeReader(body, None if end is None else end - start + 1)

    def size(self, key: str) -> int:
        return self.backend.size(check_key(key))

    def exists(self, key: str) -> bool:
        return self.backend.exists(check_key(key))

    def delete(self, key: str) -> None:
        self.backend.delete(check_key(key))

    def keys(self, prefix: str) -> Iterator[str]:
        for item in self.backend.bucket.objects.filter(Prefix=prefix):
            yield item.key

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (setup and tests)."""
        bucket = self.backend.bucket
        client = bucket.meta.client
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if bucket.name not in existing:
            client.create_bucket(Bucket=bucket.name)


_instances: dict[str, Storage] = {}


def get_storage() -> Storage:
    """The configured backend (one instance per configuration)."""
    config = settings.RESOURCES_STORAGE
    cache_key = repr(sorted(config.get("OPTIONS", {}).items())) + config["BACKEND"]
    if cache_key not in _instances:
        backend = import_string(config["BACKEND"])
        _instances[cache_key] = backend(**config.get("OPTIONS", {}))
    return _instances[cache_key]
