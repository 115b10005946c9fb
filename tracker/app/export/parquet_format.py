"""Parquet (zstd): keeps every dtype, so ``pandas.read_parquet(path)`` reads it back as exported; the export's
meta is in the file's key-value metadata, key ``tracker`` (`parquet_meta`)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.app.export.base import Format, Sink
from tracker.read.tables import TableSpec

if TYPE_CHECKING:
    import pandas as pd


class ParquetSink(Sink):
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


def read_parquet(path: str | os.PathLike[str] | Any) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(path)


def parquet_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The export's meta stored in a Parquet file's key-value metadata."""
    import pyarrow.parquet as pq

    kv = pq.ParquetFile(str(path)).metadata.metadata or {}
    return dict(json.loads(kv[b"tracker"]))


class ParquetFormat(Format):
    name = "parquet"
    ext = ".parquet"
    mediatype = "application/vnd.apache.parquet"
    sink = ParquetSink

    def resource(self, table: str, spec: TableSpec, info: dict[str, Any]) -> dict[str, Any]:
        resource = super().resource(table, spec, info)
        del resource["encoding"]
        return resource

    def read(self, source: Any, table: str | None, meta: dict[str, Any] | None = None) -> pd.DataFrame:
        return read_parquet(source)


PARQUET = ParquetFormat()
