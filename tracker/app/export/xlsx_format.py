"""xlsx: a workbook per table (its sheet, the data dictionary and ``_meta``), or one workbook for a bundle (a
sheet per table). Excel keeps times to the millisecond (they are written rounded to it, as naive UTC) and
numbers to about 16 significant digits; a sheet holds 1,048,575 rows. A cell holds at most 32,767 characters: a
longer text (an article in an event's payload) is kept whole in the ``_long_text`` sheet, in parts, and its cell
says so; `read_xlsx` puts it back together. Long text wraps in its column."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.app import outfiles
from tracker.app.export.base import Cells, Format, Progress, Sink, restore_dtypes, spec_for, table_of, write_table
from tracker.errors import UserError
from tracker.read.snapshot import Snapshot
from tracker.read.tables import BOOL, FLOAT, INT, NULLABLE_INT, STRING, TABLES, TIME, Col, TableSpec

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import Ledger

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


class ExcelCells(Cells):
    """Times as naive UTC datetimes rounded to the millisecond (what Excel keeps)."""

    def times(self, series: pd.Series) -> list[Any]:
        import pandas as pd

        naive = series.dt.tz_convert(None).dt.round("ms")
        return [None if pd.isna(v) else v.to_pydatetime() for v in naive]


EXCEL_CELLS = ExcelCells()


class Workbook:
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

    def table_sheet(self, spec: TableSpec) -> XlsxSheet:
        return XlsxSheet(self, self.add_sheet(spec.name), spec)

    def dictionary_sheet(self, tables: dict[str, TableSpec]) -> None:
        sheet = XlsxSheet(self, self.add_sheet(DICTIONARY_SHEET), None)
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
        sheet = XlsxSheet(self, self.add_sheet(LONG_TEXT_SHEET), None)
        rows: list[list[Any]] = []
        for table, row, column, text in self.long:
            parts = [text[i : i + LONG_TEXT_PART] for i in range(0, len(text), LONG_TEXT_PART)]
            rows += [[table, row, column, n, len(parts), part] for n, part in enumerate(parts, 1)]
        sheet.write_rows(list(LONG_TEXT_COLUMNS), rows)
        sheet.finish()
        return len(self.long)

    def meta_sheet(self, meta: dict[str, Any]) -> None:
        sheet = XlsxSheet(self, self.add_sheet(META_SHEET), None)
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


class XlsxSheet:
    """One sheet: a bold, frozen header with an autofilter, typed cells with number formats, fitted widths."""

    def __init__(self, book: Workbook, sheet: Any, spec: TableSpec | None) -> None:
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
        cols = spec_for(chunk, spec)
        if self.rows == 0:
            self.start([c.name for c in cols], [excel_kind(c) for c in cols])
        from tracker.app import export  # the limit is read from the package, where a test can lower it

        if self.rows + len(chunk) > export.EXCEL_MAX_ROWS:
            raise UserError(
                f"{spec.name} has {self.rows + len(chunk):,}+ rows, more than an Excel sheet holds "
                f"({export.EXCEL_MAX_ROWS:,} below the header): use csv or parquet, or filter the export",
                "format",
            )
        for values in zip(*EXCEL_CELLS.columns(chunk, spec), strict=True):
            self.put(list(values), [c.name for c in cols])

    def put(self, values: list[Any], names: list[str] | None = None) -> None:
        r = self.rows + 1
        for c, v in enumerate(values):
            kind = self.kinds[c]
            if v is None:
                continue
            if isinstance(v, str):
                column = names[c] if names else str(c)
                check_excel_text(v, self.spec, column, r)
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


def check_excel_text(v: str, spec: TableSpec | None, column: str, row: int) -> None:
    where = f"{spec.name}.{column} of row {row}" if spec is not None else f"row {row}"
    if _EXCEL_ILLEGAL.search(v):
        raise UserError(f"{where} has a control character Excel cannot store: use csv or parquet", "format")


class XlsxSink(Sink):
    """A single-table workbook: the table's sheet, its data dictionary and ``_meta``."""

    def __init__(self, path: Path, spec: TableSpec, spreadsheet_safe: bool = True) -> None:
        super().__init__(path, spec, spreadsheet_safe)
        self.book = Workbook(path)
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


class BundleSheetSink(Sink):
    """A table's sheet in the bundle's one workbook (closed by the bundle)."""

    def __init__(self, book: Workbook, spec: TableSpec) -> None:
        super().__init__(book_path(book), spec)
        self.sheet = book.table_sheet(spec)

    def write(self, chunk: pd.DataFrame) -> None:
        self.sheet.write_chunk(chunk, self.spec)
        self.rows = self.sheet.rows

    def close(self, meta: dict[str, Any]) -> None:
        if not self.sheet.kinds:
            self.sheet.start(self.spec.names, [excel_kind(c) for c in self.spec.columns])
        self.sheet.finish()


