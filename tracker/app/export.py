"""Exports: one table as CSV, Parquet, Excel or JSON lines, or every table as a bundle with a data dictionary.

Each export carries the ledger's head (position and hash) at the point it was read, in ``PATH.meta.json``
beside a single file (and in the Parquet file's key-value metadata, key ``tracker``, and an ``_meta`` sheet of
an xlsx), or in ``_meta.json`` of a bundle, which also carries a Frictionless ``datapackage.json`` (a Table
Schema per table). An xlsx bundle is one workbook: a sheet per table, a data dictionary and ``_meta``. Tables
are read in position-ordered chunks and written chunk by chunk (pyarrow's ParquetWriter, CSV and JSON lines
appends, XlsxWriter's constant_memory mode), so memory stays bounded whatever the ledger's size. Files are
written under a temporary name and renamed when complete.

Reading back with the documented dtypes (`TABLES` in `tracker.read.tables`):

- Parquet keeps them: ``pandas.read_parquet(path)``.
- CSV: `read_csv` (times are ISO 8601 in UTC with a ``Z``, booleans ``true``/``false``, floats in Python's
  round-trip notation, a missing value is an empty field, so an empty string reads back as missing).
- JSON lines: `read_jsonl` (one object per row; missing values are ``null``).
- xlsx: `read_xlsx`. Excel keeps times to the millisecond (they are written rounded to it, as naive UTC) and
  numbers to about 16 significant digits; a sheet holds 1,048,575 rows. A cell holds at most 32,767 characters:
  a longer text (an article in an event's payload) is kept whole in the ``_long_text`` sheet, in parts, and its
  cell says so; `read_xlsx` puts it back together. Long text wraps in its column.
- `read_export` picks by extension; `read_bundle` reads a whole bundle (directory or .zip) into a dict.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import __version__
from tracker.app import outfiles
from tracker.domain import timepoints
from tracker.errors import UserError
from tracker.read.snapshot import Snapshot
from tracker.read.tables import (
    BOOL,
    CATEGORY,
    FLOAT,
    GROUPINGS,
    INT,
    NULLABLE_INT,
    STRING,
    TABLES,
    TIME,
    Col,
    TableSpec,
    apply_dtypes,
    data_dictionary,
)

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import Ledger

FORMATS = {"csv": ".csv", "parquet": ".parquet", "xlsx": ".xlsx", "jsonl": ".jsonl"}
BUNDLE = "all"
META_SUFFIX = ".meta.json"
BUNDLE_META = "_meta.json"
DICTIONARY_MD = "DATA_DICTIONARY.md"
DICTIONARY_JSON = "data_dictionary.json"
EXCEL_MAX_ROWS = 1_048_575
EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_SHEET_NAME = 31
EXCEL_MAX_WIDTH = 60  # characters: long text (quotes, payloads) wraps to this in the column rather than running on
# Number formats by what a column holds. Formats change what Excel shows, never the stored value: float noise such
# as 6.9e-18 shows as 0.0000 and is still 6.9e-18 in the cell.
EXCEL_NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "probability": "0.0000",
    "number": "0.00",
    "integer": "0",
}
_WIDE_FLOATS = ("days", "seconds")  # floats that are not probabilities or scores in [0, 2]
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 has no such characters
BUNDLE_WORKBOOK = "ledger.xlsx"
DICTIONARY_SHEET = "data dictionary"
META_SHEET = "_meta"
LONG_TEXT_SHEET = "_long_text"
LONG_TEXT_PART = 16_000  # characters per part: under Excel's cell limit even when every one is two UTF-16 units
LONG_TEXT_COLUMNS = ("table", "row", "column", "part", "parts", "text")
DATAPACKAGE = "datapackage.json"
# Options of single-table exports beyond the filters, per table.
OPTIONS = {"leaderboard": ("by", "sort", "run"), "calibration": ("bins",)}

Progress = Callable[[str, int, int | None], None]


def _now() -> str:
    return timepoints.utc_now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_of(fmt: str | None, out: Path) -> str:
    """The format named, or the one the output's extension implies."""
    if fmt is None:
        for name, ext in FORMATS.items():
            if out.name.lower().endswith(ext):
                return name
        raise UserError(f"cannot tell the format from {out.name!r}: give --format ({', '.join(FORMATS)})", "format")
    if fmt not in FORMATS:
        raise UserError(f"{fmt!r} is not an export format ({', '.join(FORMATS)})", "format")
    return fmt


def _check_table(table: str) -> TableSpec:
    if table not in TABLES:
        raise UserError(f"{table!r} is not a table ({', '.join([*TABLES, BUNDLE])})", "table")
    return TABLES[table]


def _check_options(table: str, options: dict[str, Any]) -> dict[str, Any]:
    spec = _check_table(table)
    given = {k: v for k, v in options.items() if v is not None and v != [] and v != ()}
    for name in given:
        if name not in spec.filters:
            allowed = ", ".join(spec.filters) or "none"
            raise UserError(f"does not apply to the {table} table (it takes: {allowed})", name)
    return given


# ---------------------------------------------------------------------------------------------- cell values


def _iso(series: pd.Series) -> list[str | None]:
    text = series.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [None if isinstance(v, float) or v is None else str(v) for v in text.astype(object)]


