"""The block reader (tracker/catalog/blockyaml.py): where it takes a text, the strict loader's value; else libyaml."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_catalog import HOSTILE_YAML, ROOT, _loaded, project_yaml_files

from tracker.catalog import blockyaml
from tracker.catalog.load import _BLOCK_SCALARS, _Errors, _parse_yaml, strict_loader

# Block-style documents at the edges of what the reader takes: each is either taken with the strict loader's value
# or left to libyaml (compared below, both loaders).
BLOCK_YAML = [
    "a: 1\nb: two\nc: 'three'\nd:\ne: ~\n",
    "a:\n- x\n- y\nb: 2\n",  # an indentless sequence
    "a:\n  - x\n  - y\nb: 2\n",
    "- a: 1\n  b:\n  - c\n  - d\n  e: f\n- g\n",
    "- a:\n    b: 1\n- a:\n  b: 1\n",
    "a: one\n  two\n  three\nb: x\n",  # a plain scalar over lines
    "a: one\n two\n",
    "a: one\n\n  two\n",  # a blank line in it: a line break
    "a: one\n  # not a comment?\n  two\n",
    "a: one\n  - two\n",
    "a: one\n  two: three\n",
    "a: 'one\n  two'\nb: 'x''\n  y'\n",  # single-quoted over lines
    "a: 'one   \n    two  \n  three'\n",
    "a: 'one\n\n  two'\n",
    "a: 'one\n  # two'\n",
    "a: 'one\n  '\n",
    "a: 'one\ntwo'\n",
    "- 'one\n  two'\n- x\n",
    "- one\n  two\n- x\n  y\n",
    "a: it's\nb: 'it''s'\nc: ''''\nd: ''\n",
    "'on': 1\n'it''s': 2\n'': 3\nyes: 4\n",  # quoted keys; yes is text in the strict loader
    "true: 1\n",
    "Null: 1\n",
    "a: 1\na: 2\n",
    "a: x: y\n",
    "a: x:\n",
    "a: b #c\n",
    "a: b#c\n",
    "a: http://x.y/z?q=1&r=2\n",
    "a: x, y [z] {w}\n",
    "a: -1\nb: +1\nc: .5\nd: 0x1f\ne: 1_000\nf: 190:20:30\ng: 1e3\nh: .inf\ni: .NaN\nj: 0o17\n",
    "a: 0.12\nc: +1.5\nd: 5.\ne: 0\ng: +0\nh: 010\ni: 1_0.5\nj: 123456789012345678901234\n",  # numbers made directly
    "a: -0.0\nb: -0\n",
    "a: 0.1e3\nb: 00.5\nc: +.5\nd: 1:20.5\ne: 1.2.3\nf: 0b11\ng: -0x1f\nh: 09\ni: 1.5_0\nj: \u0661.5\n",
    "a: true\nb: False\nc: TRUE\nd: yes\ne: on\nf: null\ng: NULL\nh: ~\n",
    "a: 2019-05-04\nb: '2019-05-04'\n",
    "a: <<\nb: =\n",
    "a: b \nc: d\n",  # trailing spaces
    "a:  b\n",
    "a:\tb\n",
    "a: b\r\nc: d\r\n",
    "a: b\u2028c\n",
    "a: b\u0085c\n",
    "a: b\x07\n",
    "a: caf\u00e9 \u00a0x\u00a0\n",
    "\ufeffa: 1\n",
    "# comment\na: 1\n  # indented comment\nb: 2 # trailing\n",
    "a: 1\n\n\nb: 2\n\n",
    "\na: 1\n",
    "---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n...\n",
    "a: ---\nb: ...\n",
    "- - x\n",
    "-x\n",
    "-\n",
    "- \n",
    "a: 1\n   \nb: 2\n",
    "  a: 1\n  b: 2\n",
    "a: 1\n b: 2\n",
    "a:\n  b: 1\n c: 2\n",
    "a:\n  - x\n  b: 1\n",
    "a:\n- x\nb: 1\n- y\n",
    "- a: 1\n - b\n",
    "- a: 1\n   b: 2\n",
    'a: "x"\n',
    'a: "it\'s: #1"\nb: "x\n  y  \n   z"\nc: ""\nd: "1"\ne: "x" y\nf: "x\n"\ng: "\\t"\nh: "x\\\n  y"\n',
    '- "a\n\n  b"\n- "c\n  # d"\n- "e\nf"\n',
    'a: "x\n  y\n',
    'a: x"y"\n',
    "a: |\n  x\n",
    "a: >\n  x\n",
    "a: !x y\n",
    "a: &x y\n",
    "a: *x\n",
    "a: [1]\n",
    "a: {b: 1}\n",
    "? a\n: b\n",
    "a : b\n",
    "a:b\n",
    "x\n",
    "",
    "\n\n",
    "a: %x\n",
    "a: @x\n",
    "a: `x`\n",
    "a: ' x '\n",
    "a: 'x' y\n",
    "a: 'x\n",
    "a:\n  b:\n    c:\n      d: 1\n    e: 2\n  f: 3\n",
    "k" * 1030 + ": v\n",  # libyaml refuses a key this long
    "'" + "k" * 1030 + "': v\n",
    "- " + "k" * 1030 + ": v\n",
    "k" * 200 + ": v\n" + "'" + "k" * 100 + "': w\n",
    "".join(" " * i + f"k{i}:\n" for i in range(500)),  # the pure-Python loader's stack: its RecursionError
    "".join(" " * i + f"k{i}:\n" for i in range(42)),
    "".join(" " * (2 * i) + f"- k{i}:\n" for i in range(30)),  # sequences nested without a deeper key
    "".join(" " * (2 * i) + f"- k{i}:\n" for i in range(500)),
    "'\u00e9true\n': v\n",  # a quoted key does not go on to the next line
    "a: 'x\n  \n  y\n  '\n",  # a line of spaces in a quoted scalar is a blank line
]


def _both_loaders() -> list[type]:
    loaders = [strict_loader(True), strict_loader(False)]
    return loaders[1:] if loaders[0] is loaders[1] else loaders


def _read(text: str, loader: type) -> Any:
    return blockyaml.load(text, loader._by_first.get, loader._wildcard, _BLOCK_SCALARS)  # type: ignore[attr-defined]


def _same_or_not_taken(text: str) -> bool:
    """The reader's value is the strict loaders' (each of them, with its own resolvers); True if taken."""
    taken = False
    for loader in _both_loaders():
        value = _read(text, loader)
        if value is not blockyaml.NOT_TAKEN:
            assert _loaded(text, loader) == ("ok", repr(value)), text[:300]
            taken = True
    return taken


def _generated(tmp_path: Path, questions: int) -> list[Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from catalog_gen import write_catalog
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    write_catalog(tmp_path, questions, one_file=True)
    return sorted(tmp_path.rglob("*.yaml"))


def test_the_block_reader_gives_the_strict_loaders_value_wherever_it_takes_a_text(tmp_path: Path) -> None:
    """Every YAML file of the project, a generated catalog, the hostile documents of the one-pass test and the
    block-style edge cases above."""
    files = project_yaml_files()
    generated = _generated(tmp_path, 60)
    texts = [p.read_text(encoding="utf-8") for p in files] + HOSTILE_YAML + BLOCK_YAML
    taken = [_same_or_not_taken(text) for text in texts]
    assert any(taken) and not all(taken)
    # The benchmark's catalog shape is the reader's to take: every file of it (multi-line plain scalars included).
    for path in generated:
        text = path.read_text(encoding="utf-8")
        assert _same_or_not_taken(text), path
    assert any("\n    " in p.read_text(encoding="utf-8") for p in generated)  # it wraps long text over lines


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # the strict loader's own errors, from libyaml's composition
        "a: x: y\n",
        "a:\n- x\nb: 1\n- y\n",
        "a: 'x\n",
        "a: b\x07\n",
    ],
)
def test_a_text_the_reader_does_not_take_is_refused_as_before(text: str) -> None:
    for loader in _both_loaders():
        assert _read(text, loader) is blockyaml.NOT_TAKEN
        errors = _Errors()
        assert _parse_yaml(text, "f.yaml", errors, loader) is None
        assert len(errors.items) == 1 and errors.items[0].startswith("f.yaml: -: -: malformed YAML"), errors.items


def test_parse_yaml_takes_the_reader_only_for_the_strict_loaders() -> None:
    """A loader of another class (a subclass with constructors of its own) reads every text itself."""

    class OwnInt(strict_loader(True)):  # type: ignore[misc]
        pass

    OwnInt.add_constructor("tag:yaml.org,2002:int", lambda self, node: "an int")
    assert _parse_yaml("a: 1\n", "f.yaml", _Errors(), OwnInt) == {"a": "an int"}
    assert _parse_yaml("a: 1\n", "f.yaml", _Errors()) == {"a": 1}


# What the mutations insert: the characters and pieces that change how YAML reads a line.
_PIECES = [*"-?:,[]{}#&*!|>'\"%@` \t\n~.0", ": ", " #", "- ", "  ", "''", "\u00a0", "\r", "true", "null", "1e3", "<<"]


def _mutated(rng: random.Random, lines: list[str]) -> str:
    out = list(lines)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(out))
        kind = rng.randrange(6)
        line = out[i]
        if kind == 0:  # a piece inserted anywhere in a line
            at = rng.randint(0, len(line))
            out[i] = line[:at] + rng.choice(_PIECES) + line[at:]
        elif kind == 1:  # indentation changed
            out[i] = " " * rng.randint(0, 6) + line.lstrip(" ")
        elif kind == 2:  # a line repeated, or dropped
            out[i : i + 1] = [line, line] if rng.random() < 0.5 else []
        elif kind == 3:  # a blank or comment line put in
            out.insert(i, rng.choice(["", "  ", "# c", "    # c"]))
        elif kind == 4:  # a line cut in two, the rest indented as a continuation
            at = rng.randint(0, len(line))
            out[i : i + 1] = [line[:at], " " * rng.randint(0, 6) + line[at:]]
        else:  # a character replaced
            if line:
                at = rng.randrange(len(line))
                out[i] = line[:at] + rng.choice(_PIECES) + line[at + 1 :]
        if not out:
            out = [""]
    return "\n".join(out) + rng.choice(["\n", "", "\n\n"])


def test_the_block_reader_on_mutated_catalog_texts(tmp_path: Path) -> None:
    """Random damage to a generated catalog's questions and forecasts (seeded): wherever the reader still takes the
    text, the strict loaders give the same value; where they refuse it, the reader does not take it."""
    rng = random.Random(26)
    files = _generated(tmp_path, 4) + sorted((ROOT / "predictions").rglob("*.yaml"))[:3]
    sources = [p.read_text(encoding="utf-8").splitlines() for p in files]
    sources = [lines[:40] for lines in sources if lines]  # hand-written: comments, blank lines, double quotes
    taken = 0
    for _ in range(3000):
        taken += _same_or_not_taken(_mutated(rng, rng.choice(sources)))
    assert 300 < taken < 3000  # both sides of the line were reached


def test_the_reader_is_yaml_safe_load_on_plain_values() -> None:
    """The reader's values are the ones `yaml.safe_load` gives where the strict rules do not differ (no dates,
    booleans only true/false): a sanity check of the comparison itself."""
    text = "a: 1\nb: x y\n  z\nc:\n- 'q''s'\n- 0.5\n"
    assert _read(text, strict_loader(True)) == yaml.safe_load(text) == {"a": 1, "b": "x y z", "c": ["q's", 0.5]}


# Pieces of scalars: every indicator, the characters libyaml treats apart, text the resolvers read as no text.
_SCALAR_PIECES = [
    *"ab1 :-#'\"?,[]{}&*!|>%@`~.0x_+=<\\/\t\u00a0\u00e9\u2028\x85\ufeff\u3000\U0001f600",
    *("\n", "  ", ": ", " #", "''", "true", "null", "1e3", ".inf", "0x1f", "1_0", "0o7", "2019-05-04", "190:20"),
]
_SCALAR_FORMS = [
    "a: {s}\n",
    "- {s}\n",
    "a: '{s}'\n",
    'a: "{s}"\n',
    "a: x\n  {s}\nb: 1\n",
    "- x\n  {s}\n- y\n",
    "{s}: v\n",
    "'{s}': v\n",
    "k:\n  {s}\n",
    "- a: 1\n  {s}\n",
    "a: '{s}\n  {s}'\n",
    "a: {s}\n   {s}\n",
]


def test_the_block_reader_on_random_scalars() -> None:
    """Random scalars (seeded) in each place a scalar goes, plain, quoted and continued: the same rule as above."""
    rng = random.Random(2026)
    taken = 0
    for _ in range(4000):
        s = "".join(rng.choice(_SCALAR_PIECES) for _ in range(rng.randint(0, 6)))
        taken += _same_or_not_taken(rng.choice(_SCALAR_FORMS).replace("{s}", s))
    assert 400 < taken < 4000


def test_the_block_reader_on_random_numbers() -> None:
    """Numbers the reader makes by `float` or `int` of their text (`blockyaml._PLAIN_NUMBERS`) and their near misses
    (leading zeros, signs, "_", ":", exponents, base prefixes), random (seeded), plain as a value and an item: the
    strict loaders' values, types and signs included."""
    rng = random.Random(26)
    taken = 0
    for _ in range(3000):
        s = "".join(
            rng.choice("0123456789+-._:eEbox") if rng.random() < 0.3 else rng.choice("0123456789")
            for _ in range(rng.randint(1, 7))
        )
        taken += _same_or_not_taken(rng.choice(("a: {s}\n", "- {s}\n", "- a: {s}\n  b: {s}\n")).replace("{s}", s))
    assert taken > 2000
