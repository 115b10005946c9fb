"""Output for people and for programs: every read command prints through this module.

Formats (`FORMATS`), following sqlite-utils and datasette:

- ``table``: for a person at a terminal. A rich table as wide as the terminal really is (no floor), a header
  rule and no other box drawing. Ids, numbers, dates and times are never wrapped or cut; long text wraps. When
  even those columns cannot fit side by side, each row becomes a block of ``field: value`` lines instead.
- ``tsv``: the default when stdout is not a terminal. A header line of column keys, then one row per line,
  fields separated by a tab, no padding. Tabs, newlines and carriage returns inside a value are shown as
  ``\\t``, ``\\n`` and ``\\r`` (as `safe_text` shows them), so a row is always one line for `cut`, `sort` and
  `awk`. A field is quoted CSV-style only when it starts with ``"``, so ``csv.reader(f, delimiter="\\t")``
  reads every field back as printed.
- ``csv``: the `csv` module with a header line of column keys (``\\n`` line ends). Values are exact, tabs and
  newlines included (quoted by the csv module), except the characters `safe_text` escapes (other C0 controls,
  DEL, C1, bidi controls, line/paragraph separators, lone surrogates): they are written as the same visible
  escapes as in tsv, because a CSV file is as often looked at in a terminal as loaded; and text that starts
  like a spreadsheet formula (``=``, ``+``, ``-``, ``@``, or an apostrophe) gets an apostrophe before it, as
  a CSV export's does, because it is as often loaded into a spreadsheet. The exact value of those is in
  ``json``/``jsonl``.
- ``json``: one array, one object per line, keys in column order; ``jsonl``: one object per line. Dates and
  times are ISO 8601, NaN/NA/NaT and infinities are ``null``, numpy scalars become plain numbers. Text is
  exact: the characters a terminal would act on are written as ``\\uXXXX`` escapes, so `json.loads` returns
  the stored value while the raw bytes on screen stay harmless; ordinary non-ASCII (Cyrillic, CJK, accents)
  is written as itself.

Stored text is never read as rich markup: every cell is a `rich.text.Text`, and every string passes through
`safe_text` in table, tsv and record output. A ``--limit`` cut is reported after a table on stdout, and on
stderr for the machine formats so that their data stays clean.

rich is imported only for table output and pandas never (a DataFrame is recognised only when pandas is
already loaded), so that piped output and `tracker --help` stay fast.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from tracker import words
from tracker.errors import UserError
from tracker.visible import neutralise, unsafe, visible
from tracker.words import plural

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

__all__ = [
    "FORMATS",
    "KINDS",
    "Column",
    "json_dumps",
    "jsonable",
    "more_note",
    "pick_format",
    "plural",
    "render_record",
    "render_rows",
    "safe_text",
    "terminal_width",
]

FORMATS = ("table", "csv", "tsv", "json", "jsonl")
KINDS = ("id", "text", "number", "int", "date", "time")

# A wrapping text column is not squeezed below this many cells (or its own width when narrower) to make room
# for ids and numbers: below it a table is harder to read than one block per row.
MIN_TEXT_WIDTH = 12
# Width when the output is not a terminal and COLUMNS says nothing usable.
DEFAULT_WIDTH = 80
LIMIT_HINT = "--limit 0 shows all"


@dataclass(frozen=True)
class Column:
    """One column of a listing. `key` names the value in each row (and the field in csv, tsv and json);
    `header` is what a person reads above it in a table (the key when not given).

    Kinds: ``id`` (never wrapped or cut), ``text`` (wraps), ``number`` (right-aligned; `digits` fixes the
    decimals shown in a table), ``int`` (right-aligned; whole floats such as 99.0 print as 99), ``date``
    (YYYY-MM-DD) and ``time`` (ISO 8601; whole seconds in a table).
    """

    key: str
    header: str | None = None
    kind: str = "text"
    digits: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.digits is not None and (self.kind != "number" or self.digits < 0):
            raise ValueError(f"column {self.key!r}: digits apply to a number column and are >= 0")

    @property
    def label(self) -> str:
        return self.key if self.header is None else self.header

    @property
    def wraps(self) -> bool:
        return self.kind == "text"

    @property
    def right(self) -> bool:
        return self.kind in ("number", "int")


# ---------------------------------------------------------------------------------------------------- words


def more_note(total: int | None, shown: int, noun: tuple[str, str] = ("row", "rows")) -> str | None:
    """The line that says how many rows a ``--limit`` left out, or None when nothing was left out."""
    if total is None or total <= shown:
        return None
    left = total - shown
    return f"{left} more {words.noun(left, *noun)} not shown; {LIMIT_HINT}"


# ------------------------------------------------------------------------------------------------ safe text

# json.dumps already escapes C0 (tab and newline included), so JSON needs only the rest.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_text(value: Any, *, allow: str = "") -> str:
    """Stored text made safe for a terminal: the one place that decides it.

    Every control character, DEL, C1 control, bidi control, line/paragraph separator and lone surrogate is
    replaced by a visible escape (``\\x1b``, ``\\x9b``, ``\\u202e``, ``\\n``), so a reader sees that something
    odd is there and the terminal never acts on it. `allow` may hold ``"\\n"`` and/or ``"\\t"`` to keep those
    in long text. The result is plain text: callers print it as `rich.text.Text`, never as markup.
    None is "".
    """
    if value is None:
        return ""
    if allow.strip("\n\t"):
        raise ValueError("safe_text may allow only newline and tab")
    return visible(value if isinstance(value, str) else str(value), allow)


# ------------------------------------------------------------------------------------------------- values


def _scalar(value: Any) -> Any:
    """numpy scalars as the plain Python values they hold."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            if np.isnat(value):
                return None
            # datetime64[ns].item() is an int; at microseconds it is a datetime (or a date for [D]).
            return value.astype("datetime64[us]").item()
        return value.item()
    return value


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def jsonable(value: Any) -> Any:
    """`value` as plain JSON data: ISO dates and times, None for NaN/NA/NaT/infinity, lists for tuples and
    sets, string keys. Anything else becomes its `str`."""
    value = _scalar(value)
    if _is_missing(value):
        return None
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    tolist = getattr(value, "tolist", None)  # numpy arrays, pandas Series
    if callable(tolist):
        return jsonable(tolist())
    return str(value)