def _cells(chunk: pd.DataFrame, spec: TableSpec, flavor: str) -> list[list[Any]]:
    """Column-wise Python values for a writer: flavor ``text`` (CSV), ``json`` or ``excel``."""
    import pandas as pd

    columns: list[list[Any]] = []
    for col in _spec_for(chunk, spec):
        s = chunk[col.name]
        if col.dtype == TIME:
            if flavor == "excel":
                naive = s.dt.tz_convert(None).dt.round("ms")
                values: list[Any] = [None if pd.isna(v) else v.to_pydatetime() for v in naive]
            else:
                values = _iso(s)
        elif col.dtype == FLOAT:
            values = [_float_cell(float(v), flavor) for v in s.to_numpy()]
        elif col.dtype in (INT, NULLABLE_INT):
            values = [None if v is pd.NA or v is None else int(v) for v in s.astype(object)]
        elif col.dtype == BOOL:
            raw = [None if v is pd.NA or v is None else bool(v) for v in s.astype(object)]
            values = [None if v is None else ("true" if v else "false") for v in raw] if flavor == "text" else raw
        else:
            values = [
                None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
                for v in s.astype(object)
            ]
        if flavor == "text":
            values = ["" if v is None else v for v in values]
        columns.append(values)
    return columns


def _float_cell(v: float, flavor: str) -> Any:
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v) if flavor == "text" else v


def _spec_for(frame: pd.DataFrame, spec: TableSpec) -> list[Col]:
    """The columns of ``frame`` with their documented dtypes (a leaderboard's key column depends on ``by``)."""
    known = {c.name: c for c in spec.columns}
    if spec.name == "leaderboard":
        for key in GROUPINGS.values():
            known.setdefault(key, Col(key, STRING, ""))
    out = []
    for name in frame.columns:
        if name not in known:
            raise UserError(f"column {name!r} is not a column of the {spec.name} table", "columns")
        out.append(known[str(name)])
    return out


def restore_dtypes(raw: pd.DataFrame, table: str) -> pd.DataFrame:
    """A frame read back from CSV, JSON lines or xlsx, with the documented dtypes of ``table``."""
    import pandas as pd

    spec = _check_table(table)
    cols = _spec_for(raw, spec)
    parsed: dict[str, list[Any]] = {}
    for col in cols:
        parsed[col.name] = [_parse(v, col.dtype) for v in raw[col.name].astype(object).tolist()]
        if col.dtype == TIME:
            parsed[col.name] = list(
                pd.to_datetime(pd.Series(parsed[col.name], dtype=object), utc=True, format="ISO8601")
            )
    local = TableSpec(spec.name, spec.description, tuple(cols), spec.filters, spec.order)
    return apply_dtypes(pd.DataFrame(parsed, columns=[c.name for c in cols]), local)


def _parse(value: Any, dtype: str) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    if dtype == FLOAT:
        return float(value)  # "inf" and "-inf" too
    if dtype in (INT, NULLABLE_INT):
        return int(value)
    if dtype == BOOL:
        if isinstance(value, str):
            if value not in ("true", "false"):
                raise UserError(f"{value!r} is not true or false", "boolean")
            return value == "true"
        return bool(value)
    if dtype == TIME:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        return str(value)
    return str(value)


# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection"). CSV exports
# prefix such text cells with an apostrophe, and also any text cell that starts with an apostrophe itself, so
# that `read_csv` can remove exactly one leading apostrophe and get the text back unchanged. Numbers, times
# and booleans are never touched: a negative number stays a number.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRAL_PREFIX = "'"
TEXT_DTYPES = (STRING, CATEGORY)


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, NEUTRAL_PREFIX)):
        return NEUTRAL_PREFIX + value
    return value


