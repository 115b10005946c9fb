"""A catalog's YAML read line by line, for the plain block style a catalog is written in; anything else is left to
libyaml.

Why: libyaml builds a node object (a Python call) and two position marks for each of a catalog's 640,000 scalars,
and the loader then walks those nodes again to make the values: about a quarter of a 10k-question import
(BENCHMARKS.md). A catalog is block mappings and sequences of one-line scalars, one entry per line, so each line
can be read with one regular expression into the value the strict loader would give.

What this reader takes (`load`), giving exactly the strict loader's values for it:
- lines of ``key: value``, ``key:`` (a nested block, an indentless sequence at the key's own column, or null),
  ``- key: value`` / ``- key:`` (a sequence item that is a mapping) and ``- value``, indented with spaces; blank
  lines and whole-line comments between them;
- keys that are plain words (letters, digits, "_") the resolvers leave as text, or single-quoted;
- a single-quoted scalar ('' for a quote), a double-quoted one without a backslash, or a plain scalar that
  cannot be read another way (it does not start with an indicator or a space, holds no ": " or " #", does not
  end with ":" or a space), either on one line or continued on the lines below that are indented deeper than its
  collection (each line break and the spaces around it one space, as libyaml folds them; no blank or comment
  line among them); a plain scalar resolved by the loader's own first-character resolvers and built by the safe
  constructor's functions, as `tracker.catalog.load._Deferred` does.
Anything else (a tag, an anchor, a flow collection, a trailing comment, a block scalar, an escape, a tab, a
character libyaml refuses or reads as a line break, a duplicate key, a key the resolvers read as no text, an
indentation libyaml would refuse, a document marker, a document that is not a mapping or a sequence) makes `load`
return `NOT_TAKEN`, and the caller reads the text with libyaml as before: its values, its errors.
tests/test_blockyaml.py compares both loaders' values with the reader's on every YAML file of the repository, a
generated catalog, hostile and edge-case documents, and thousands of randomly damaged catalog texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

NOT_TAKEN: Any = object()  # `load`'s answer for a text it leaves to libyaml

# Each non-empty line of a text (`findall`, one tuple per line, "" for a part a line does not have): its
# indentation, the rest of it, a sequence item's "- ", then a key (with its value after ": ", or none) or an item's
# value. Any line matches (a bare value without "- " has neither key nor dash: a mapping does not take it). A key is
# at most 200 characters: libyaml refuses a key that ends more than 1,024 characters after it begins.
_LINES = re.compile(
    r"^( *)((- )?(?:([A-Za-z_][A-Za-z0-9_]{0,199}|'(?:[^'\n]|''){0,100}'):(?: (.+))?|(.+)))$", re.MULTILINE
)
# The deepest column a block may start at (its nesting at most about twice that): the pure-Python loader composes
# recursively, and a few hundred levels exhaust its stack (its error, not a value); a catalog is four levels deep.
MAX_COLUMN = 40
_COMMENT = re.compile(r" *#.*")  # a line that is only a comment
# Characters that are outside libyaml's printable set (it refuses them) or that it reads as a line break or a
# byte-order mark, and the tab (indentation and separation rules of their own): a text holding one is not taken.
_NOT_TAKEN_CHARS = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_SINGLE_QUOTED = re.compile(r"'(?:[^']|'')*'")
_DOUBLE_QUOTED = re.compile(r'"[^"\\]*"')  # without an escape: its text as written
# Numbers whose text the safe constructor reads by `float` or `int` of the text as it is (no "_", no base prefix or
# leading zero, no exponent, no ":" of sexagesimal; a sign is read the same either way): made by that call, without
# the node and the constructor's steps (a third of making a catalog's numbers; profiled). Taken only for the safe
# constructor's own functions on a plain SafeConstructor (`_Reader.numbers`).
_SAFE = yaml.constructor.SafeConstructor
_PLAIN_NUMBERS: dict[Any, tuple[re.Pattern[str], Callable[[str], Any]]] = {
    _SAFE.construct_yaml_float: (re.compile(r"[-+]?[0-9]+\.[0-9]*"), float),
    _SAFE.construct_yaml_int: (re.compile(r"[-+]?(?:0|[1-9][0-9]*)"), int),
}
# First characters of a plain scalar that are (or may be) an indicator in block context, a space, or a quote.
_NOT_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")


class _NotTaken(Exception):
    """The text needs libyaml."""


def load(text: str, first: Callable[..., list[Any]], wildcard: list[Any], scalars: dict[str, Any]) -> Any:
    """``text``'s value as the strict loader gives it, or `NOT_TAKEN`. ``first`` and ``wildcard`` are the
    loader's joined resolvers (`_by_first.get`, `_wildcard`), ``scalars`` its constructors of the non-text tags
    by tag (a tag not there is not taken)."""
    if _NOT_TAKEN_CHARS.search(text):
        return NOT_TAKEN
    gaps: list[bool] | None = None
    if "#" in text or "\n\n" in text or text[:1] == "\n":
        # Blank and comment lines are left out, each line after them marked: a scalar does not continue there
        # (a blank line in a multi-line scalar is a line break, a comment ends a plain one).
        lines: list[str] = []
        gaps = []
        gap = False
        for line in text.split("\n"):
            if not line or _COMMENT.fullmatch(line):
                gap = True
            else:
                lines.append(line)
                gaps.append(gap)
                gap = False
        text = "\n".join(lines)
    parts = _LINES.findall(text)
    if not parts:
        return NOT_TAKEN
    try:
        return _Reader(parts, gaps, first, wildcard, scalars).document()
    except (_NotTaken, KeyError, ValueError, TypeError, IndexError, RecursionError):
        return NOT_TAKEN


class _Reader:
    def __init__(
        self,
        parts: list[tuple[str, ...]],
        gaps: list[bool] | None,
        first: Callable[..., list[Any]],
        wildcard: list[Any],
        scalars: dict[str, Any],
    ) -> None:
        self.parts = parts
        self.keys: dict[str, str] = {}  # the keys met, each as text
        # The one-line values met, each as built: text, numbers, null and booleans (immutable: shared safely).
        self.seen: dict[str, Any] = {}
        self.gaps = gaps
        self.n = len(parts)
        self.first = first
        self.wildcard = wildcard
        self.scalars = scalars
        # The tags whose plain numbers are made directly (`_PLAIN_NUMBERS`), by the expression that picks them.
        self.numbers = {
            tag: _PLAIN_NUMBERS[made.__func__]
            for tag, made in scalars.items()
            if type(getattr(made, "__self__", None)) is _SAFE and made.__func__ in _PLAIN_NUMBERS
        }

    def line(self, i: int) -> tuple[str, ...]:
        """The i-th line (blank and comment lines left out), in parts."""
        return self.parts[i]

    def document(self) -> Any:
        m = self.line(0)
        if m[0]:
            raise _NotTaken  # an indented first line
        value: Any
        if not m[2]:
            value, i = self.mapping(0, 0, m)
        else:
            value, i = self.sequence(0, 0)
        if i != self.n:
            raise _NotTaken
        return value

    def value(self, v: str, i: int, indent: int) -> tuple[Any, int]:
        """The scalar ``v`` that starts line i - 1 in a collection at column ``indent``, with the lines from i that
        continue it (deeper than ``indent``); (its value, the next line)."""
        n, parts = self.n, self.parts
        j = i
        while j < n and len(parts[j][0]) > indent:
            j += 1
        if j == i:
            return self.scalar(v), i
        if self.gaps is not None and any(self.gaps[i : j + 1]):
            raise _NotTaken  # a blank or comment line before or among the continuations
        rest = [p[1] for p in parts[i:j]]  # each line without its indentation
        if v[0] in "'\"":
            # Quoted over several lines: each line break, with the spaces around it, is one space.
            if any(not r.strip(" ") for r in rest):
                raise _NotTaken  # a line of spaces: a blank line, read as a line break
            text = " ".join([v.rstrip(" "), *(r.rstrip(" ") for r in rest[:-1]), rest[-1]])
            return self.scalar(text), j
        # Plain over several lines: the same, each line a plain scalar's text of its own (no space before a break)
        for r in (v, *rest):
            if r[0] in _NOT_PLAIN_FIRST or ": " in r or " #" in r or r[-1] in ": ":
                raise _NotTaken
        return self.scalar(" ".join([v, *rest])), j

    def scalar(self, v: str) -> Any:
        c = v[0]
        if c == "'":
            if _SINGLE_QUOTED.fullmatch(v) is None:
                raise _NotTaken
            return v[1:-1].replace("''", "'")
        if c == '"':
            if _DOUBLE_QUOTED.fullmatch(v) is None:
                raise _NotTaken
            return v[1:-1]
        if c in _NOT_PLAIN_FIRST or ": " in v or " #" in v or v[-1] in ": ":
            raise _NotTaken
        for tag, regexp in self.first(c, self.wildcard):
            if regexp.match(v):
                number = self.numbers.get(tag)
                if number is not None and number[0].fullmatch(v):
                    return number[1](v)
                return self.scalars[tag](yaml.ScalarNode(tag, v))  # a KeyError for any other tag: not taken
        return v

    def key(self, k: str) -> str:
        if k[0] == "'":
            text = k[1:-1].replace("''", "'")
        else:
            for _, regexp in self.first(k[:1], self.wildcard):
                if regexp.match(k):
                    raise _NotTaken  # a key the resolvers read as null, a boolean, a number
            text = k
        self.keys[k] = text
        return text

    def mapping(self, i: int, indent: int, m: tuple[str, ...]) -> tuple[dict[str, Any], int]:
        """The block mapping whose first key is on line i (``m``) at column ``indent``; (it, the next line).

        Each line is looked at once: the line after a key is read, with its column, before the key's value is
        made, and is the next key's when the value was on the key's own line (most of a catalog's lines)."""
        if indent > MAX_COLUMN:
            raise _NotTaken
        out: dict[str, Any] = {}
        n, parts, keys, value, seen = self.n, self.parts, self.keys, self.value, self.seen
        while True:
            k = m[3]
            if not k:
                raise _NotTaken  # a value where a key is due
            k = keys.get(k) or self.key(k)
            if k in out:
                raise _NotTaken  # a repeated key: the strict loader's error
            raw = m[4]
            i += 1
            if i == n:  # the text's last line
                out[k] = (seen[raw] if raw in seen else self.scalar(raw)) if raw else None
                return out, i
            m = parts[i]
            col = len(m[0])
            if raw and col <= indent:  # a one-line value
                if raw in seen:
                    out[k] = seen[raw]
                else:
                    out[k] = seen[raw] = self.scalar(raw)
            else:
                if raw:
                    out[k], i = value(raw, i, indent)  # continued on the deeper lines
                elif col > indent:
                    if not m[2]:
                        out[k], i = self.mapping(i, col, m)
                    else:
                        out[k], i = self.sequence(i, col)
                elif col == indent and m[2]:
                    out[k], i = self.sequence(i, col)  # an indentless sequence
                else:
                    out[k] = None
                if i == n:
                    return out, i
                m = parts[i]
                col = len(m[0])
            if col < indent:
                return out, i
            if col > indent or m[2]:
                raise _NotTaken  # deeper after a nested block, or an item beside a mapping's keys
            # (the next key of this mapping)

    def sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        """The block sequence whose first item is on line i at column ``indent``; (it, the next line)."""
        if indent > MAX_COLUMN:
            raise _NotTaken
        out: list[Any] = []
        n, parts = self.n, self.parts
        m = parts[i]
        while True:
            if m[3]:  # "- key: ...": a mapping whose keys are at the column after "- "
                item, i = self.mapping(i, indent + 2, m)
            else:
                item, i = self.value(m[5], i + 1, indent)
            out.append(item)
            if i == n:
                return out, i
            m = parts[i]
            col = len(m[0])
            if col < indent or (col == indent and not m[2]):
                return out, i  # the caller decides whether that line may follow
            if col > indent:
                raise _NotTaken  # deeper after a nested block
