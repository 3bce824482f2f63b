"""Moving bytes at copy speed: each file is read once, hashed on the way and written once.

Hashing and writing overlap: ``copy_file`` reads into one of two reused buffers, hands it to a
hashing thread (``hashlib`` releases the GIL on large buffers) and writes it meanwhile, so on a
machine with two cores a copy with its checksum takes about as long as the slower of the two
(``cp`` followed by ``sha256sum`` does them one after the other).

No per-file fsync (a killed process loses nothing the kernel has accepted); callers flush the
whole target file system once with ``sync_folder`` before they record the work as done.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

BUFFER = 4 * 1024 * 1024
Progress = Callable[[int], None] | None


def _tmp(target: Path) -> Path:
    return target.with_name(f".part-{target.name}.{os.getpid()}")


def write_chunks(chunks: Iterable[bytes], target: Path, progress: Progress = None) -> tuple:
    """Write ``chunks`` to ``target`` (atomically: a temporary name, then a rename);
    return (size, sha256 hex)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp, digest, size = _tmp(target), hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
                if progress:
                    progress(len(chunk))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def read_chunks(stream: BinaryIO) -> Iterable[bytes]:
    """The stream's bytes in large chunks, through one reused buffer."""
    buffer = bytearray(BUFFER)
    view = memoryview(buffer)
    while n := stream.readinto(buffer):
        yield view[:n]


_hasher = ThreadPoolExecutor(1, thread_name_prefix="sha256")
SMALL = 64 * 1024  # below this a thread hand-off costs more than it saves


def copy_file(source: Path, target: Path, progress: Progress = None) -> tuple[int, str]:
    """Copy ``source`` to ``target`` hashing on the way (in a second thread); (size, sha256)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp, digest, size = _tmp(target), hashlib.sha256(), 0
    buffers = [bytearray(BUFFER), bytearray(BUFFER)]
    hashing = None
    try:
        with open(source, "rb", buffering=0) as stream, open(tmp, "wb", buffering=0) as out:
            turn = 0
            while n := stream.readinto(buffers[turn]):
                view = memoryview(buffers[turn])[:n]
                if hashing is not None:
                    hashing.result()  # the other buffer is free again
                if n < SMALL:
                    digest.update(view)
                    hashing = None
                else:
                    hashing = _hasher.submit(digest.update, view)
                _write_all(out, view)
                size += n
                if progress:
                    progress(n)
                turn ^= 1
            if hashing is not None:
                hashing.result()
        os.replace(tmp, target)
    except BaseException:
        if hashing is not None:
            hashing.exception()
        tmp.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def _write_all(out, view: memoryview) -> None:
    while view:
        written = out.write(view)
        view = view[written:]


def hash_file(path: Path, algorithms: Iterable[str], progress: Progress = None) -> dict:
    """Read ``path`` once and return {algorithm: hex digest} for each algorithm."""
    digests = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb", buffering=0) as stream:
        for chunk in read_chunks(stream):
            for digest in digests.values():
                digest.update(chunk)
            if progress:
                progress(len(chunk))
    return {name: digest.hexdigest() for name, digest in digests.items()}


def link_file(source: Path, target: Path) -> bool:
    """Hard-link ``source`` at ``target`` when both are on one file system; False if not."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def sync_folder(folder: Path) -> None:
    """Flush the file system holding ``folder`` to disk (syncfs; fsync of the folder when the
    C library has none)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if getattr(libc, "syncfs", None) is not None:
            libc.syncfs(fd)
        else:
            os.fsync(fd)
    finally:
        os.close(fd)
