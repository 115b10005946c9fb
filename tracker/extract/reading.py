"""An article's bytes to text: refuse what is not an article (empty, binary, not UTF-8, too large) with one
clear line, and strip HTML to its text. Pure apart from reading the one file."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

from tracker.errors import UserError

from .segment import wordset

__all__ = ["MAX_ARTICLE_BYTES", "decode_article", "read_article", "strip_html"]

# An article is tens of kilobytes; a book is a few megabytes. Anything larger is not one article, and reading
# it whole would make the extractor slow and memory-hungry for nothing.
MAX_ARTICLE_BYTES = 5 * 1024 * 1024

_HTML_HINT = re.compile(r"<(?:!doctype\s+html|html|head|body|p|div|article|section|br|h[1-6]|span|a\s)[\s>/]", re.I)
_BLOCK_TAGS = wordset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 article section header footer blockquote tr table pre hr figure"
)
_SKIP_TAGS = wordset("script style noscript template svg head")


class _TextOf(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def strip_html(markup: str) -> str:
    """The text of an HTML page: block elements become paragraphs, scripts and styles are dropped."""
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def looks_like_html(text: str) -> bool:
    return len(_HTML_HINT.findall(text[:20000])) >= 2


def decode_article(raw: bytes, name: str) -> tuple[str, bool]:
    """``(text, was_html)`` from an article's bytes; `UserError` on the ``file`` field otherwise."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"{name}: UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)", "file")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise UserError(f"{name}: binary data (a NUL byte at offset {nul}), not a text article", "file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(
            f"{name}: not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}); "
            "convert it first, e.g. iconv -f WINDOWS-1252 -t UTF-8",
            "file",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise UserError(f"{name}: empty: no text to extract from", "file")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise UserError(f"{name}: binary data ({controls} control characters), not a text article", "file")
    if looks_like_html(text):
        stripped = strip_html(text)
        if not stripped.strip():
            raise UserError(f"{name}: an HTML page with no text", "file")
        return stripped, True
    return text, False


def read_article(path: Path) -> tuple[str, bool]:
    """Read and check one article file (size first, so a huge file is never read whole)."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"{name}: cannot read: {exc.strerror or exc}", "file") from None
    if not path.is_file():
        raise UserError(f"{name}: not a file", "file")
    if size > MAX_ARTICLE_BYTES:
        raise UserError(
            f"{name}: too large for one article: {size} bytes (the limit is {MAX_ARTICLE_BYTES} bytes, 5 MB)", "file"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{name}: cannot read: {exc.strerror or exc}", "file") from None
    return decode_article(raw, name)