def json_dumps(data: Any, *, indent: int | None = None) -> str:
    """JSON text of `data` (made `jsonable` first) that is exact when parsed and harmless when shown: C1,
    bidi and the other characters `safe_text` escapes are written as ``\\uXXXX``."""
    text = json.dumps(jsonable(data), ensure_ascii=False, indent=indent, allow_nan=False)
    return _JSON_UNSAFE.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _kind_value(value: Any, column: Column) -> Any:
    """The value as its column's kind means it (missing values are None)."""
    value = _scalar(value)
    if _is_missing(value):
        return None
    if column.kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if column.kind == "date" and isinstance(value, datetime):
        return value.date()
    return value


def _plain(value: Any, column: Column, *, table: bool) -> str:
    """A present value as the text a cell shows (before `safe_text`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if table and column.digits is not None and math.isfinite(value):
            return f"{value:.{column.digits}f}"
        return repr(value)
    if isinstance(value, int):
        if table and column.digits is not None:
            return f"{value:.{column.digits}f}"
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") if table and column.kind == "time" else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return json_dumps(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join("" if _is_missing(v) else _plain(_scalar(v), Column("item"), table=table) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _cell(value: Any, column: Column, *, table: bool, allow: str, missing: str) -> str:
    value = _kind_value(value, column)
    if value is None:
        return missing
    return safe_text(_plain(value, column, table=table), allow=allow)


def _formatter(column: Column, *, table: bool, allow: str, missing: str = "") -> Callable[[Any], str]:
    """`_cell` for one column, with a fast path for the value type the column usually holds: a listing of
    every score or question formats hundreds of thousands of cells."""
    pattern = unsafe("".join(sorted(set(allow))))

    def general(value: Any) -> str:
        return _cell(value, column, table=table, allow=allow, missing=missing)

    if column.kind == "int":

        def cell(value: Any) -> str:
            return str(value) if type(value) is int else general(value)

    elif column.kind == "number":
        decimals = f".{column.digits}f" if table and column.digits is not None else None

        def cell(value: Any) -> str:
            if type(value) is float and value == value:
                return repr(value) if decimals is None else format(value, decimals)
            return general(value)

    else:
        search = pattern.search

        def cell(value: Any) -> str:
            kind = type(value)
            if kind is str:
                return value if search(value) is None else visible(value, allow)
            return value.isoformat() if kind is date else general(value)

    return cell


def _json_value(column: Column) -> Callable[[Any], Any]:
    """A value as its column's kind means it, ready for JSON; plain strings and numbers pass straight."""

    def value_of(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is int or (kind is float and column.kind != "int" and math.isfinite(value)):
            return value
        if kind is date:
            return value.isoformat()
        return jsonable(_kind_value(value, column))

    return value_of


# ------------------------------------------------------------------------------------------- where it goes


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def terminal_width(stream: TextIO | None = None) -> int:
    """The width to draw a table in: the terminal's real width when `stream` is one, else COLUMNS, else 80."""
    stream = sys.stdout if stream is None else stream
    if _isatty(stream):
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        if columns > 0:
            return columns
    raw = os.environ.get("COLUMNS", "")
    if raw.isascii() and raw.isdigit() and int(raw) > 0:
        return int(raw)
    return DEFAULT_WIDTH


def pick_format(fmt: str | None, json_flag: bool = False, stream: TextIO | None = None) -> str:
    """The output format: an explicit ``--format`` wins, ``--json`` means json, and otherwise a terminal gets
    a table and anything else (a pipe, a file) gets tsv. A format not in `FORMATS` is a `UserError`."""
    if fmt is not None:
        chosen = fmt.lower()
        if chosen not in FORMATS:
            raise UserError(f"{safe_text(repr(fmt))} is not one of {', '.join(FORMATS)}", "format")
        return chosen
    if json_flag:
        return "json"
    return "table" if _isatty(sys.stdout if stream is None else stream) else "tsv"


def _console(out: TextIO, width: int) -> Console:
    from rich.console import Console

    return Console(file=out, width=width, highlight=False, markup=False, emoji=False, soft_wrap=False)


# ---------------------------------------------------------------------------------------------------- rows


def _row_tuples(rows: Any, keys: list[str]) -> tuple[int, Iterator[Sequence[Any]]]:
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(rows, pd.DataFrame):
        frame = rows.reindex(columns=keys)
        return len(frame), frame.itertuples(index=False, name=None)
    listed = rows if isinstance(rows, Sequence) else list(rows)
    return len(listed), ([row.get(k) for k in keys] for row in listed)


def render_rows(
    rows: Any,
    columns: Sequence[Column],
    fmt: str,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    title: str | None = None,
    total: int | None = None,
    noun: tuple[str, str] = ("row", "rows"),
    empty_message: str | None = None,
    missing: str = "",
    width: int | None = None,
) -> None:
    """Print a listing in `fmt` (one of `FORMATS`).

    `rows` is a sequence of mappings (a missing key is a missing value) or a pandas DataFrame. `total` is the
    row count before a ``--limit`` cut: when larger than ``len(rows)`` a note says how many `noun` were left
    out (after the table; on `err`, default stderr, for the machine formats). In a table, `missing` stands for
    a missing value (machine formats leave the cell empty or null), `title` is printed above, and an empty
    listing prints `empty_message` (default "no ROWS") instead of the table. `width` overrides the width
    found by `terminal_width`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not columns:
        raise ValueError("render_rows needs at least one column")
    out = sys.stdout if out is None else out
    count, tuples = _row_tuples(rows, [c.key for c in columns])
    note = more_note(total, count, noun)
    if fmt == "table":
        cells = [_formatter(c, table=True, allow="\n" if c.wraps else "", missing=missing) for c in columns]
        lines = [[cell(v) for cell, v in zip(cells, row, strict=True)] for row in tuples]
        _print_table(lines, columns, out, width or terminal_width(out), title, note, empty_message or f"no {noun[1]}")
        return
    if fmt == "tsv":
        _write_lines(out, _tsv_lines(tuples, columns))
    elif fmt == "csv":
        _write_csv(out, tuples, columns)
    else:
        _write_lines(out, _json_lines(tuples, columns, array=fmt == "json"))
    if note is not None:
        err = sys.stderr if err is None else err
        err.write(note + "\n")
        err.flush()


def _write_lines(out: TextIO, lines: Iterable[str], chunk: int = 2000) -> None:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= chunk:
            out.write("".join(batch))
            batch.clear()
    if batch:
        out.write("".join(batch))
    out.flush()


def _tsv_row(fields: list[str]) -> str:
    line = "\t".join(fields)
    if line and '"' not in line:
        return line + "\n"
    if len(fields) == 1 and not fields[0]:
        return '""\n'  # an empty line would read back as no row at all
    # Only a leading quote makes csv.reader treat a field as quoted; anywhere else a quote reads back as itself.
    return "\t".join('"' + f.replace('"', '""') + '"' if f.startswith('"') else f for f in fields) + "\n"


def _tsv_lines(tuples: Iterable[Sequence[Any]], columns: Sequence[Column]) -> Iterator[str]:
    yield _tsv_row([safe_text(c.key) for c in columns])
    cells = [_formatter(c, table=False, allow="") for c in columns]
    for row in tuples:
        yield _tsv_row([cell(v) for cell, v in zip(cells, row, strict=True)])


def _spreadsheet_cell(cell: Callable[[Any], str]) -> Callable[[Any], str]:
    """A text column's cell as a CSV export writes it: stored text starting like a formula (``=``, ``+``, ``-``,
    ``@``) gets an apostrophe before it (`tracker.visible.neutralise`), as a CSV is often opened in a
    spreadsheet, which would run it. Numbers are left alone; ``json``/``jsonl``/``tsv`` keep the text as stored."""

    def safe(value: Any) -> str:
        text = cell(value)
        return neutralise(text) if type(value) is str else text

    return safe


def _write_csv(out: TextIO, tuples: Iterable[Sequence[Any]], columns: Sequence[Column]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_text(c.key, allow="\n\t") for c in columns])
    cells = [_formatter(c, table=False, allow="\n\t") for c in columns]
    cells = [_spreadsheet_cell(f) if c.kind in ("text", "id") else f for f, c in zip(cells, columns, strict=True)]
    writer.writerows([cell(v) for cell, v in zip(cells, row, strict=True)] for row in tuples)
    out.flush()


def _json_lines(tuples: Iterable[Sequence[Any]], columns: Sequence[Column], *, array: bool) -> Iterator[str]:
    keys = [c.key for c in columns]
    values = [_json_value(c) for c in columns]
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    search, sub = _JSON_UNSAFE.search, _JSON_UNSAFE.sub
    separator = "\n" if not array else ",\n "
    first = True
    for row in tuples:
        text = encode({k: value(v) for k, value, v in zip(keys, values, row, strict=True)})
        if search(text) is not None:
            text = sub(_json_escape, text)
        yield ("[" if array else "") + text if first else separator + text
        first = False
    if array:
        yield "[]\n" if first else "]\n"
    elif not first:
        yield "\n"


# --------------------------------------------------------------------------------------------------- table


def _natural_width(text: str) -> int:
    from rich.cells import cell_len

    return max(cell_len(line) for line in text.split("\n"))


def _natural_widths(lines: list[list[str]], columns: Sequence[Column]) -> list[int]:
    """Each column's width with nothing wrapped: its widest cell or header."""
    return [
        max([_natural_width(row[i]) for row in lines] + [_natural_width(safe_text(column.label))])
        for i, column in enumerate(columns)
    ]


