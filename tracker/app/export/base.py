"""What every export format shares: the names of a bundle's files, the table and option checks, cell values, the
`Sink` a format writes a table through, the `Format` a format module defines, and `write_table`, which streams
one table's chunks into a sink.

A format differs from the others only in its module (csv_format, jsonl_format, parquet_format, xlsx_format):
its cells, its sink, its Table Schema fields and resource, its reader, and how it lays out a bundle.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import __version__
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
)

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import Ledger

BUNDLE = "all"
META_SUFFIX = ".meta.json"
BUNDLE_META = "_meta.json"
DICTIONARY_MD = "DATA_DICTIONARY.md"
DICTIONARY_JSON = "data_dictionary.json"
DATAPACKAGE = "datapackage.json"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
TEXT_DTYPES = (STRING, CATEGORY)

Progress = Callable[[str, int, int | None], None]


def now() -> str:
    return timepoints.utc_now().strftime(TIME_FORMAT)


def check_table(table: str) -> TableSpec:
    if table not in TABLES:
        raise UserError(f"{table!r} is not a table ({', '.join([*TABLES, BUNDLE])})", "table")
    return TABLES[table]


def check_options(table: str, options: dict[str, Any]) -> dict[str, Any]:
    spec = check_table(table)
    given = {k: v for k, v in options.items() if v is not None and v != [] and v != ()}
    for name in given:
        if name not in spec.filters:
            allowed = ", ".join(spec.filters) or "none"
            raise UserError(f"does not apply to the {table} table (it takes: {allowed})", name)
    return given


def os_error(path: Path, e: OSError) -> UserError:
    return UserError(f"cannot write {str(path)!r}: {e.strerror or e}", "out")


# ---------------------------------------------------------------------------------------------- cell values


def iso_times(series: pd.Series) -> list[str | None]:
    text = series.dt.strftime(TIME_FORMAT)
    return [None if isinstance(v, float) or v is None else str(v) for v in text.astype(object)]


class Cells:
    """How a format writes the cells of each dtype, as Python values; these are JSON's (a format with other
    cells overrides the method of that dtype). Missing values are None; an infinite float is "inf" or "-inf"."""

    def times(self, series: pd.Series) -> list[Any]:
        return iso_times(series)

    def number(self, v: float) -> Any:
        """A finite float."""
        return v

    def booleans(self, values: list[bool | None]) -> list[Any]:
        return values

    def finish(self, values: list[Any]) -> list[Any]:
        return values

    def columns(self, chunk: pd.DataFrame, spec: TableSpec) -> list[list[Any]]:
        """Column-wise cell values of ``chunk``."""
        import pandas as pd

        columns: list[list[Any]] = []
        for col in spec_for(chunk, spec):
            s = chunk[col.name]
            values: list[Any]
            if col.dtype == TIME:
                values = self.times(s)
            elif col.dtype == FLOAT:
                values = [self.float_cell(float(v)) for v in s.to_numpy()]
            elif col.dtype in (INT, NULLABLE_INT):
                values = [None if v is pd.NA or v is None else int(v) for v in s.astype(object)]
            elif col.dtype == BOOL:
                values = self.booleans([None if v is pd.NA or v is None else bool(v) for v in s.astype(object)])
            else:
                values = [
                    None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
                    for v in s.astype(object)
                ]
            columns.append(self.finish(values))
        return columns

    def float_cell(self, v: float) -> Any:
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return self.number(v)


def spec_for(frame: pd.DataFrame, spec: TableSpec) -> list[Col]:
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

    spec = check_table(table)
    cols = spec_for(raw, spec)
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


def table_of(path: str | os.PathLike[str] | Any, table: str | None) -> str:
    """The table of a single-table export: ``table`` if given, else the one its PATH.meta.json names."""
    if table is not None:
        return table
    if not isinstance(path, str | os.PathLike):
        raise UserError("give the table", "table")
    path = Path(path)
    sidecar = path.with_name(path.name + META_SUFFIX)
    if sidecar.exists():
        return str(json.loads(sidecar.read_text(encoding="utf-8"))["table"])
    raise UserError(f"give the table of {str(path)!r} (no {sidecar.name} beside it)", "table")


def sidecar_meta(path: Path) -> dict[str, Any] | None:
    sidecar = path.with_name(path.name + META_SUFFIX)
    if not sidecar.exists():
        return None
    return dict(json.loads(sidecar.read_text(encoding="utf-8")))


# ------------------------------------------------------------------------------------------- sinks, formats


class Sink:
    """Where a format writes one table, chunk by chunk; ``close`` completes the file with the export's meta."""

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


class TextSink(Sink):
    """A sink writing one UTF-8 text file, line ends as ``newline`` (see `open`)."""

    newline = "\n"

    def __init__(self, path: Path, spec: TableSpec, spreadsheet_safe: bool = True) -> None:
        super().__init__(path, spec, spreadsheet_safe)
        self.file = open(path, "w", encoding="utf-8", newline=self.newline)  # noqa: SIM115 - closed in close/abort

    def close(self, meta: dict[str, Any]) -> None:
        self.file.close()

    def abort(self) -> None:
        self.file.close()


