"""Rows as JSON-ready records: the one conversion behind every command's JSON, CSV and table output."""

from __future__ import annotations

import contextlib
import json
import math
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tracker.store.jsontext import iso_utc

if TYPE_CHECKING:
    import pandas as pd

# Columns whose values are JSON text in frames and tables; JSON output carries them parsed.
JSON_COLUMNS = frozenset({"options", "tags", "authors", "probabilities", "payload", "changed"})
# Columns that hold a day (frames carry it as midnight UTC): written as YYYY-MM-DD.
DATE_COLUMNS = frozenset({"made_at", "known_on", "opened", "resolve_by", "published"})


def plain(value: Any) -> Any:
    """A JSON-ready value: NaN and missing -> None, numpy scalars -> Python numbers, times as ISO 8601 text."""
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime):
        if value != value:  # pandas' NaT is a datetime that equals nothing
            return None
        return iso_utc(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    module = type(value).__module__
    if module.startswith(("numpy", "pandas")):
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
        if hasattr(value, "item"):
            return plain(value.item())
    return value


def record(row: dict[str, Any], parse_json: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        # (v == v: NaT is a datetime too, and equals nothing)
        v = plain(v.date() if k in DATE_COLUMNS and isinstance(v, datetime) and v == v else v)
        if parse_json and k in JSON_COLUMNS and isinstance(v, str):
            with contextlib.suppress(ValueError):
                v = json.loads(v)
        out[str(k)] = v
    return out


def records(frame: pd.DataFrame | list[dict[str, Any]], parse_json: bool = True) -> list[dict[str, Any]]:
    """A frame's (or plain rows') records, JSON-ready."""
    rows = frame if isinstance(frame, list) else frame.astype(object).to_dict("records")
    return [record(r, parse_json) for r in rows]