def book_path(book: Workbook) -> Path:
    return Path(book.book.filename)


def _flatten(meta: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in meta.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, list | tuple):
            yield f"{prefix}{key}", json.dumps(value, ensure_ascii=False)
        else:
            yield f"{prefix}{key}", value


def read_xlsx(path: str | os.PathLike[str] | Any, table: str | None = None, sheet: str | None = None) -> pd.DataFrame:
    """An xlsx export read back with the documented dtypes (times to the millisecond): its first sheet, or
    ``sheet`` (a bundle's workbook has one per table)."""
    import pandas as pd
    from openpyxl import load_workbook

    name = table_of(path, table)
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
    for table_name, row, column, _part, _parts, text in long_rows:  # the parts are written in order
        if table_name == name:
            whole.setdefault((int(row), str(column)), []).append(str(text))
    for (row, column), parts in whole.items():
        body[row - 1][header.index(column)] = "".join(parts)
    return restore_dtypes(pd.DataFrame(body, columns=header, dtype=object), name)


LONG_TEXT_SPEC = TableSpec(
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


class XlsxFormat(Format):
    name = "xlsx"
    ext = ".xlsx"
    mediatype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sink = XlsxSink

    def schema_field(self, col: Col) -> dict[str, Any]:
        """A date column holds Excel dates: ``date``."""
        field = super().schema_field(col)
        if col.dtype == TIME and excel_kind(col) == "date":
            field["type"] = "date"
        return field

    def resource(self, table: str, spec: TableSpec, info: dict[str, Any]) -> dict[str, Any]:
        resource = super().resource(table, spec, info)
        # sheetName is the standard's (Table Dialect, v2); frictionless-py 5 reads the sheet from its own
        # "excel" control, so both name it.
        resource["dialect"] = {"header": True, "sheetName": info["sheet"], "excel": {"sheet": info["sheet"]}}
        del resource["encoding"]
        return resource

    def extra_resources(self, bundle_meta: dict[str, Any]) -> list[tuple[str, TableSpec, dict[str, Any]]]:
        """The sheet of texts longer than a cell, when there is one."""
        if "long_text" not in bundle_meta:
            return []
        return [("long_text", LONG_TEXT_SPEC, bundle_meta["long_text"])]

    def read(self, source: Any, table: str | None, meta: dict[str, Any] | None = None) -> pd.DataFrame:
        sheet = None if meta is None or table is None else meta["tables"][table]["sheet"]
        return read_xlsx(source, table, sheet)

    def bundle_files(self) -> list[str]:
        return [BUNDLE_WORKBOOK]

    def write_bundle(
        self,
        ledger: Ledger,
        snap: Snapshot,
        work: Path,
        progress: Progress | None,
        base: dict[str, Any],
        spreadsheet_safe: bool,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Every table as a sheet of one workbook, then the texts longer than a cell (their sheet and count go into
        the bundle's ``long_text``), the data dictionary and ``_meta`` sheets."""
        path = work / BUNDLE_WORKBOOK
        tables: dict[str, Any] = {}
        long_text: dict[str, Any] = {}
        with outfiles.atomic_path(path, overwrite=True) as tmp:  # the bundle's own (see bundle.py)
            book = Workbook(tmp)
            try:
                for table in TABLES:
                    sinks: list[BundleSheetSink] = []

                    def make_sink(spec: TableSpec, sinks: list[BundleSheetSink] = sinks) -> Sink:
                        sinks.append(BundleSheetSink(book, spec))
                        return sinks[-1]

                    meta = write_table(ledger, snap, table, self, make_sink, {}, progress, base)
                    sheet = sinks[0].sheet.sheet.get_name()
                    tables[table] = {"file": path.name, "sheet": sheet, **{k: meta[k] for k in ("rows", "columns")}}
                long_cells = book.long_text_sheet()
                book.dictionary_sheet(TABLES)
                book.meta_sheet({**base, "format": self.name, "sheets": {t: v["sheet"] for t, v in tables.items()}})
                if long_cells:
                    long_text["sheet"], long_text["cells"] = LONG_TEXT_SHEET, long_cells
                book.close()
            except BaseException:
                book.abort()
                raise
        return tables, ({"long_text": {"file": BUNDLE_WORKBOOK, **long_text}} if long_text else {})


XLSX = XlsxFormat()
