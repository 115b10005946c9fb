"""Verbatim quote checks against a source's text. Pure functions, no I/O.

The comparison is strict: characters must match exactly, curly and straight quotes included, except that
every run of whitespace (spaces, line breaks, tabs, non-breaking spaces: Python's ``\\s``) counts as one
space and leading/trailing whitespace is ignored. So a quote may be copied across the line breaks of a
source file, but a straight apostrophe does not match the source's curly one: copy what the file says.
"""

from __future__ import annotations

import difflib
import re

__all__ = ["closest_passage", "find_quote", "fold_whitespace"]

_WS = re.compile(r"\s+")


def fold_whitespace(text: str) -> str:
    """Every run of whitespace as one space, ends stripped."""
    return _WS.sub(" ", text).strip()


def find_quote(text: str, quote: str) -> bool:
    """True when ``quote`` occurs in ``text`` verbatim, whitespace runs folded. An empty quote never does."""
    q = fold_whitespace(quote)
    return bool(q) and q in fold_whitespace(text)


def closest_passage(text: str, quote: str, margin: int = 0) -> str:
    """The passage of ``text`` (whitespace folded) that looks most like ``quote``, for error messages.

    Anchored on the longest common run of characters, then widened to whole words, about the quote's
    length (plus ``margin`` characters each side). Empty when there is nothing in common.
    """
    t = fold_whitespace(text)
    q = fold_whitespace(quote)
    if not t or not q:
        return ""
    matcher = difflib.SequenceMatcher(None, q, t, autojunk=False)
    m = matcher.find_longest_match(0, len(q), 0, len(t))
    if m.size == 0:
        return ""
    start = max(0, m.b - m.a - margin)
    end = min(len(t), start + len(q) + 2 * margin)
    # widen to word boundaries
    while start > 0 and not t[start - 1].isspace():
        start -= 1
    while end < len(t) and not t[end].isspace():
        end += 1
    return t[start:end]
