"""The export formats, by name: a new format is its module and one entry here."""

from __future__ import annotations

from pathlib import Path

from tracker.app.export.base import Format
from tracker.app.export.csv_format import CSV
from tracker.app.export.jsonl_format import JSONL
from tracker.app.export.parquet_format import PARQUET
from tracker.app.export.xlsx_format import XLSX
from tracker.errors import UserError

REGISTRY: dict[str, Format] = {f.name: f for f in (CSV, PARQUET, XLSX, JSONL)}
FORMATS = {name: f.ext for name, f in REGISTRY.items()}


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
