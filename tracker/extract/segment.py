"""Paragraphs, sentences and clauses of a text, each as offsets into it, so that a quote cut from a sentence
is the text's own characters (the verbatim check then passes unchanged)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LONGEST_SENTENCE", "Paragraph", "Sentence", "clauses", "paragraphs", "sentences", "wordset"]


def wordset(text: str) -> frozenset[str]:
    """The words of ``text``: word lists kept readable in the source."""
    return frozenset(text.split())


# Lines that are only whitespace (non-breaking spaces included) separate paragraphs.
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
# A dash or bullet opening a paragraph marks an interview turn (question or answer).
_LEAD = re.compile(r"^[^\S\n]*([–—•\-*])[^\S\n]+")
_CLOSERS = "\"'”’»)]"
# Longer stretches without a sentence end are cut (see _sentence).
LONGEST_SENTENCE = 1500
_NEWLINE = re.compile(r"\n")
_NON_SPACE = re.compile(r"\S")
# A line that ends in one of these ends its sentence; one that ends in a continuing mark does not.
_SENTENCE_END = frozenset(".!?:…" + _CLOSERS)
_CONTINUES = frozenset(",;–—-(&/")
# Hard wrapping: a full line is at least this share of the widest, and the widest at most _WRAP_MAX.
_FULL = 0.7
_WRAP_MAX = 100
_OPENERS = "\"'“‘«(["
# Words that end with a full stop without ending a sentence.
_ABBREVIATIONS = wordset(
    """mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep rev no vs etc e.g i.e al fig approx dept est inc
    ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec mt ft"""
)
_LONGEST_WORD = 40
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.){1,4}$")


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int
    lead: str  # "dash", "bullet" or "" (how the paragraph opens)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int


def paragraphs(text: str) -> list[Paragraph]:
    """Blocks between blank lines, cut again at each line break that ends a sentence: after a stop, and
    after a line without one (a headline, a sub-headline, a dateline) unless the block is hard-wrapped
    text and the line is a full one. Many copies of articles put one paragraph on each line."""
    out: list[Paragraph] = []
    pos = 0
    bounds: list[tuple[int, int]] = []
    for m in _BLANK_LINES.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    for start, end in bounds:
        lines: list[tuple[int, int]] = []  # (start, end) of each line, trailing whitespace left out
        line_start = start
        for m in _NEWLINE.finditer(text, start, end):
            lines.append((line_start, line_start + len(text[line_start : m.start()].rstrip())))
            line_start = m.end()
        lines.append((line_start, end))
        width = _wrap_width([b - a for a, b in lines])
        cut_from = start
        for (a, b), (c, _) in zip(lines, lines[1:], strict=False):
            nxt = _NON_SPACE.search(text, c, end)
            if b <= a or nxt is None or nxt.group(0).islower():
                continue
            last = text[b - 1]
            if last in _SENTENCE_END or (last not in _CONTINUES and not (width and b - a >= _FULL * width)):
                _add(out, text, cut_from, b)
                cut_from = c
        _add(out, text, cut_from, end)
    return out


def _wrap_width(lengths: list[int]) -> int:
    """The width a block was hard-wrapped at, or 0 when it was not: at least three lines come within
    ``_FULL`` of its longest one, which is an ordinary line's width (a wrapped line is rarely over 100)."""
    if len(lengths) < 3:
        return 0
    widest = max(lengths)
    if widest > _WRAP_MAX:
        return 0
    return widest if sum(1 for n in lengths if n >= _FULL * widest) >= 3 else 0