def restore_neutralised(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(NEUTRAL_PREFIX):
        return value[len(NEUTRAL_PREFIX) :]
    return value


# --------------------------------------------------------------------------------------------------- writers


class _Sink:
    def __init__(self, path: Path, spec: TableSpec, spreadsheet_safe: bool = True) -> None:
        self.path = path
        self.spec = spec
        self.rows = 0
        self.spreadsheet_safe = spreadsheet_safe

    def write(self, chunk: pd.DataFrame) -> None:
        raise NotImplementedError

    def close(self, meta: dict[str, Any]) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Release what ``write`` opened after a failure (the temporary file is removed by the caller)."""


class _ParquetSink(_Sink):
    def __init__(self, path: Path, spec: TableSpec, spreadsheet_safe: bool = True) -> None:
        super().__init__(path, spec, spreadsheet_safe)
        self.writer: Any = None
        self.schema: Any = None

    def write(self, chunk: pd.DataFrame) -> None:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            schema = pa.Schema.from_pandas(chunk, preserve_index=False)
            # categoricals as dictionaries of strings even when empty (pandas would infer null values)
            for i, name in enumerate(schema.names):
                if isinstance(chunk[name].dtype, pd.CategoricalDtype):
                    schema = schema.set(i, pa.field(name, pa.dictionary(pa.int32(), pa.large_string())))
            self.schema = schema
            self.writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")
        table = pa.Table.from_pandas(chunk, schema=self.schema, preserve_index=False)
        self.writer.write_table(table)
        self.rows += len(chunk)

    def close(self, meta: dict[str, Any]) -> None:
        self.writer.add_key_value_metadata({"tracker": json.dumps(meta, ensure_ascii=False)})
        self.writer.close()

    def abort(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()


class _CsvSink(_Sink):
    def __init__(self, path: Path, spec: TableSpec, spreadsheet_safe: bool = True) -> None:
        super().__init__(path, spec, spreadsheet_safe)
        self.file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close/abort

    def write(self, chunk: pd.DataFrame) -> None:
        import pandas as pd

        names = [str(c) for c in chunk.columns]
        cols = _cells(chunk, self.spec, "text")
        if self.spreadsheet_safe:
            for i, col in enumerate(_spec_for(chunk, self.spec)):
                if col.dtype in TEXT_DTYPES:
                    cols[i] = [neutralise(v) for v in cols[i]]
        text = pd.DataFrame(dict(zip(names, cols, strict=True)), columns=names, dtype=object)
        text.to_csv(self.file, header=self.rows == 0, index=False, lineterminator="\n")
        self.rows += len(chunk)

    def close(self, meta: dict[str, Any]) -> None:
        self.file.close()

    def abort(self) -> None:
        self.file.close()


class _JsonlSink(_Sink):
    def __init__(self, path: Path, spec: TableSpec, spreadsheet_safe: bool = True) -> None:
        super().__init__(path, spec, spreadsheet_safe)
        self.file = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed in close/abort

    def write(self, chunk: pd.DataFrame) -> None:
        names = [str(c) for c in chunk.columns]
        cols = _cells(chunk, self.spec, "json")
        for values in zip(*cols, strict=True):
            self.file.write(json.dumps(dict(zip(names, values, strict=True)), ensure_ascii=False, allow_nan=False))
            self.file.write("\n")
        self.rows += len(chunk)

    def close(self, meta: dict[str, Any]) -> None:
        self.file.close()

    def abort(self) -> None:
        self.file.close()


class _Workbook:
    """One XlsxWriter workbook: sheets of tables, a data-dictionary sheet and a ``_meta`` sheet.

    Strings are always written as strings (``strings_to_formulas`` and ``strings_to_urls`` off, and
    ``write_string`` for text cells), so a forecaster named ``=HYPERLINK(...)`` stays text in Excel.
    ``constant_memory`` streams each sheet's rows to a temporary file, so memory stays bounded."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.used: set[str] = set()
        self.header = self.book.add_format({"bold": True, "bottom": 1, "text_wrap": False})
        self.formats = {kind: self.book.add_format({"num_format": f}) for kind, f in EXCEL_NUMBER_FORMATS.items()}
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        # Texts longer than a cell (table, data row, column, text): rare, kept until the workbook's end, when they
        # are written whole to the companion sheet.
        self.long: list[tuple[str, int, str, str]] = []
        self.closed = False

    def add_sheet(self, name: str) -> Any:
        return self.book.add_worksheet(sheet_name(name, self.used))

    def table_sheet(self, spec: TableSpec) -> _XlsxSheet:
        return _XlsxSheet(self, self.add_sheet(spec.name), spec)

    def dictionary_sheet(self, tables: dict[str, TableSpec]) -> None:
        sheet = _XlsxSheet(self, self.add_sheet(DICTIONARY_SHEET), None)
        rows: list[list[Any]] = []
        for name, spec in tables.items():
            rows.append([name, "", "", "", spec.description])
            rows += [[name, c.name, c.dtype, excel_kind(c), c.meaning] for c in spec.columns]
        sheet.write_rows(["table", "column", "dtype", "excel", "meaning"], rows)
        sheet.finish()

    def long_text_sheet(self) -> int:
        """The texts longer than a cell, in parts of at most LONG_TEXT_PART characters, one row per part (none
        when no text was too long); returns how many cells it holds."""
        if not self.long:
            return 0
        sheet = _XlsxSheet(self, self.add_sheet(LONG_TEXT_SHEET), None)
        rows: list[list[Any]] = []
        for table, row, column, text in self.long:
            parts = [text[i : i + LONG_TEXT_PART] for i in range(0, len(text), LONG_TEXT_PART)]
            rows += [[table, row, column, n, len(parts), part] for n, part in enumerate(parts, 1)]
        sheet.write_rows(list(LONG_TEXT_COLUMNS), rows)
        sheet.finish()
        return len(self.long)

    def meta_sheet(self, meta: dict[str, Any]) -> None:
        sheet = _XlsxSheet(self, self.add_sheet(META_SHEET), None)
        sheet.write_rows(["key", "value"], [[k, v] for k, v in _flatten(meta)])
        sheet.finish()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.book.close()

    def abort(self) -> None:
        # closing removes XlsxWriter's temporary files; the half-written workbook is removed by the caller
        with contextlib.suppress(Exception):
            self.close()


def sheet_name(name: str, used: set[str]) -> str:
    """A sheet name Excel accepts, unique in the workbook (case-insensitively): at most 31 characters, none of
    ``[]:*?/\\``, not starting or ending with an apostrophe, not the reserved ``History``."""
    base = re.sub(r"[\[\]:*?/\\\x00-\x1f]", "_", name).strip("'")[:EXCEL_MAX_SHEET_NAME].strip("'") or "sheet"
    candidate, n = base, 2
    while candidate.lower() in used or candidate.lower() == "history":
        suffix = f" ({n})"
        candidate = base[: EXCEL_MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def excel_kind(col: Col) -> str:
    """How a column shows in Excel: a key of EXCEL_NUMBER_FORMATS, or ``text``."""
    if col.dtype == TIME:
        return "date" if "(midnight UTC)" in col.meaning else "datetime"
    if col.dtype == FLOAT:
        return "number" if col.name in _WIDE_FLOATS or "baseline" in col.name else "probability"
    if col.dtype in (INT, NULLABLE_INT):
        return "integer"
    if col.dtype == BOOL:
        return "boolean"
    return "text"


class _XlsxSheet:
    """One sheet: a bold, frozen header with an autofilter, typed cells with number formats, fitted widths."""

    def __init__(self, book: _Workbook, sheet: Any, spec: TableSpec | None) -> None:
        self.book = book
        self.sheet = sheet
        self.spec = spec
        self.rows = 0
        self.widths: list[int] = []
        self.kinds: list[str] = []
        self.wrapped: set[int] = set()

    def start(self, names: list[str], kinds: list[str]) -> None:
        self.kinds = kinds
        self.widths = [len(n) + 3 for n in names]  # room for the filter button
        self.sheet.freeze_panes(1, 0)
        for c, name in enumerate(names):
            self.sheet.write_string(0, c, name, self.book.header)

    def write_rows(self, names: list[str], rows: list[list[Any]]) -> None:
        """Plain rows (the dictionary and meta sheets): text, numbers and booleans as they are."""
        self.start(names, ["text"] * len(names))
        for values in rows:
            self.put(values)

    def write_chunk(self, chunk: pd.DataFrame, spec: TableSpec) -> None:
        cols = _spec_for(chunk, spec)
        if self.rows == 0:
            self.start([c.name for c in cols], [excel_kind(c) for c in cols])
        if self.rows + len(chunk) > EXCEL_MAX_ROWS:
            raise UserError(
                f"{spec.name} has {self.rows + len(chunk):,}+ rows, more than an Excel sheet holds "
                f"({EXCEL_MAX_ROWS:,} below the header): use csv or parquet, or filter the export",
                "format",
            )
        for values in zip(*_cells(chunk, spec, "excel"), strict=True):
            self.put(list(values), [c.name for c in cols])

    def put(self, values: list[Any], names: list[str] | None = None) -> None:
        r = self.rows + 1
        for c, v in enumerate(values):
            kind = self.kinds[c]
            if v is None:
                continue
            if isinstance(v, str):
                column = names[c] if names else str(c)
                _check_excel_text(v, self.spec, column, r)
                if len(v) > EXCEL_MAX_CHARS:
                    table = self.spec.name if self.spec is not None else self.sheet.get_name()
                    self.book.long.append((table, r, column, v))
                    v = f"[{len(v):,} characters, more than a cell holds: whole in sheet {LONG_TEXT_SHEET}, row {r}]"
                width = max((len(line) for line in v.splitlines()), default=0)
                if width > EXCEL_MAX_WIDTH or "\n" in v:
                    self.sheet.write_string(r, c, v, self.book.wrap)
                    self.wrapped.add(c)
                else:
                    self.sheet.write_string(r, c, v)
            elif isinstance(v, bool):
                self.sheet.write_boolean(r, c, v)
                width = 5
            elif isinstance(v, datetime):
                self.sheet.write_datetime(r, c, v, self.book.formats[kind])
                width = len(EXCEL_NUMBER_FORMATS[kind])
            elif isinstance(v, int | float):
                fmt = self.book.formats.get(kind)
                self.sheet.write_number(r, c, v, fmt)
                width = len(str(v)) if kind == "integer" else 10
            else:
                text = str(v)
                self.sheet.write_string(r, c, text)
                width = len(text)
            if width + 1 > self.widths[c]:
                self.widths[c] = width + 1
        self.rows += 1

    def finish(self) -> None:
        if not self.kinds:  # nothing started: an empty frame has no columns to head
            return
        for c, width in enumerate(self.widths):
            self.sheet.set_column(c, c, min(width, EXCEL_MAX_WIDTH), self.book.wrap if c in self.wrapped else None)
        self.sheet.autofilter(0, 0, self.rows, len(self.kinds) - 1)


def _check_excel_text(v: str, spec: TableSpec | None, column: str, row: int) -> None:
    where = f"{spec.name}.{column} of row {row}" if spec is not None else f"row {row}"
    if _EXCEL_ILLEGAL.search(v):
        raise UserError(f"{where} has a control character Excel cannot store: use csv or parquet", "format")


class _XlsxSink(_Sink):
    """A single-table workbook: the table's sheet, its data dictionary and ``_meta``."""

    def __init__(self, path: Path, spec: TableSpec, spreadsheet_safe: bool = True) -> None:
        super().__init__(path, spec, spreadsheet_safe)
        self.book = _Workbook(path)
        self.table = self.book.table_sheet(spec)

    def write(self, chunk: pd.DataFrame) -> None:
        self.table.write_chunk(chunk, self.spec)
        self.rows = self.table.rows

    def close(self, meta: dict[str, Any]) -> None:
        if self.rows == 0 and not self.table.kinds:
            self.table.start(self.spec.names, [excel_kind(c) for c in self.spec.columns])
        self.table.finish()
        long_cells = self.book.long_text_sheet()
        self.book.dictionary_sheet({self.spec.name: self.spec})
        long_text = {"long_text": {"sheet": LONG_TEXT_SHEET, "cells": long_cells}} if long_cells else {}
        self.book.meta_sheet({**meta, **long_text})
        self.book.close()

    def abort(self) -> None:
        self.book.abort()


class _BundleSheetSink(_Sink):
    """A table's sheet in the bundle's one workbook (closed by the bundle)."""

    def __init__(self, book: _Workbook, spec: TableSpec) -> None:
        super().__init__(book_path(book), spec)
        self.sheet = book.table_sheet(spec)

    def write(self, chunk: pd.DataFrame) -> None:
        self.sheet.write_chunk(chunk, self.spec)
        self.rows = self.sheet.rows

    def close(self, meta: dict[str, Any]) -> None:
        if not self.sheet.kinds:
            self.sheet.start(self.spec.names, [excel_kind(c) for c in self.spec.columns])
        self.sheet.finish()


def book_path(book: _Workbook) -> Path:
    return Path(book.book.filename)


def _flatten(meta: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in meta.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, list | tuple):
            yield f"{prefix}{key}", json.dumps(value, ensure_ascii=False)
        else:
            yield f"{prefix}{key}", value


_SINKS: dict[str, type[_Sink]] = {"csv": _CsvSink, "parquet": _ParquetSink, "xlsx": _XlsxSink, "jsonl": _JsonlSink}


# -------------------------------------------------------------------------------------------------- exports


def _os_error(path: Path, e: OSError) -> UserError:
    return UserError(f"cannot write {str(path)!r}: {e.strerror or e}", "out")


def _meta_common(ledger: Ledger, snap: Snapshot) -> dict[str, Any]:
    from tracker.store.db import describe_url

    return {
        "tracker_version": __version__,
        "exported_at": _now(),
        "ledger": {"database": describe_url(ledger.url), **snap.meta()},
    }


def _write_table(
    ledger: Ledger,
    snap: Snapshot,
    table: str,
    fmt: str,
    path: Path,
    options: dict[str, Any],
    progress: Progress | None,
    meta_base: dict[str, Any],
    spreadsheet_safe: bool = True,
    make_sink: Callable[[TableSpec], _Sink] | None = None,
) -> dict[str, Any]:
    reader = ledger.table(snap, table, **options)
    total = reader.count()
    spec = reader.spec
    sink = make_sink(spec) if make_sink is not None else _SINKS[fmt](path, spec, spreadsheet_safe)
    columns: list[dict[str, str]] = []
    try:
        for chunk in reader.chunks():
            if not columns:
                columns = [{"name": c.name, "dtype": c.dtype} for c in _spec_for(chunk, TABLES[table])]
            sink.write(chunk)
            if progress is not None:
                progress(table, sink.rows, total)
        meta = {
            **meta_base,
            "table": table,
            "format": fmt,
            "rows": sink.rows,
            "options": {k: v for k, v in options.items()},
            "columns": columns,
            **({"spreadsheet_safe": spreadsheet_safe} if fmt == "csv" else {}),
        }
        sink.close(meta)
    except BaseException:
        sink.abort()
        raise
    return meta


def export_table(
    ledger: Ledger,
    table: str,
    out: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    as_of: Any = None,
    run: Any = None,
    progress: Progress | None = None,
    spreadsheet_safe: bool = True,
    **options: Any,
) -> dict[str, Any]:
    """Write one table to ``out`` (and its head, options and columns to ``out.meta.json``); returns the meta.

    ``options`` are the frame method's keyword arguments (status, tag, forecaster, question, source, outlet,
    type, and by / sort for the leaderboard, bins for calibration), each where the table takes it. ``as_of`` and
    ``run`` are the read side's time travel (`tracker.read.snapshot`).
    """
    path = Path(out)
    if table == BUNDLE:
        raise UserError("use export_bundle for every table", "table")
    given = _check_options(table, options)
    fmt = format_of(fmt, path)
    sidecar = path.with_name(path.name + META_SUFFIX)
    outfiles.check_file_target(sidecar)
    with ledger.snapshot(as_of, run) as snap:
        with outfiles.atomic_path(path) as tmp:
            meta = _write_table(
                ledger, snap, table, fmt, tmp, given, progress, _meta_common(ledger, snap), spreadsheet_safe
            )
        with outfiles.atomic_path(sidecar) as tmp_meta:
            tmp_meta.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


def export_bundle(
    ledger: Ledger,
    out: str | os.PathLike[str],
    fmt: str = "parquet",
    *,
    as_of: Any = None,
    run: Any = None,
    progress: Progress | None = None,
    spreadsheet_safe: bool = True,
) -> dict[str, Any]:
    """Every table (one snapshot) into a directory, or a .zip, with DATA_DICTIONARY.md, data_dictionary.json
    and _meta.json (head position and hash, rows and file of each table)."""
    path = Path(out)
    fmt = format_of(fmt, path)
    as_zip = path.suffix.lower() == ".zip"
    if as_zip:
        outfiles.check_file_target(path)
        work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else "."))
    else:
        outfiles.check_directory_target(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise _os_error(path, e) from None
        outfiles.writable_directory(path)
        work = path
    try:
        with ledger.snapshot(as_of, run) as snap:
            base = _meta_common(ledger, snap)
            long_text: dict[str, Any] = {}
            if fmt == "xlsx":
                tables = _bundle_workbook(ledger, snap, work / BUNDLE_WORKBOOK, progress, base, long_text)
            else:
                tables = {}
                for table in TABLES:
                    name = table + FORMATS[fmt]
                    with outfiles.atomic_path(work / name) as tmp:
                        meta = _write_table(ledger, snap, table, fmt, tmp, {}, progress, base, spreadsheet_safe)
                    tables[table] = {"file": name, "rows": meta["rows"], "columns": meta["columns"]}
        # The bundle states whether the chain, the projections and the scores were verified, and when: a reader of
        # the files alone can see what was proven about them.
        verification = ledger.verify()
        bundle_meta = {
            **base,
            "verification": {
                "ok": verification["ok"],
                "scores_verified": verification["ok"],
                "verified_at": timepoints.utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "head_position": verification["head_position"],
                "problem": verification.get("problem"),
            },
            "format": fmt,
            "tables": tables,
            **({"long_text": {"file": BUNDLE_WORKBOOK, **long_text}} if long_text else {}),
            **({"spreadsheet_safe": spreadsheet_safe} if fmt == "csv" else {}),
        }
        files = {
            BUNDLE_META: json.dumps(bundle_meta, indent=2, ensure_ascii=False) + "\n",
            DICTIONARY_JSON: json.dumps(data_dictionary(), indent=2, ensure_ascii=False) + "\n",
            DICTIONARY_MD: dictionary_markdown(bundle_meta),
            DATAPACKAGE: json.dumps(datapackage(bundle_meta), indent=2, ensure_ascii=False) + "\n",
        }
        for name, text in files.items():
            with outfiles.atomic_path(work / name) as tmp:
                tmp.write_text(text, encoding="utf-8")
        if as_zip:
            with outfiles.atomic_path(path) as tmp_zip, zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as archive:
                for name in [*files, *sorted({t["file"] for t in tables.values()})]:
                    archive.write(work / name, arcname=name)
    except OSError as e:
        raise _os_error(path, e) from None
    finally:
        if as_zip:
            shutil.rmtree(work, ignore_errors=True)
    return bundle_meta


def _bundle_workbook(
    ledger: Ledger,
    snap: Snapshot,
    path: Path,
    progress: Progress | None,
    base: dict[str, Any],
    long_text: dict[str, Any],
) -> dict[str, Any]:
    """Every table as a sheet of one workbook, then the texts longer than a cell (their sheet and count go into
    ``long_text``), the data dictionary and ``_meta`` sheets."""
    tables: dict[str, Any] = {}
    with outfiles.atomic_path(path) as tmp:
        book = _Workbook(tmp)
        try:
            for table in TABLES:
                sinks: list[_BundleSheetSink] = []

                def make_sink(spec: TableSpec, sinks: list[_BundleSheetSink] = sinks) -> _Sink:
                    sinks.append(_BundleSheetSink(book, spec))
                    return sinks[-1]

                meta = _write_table(ledger, snap, table, "xlsx", tmp, {}, progress, base, make_sink=make_sink)
                sheet = sinks[0].sheet.sheet.get_name()
                tables[table] = {"file": path.name, "sheet": sheet, "rows": meta["rows"], "columns": meta["columns"]}
            long_cells = book.long_text_sheet()
            book.dictionary_sheet(TABLES)
            book.meta_sheet({**base, "format": "xlsx", "sheets": {t: v["sheet"] for t, v in tables.items()}})
            if long_cells:
                long_text["sheet"], long_text["cells"] = LONG_TEXT_SHEET, long_cells
            book.close()
        except BaseException:
            book.abort()
            raise
    return tables


_SCHEMA_TYPES = {STRING: "string", CATEGORY: "string", FLOAT: "number", INT: "integer", NULLABLE_INT: "integer"}
_MEDIA_TYPES = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def schema_field(col: Col, fmt: str) -> dict[str, Any]:
    """A Frictionless Table Schema field for a column as written in ``fmt``. Times are ``datetime`` (in CSV and
    JSON lines ISO 8601 with fractional seconds and ``Z``); in xlsx a date column holds Excel dates: ``date``."""
    field: dict[str, Any] = {"name": col.name, "description": col.meaning}
    if col.dtype == TIME:
        if fmt == "xlsx" and excel_kind(col) == "date":
            field["type"] = "date"
        else:
            field["type"] = "datetime"
            if fmt in ("csv", "jsonl"):
                field["format"] = "%Y-%m-%dT%H:%M:%S.%fZ"
    elif col.dtype == BOOL:
        field["type"] = "boolean"
        if fmt == "csv":
            field["trueValues"], field["falseValues"] = ["true"], ["false"]
    else:
        field["type"] = _SCHEMA_TYPES[col.dtype]
        if col.dtype == FLOAT and fmt == "csv":
            field["description"] += " (inf and -inf are written as such)"
    return field


DATAPACKAGE_SCHEMA = "https://datapackage.org/profiles/2.0/datapackage.json"
DATARESOURCE_SCHEMA = "https://datapackage.org/profiles/2.0/dataresource.json"
_LONG_TEXT_SPEC = TableSpec(
    LONG_TEXT_SHEET,
    "Texts longer than an Excel cell holds, whole, in parts: the cell in `table`'s sheet at data row `row`, "
    "column `column` is the concatenation of its parts in order.",
    (
        Col("table", STRING, "the table (sheet) whose cell this text belongs to"),
        Col("row", INT, "the cell's data row (1 is the first row under the header)"),
        Col("column", STRING, "the cell's column"),
        Col("part", INT, "this part's number, from 1"),
        Col("parts", INT, "how many parts the text has"),
        Col("text", STRING, "this part of the text"),
    ),
    (),
    "table, row, column, part",
)


def datapackage(bundle_meta: dict[str, Any]) -> dict[str, Any]:
    """A Frictionless Data Package (v2) descriptor of a bundle: one tabular resource per table, its file, format and
    Table Schema (types from the table specs); in an xlsx bundle each resource names its sheet, and the sheet of
    texts longer than a cell is a resource too."""
    fmt = bundle_meta["format"]
    led = bundle_meta["ledger"]
    resources = []
    tables: list[tuple[str, TableSpec, dict[str, Any]]] = [(t, TABLES[t], i) for t, i in bundle_meta["tables"].items()]
    if "long_text" in bundle_meta:
        tables.append(("long_text", _LONG_TEXT_SPEC, bundle_meta["long_text"]))
    for table, spec, info in tables:
        resource: dict[str, Any] = {
            "$schema": DATARESOURCE_SCHEMA,
            "name": table.replace("_", "-"),
            "type": "table",
            "path": info["file"],
            "format": fmt,
            "mediatype": _MEDIA_TYPES[fmt],
            "encoding": "utf-8",
            "description": spec.description,
            "schema": {
                "fields": [schema_field(c, fmt) for c in spec.columns],
                "missingValues": [""],
            },
        }
        if fmt == "xlsx":
            # sheetName is the standard's (Table Dialect, v2); frictionless-py 5 reads the sheet from its own
            # "excel" control, so both name it.
            resource["dialect"] = {"header": True, "sheetName": info["sheet"], "excel": {"sheet": info["sheet"]}}
            del resource["encoding"]
        elif fmt == "parquet":
            del resource["encoding"]
        resources.append(resource)
    return {
        "$schema": DATAPACKAGE_SCHEMA,
        "name": "forecast-tracker-ledger",
        "title": "forecast-tracker ledger export",
        "description": f"Every table of the ledger at position {led['head_position']}, hash {led['head_hash']}.",
        "created": bundle_meta["exported_at"],
        "version": str(led["head_position"]),
        "resources": resources,
    }


def dictionary_markdown(bundle_meta: dict[str, Any] | None = None, level: int = 1) -> str:
    """DATA_DICTIONARY.md: every table, every column with its dtype and meaning (``level``: the title's heading
    level; the tables are one below it)."""
    lines = ["#" * level + " Data dictionary", ""]
    if bundle_meta is not None:
        led = bundle_meta["ledger"]
        lines += [
            f"Exported {bundle_meta['exported_at']} by forecast-tracker {bundle_meta['tracker_version']} from "
            f"`{led['database']}`.",
            "",
            f"- Ledger head: position {led['head_position']}, hash `{led['head_hash']}`"
            + (f" (as of {json.dumps(led['as_of'])})" if led.get("as_of") else ""),
            f"- Scores: scoring run {led['scores_run_id']}, through position {led['scores_through_position']}"
            if led.get("scores_run_id")
            else "- Scores: no scoring run yet",
            f"- Format: {bundle_meta['format']}",
            "",
        ]
    lines += [
        "Reading the files: Parquet keeps every dtype (`pandas.read_parquet`). CSV, JSON lines and xlsx read back "
        "with these dtypes through `tracker.app.export.read_csv(path, table)`, `read_jsonl` and `read_xlsx`, or "
        "the whole bundle with `read_bundle(path)`.",
        "",
        "Dtypes: `datetime64[ns, UTC]` are tz-aware UTC times (a date is midnight UTC of that day; in CSV and JSON "
        "lines ISO 8601 with `Z`); `category` columns repeat a few values (their categories are the values "
        "present, sorted); `float64` probabilities and scores are NaN where undefined; `boolean` and `Int64` "
        "can be missing; `string` is text (JSON-valued columns hold JSON text); `int64` is never missing.",
        "",
    ]
    for name, spec in TABLES.items():
        lines += ["#" * (level + 1) + f" {name}", "", spec.description, ""]
        if bundle_meta is not None and name in bundle_meta.get("tables", {}):
            t = bundle_meta["tables"][name]
            lines += [f"File `{t['file']}`, {t['rows']} rows. Order: {spec.order}.", ""]
        else:
            lines += [f"Order: {spec.order}.", ""]
        lines += ["| column | dtype | meaning |", "|---|---|---|"]
        for c in spec.columns:
            lines.append(f"| `{c.name}` | `{c.dtype}` | {c.meaning.replace('|', '&#124;')} |")
        lines.append("")
    return "\n".join(lines)


# -------------------------------------------------------------------------------------------------- reading


def _table_of(path: Path, table: str | None) -> str:
    if table is not None:
        return table
    sidecar = path.with_name(path.name + META_SUFFIX)
    if sidecar.exists():
        return str(json.loads(sidecar.read_text(encoding="utf-8"))["table"])
    raise UserError(f"give the table of {str(path)!r} (no {sidecar.name} beside it)", "table")


def read_csv(
    path: str | os.PathLike[str] | Any, table: str | None = None, spreadsheet_safe: bool | None = None
) -> pd.DataFrame:
    """A CSV export read back with the documented dtypes (``table`` defaults to the one in PATH.meta.json).

    ``spreadsheet_safe``: whether the export neutralised formula-like text (its meta says; the default export
    does); the apostrophes it added are removed, so the frame equals the one exported."""
    import pandas as pd

    name = _table_of(Path(path), table) if isinstance(path, str | os.PathLike) else table
    if name is None:
        raise UserError("give the table", "table")
    if spreadsheet_safe is None:
        sidecar = _sidecar_meta(Path(path)) if isinstance(path, str | os.PathLike) else None
        spreadsheet_safe = bool((sidecar or {}).get("spreadsheet_safe", True))
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    if spreadsheet_safe:
        for col in _spec_for(raw, _check_table(name)):
            if col.dtype in TEXT_DTYPES:
                raw[col.name] = [restore_neutralised(v) for v in raw[col.name]]
    return restore_dtypes(raw, name)


def _sidecar_meta(path: Path) -> dict[str, Any] | None:
    sidecar = path.with_name(path.name + META_SUFFIX)
    if not sidecar.exists():
        return None
    return dict(json.loads(sidecar.read_text(encoding="utf-8")))


def read_jsonl(path: str | os.PathLike[str] | Any, table: str | None = None) -> pd.DataFrame:
    """A JSON-lines export read back with the documented dtypes."""
    import pandas as pd

    name = _table_of(Path(path), table) if isinstance(path, str | os.PathLike) else table
    if name is None:
        raise UserError("give the table", "table")
    spec = TABLES[name]
    opened = open(path, encoding="utf-8") if isinstance(path, str | os.PathLike) else path  # noqa: SIM115
    with opened as f:
        rows = [json.loads(line) for line in f if line.strip()]
    columns = list(rows[0]) if rows else spec.names
    return restore_dtypes(pd.DataFrame(rows, columns=columns, dtype=object), name)


def read_xlsx(path: str | os.PathLike[str] | Any, table: str | None = None, sheet: str | None = None) -> pd.DataFrame:
    """An xlsx export read back with the documented dtypes (times to the millisecond): its first sheet, or
    ``sheet`` (a bundle's workbook has one per table)."""
    import pandas as pd
    from openpyxl import load_workbook

    name = _table_of(Path(path), table) if isinstance(path, str | os.PathLike) else table
    if name is None:
        raise UserError("give the table", "table")
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list((book[sheet] if sheet is not None else book.worksheets[0]).iter_rows(values_only=True))
        long_rows = list(book[LONG_TEXT_SHEET].iter_rows(values_only=True))[1:] if LONG_TEXT_SHEET in book else []
    finally:
        book.close()
    header = [str(h) for h in rows[0] if h is not None] if rows else TABLES[name].names
    width = len(header)
    body = [(list(r) + [None] * width)[:width] for r in rows[1:]]  # read-only mode drops trailing empty cells
    whole: dict[tuple[int, str], list[str]] = {}
    for table, row, column, _part, _parts, text in long_rows:  # the parts are written in order
        if table == name:
            whole.setdefault((int(row), str(column)), []).append(str(text))
    for (row, column), parts in whole.items():
        body[row - 1][header.index(column)] = "".join(parts)
    return restore_dtypes(pd.DataFrame(body, columns=header, dtype=object), name)


def read_parquet(path: str | os.PathLike[str] | Any) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(path)


def read_export(path: str | os.PathLike[str], table: str | None = None) -> pd.DataFrame:
    """Any single-table export, by its extension."""
    p = Path(path)
    fmt = format_of(None, p)
    if fmt == "parquet":
        return read_parquet(p)
    reader = {"csv": read_csv, "jsonl": read_jsonl, "xlsx": read_xlsx}[fmt]
    return reader(p, table)


def parquet_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The export's meta stored in a Parquet file's key-value metadata."""
    import pyarrow.parquet as pq

    kv = pq.ParquetFile(str(path)).metadata.metadata or {}
    return dict(json.loads(kv[b"tracker"]))


def read_bundle(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Every table of a bundle (directory or .zip), typed; the bundle's _meta.json under the key ``"_meta"``
    is not a frame, so it is returned separately by `bundle_meta`."""
    import io

    p = Path(path)
    meta = bundle_meta(p)
    fmt = meta["format"]
    out: dict[str, pd.DataFrame] = {}
    members: dict[str, bytes] = {}  # an xlsx bundle's tables share one workbook: unzip it once
    for table, info in meta["tables"].items():
        if p.is_dir():
            source: Any = p / info["file"]
        else:
            if info["file"] not in members:
                with zipfile.ZipFile(p) as archive:
                    members = {info["file"]: archive.read(info["file"])}
            data = members[info["file"]]
            source = io.BytesIO(data) if fmt in ("parquet", "xlsx") else io.StringIO(data.decode("utf-8"))
        if fmt == "parquet":
            out[table] = read_parquet(source)
        elif fmt == "xlsx":
            out[table] = read_xlsx(source, table, info["sheet"])
        else:
            if fmt == "csv":
                out[table] = read_csv(source, table, bool(meta.get("spreadsheet_safe", True)))
            else:
                out[table] = {"jsonl": read_jsonl, "xlsx": read_xlsx}[fmt](source, table)
    return out


def bundle_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    p = Path(path)
    if p.is_dir():
        return dict(json.loads((p / BUNDLE_META).read_text(encoding="utf-8")))
    with zipfile.ZipFile(p) as archive:
        return dict(json.loads(archive.read(BUNDLE_META).decode("utf-8")))


__all__ = [
    "FORMATS",
    "bundle_meta",
    "dictionary_markdown",
    "export_bundle",
    "export_table",
    "parquet_meta",
    "read_bundle",
    "read_csv",
    "read_export",
    "read_jsonl",
    "read_parquet",
    "read_xlsx",
    "restore_dtypes",
]
