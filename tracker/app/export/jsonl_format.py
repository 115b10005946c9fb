"""JSON lines: one object per row, missing values ``null``, times ISO 8601 in UTC with a ``Z``. Read back with
`read_jsonl`."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from tracker.app.export.base import TIME_FORMAT, Cells, Format, TextSink, restore_dtypes, table_of
from tracker.read.tables import TABLES, TIME, Col

if TYPE_CHECKING:
    import pandas as pd

JSON_CELLS = Cells()


class JsonlSink(TextSink):
    def write(self, chunk: pd.DataFrame) -> None:
        names = [str(c) for c in chunk.columns]
        cols = JSON_CELLS.columns(chunk, self.spec)
        for values in zip(*cols, strict=True):
            self.file.write(json.dumps(dict(zip(names, values, strict=True)), ensure_ascii=False, allow_nan=False))
            self.file.write("\n")
        self.rows += len(chunk)


def read_jsonl(path: str | os.PathLike[str] | Any, table: str | None = None) -> pd.DataFrame:
    """A JSON-lines export read back with the documented dtypes."""
    import pandas as pd

    name = table_of(path, table)
    spec = TABLES[name]
    opened = open(path, encoding="utf-8") if isinstance(path, str | os.PathLike) else path  # noqa: SIM115
    with opened as f:
        rows = [json.loads(line) for line in f if line.strip()]
    columns = list(rows[0]) if rows else spec.names
    return restore_dtypes(pd.DataFrame(rows, columns=columns, dtype=object), name)


class JsonlFormat(Format):
    name = "jsonl"
    ext = ".jsonl"
    mediatype = "application/x-ndjson"
    binary = False
    sink = JsonlSink

    def schema_field(self, col: Col) -> dict[str, Any]:
        field = super().schema_field(col)
        if col.dtype == TIME:
            field["format"] = TIME_FORMAT
        return field

    def read(self, source: Any, table: str | None, meta: dict[str, Any] | None = None) -> pd.DataFrame:
        return read_jsonl(source, table)


JSONL = JsonlFormat()
