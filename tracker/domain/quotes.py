"""Verbatim quote checks against a source's text. Pure functions, no I/O.

A quote is compared with the source under one documented normalisation (`normalise`), so that what differs
only in typography is the same quote, and nothing else is:

- Unicode compatibility forms are unified (NFKC): full-width letters, ligatures ("ﬁ"), "…" as "...", a
  non-breaking space as a space;
- every apostrophe and single quotation mark (’ ‘ ‚ ‛ ′ ʼ ` ´ ‹ ›) counts as ', every double quotation mark
  (“ ” „ ‟ ″ « ») as ", every dash and minus sign (‐ ‑ ‒ – — ― − ⁃) as -;
- invisible characters a web page leaves in copied text (soft hyphen, zero-width space and joiners, the
  byte-order mark) are dropped;
- every run of whitespace (spaces, line breaks, tabs: Python's ``\\s``) counts as one space, and leading and
  trailing whitespace is ignored.

Letters, digits, case and every other punctuation mark must match exactly: "unlikely" never matches
"likely" in another word's place. The quote is stored as given; only the comparison is normalised.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

__all__ = ["closest_passage", "find_quote", "fold_whitespace", "normalise"]

# Applied after NFKC (which has already turned full-width quotes and dashes into their ASCII forms).
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4\u2039\u203a", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63", "-"),
        **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", None),
    }
)


# Whether a text holds any character `_TYPOGRAPHY` changes: most texts hold none, and one search over the whole
# string is several times faster than `str.translate`'s look-up per character (a catalog import normalises
# every quote; profiled).
_TYPOGRAPHIC = re.compile("[" + "".join(f"\\U{code:08x}" for code in sorted(_TYPOGRAPHY)) + "]")


def fold_whitespace(text: str) -> str:
    """Every run of whitespace as one space, ends stripped. `str.split` splits at the characters `\\s` matches
    (both are `str.isspace`; tests/test_quotes.py compares them on every code point), in a fifth of the time of
    a regular expression's substitution."""
    return " ".join(text.split())


def normalise(text: str) -> str:
    """The form in which a quote and its source are compared (see the module's note)."""
    text = unicodedata.normalize("NFKC", text)
    if _TYPOGRAPHIC.search(text) is not None:
        text = text.translate(_TYPOGRAPHY)
    return fold_whitespace(text)


def find_quote(text: str, quote: str) -> bool:
    """True when ``quote`` occurs in ``text`` under `normalise`. An empty quote never does."""
    q = normalise(quote)
    return bool(q) and q in _normalised_source(text)


# A source's text is searched once per quote from it, and an import checks a source's quotes one after the other
# (each source's forecasts are one file): its normal form is remembered for the last few texts.
_normalised_source = functools.lru_cache(maxsize=8)(normalise)


def closest_passage(text: str, quote: str, margin: int = 0) -> str:
    """The passage of ``text`` (whitespace folded) that looks most like ``quote``, for error messages,
    as the source writes it (curly quotes and dashes kept), so the user sees what to copy.

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