def _fits(naturals: list[int], columns: Sequence[Column], width: int) -> bool:
    """Whether a table fits `width` with every id, number, date and time whole on one line and every text
    column at least `MIN_TEXT_WIDTH` cells (or its own width) wide. Two cells separate columns."""
    need = 2 * (len(columns) - 1)
    for natural, column in zip(naturals, columns, strict=True):
        need += min(natural, MIN_TEXT_WIDTH) if column.wraps else natural
    return need <= width


def _text(text: str, *, bold: bool = False) -> Any:
    from rich.text import Text

    return Text(text, style="bold" if bold else "")


def _print_table(
    lines: list[list[str]],
    columns: Sequence[Column],
    out: TextIO,
    width: int,
    title: str | None,
    note: str | None,
    empty_message: str,
) -> None:
    console = _console(out, width)
    if not lines:
        console.print(_text(safe_text(empty_message)))
    else:
        if title:  # a line of its own: as a rich table title it would wrap to the width of a narrow table
            console.print(_text(safe_text(title), bold=True))
        _print_rows(console, lines, columns, width)
    if note is not None:
        console.print(_text(note))


def _print_rows(console: Console, lines: list[list[str]], columns: Sequence[Column], width: int) -> None:
    from rich import box
    from rich.table import Table

    naturals = _natural_widths(lines, columns)
    if _fits(naturals, columns, width):
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
        for column in columns:
            table.add_column(
                _text(safe_text(column.label), bold=True),
                justify="right" if column.right else "left",
                no_wrap=not column.wraps,
                overflow="fold",
            )
        for row in lines:
            table.add_row(*[_text(cell) for cell in row])
        console.print(table)
        return
    labels = [safe_text(c.label) for c in columns]
    whole = max((n for n, c in zip(naturals, columns, strict=True) if not c.wraps), default=0)
    for n, row in enumerate(lines):
        if n:
            console.print()
        pairs = [(label, _text(cell)) for label, cell in zip(labels, row, strict=True)]
        console.print(_fields(pairs, width, whole))


