"""One table to one file, with its meta in ``PATH.meta.json`` beside it, and any such file read back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.app import outfiles
from tracker.app.export.base import BUNDLE, META_SUFFIX, Progress, check_options, meta_common, write_table
from tracker.app.export.registry import REGISTRY, format_of
from tracker.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import Ledger


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
    force: bool = False,
    **options: Any,
) -> dict[str, Any]:
    """Write one table to ``out`` (and its head, options and columns to ``out.meta.json``); returns the meta.

    ``options`` are the frame method's keyword arguments (status, tag, forecaster, question, source, outlet,
    type, and by / sort for the leaderboard, bins for calibration), each where the table takes it. ``as_of`` and
    ``run`` are the read side's time travel (`tracker.read.snapshot`). A file already at ``out`` or at its meta's
    name is refused unless ``force``.
    """
    path = Path(out)
    if table == BUNDLE:
        raise UserError("use export_bundle for every table", "table")
    given = check_options(table, options)
    form = REGISTRY[format_of(fmt, path)]
    outfiles.check_file_target(path, overwrite=force)  # first: a folder (".") has no name to put the sidecar's beside
    sidecar = path.with_name(path.name + META_SUFFIX)
    outfiles.check_file_target(sidecar, overwrite=force)
    with ledger.snapshot(as_of, run) as snap:
        with outfiles.atomic_path(path, overwrite=force) as tmp:
            meta = write_table(
                ledger,
                snap,
                table,
                form,
                form.opener(tmp, spreadsheet_safe),
                given,
                progress,
                meta_common(ledger, snap),
                spreadsheet_safe,
            )
        with outfiles.atomic_path(sidecar, overwrite=force) as tmp_meta:
            tmp_meta.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


def read_export(path: str | os.PathLike[str], table: str | None = None) -> pd.DataFrame:
    """Any single-table export, by its extension."""
    p = Path(path)
    return REGISTRY[format_of(None, p)].read(p, table)
