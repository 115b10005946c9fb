"""One consistent reading of the ledger at a point of its own history: the one meaning of time travel.

``as_of`` (a position, a date, or an ISO time of recording) means the ledger as it had been recorded by then:
projections are those of the events up to that point (replayed into memory unless the point is the head), and
scores are those of the last successful scoring run that had finished by then (for a position: whose
``through_position`` is at most it). ``run=N`` pins the scores to run N and the projections to the events that
run had scored. Only the latest run's per-forecast rows are stored, so an older run's rows are recomputed from
the events it had scored: scoring is a pure function of them, so these are the rows the run left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, insert, or_, select
from sqlalchemy.sql import ColumnElement

from tracker.domain.timepoints import as_utc, end_of_day, parse_as_of
from tracker.errors import NotFound, UserError
from tracker.scoring import SCORING_VERSION
from tracker.store.db import read_transaction
from tracker.store.jsontext import iso_utc
from tracker.store.loghead import GENESIS_HASH
from tracker.store.schema import PROJECTION_TABLES, events, forecast_scores, metadata, question_scores, scoring_runs

MAX_POSITION = 2**62  # beyond any ledger; larger integers would overflow the databases' BIGINT


@dataclass(frozen=True)
class AsOf:
    """A point in the ledger's own history: a position, or a recorded time (UTC)."""

    position: int | None = None
    recorded_until: datetime | None = None

    @staticmethod
    def parse(value: str | None) -> AsOf | None:
        """``--as-of``: a position (digits), a date YYYY-MM-DD (the end of that day, UTC) or an ISO time."""
        if value is None or value == "":
            return None
        point = parse_as_of(value, "as_of")
        return to_as_of(point) if isinstance(point, int) else AsOf(recorded_until=point)


def to_as_of(value: Any) -> AsOf | None:
    """An `AsOf` from an AsOf, a position (int), a date (the end of that day, UTC), a datetime (naive = UTC), or
    a string as the CLI's ``--as-of`` takes."""
    if value is None or isinstance(value, AsOf):
        return value
    if isinstance(value, bool):
        raise UserError(f"{value!r} is not a position or a time", "as_of")
    if isinstance(value, int):
        if value < 0 or value > MAX_POSITION:
            raise UserError(f"{value} is not a position (positions start at 1)", "as_of")
        return AsOf(position=value)
    try:
        if isinstance(value, datetime):
            return AsOf(recorded_until=as_utc(value).astimezone(UTC))
        if isinstance(value, date):
            return AsOf(recorded_until=end_of_day(value))
    except OverflowError:
        raise UserError(f"{value!r} is out of range", "as_of") from None
    if isinstance(value, str):
        return AsOf.parse(value)
    raise UserError(f"{value!r} is not a position, a date or a time", "as_of")


def as_of_dict(as_of: AsOf | None) -> dict[str, Any] | None:
    if as_of is None:
        return None
    return {
        "position": as_of.position,
        "recorded_until": iso_utc(as_of.recorded_until) if as_of.recorded_until else None,
    }


@dataclass
class ScoreRun:
    run_id: int
    through_position: int
    finished_at: datetime | None
    scoring_version: int | None = None


@dataclass
class Snapshot:
    """The projections (``proj``), the live database (``live``: events, scoring tables), the head at the point,
    and the scoring run whose scores apply (``run``)."""

    proj: Connection
    live: Connection
    as_of: AsOf | None
    head_position: int
    head_hash: str
    today: date
    run: ScoreRun | None
    pinned_run: bool
    _open_scores: Callable[[], Connection]
    _scores: Connection | None = field(default=None)
    # Successful runs up to ``run`` recorded by another (or an unrecorded) version of the scoring formulas: the
    # figures they stored (score_history rows, their run records) cannot be held to a recomputation by `tracker
    # verify`, so read commands say they are unproven. ``run_is_latest``: the live score tables are ``run``'s,
    # and `tracker verify` checks those whole against the current formulas.
    unproven_runs: tuple[int, ...] = ()
    run_is_latest: bool = True

    def scores(self) -> Connection:
        """A connection holding forecast_scores and question_scores (and projections) for ``run``."""
        if self._scores is None:
            self._scores = self._open_scores()
        return self._scores

    def meta(self) -> dict[str, Any]:
        return {
            "head_position": self.head_position,
            "head_hash": self.head_hash,
            "as_of": as_of_dict(self.as_of),
            "scores_run_id": self.run.run_id if self.run else None,
            "scores_through_position": self.run.through_position if self.run else None,
            "scores_unproven_runs": list(self.unproven_runs),
        }

    def scores_label(self) -> str:
        """Where the scores come from, for a table's title."""
        if self.run is None:
            return "no scoring run yet" if self.as_of is None else "no scoring run by then"
        return f"run {self.run.run_id}, through position {self.run.through_position}"


