"""`Reader`: every view of the ledger from one place, as typed DataFrames (`frame`) or plain rows (`rows`).

Every method takes the same filters (forecaster by name or id, question, source, outlet, tag, status where it
means something) and the same time travel: ``as_of`` (a position, a date or an ISO time of recording: the
ledger as recorded by then; for scores, the last scoring run finished by then) and ``run`` (the figures scoring
run N recorded, over the ledger it scored). See `tracker.read.snapshot`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from tracker.errors import UserError
from tracker.read import projections as pr
from tracker.read import scores as sc
from tracker.read.snapshot import Snapshot, open_snapshot
from tracker.read.tablereader import READERS, TableReader
from tracker.read.tables import TABLES

if TYPE_CHECKING:
    import pandas as pd

    from tracker.scoring.metrics import MurphyDecomposition


class Reader:
    """Reads one ledger database; each table through the reader its module registered (`tablereader.reads`: this
    module imports projections and scores, which hold them). ``ready`` is called before each read (the app checks
    the schema there)."""

    def __init__(self, engine: Engine, today: Callable[[], date], ready: Callable[[], None]) -> None:
        self.engine = engine
        self._today = today
        self._ready = ready

    @contextmanager
    def snapshot(self, as_of: Any = None, run: Any = None) -> Iterator[Snapshot]:
        """One consistent reading at ``as_of`` / ``run`` (None: now), for several tables at once."""
        self._ready()
        with open_snapshot(self.engine, self._today(), as_of, run) as snap:
            yield snap

    def table(self, snap: Snapshot, table: str, **filters: Any) -> TableReader:
        """The `TableReader` of ``table`` (a name in `TABLES`) under ``filters``."""
        if table not in READERS:
            raise UserError(f"{table!r} is not a table ({', '.join(TABLES)})", "table")
        return READERS[table](snap, **_given(filters))

    def frame(self, table: str, as_of: Any = None, run: Any = None, **filters: Any) -> pd.DataFrame:
        with self.snapshot(as_of, run) as snap:
            return self.table(snap, table, **filters).frame()

    def rows(
        self, table: str, as_of: Any = None, run: Any = None, limit: int | None = None, **filters: Any
    ) -> tuple[list[dict[str, Any]], int, Snapshot]:
        """(at most ``limit`` rows, the total count, the snapshot they were read from; closed by then)."""
        with self.snapshot(as_of, run) as snap:
            reader = self.table(snap, table, **filters)
            rows = reader.rows(limit)
            total = len(rows) if limit is None or len(rows) < limit else reader.count()
            return rows, total, snap

    def question(self, question_id: str, as_of: Any = None, run: Any = None) -> dict[str, Any]:
        with self.snapshot(as_of, run) as snap:
            detail = pr.question_detail(snap, question_id)
            # each forecast with its scoring status and Brier (those of the scores the snapshot reads)
            from tracker.read.records import records

            scored = {str(r["forecast_id"]): r for r in records(sc.scores_reader(snap, question=question_id).rows())}
            for f in detail["forecasts"]:
                r = scored.get(str(f["forecast_id"]), {})
                f["score_status"], f["brier"] = r.get("status"), r.get("brier")
            detail["ledger"] = snap.meta()
            return detail

    def compare(self, a: str, b: str, as_of: Any = None, run: Any = None, **filters: Any) -> dict[str, Any]:
        with self.snapshot(as_of, run) as snap:
            return sc.compare(snap, a, b, **_given(filters)) | {"ledger": snap.meta()}

    def compare_all(
        self, correction: str = "holm", as_of: Any = None, run: Any = None, **filters: Any
    ) -> list[dict[str, Any]]:
        with self.snapshot(as_of, run) as snap:
            return sc.compare_all_reader(snap, correction, **_given(filters))

    def phrases_observed(
        self, forecaster: Any = None, as_of: Any = None, run: Any = None, min_forecasts: int = 1, **filters: Any
    ) -> list[dict[str, Any]]:
        with self.snapshot(as_of, run) as snap:
            return sc.phrases_observed(snap, forecaster, min_forecasts, **_given(filters))

    def scale_shift(
        self, scale: str, min_scored: int = 5, as_of: Any = None, run: Any = None, **filters: Any
    ) -> dict[str, Any]:
        with self.snapshot(as_of, run) as snap:
            return sc.scale_shift(snap, scale, min_scored, **_given(filters))

    def discrimination(
        self,
        forecaster: str | None = None,
        bins: int = 10,
        edges: str = "left",
        as_of: Any = None,
        run: Any = None,
        **filters: Any,
    ) -> list[dict[str, Any]]:
        with self.snapshot(as_of, run) as snap:
            return sc.discrimination(snap, forecaster, bins, edges, **_given(filters))

    def decomposition(
        self, forecaster: str | None = None, bins: int = 10, as_of: Any = None, run: Any = None, **filters: Any
    ) -> MurphyDecomposition:
        with self.snapshot(as_of, run) as snap:
            return sc.decomposition(snap, forecaster, bins, **_given(filters))


def _given(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in filters.items() if v is not None}
