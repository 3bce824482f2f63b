"""Derivatives made from originals: thumbnails, video posters, page images, EPUB chapters.

Each maker reads the original through the storage interface (never writing to it) and stores
new files with their own keys. A maker raises ``Unavailable`` when a tool it needs is missing.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction

from shuxiang.resources.models import Resource, ResourceFile
from shuxiang.resources.sanitize import clean_chapter
from shuxiang.resources.storage import get_storage

THUMB_SIZE = (480, 480)
PAGE_WIDTH = 1200
MAX_PAGES = 400


class Unavailable(Exception):
    """A tool this derivative needs is not installed on this node."""


def jobs_for(resource: Resource) -> list[str]:
    """The derivative kinds a resource gets, from its type and its originals."""
    types = set(
        resource.files.filter(role=ResourceFile.Role.ORIGINAL).values_list(
            "content_type", flat=True
        )
    )
    kinds = []
    if any(t.startswith("image/") for t in types):
        kinds.append("thumbnails")
    if "application/pdf" in types:
        kinds.append("pages")
    if "application/epub+zip" in types:
        kinds.append("chapters")
    if any(t.startswith("video/") for t in types):
        kinds.append("poster")
    return kinds


def _originals(resource: Resource, prefix: str) -> list[ResourceFile]:
    return list(
        resource.files.filter(role=ResourceFile.Role.ORIGINAL, content_type__startswith=prefix)
    )


@contextmanager
def local_copy(key: str) -> Iterator[Path]:
    """A path to the original's bytes: the stored file itself, or a streamed temporary copy.

    Makers only read it, so a local original is used in place and never loaded whole.
    """
    storage = get_storage()
    path = storage.local_path(key)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "original"
        with open(copy, "wb") as out:
            for chunk in storage.read_range(key):
                out.write(chunk)
        yield copy


@transaction.atomic
def _replace(resource: Resource, role: str, made: list[tuple[str, bytes, str, str]]) -> int:
    """Store derivative files of ``role`` (name, bytes, content type, label), replacing old."""
    storage = get_storage()
    for old in resource.files.filter(role=role):
        storage.delete(old.key)
        old.delete()
    for order, (name, data, content_type, label) in enumerate(made):
        key = f"derivatives/{resource.library.code}/{resource.pk}/{role}/{order:04d}-{name}"
        stored = storage.save(key, io.BytesIO(data))
        ResourceFile.objects.create(
            resource=resource,
            role=role,
            order=order,
            key=key,
            filename=name,
            content_type=content_type,
            size=stored.size,
            sha256=stored.sha256,
            label=label,
        )
    return len(made)


def _jpeg(image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=82)
    return out.getvalue()


def make_thumbnails(resource: Resource) -> int:
    """A JPEG thumbnail of every image original (journal pages, photographs, paintings)."""
    from PIL import Image

    made = []
    for original in _originals(resource, "image/"):
        with local_copy(original.key) as path, Image.open(path) as image:
            image.thumbnail(THUMB_SIZE)
            made.append((f"thumb-{original.order}.jpg", _jpeg(image), "image/jpeg", ""))
    return _replace(resource, ResourceFile.Role.THUMBNAIL, made)


def attach_cover(resource: Resource, jpeg: bytes) -> int:
    """Store ``jpeg`` as the resource's thumbnail (a drawn cover for a book without images)."""
    return _replace(resource, ResourceFile.Role.THUMBNAIL, [("cover.jpg", jpeg, "image/jpeg", "")])


def make_pages(resource: Resource) -> int:
    """Page images of every PDF original (pypdfium2), at most MAX_PAGES pages."""
    import pypdfium2 as pdfium

    made = []
    for original in _originals(resource, "application/pdf"):
        with local_copy(original.key) as path:
            made += _pdf_pages(pdfium.PdfDocument(str(path)), MAX_PAGES - len(made), len(made))
    return _replace(resource, ResourceFile.Role.PAGE, made)


def _pdf_pages(document, limit: int, before: int) -> list[tuple[str, bytes, str, str]]:
    made = []
    try:
        for number in range(min(len(document), limit)):
            page = document[number]
            scale = PAGE_WIDTH / max(page.get_width(), 1)
            image = page.render(scale=min(scale, 4)).to_pil()
            label = str(before + len(made) + 1)
            made.append((f"page-{int(label):04d}.jpg", _jpeg(image), "image/jpeg", label))
    finally:
        document.close()
    return made


def make_chapters(resource: Resource) -> int:
    """EPUB → one cleaned HTML fragment per spine document, labelled from the table of contents."""
    import ebooklib
    from ebooklib import epub

    original = _originals(resource, "application/epub+zip")[0]
    with local_copy(original.key) as path:
        book = epub.read_epub(str(path), options={"ignore_ncx": False})
    titles = _toc_titles(book.toc)
    made = []
    for item_id, _linear in book.spine:
        item = book.get_item_with_id(item_id)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        if isinstance(item, epub.EpubNav):
            continue
        html, heading = clean_chapter(item.get_content())
        label = titles.get(item.get_name(), heading) or f"{len(made) + 1}"
        made.append((f"chapter-{len(made) + 1:03d}.html", html.encode(), "text/html", label))
    return _replace(resource, ResourceFile.Role.CHAPTER, made)


def _toc_titles(toc) -> dict[str, str]:
    titles: dict[str, str] = {}
    for entry in toc:
        if isinstance(entry, tuple):
            section, children = entry
            titles.setdefault(section.href.split("#")[0], section.title)
            titles.update({k: v for k, v in _toc_titles(children).items() if k not in titles})
        else:
            titles.setdefault(entry.href.split("#")[0], entry.title)
    return titles


def make_poster(resource: Resource) -> int:
    """A poster frame of the first video original (ffmpeg, when installed)."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise Unavailable("ffmpeg is not installed; no video poster is made")
    original = _originals(resource, "video/")[0]
    with local_copy(original.key) as source, tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "poster.jpg"
        command = [ffmpeg, "-v", "error", "-y", "-ss", "1", "-i", str(source)]
        command += ["-frames:v", "1", "-vf", "scale=640:-2", str(target)]
        result = subprocess.run(command, capture_output=True, timeout=300, check=False)
        if result.returncode != 0 or not target.exists():
            raise RuntimeError(f"ffmpeg failed: {result.stderr.decode(errors='replace')[-400:]}")
        data = target.read_bytes()
    return _replace(resource, ResourceFile.Role.POSTER, [("poster.jpg", data, "image/jpeg", "")])


MAKERS = {
    "thumbnails": make_thumbnails,
    "pages": make_pages,
    "chapters": make_chapters,
    "poster": make_poster,
}
