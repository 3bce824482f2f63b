"""Text files people import (CSV, JSON, JSON Lines): UTF-8, or GB18030 from Chinese systems.

Every import opens its file through here, so a file in neither encoding is refused before any
row is read, with the field and the byte offset of the first bad byte, never a server error
and never a half-imported file.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from shuxiang.core.errors import ValidationFailed

ENCODINGS = ("utf-8-sig", "gb18030")  # tried in this order; GB18030 covers GBK and GB2312
CHUNK = 1 << 20


def _first_error(raw: BinaryIO, encoding: str) -> int | None:
    """The byte offset of the first byte ``raw`` cannot be decoded at, or None when it all can."""
    decoder = codecs.getincrementaldecoder(encoding)()
    raw.seek(0)
    offset = 0
    while True:
        chunk = raw.read(CHUNK)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return offset + exc.start
        if not chunk:
            return None
        offset += len(chunk)


def detect_encoding(raw: BinaryIO, field: str = "file") -> str:
    """The first of ENCODINGS the whole (seekable) file decodes in; ValidationFailed otherwise."""
    offsets = []
    for encoding in ENCODINGS:
        offset = _first_error(raw, encoding)
        if offset is None:
            raw.seek(0)
            return encoding
        offsets.append(offset)
    reason = _(
        "The file is neither UTF-8 nor GB18030 text (the first undecodable byte is at offset %d)."
    ) % min(offsets)
    raise ValidationFailed.single(field, reason, "encoding")


def text_stream(raw: BinaryIO, field: str = "file") -> io.TextIOWrapper:
    """A text stream over a seekable binary file, in the encoding it was checked to be in."""
    return io.TextIOWrapper(raw, encoding=detect_encoding(raw, field), newline="")


@contextmanager
def open_text(path: str | Path, field: str = "file") -> Iterator[io.TextIOWrapper]:
    """Open a local file for import (``with open_text(path) as stream: ...``)."""
    with open(path, "rb") as raw, text_stream(raw, field) as stream:
        yield stream
