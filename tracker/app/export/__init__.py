"""Exports: one table as CSV, Parquet, Excel or JSON lines, or every table as a bundle with a data dictionary.

Each export carries the ledger's head (position and hash) at the point it was read, in ``PATH.meta.json``
beside a single file (and in the Parquet file's key-value metadata, key ``tracker``, and an ``_meta`` sheet of
an xlsx), or in ``_meta.json`` of a bundle, which also carries a Frictionless ``datapackage.json`` (a Table
Schema per table). An xlsx bundle is one workbook: a sheet per table, a data dictionary and ``_meta``. Tables
are read in position-ordered chunks and written chunk by chunk (pyarrow's ParquetWriter, CSV and JSON lines
appends, XlsxWriter's constant_memory mode), so memory stays bounded whatever the ledger's size. Files are
written under a temporary name and renamed when complete.

The package: `base` (what formats share, `write_table`), one module per format (csv_format, jsonl_format,
parquet_format, xlsx_format: its cells, sink, schema fields, reader and bundle layout), `registry` (the formats
by name), `single` (one table) and `bundle` (every table). Nothing outside a format's module asks which format
it is writing.

Reading back with the documented dtypes (`TABLES` in `tracker.read.tables`):

- Parquet keeps them: ``pandas.read_parquet(path)``.
- CSV: `read_csv` (times are ISO 8601 in UTC with a ``Z``, booleans ``true``/``false``, floats in Python's
  round-trip notation, a missing value is an empty field, so an empty string reads back as missing).
- JSON lines: `read_jsonl` (one object per row; missing values are ``null``).
- xlsx: `read_xlsx` (times to the millisecond; texts longer than a cell put back together).
- `read_export` picks by extension; `read_bundle` reads a whole bundle (directory or .zip) into a dict.
"""

from __future__ import annotations

from tracker.app.export.base import (
    BUNDLE,
    BUNDLE_META,
    DATAPACKAGE,
    DICTIONARY_JSON,
    DICTIONARY_MD,
    META_SUFFIX,
    TEXT_DTYPES,
    Progress,
    restore_dtypes,
)
from tracker.app.export.bundle import (
    DATAPACKAGE_SCHEMA,
    EARLIER_FILES,
    bundle_meta,
    datapackage,
    dictionary_markdown,
    export_bundle,
    read_bundle,
    schema_field,
)
from tracker.app.export.csv_format import read_csv
from tracker.app.export.jsonl_format import read_jsonl
from tracker.app.export.parquet_format import parquet_meta, read_parquet
from tracker.app.export.registry import FORMATS, REGISTRY, format_of
from tracker.app.export.single import export_table, read_export
from tracker.app.export.xlsx_format import (
    BUNDLE_WORKBOOK,
    DICTIONARY_SHEET,
    EXCEL_MAX_CHARS,
    EXCEL_MAX_ROWS,
    EXCEL_MAX_WIDTH,
    LONG_TEXT_SHEET,
    META_SHEET,
    Workbook,
    excel_kind,
    read_xlsx,
    sheet_name,
)
from tracker.errors import UserError
from tracker.read.tables import TABLES
from tracker.visible import FORMULA_STARTS, NEUTRAL_PREFIX, neutralise, restore_neutralised

_Workbook = Workbook  # the name the spreadsheet tests open a workbook by

__all__ = [
    "BUNDLE",
    "BUNDLE_META",
    "BUNDLE_WORKBOOK",
    "DATAPACKAGE",
    "DATAPACKAGE_SCHEMA",
    "DICTIONARY_JSON",
    "DICTIONARY_MD",
    "DICTIONARY_SHEET",
    "EARLIER_FILES",
    "EXCEL_MAX_CHARS",
    "EXCEL_MAX_ROWS",
    "EXCEL_MAX_WIDTH",
    "FORMATS",
    "FORMULA_STARTS",
    "LONG_TEXT_SHEET",
    "META_SHEET",
    "META_SUFFIX",
    "NEUTRAL_PREFIX",
    "REGISTRY",
    "TABLES",
    "TEXT_DTYPES",
    "Progress",
    "UserError",
    "Workbook",
    "bundle_meta",
    "datapackage",
    "dictionary_markdown",
    "excel_kind",
    "export_bundle",
    "export_table",
    "format_of",
    "neutralise",
    "parquet_meta",
    "read_bundle",
    "read_csv",
    "read_export",
    "read_jsonl",
    "read_parquet",
    "read_xlsx",
    "restore_dtypes",
    "restore_neutralised",
    "schema_field",
    "sheet_name",
]