def event_window(as_of: AsOf | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if as_of is not None and as_of.position is not None:
        conds.append(events.c.position <= as_of.position)
    if as_of is not None and as_of.recorded_until is not None:
        conds.append(events.c.recorded_at <= as_of.recorded_until)
    return conds


def head(conn: Connection, as_of: AsOf | None = None) -> tuple[int, str]:
    """(position, hash) of the last event (at ``as_of``); (0, genesis) for an empty ledger."""
    row = conn.execute(
        select(events.c.position, events.c.hash).where(*event_window(as_of)).order_by(events.c.position.desc()).limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def _runs(as_of: AsOf | None) -> Any:
    q = select(
        scoring_runs.c.run_id,
        scoring_runs.c.through_position,
        scoring_runs.c.finished_at,
        scoring_runs.c.scoring_version,
    ).where(scoring_runs.c.status == "ok")
    if as_of is not None and as_of.position is not None:
        q = q.where(scoring_runs.c.through_position <= as_of.position)
    if as_of is not None and as_of.recorded_until is not None:
        q = q.where(scoring_runs.c.finished_at <= as_of.recorded_until)
    return q


def _score_run(conn: Connection, as_of: AsOf | None) -> ScoreRun | None:
    """The last successful run by ``as_of`` (None: the latest)."""
    row = conn.execute(_runs(as_of).order_by(scoring_runs.c.run_id.desc()).limit(1)).first()
    return None if row is None else ScoreRun(int(row[0]), int(row[1] or 0), row[2], row[3])


def _pinned_run(conn: Connection, run: Any, as_of: AsOf | None) -> ScoreRun:
    if isinstance(run, bool) or not isinstance(run, int) or run < 1 or run > MAX_POSITION:
        raise UserError(f"{run!r} is not a scoring run id (see 'tracker runs')", "run")
    row = conn.execute(
        select(
            scoring_runs.c.run_id,
            scoring_runs.c.through_position,
            scoring_runs.c.finished_at,
            scoring_runs.c.status,
            scoring_runs.c.scoring_version,
        ).where(scoring_runs.c.run_id == run)
    ).first()
    if row is None:
        raise NotFound(f"no scoring run {run} (see 'tracker runs')", "run")
    if row[3] != "ok":
        raise UserError(f"scoring run {run} {row[3]} and recorded no scores", "run")
    if as_of is not None and conn.execute(_runs(as_of).where(scoring_runs.c.run_id == run)).first() is None:
        raise UserError(f"scoring run {run} had not finished by the --as-of point", "run")
    return ScoreRun(int(row[0]), int(row[1] or 0), row[2], row[4])


def memory_projections() -> Engine:
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=list(PROJECTION_TABLES))
    return engine


@contextmanager
def replayed(engine: Engine, position: int) -> Iterator[Connection]:
    """The projections of the events up to ``position``, replayed into an in-memory database."""
    # The event store and the projector are imported here, by the one reading that replays: a reading at the
    # head (most commands) needs neither.
    from tracker.projections.projector import replay
    from tracker.store import eventstore as es

    memory = memory_projections()
    try:
        with memory.begin() as mconn:
            with read_transaction(engine) as conn:
                replay(mconn, es.read(conn, up_to=position))
            yield mconn
    finally:
        memory.dispose()


@contextmanager
def open_snapshot(engine: Engine, today: date, as_of: Any = None, run: Any = None) -> Iterator[Snapshot]:
    point = to_as_of(as_of)
    with ExitStack() as stack:
        live = stack.enter_context(read_transaction(engine))
        live_position, live_hash = head(live, None)
        if point is None:
            position, head_hash = live_position, live_hash
        else:
            if point.position is not None and point.position > live_position:
                raise UserError(f"position {point.position} is past the ledger's head ({live_position})", "as_of")
            position, head_hash = head(live, point)
        latest = _score_run(live, None)
        if run is not None:
            score_run: ScoreRun | None = _pinned_run(live, run, point)
        else:
            score_run = latest if point is None else _score_run(live, point)
        if score_run is not None and run is not None and point is None:
            # The ledger the run scored: its projections at its through position.
            position, head_hash = head(live, AsOf(position=score_run.through_position))
        # At the head, the live projections are the replay: no need to replay.
        proj = live if position == live_position else stack.enter_context(replayed(engine, position))

        def open_scores() -> Connection:
            if latest is None or (score_run is not None and score_run.run_id == latest.run_id):
                return live  # the score tables hold the latest run's rows (or none, before the first run)
            # No run by then: the projections with empty score tables. An older run: its rows recomputed.
            through = position if score_run is None else score_run.through_position
            conn = stack.enter_context(replayed(engine, through))
            recompute_scores(conn, score_run)
            return conn

        shown = point if run is None else (point or AsOf(position=position))
        snap = Snapshot(proj, live, shown, position, head_hash, today, score_run, run is not None, open_scores)
        if score_run is not None:
            snap.unproven_runs = _unproven_runs(live, score_run.run_id)
            snap.run_is_latest = latest is not None and latest.run_id == score_run.run_id
        yield snap


def _unproven_runs(conn: Connection, up_to: int) -> tuple[int, ...]:
    version = scoring_runs.c.scoring_version
    q = select(scoring_runs.c.run_id).where(
        scoring_runs.c.status == "ok",
        scoring_runs.c.run_id <= up_to,
        or_(version.is_(None), version != SCORING_VERSION),
    )
    return tuple(int(r) for r in conn.execute(q.order_by(scoring_runs.c.run_id)).scalars())


def recompute_scores(conn: Connection, run: ScoreRun | None) -> None:
    """Fill forecast_scores / question_scores of an in-memory projection with what ``run`` computed."""
    from tracker.scoring import compute
    from tracker.scoring.job import load_forecasts, load_questions

    metadata.create_all(conn, tables=[forecast_scores, question_scores])
    if run is None:
        return
    qframe = load_questions(conn)
    fframe = load_forecasts(conn)
    if qframe.empty:
        return
    result = compute.score(fframe, qframe)
    for table, frame in ((forecast_scores, result.per_forecast), (question_scores, result.per_question)):
        names = [c.name for c in table.columns if c.name != "run_id"]
        rows = []
        for rec in frame.to_dict("records"):
            row = {n: _db_value(rec.get(n)) for n in names}
            if table is question_scores and rec.get("kind") != compute.BINARY:
                row["p_yes"] = None
            row["run_id"] = run.run_id
            rows.append(row)
        for i in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[i : i + 5000])


def _db_value(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if value != value else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, datetime):  # Timestamps too: the score tables hold dates
        return value.date()
    return value