def _fields(pairs: Sequence[tuple[str, RenderableType]], width: int, whole: int) -> RenderableType:
    """``field: value`` lines. A value that wraps continues under itself, indented past the labels. When a
    value that must stay whole (`whole` cells: an id, a number) cannot fit beside the widest label, each
    label gets a line of its own and its value follows, indented by two."""
    from rich.cells import cell_len

    label_width = max((cell_len(label) + 1 for label, _ in pairs), default=0)
    if label_width + 1 + whole <= width:
        return _grid(pairs)
    from rich.console import Group
    from rich.padding import Padding

    parts: list[RenderableType] = []
    for label, value in pairs:
        parts += [_text(f"{label}:", bold=True), Padding(value, (0, 0, 0, 2))]
    return Group(*parts)


def _grid(pairs: Sequence[tuple[str, RenderableType]]) -> RenderableType:
    from rich.table import Table

    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in pairs:
        grid.add_row(_text(f"{label}:", bold=True), value)
    return grid


# -------------------------------------------------------------------------------------------------- record


def _infer(key: str, value: Any) -> Column:
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, int | float | datetime | date):
        return Column(key)
    if isinstance(value, int):
        return Column(key, kind="int")
    if isinstance(value, float):
        return Column(key, kind="number")
    return Column(key, kind="time" if isinstance(value, datetime) else "date")