_SCHEMA_TYPES = {STRING: "string", CATEGORY: "string", FLOAT: "number", INT: "integer", NULLABLE_INT: "integer"}
DATARESOURCE_SCHEMA = "https://datapackage.org/profiles/2.0/dataresource.json"


class Format:
    """An export format: its name, extension and media type, its sink, how it describes a column and a resource
    in a Frictionless data package, how it reads a file back, and how it writes a bundle's tables."""

    name = ""
    ext = ""
    mediatype = ""
    binary = True  # a bundle member is read back from bytes (else from text)
    sink: type[Sink] = Sink

    def meta_extras(self, spreadsheet_safe: bool) -> dict[str, Any]:
        """Keys this format adds to an export's meta."""
        return {}

    def schema_field(self, col: Col) -> dict[str, Any]:
        """A Frictionless Table Schema field for a column as written in this format."""
        field: dict[str, Any] = {"name": col.name, "description": col.meaning}
        if col.dtype == TIME:
            field["type"] = "datetime"
        elif col.dtype == BOOL:
            field["type"] = "boolean"
        else:
            field["type"] = _SCHEMA_TYPES[col.dtype]
        return field

    def resource(self, table: str, spec: TableSpec, info: dict[str, Any]) -> dict[str, Any]:
        """A Frictionless tabular data resource for a bundle's table (``info``: its entry in the bundle's meta)."""
        return {
            "$schema": DATARESOURCE_SCHEMA,
            "name": table.replace("_", "-"),
            "type": "table",
            "path": info["file"],
            "format": self.name,
            "mediatype": self.mediatype,
            "encoding": "utf-8",
            "description": spec.description,
            "schema": {
                "fields": [self.schema_field(c) for c in spec.columns],
                "missingValues": [""],
            },
        }

    def extra_resources(self, bundle_meta: dict[str, Any]) -> list[tuple[str, TableSpec, dict[str, Any]]]:
        """Resources of a bundle beyond its tables, as (name, spec, info)."""
        return []

    def read(self, source: Any, table: str | None, meta: dict[str, Any] | None = None) -> pd.DataFrame:
        """A file (a path, or an open file of a bundle's member) read back with the documented dtypes; ``meta``
        is the bundle's meta, or None for a single-table export (its sidecar meta is beside it)."""
        raise NotImplementedError

    def opener(self, path: Path, spreadsheet_safe: bool) -> Callable[[TableSpec], Sink]:
        """What opens this format's sink at ``path`` for a table's spec."""
        return lambda spec: self.sink(path, spec, spreadsheet_safe)

    def bundle_files(self) -> list[str]:
        """The names `write_bundle` writes its tables to."""
        return [table + self.ext for table in TABLES]

    def write_bundle(
        self,
        ledger: Ledger,
        snap: Snapshot,
        work: Path,
        progress: Progress | None,
        base: dict[str, Any],
        spreadsheet_safe: bool,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Every table into the bundle's directory ``work``, one file each; returns the bundle meta's ``tables``
        and any keys this format adds to the bundle's meta."""
        from tracker.app import outfiles

        tables: dict[str, Any] = {}
        for table in TABLES:
            name = table + self.ext
            with outfiles.atomic_path(work / name, overwrite=True) as tmp:  # the bundle's own (see bundle.py)
                meta = write_table(
                    ledger, snap, table, self, self.opener(tmp, spreadsheet_safe), {}, progress, base, spreadsheet_safe
                )
            tables[table] = {"file": name, "rows": meta["rows"], "columns": meta["columns"]}
        return tables, {}


def meta_common(ledger: Ledger, snap: Snapshot) -> dict[str, Any]:
    from tracker.store.db import describe_url

    return {
        "tracker_version": __version__,
        "exported_at": now(),
        "ledger": {"database": describe_url(ledger.url), **snap.meta()},
    }


def write_table(
    ledger: Ledger,
    snap: Snapshot,
    table: str,
    fmt: Format,
    make_sink: Callable[[TableSpec], Sink],
    options: dict[str, Any],
    progress: Progress | None,
    meta_base: dict[str, Any],
    spreadsheet_safe: bool = True,
) -> dict[str, Any]:
    """Stream ``table`` (as of ``snap``, filtered by ``options``) into the sink ``make_sink`` opens for its spec;
    returns the export's meta (the sink's ``close`` has stored it where its format keeps it)."""
    reader = ledger.table(snap, table, **options)
    total = reader.count()
    out = make_sink(reader.spec)
    columns: list[dict[str, str]] = []
    try:
        for chunk in reader.chunks():
            if not columns:
                columns = [{"name": c.name, "dtype": c.dtype} for c in spec_for(chunk, TABLES[table])]
            out.write(chunk)
            if progress is not None:
                progress(table, out.rows, total)
        meta = {
            **meta_base,
            "table": table,
            "format": fmt.name,
            "rows": out.rows,
            "options": {k: v for k, v in options.items()},
            "columns": columns,
            **fmt.meta_extras(spreadsheet_safe),
        }
        out.close(meta)
    except BaseException:
        out.abort()
        raise
    return meta
