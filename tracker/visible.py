"""Text made safe to show: the one rule for which characters are escaped before text reaches a terminal or a
hand-read file (a draft's comments and values).

Below every layer (like tracker.words), so the command line (`tracker.cli.render.safe_text`) and the extractor's
drafts escape the same characters the same way."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = [
    "ALWAYS_UNSAFE",
    "FORMULA_STARTS",
    "NEUTRAL_PREFIX",
    "neutralise",
    "restore_neutralised",
    "unsafe",
    "visible",
]

# Characters a terminal acts on instead of showing, or that reorder what is shown: C0 controls, DEL, C1
# controls (U+009B alone is a CSI on many terminals), the Arabic letter mark, LRM/RLM, the bidi embeddings
# and overrides, the line and paragraph separators, the bidi isolates, and lone surrogates (which cannot even
# be encoded for output). Tab (\x09) and newline (\x0a) are listed apart because long text may keep them.
ALWAYS_UNSAFE = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


@lru_cache(maxsize=4)
def unsafe(allow: str = "") -> re.Pattern[str]:
    """The characters `visible` escapes, keeping those of ``allow`` (newline and/or tab)."""
    if allow.strip("\n\t"):
        raise ValueError("only newline and tab may be allowed")
    unless_allowed = "".join(code for ch, code in (("\t", r"\t"), ("\n", r"\n")) if ch not in allow)
    return re.compile("[" + unless_allowed + ALWAYS_UNSAFE + "]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, allow: str = "") -> str:
    """``text`` with every character of `unsafe` replaced by a visible escape (``\\x1b``, ``\\u202e``, ``\\n``),
    so that a reader sees something odd is there and a terminal never acts on it."""
    pattern = unsafe("".join(sorted(set(allow))))
    return text if pattern.search(text) is None else pattern.sub(_escape, text)


# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection"). CSV exports and
# the read commands' ``--format csv`` prefix such text cells with an apostrophe, and also any text cell that
# starts with an apostrophe itself, so that `tracker.app.export.read_csv` can remove exactly one leading
# apostrophe and get the text back unchanged. Numbers, times and booleans are never touched: a negative number
# stays a number. Here, below every layer, so that both write the same rule.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRAL_PREFIX = "'"


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, NEUTRAL_PREFIX)):
        return NEUTRAL_PREFIX + value
    return value


def restore_neutralised(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(NEUTRAL_PREFIX):
        return value[len(NEUTRAL_PREFIX) :]
    return value