def _is_nested(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        isinstance(value, list | tuple) and any(isinstance(v, Mapping | list | tuple) for v in value)
    )


def _record_value(value: Any, column: Column, missing: str) -> RenderableType:
    """A record's value for a person: scalars as text, a mapping as nested ``field: value`` lines, a list of
    mappings as one nested block each."""
    if isinstance(value, Mapping):
        return _grid(
            [(safe_text(k), _record_value(v, _infer(str(k), v), missing)) for k, v in value.items()]
            or [("", _text(missing))]
        )
    if isinstance(value, list | tuple) and _is_nested(value):
        from rich.console import Group

        parts: list[RenderableType] = []
        for n, item in enumerate(value):
            if n:
                parts.append(_text(""))
            parts.append(_record_value(item, _infer("item", item), missing))
        return Group(*parts)
    return _text(_cell(value, column, table=True, allow="\n", missing=missing))


def render_record(
    record: Mapping[str, Any],
    fields: Sequence[Column] | None,
    fmt: str,
    *,
    out: TextIO | None = None,
    title: str | None = None,
    missing: str = "",
    width: int | None = None,
) -> None:
    """Print one object (``show``, ``info``). `fields` picks and orders the keys (all of them, kinds guessed
    from the values, when None). Table form: ``field: value`` lines wrapped to the terminal, nested mappings
    and lists of them as indented blocks. json/jsonl: the object (nested data kept). tsv/csv: two columns,
    ``field`` and ``value``, nested values as compact JSON."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    out = sys.stdout if out is None else out
    columns = list(fields) if fields is not None else [_infer(str(k), v) for k, v in record.items()]
    values = [record.get(c.key) for c in columns]
    if fmt == "table":
        width = width or terminal_width(out)
        console = _console(out, width)
        if title:
            console.print(_text(safe_text(title), bold=True))
        whole = max(
            (
                _natural_width(_cell(v, c, table=True, allow="", missing=missing))
                for c, v in zip(columns, values, strict=True)
                if not c.wraps and not _is_nested(v)
            ),
            default=0,
        )
        pairs = [(safe_text(c.label), _record_value(v, c, missing)) for c, v in zip(columns, values, strict=True)]
        console.print(_fields(pairs, width, whole))
        return
    if fmt in ("json", "jsonl"):
        data = {c.key: v if _is_nested(v) else _kind_value(v, c) for c, v in zip(columns, values, strict=True)}
        out.write(json_dumps(data, indent=2 if fmt == "json" else None) + "\n")
        out.flush()
        return
    field = Column("field")
    value_column = Column("value")
    field_rows = [
        {
            "field": c.key,
            "value": json_dumps(v) if _is_nested(v) else _cell(v, c, table=False, allow="\n\t", missing=""),
        }
        for c, v in zip(columns, values, strict=True)
    ]
    render_rows(field_rows, [field, value_column], fmt, out=out)
