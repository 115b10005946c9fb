"""CSV: UTF-8, a header row, ``\\n`` line ends; times ISO 8601 in UTC with a ``Z``, booleans ``true``/``false``,
floats in Python's round-trip notation, a missing value an empty field (so an empty string reads back as
missing). Read back with `read_csv`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.app.export.base import (
    TEXT_DTYPES,
    TIME_FORMAT,
    Cells,
    Format,
    TextSink,
    check_table,
    restore_dtypes,
    sidecar_meta,
    spec_for,
    table_of,
)
from tracker.read.tables import BOOL, FLOAT, TIME, Col
from tracker.visible import neutralise, restore_neutralised

if TYPE_CHECKING:
    import pandas as pd


class TextCells(Cells):
    """Every cell as text: floats in round-trip notation, booleans ``true``/``false``, missing as empty."""

    def number(self, v: float) -> Any:
        return repr(v)

    def booleans(self, values: list[bool | None]) -> list[Any]:
        return [None if v is None else ("true" if v else "false") for v in values]

    def finish(self, values: list[Any]) -> list[Any]:
        return ["" if v is None else v for v in values]


TEXT_CELLS = TextCells()


class CsvSink(TextSink):
    newline = ""  # pandas writes the "\n" line ends itself

    def write(self, chunk: pd.DataFrame) -> None:
        import pandas as pd

        names = [str(c) for c in chunk.columns]
        cols = TEXT_CELLS.columns(chunk, self.spec)
        if self.spreadsheet_safe:
            for i, col in enumerate(spec_for(chunk, self.spec)):
                if col.dtype in TEXT_DTYPES:
                    cols[i] = [neutralise(v) for v in cols[i]]
        text = pd.DataFrame(dict(zip(names, cols, strict=True)), columns=names, dtype=object)
        text.to_csv(self.file, header=self.rows == 0, index=False, lineterminator="\n")
        self.rows += len(chunk)


def read_csv(
    path: str | os.PathLike[str] | Any, table: str | None = None, spreadsheet_safe: bool | None = None
) -> pd.DataFrame:
    """A CSV export read back with the documented dtypes (``table`` defaults to the one in PATH.meta.json).

    ``spreadsheet_safe``: whether the export neutralised formula-like text (its meta says; the default export
    does); the apostrophes it added are removed, so the frame equals the one exported."""
    import pandas as pd

    name = table_of(path, table)
    if spreadsheet_safe is None:
        sidecar = sidecar_meta(Path(path)) if isinstance(path, str | os.PathLike) else None
        spreadsheet_safe = bool((sidecar or {}).get("spreadsheet_safe", True))
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    if spreadsheet_safe:
        for col in spec_for(raw, check_table(name)):
            if col.dtype in TEXT_DTYPES:
                raw[col.name] = [restore_neutralised(v) for v in raw[col.name]]
    return restore_dtypes(raw, name)


class CsvFormat(Format):
    name = "csv"
    ext = ".csv"
    mediatype = "text/csv"
    binary = False
    sink = CsvSink

    def meta_extras(self, spreadsheet_safe: bool) -> dict[str, Any]:
        return {"spreadsheet_safe": spreadsheet_safe}

    def schema_field(self, col: Col) -> dict[str, Any]:
        field = super().schema_field(col)
        if col.dtype == TIME:
            field["format"] = TIME_FORMAT
        elif col.dtype == BOOL:
            field["trueValues"], field["falseValues"] = ["true"], ["false"]
        elif col.dtype == FLOAT:
            field["description"] += " (inf and -inf are written as such)"
        return field

    def read(self, source: Any, table: str | None, meta: dict[str, Any] | None = None) -> pd.DataFrame:
        safe = None if meta is None else bool(meta.get("spreadsheet_safe", True))
        return read_csv(source, table, safe)


CSV = CsvFormat()
