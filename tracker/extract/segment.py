"""Paragraphs, sentences and clauses of a text, each as offsets into it, so that a quote cut from a sentence
is the text's own characters (the verbatim check then passes unchanged)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Paragraph", "Sentence", "clauses", "paragraphs", "sentences", "wordset"]


def wordset(text: str) -> frozenset[str]:
    """The words of ``text``: word lists kept readable in the source."""
    return frozenset(text.split())


# Lines that are only whitespace (non-breaking spaces included) separate paragraphs.
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
# A dash or bullet opening a paragraph marks an interview turn (question or answer).
_LEAD = re.compile(r"^[^\S\n]*([–—•\-*])[^\S\n]+")
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# Words that end with a full stop without ending a sentence.
_ABBREVIATIONS = wordset(
    """mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep rev no vs etc e.g i.e al fig approx dept est inc
    ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec mt ft"""
)
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
    """Blocks between blank lines; a line that ends a sentence also ends a paragraph (many copies of articles
    put one paragraph on each line, without blank lines between them)."""
    out: list[Paragraph] = []
    pos = 0
    bounds: list[tuple[int, int]] = []
    for m in _BLANK_LINES.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    for start, end in bounds:
        line_start = start
        block = text[start:end]
        for m in re.finditer(r"\n", block):
            cut = start + m.start()
            before = text[line_start:cut].rstrip()
            after = text[cut + 1 : end].lstrip()
            if before and before[-1] in ".!?:" + _CLOSERS and after[:1] and not after[:1].islower():
                _add(out, text, line_start, cut)
                line_start = cut + 1
        _add(out, text, line_start, end)
    return out


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
    word = re.search(r"[\w.]*$", text[:dot])
    token = (word.group(0) if word else "") + "."
    if _INITIALISM.search(token):
        return False
    return token.rstrip(".").lower() not in _ABBREVIATIONS


def sentences(text: str, paras: list[Paragraph] | None = None) -> list[Sentence]:
    """Sentences of each paragraph: a stop (. ! ? …), any closing quotes, whitespace, then a capital, a digit,
    a dash or an opening quote."""
    out: list[Sentence] = []
    for p in paras if paras is not None else paragraphs(text):
        start = p.start
        for m in re.finditer(r"[.!?…]+([" + re.escape(_CLOSERS) + r"]*)\s+", text[p.start : p.end]):
            stop = p.start + m.start()
            nxt = p.start + m.end()
            follower = text[nxt : nxt + 2]
            if not follower or not (
                follower[0].isupper()
                or follower[0].isdigit()
                or follower[0] in "–—•"
                or (follower[0] in _OPENERS and follower[1:2].isupper())
            ):
                continue
            last_stop = p.start + m.start() + len(m.group(0).rstrip()) - len(m.group(1)) - 1
            if not _ends_sentence(text, last_stop if text[last_stop] in ".!?…" else stop):
                continue
            end = p.start + m.start() + len(m.group(0).rstrip())
            _sentence(out, text, start, end, p.index)
            start = nxt
        _sentence(out, text, start, p.end, p.index)
    return out


def _sentence(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
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
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(sentence):
        out.append((start, len(sentence)))
    return out or [(0, len(sentence))]
