"""Reduce an EPUB chapter (XHTML) to safe HTML: a whitelist of text tags, no attributes.

Scripts, styles, event handlers, links and embedded objects are dropped, so a chapter can be
shown inside a page without opening it to cross-site scripting.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

KEEP = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "br", "em", "strong", "b", "i", "ul", "ol", "li",
    "blockquote", "section", "div", "span", "sup", "sub", "ruby", "rt", "rp", "hr", "pre",
}  # fmt: skip
VOID = {"br", "hr"}
DROP_CONTENT = {"script", "style", "head", "title", "svg", "math", "iframe", "object", "template"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.open: list[str] = []
        self.heading: str = ""
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in DROP_CONTENT:
            self.skip_depth += 1
        elif not self.skip_depth and tag in KEEP:
            self.out.append(f"<{tag}>")
            if tag not in VOID:
                self.open.append(tag)
            self._in_heading = tag in HEADINGS and not self.heading

    def handle_startendtag(self, tag: str, attrs) -> None:
        if not self.skip_depth and tag in VOID:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_CONTENT:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif not self.skip_depth and tag in self.open:
            while self.open:
                last = self.open.pop()
                self.out.append(f"</{last}>")
                if last == tag:
                    break
            if tag in HEADINGS:
                self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.out.append(escape(data, quote=False))
        if self._in_heading:
            self.heading += data.strip()

    def result(self) -> str:
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def clean_chapter(content: bytes | str) -> tuple[str, str]:
    """Return (safe HTML of the chapter's body, text of its first heading)."""
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    cleaner = _Cleaner()
    cleaner.feed(text)
    cleaner.close()
    return cleaner.result().strip(), cleaner.heading
