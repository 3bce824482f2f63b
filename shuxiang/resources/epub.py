"""Building EPUB 3 books (ebooklib) from plain chapters: used by the demo and the tests."""

from __future__ import annotations

import tempfile
from html import escape
from pathlib import Path


def build_epub(
    title: str,
    author: str,
    chapters: list[tuple[str, str]],
    *,
    identifier: str,
    language: str = "zh",
) -> bytes:
    """An EPUB with one XHTML document per (chapter title, text); paragraphs split on newlines."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(identifier)
    book.set_title(title)
    book.set_language(language)
    book.add_author(author)
    items = []
    for number, (heading, text) in enumerate(chapters, start=1):
        item = epub.EpubHtml(title=heading, file_name=f"chap_{number:03d}.xhtml", lang=language)
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line)
        item.content = f"<h2>{escape(heading)}</h2>{paragraphs}"
        book.add_item(item)
        items.append(item)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.epub"
        epub.write_epub(str(path), book)
        return path.read_bytes()