def _add(out: list[Paragraph], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    if not chunk.strip():
        return
    lead = ""
    m = _LEAD.match(chunk)
    if m:
        lead = "bullet" if m.group(1) in "•*" else "dash"
        start += m.end()
    else:
        start += len(chunk) - len(chunk.lstrip())
    end = start + len(text[start:end].rstrip())
    out.append(Paragraph(len(out), start, end, lead))


def _ends_sentence(text: str, dot: int) -> bool:
    """Whether the stop at ``dot`` ends a sentence (not an abbreviation or an initialism like "U.S.")."""
    if text[dot] != ".":
        return True
    # The word before the stop, found by walking back (a search over text[:dot] would make the whole text
    # quadratic in its length).
    start = dot
    while start > 0 and dot - start < _LONGEST_WORD and (text[start - 1].isalnum() or text[start - 1] in "._"):
        start -= 1
    token = text[start:dot] + "."
    if _INITIALISM.search(token):
        return False
    return token.rstrip(".").lower() not in _ABBREVIATIONS


def sentences(text: str, paras: list[Paragraph] | None = None) -> list[Sentence]:
    """Sentences of each paragraph: a stop (. ! ? …), any closing quotes, whitespace, then a capital, a digit,
    a dash or an opening quote."""
    out: list[Sentence] = []
    for p in paras if paras is not None else paragraphs(text):
        start = p.start
        quoted = _quoted_spans(text, p.start, p.end)
        q = 0
        for m in _STOP.finditer(text[p.start : p.end]):
            stop = p.start + m.start()
            nxt = p.start + m.end()
            while q < len(quoted) and quoted[q][1] <= nxt:
                q += 1  # the stops only move forward, and so does this
            if q < len(quoted) and quoted[q][0] < stop:
                # Inside a quotation that closes later in the paragraph: the quotation stays one sentence, with
                # the attribution after it ("...," said X), the way a reader takes it.
                continue
            if not _stop_ends_sentence(text, p.start, m):
                continue
            end = p.start + m.start() + len(m.group(0).rstrip())
            _sentence(out, text, start, end, p.index)
            start = nxt
        _sentence(out, text, start, p.end, p.index)
    return out


_STOP = re.compile(r"[.!?…]+([" + re.escape(_CLOSERS) + r"]*)\s+")


def _stop_ends_sentence(text: str, offset: int, m: re.Match[str]) -> bool:
    """Whether the stop ``m`` (found in text[offset:]) ends a sentence: a capital, a digit, a dash or an opening
    quote and a capital follows, and the stop is not an abbreviation's."""
    stop = offset + m.start()
    nxt = offset + m.end()
    follower = text[nxt : nxt + 2]
    if not follower or not (
        follower[0].isupper()
        or follower[0].isdigit()
        or follower[0] in "–—•"
        or (follower[0] in _OPENERS and follower[1:2].isupper())
    ):
        return False
    last_stop = offset + m.start() + len(m.group(0).rstrip()) - len(m.group(1)) - 1
    return _ends_sentence(text, last_stop if text[last_stop] in ".!?…" else stop)


def inner_sentences(sentence: str) -> list[int]:
    """Where a sentence kept whole (a quotation of several sentences with its attribution) has sentences of its
    own: the offset each one after the first starts at. Empty for an ordinary sentence."""
    return [
        m.end() for m in _STOP.finditer(sentence) if m.end() < len(sentence) and _stop_ends_sentence(sentence, 0, m)
    ]


_QUOTE_MARKS = re.compile(r"[“”\"]")
# A quotation longer than this is not kept in one sentence (the bound keeps sentences short).
_LONGEST_QUOTATION = 600


def _quoted_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(open, close)`` offsets of the quotations of ``text[start:end]`` that close in it."""
    out: list[tuple[int, int]] = []
    opened: int | None = None
    for m in _QUOTE_MARKS.finditer(text, start, end):
        mark = m.group(0)
        if opened is None and mark != "”":
            opened = m.start()
        elif opened is not None and mark != "“":
            if m.start() - opened <= _LONGEST_QUOTATION:
                out.append((opened, m.start()))
            opened = None
    return out


def _sentence(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > LONGEST_SENTENCE:
        # No sentence is this long: text without stops (a table, a list, a dump) is cut at a space, so
        # that the work per sentence, and so per megabyte, stays bounded.
        space = text.rfind(" ", start + LONGEST_SENTENCE // 2, start + LONGEST_SENTENCE)
        cut = space if space > start else start + LONGEST_SENTENCE
        _sentence(out, text, start, cut, paragraph)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append(Sentence(len(out), start, end, text[start:end], paragraph))


# Where one clause ends and the next begins: semicolons, colons, spaced dashes, and a comma before a
# conjunction that opens a clause.
_CLAUSE_BREAK = re.compile(
    r"\s*[;:]\s+|\s+[–—]\s+|,\s+(?=(?:and|but|while|whereas|since|because|as|although|though|so|yet|or|"
    r"unless|until|before|after|when|if)\b)",
    re.I,
)


def clauses(sentence: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the clauses of one sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    # A sentence of a quotation kept whole ends its clause as any sentence does.
    breaks = sorted(
        [(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(sentence)] + [(i, i) for i in inner_sentences(sentence)]
    )
    for b_start, b_end in breaks:
        if b_start > start:
            out.append((start, b_start))
        start = max(start, b_end)
    if start < len(sentence):
        out.append((start, len(sentence)))
    return out or [(0, len(sentence))]
