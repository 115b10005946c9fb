"""The scoring job: incremental, recorded, and safe to start from several processes at once.

`run_scoring(target, full=False)` is the one code path behind `tracker score` and `tracker schedule run`: a no-op
check without a lock, then one run at a time per database (an advisory lock on PostgreSQL, a lease row on
SQLite), the touched questions rescored whole from one read snapshot, and the scores, the aggregates' history,
the run record and the checkpoint written in one transaction. docs/scoring-job.md explains each step and why.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.schema import CreateTable, DropTable

from tracker import collector
from tracker.domain import events as ev
from tracker.domain import timepoints
from tracker.domain.fields import short_text
from tracker.errors import DatabaseError, LockHeld, ScoringFailed, SerializationConflict, TrackerError
from tracker.scoring import statistics
from tracker.store import migrate
from tracker.store.backend import ScoringSession
from tracker.store.db import backend_of, make_engine, resolve_url, translate_errors
from tracker.store.driver import (
    IN_CHUNK,
    chunks,
    insert_arrays,
    insert_rows,
    select_array_batches,
    select_arrays,
    select_columns,
)
from tracker.store.schema import (
    events,
    forecast_scores,
    forecasts,
    question_scores,
    questions,
    score_history,
    scoring_checkpoint,
    scoring_runs,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("tracker.scoring")

CHECKPOINT = "scores"  # name of the checkpoint row and of the lease row
LEASE_SECONDS = 600
# Test hook: seconds a run sleeps while it holds the lock or lease, so that tests can make runs overlap in time.
HOLD_ENV = "TRACKER_SCORING_TEST_HOLD_SECONDS"

INSERT_CHUNK = 50_000  # rows per executemany (or COPY), converted as a whole
SUMMARY_LIMIT = 50  # ids listed in a run's "changed" summary

OK, FAILED, SKIPPED, NOOP = "ok", "failed", "skipped", "noop"

FORECAST_SCORE_COLUMNS = tuple(c.name for c in forecast_scores.columns if c.name != "run_id")
QUESTION_SCORE_COLUMNS = tuple(c.name for c in question_scores.columns if c.name != "run_id")
HISTORY_COLUMNS = tuple(c.name for c in score_history.columns if c.name not in ("run_id", "forecaster_id"))
_HISTORY_INT = ("n_scored", "n_relative", "n_binary")
_SCORE_FLOATS = (
    "p_yes",
    "p_outcome",
    "brier",
    "brier_two_category",
    "log_score",
    "baseline_score",
    "brier_low",
    "brier_high",
    "time_avg_brier",
    "crowd_time_avg_brier",
    "relative_brier",
    "days",
    "baseline_time_avg",
    "baseline_coverage",
)


@dataclass
class RunResult:
    """What one call of `run_scoring` did. ``status``: ok | failed | skipped | noop (noop runs are not recorded)."""

    status: str
    run_id: int | None
    started_at: datetime
    finished_at: datetime
    full: bool
    previous_position: int | None
    through_position: int | None
    questions_rescored: int = 0
    changed: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    holder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["started_at"] = self.started_at.isoformat()
        d["finished_at"] = self.finished_at.isoformat()
        return d


class _Noop(Exception):
    """Raised inside the scoring session when there turned out to be nothing new: it leaves without writing."""


def now_utc() -> datetime:
    return timepoints.utc_now()


def default_holder() -> str:
    """Who holds the lock: host, process and a random suffix (two runs in one process are two holders)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _hold() -> None:
    raw = os.environ.get(HOLD_ENV)
    if raw:
        time.sleep(float(raw))


# ------------------------------------------------------------------------------------------------- entry point


def run_scoring(target: Engine | str, full: bool = False, *, holder: str | None = None) -> RunResult:
    """Score what changed since the last run (or everything with ``full=True``); see the module docstring.

    ``target`` is an Engine or a database URL (`Ledger.score` checks the ledger is ready first). Returns the
    run's result; a run that fails is recorded and then raised as `ScoringFailed` (or as the `TrackerError` it
    was, e.g. `DatabaseBusy`).
    """
    engine, owned = _engine(target)
    try:
        if not full:
            noop = _noop_check(engine)
            if noop is not None:
                return noop
        holder = short_text(holder, "holder", required=False) or default_holder()
        return _run_exclusive(engine, full, holder)
    finally:
        if owned:
            engine.dispose()


def _engine(target: Engine | str) -> tuple[Engine, bool]:
    if isinstance(target, Engine):
        return target, False
    return make_engine(resolve_url(target)), True


def _positions(conn: Connection) -> tuple[int | None, int]:
    """(checkpoint or None when never scored, head position): one statement, two index lookups."""
    cp = select(scoring_checkpoint.c.position).where(scoring_checkpoint.c.name == CHECKPOINT).scalar_subquery()
    head = select(func.max(events.c.position)).scalar_subquery()
    row = conn.execute(select(cp, head)).one()
    return (None if row[0] is None else int(row[0])), int(row[1] or 0)


def _noop_check(engine: Engine) -> RunResult | None:
    started = now_utc()
    try:
        with translate_errors(), engine.connect() as conn:
            previous, head = _positions(conn)
    except DatabaseError:
        _explain_schema(engine)
        raise
    if head > (previous or 0):
        return None
    return RunResult(NOOP, None, started, now_utc(), False, previous, previous)


def _explain_schema(engine: Engine) -> None:
    """A missing scoring table usually means an older schema: say so rather than "no tables"."""
    try:
        with translate_errors(), engine.connect() as conn:
            migrate.require_current(conn)
    except DatabaseError as e:
        raise DatabaseError(str(e)) from None
    except Exception:  # the original error is the better message
        return


# ------------------------------------------------------------------------------------------------ one at a time


def _run_exclusive(engine: Engine, full: bool, holder: str) -> RunResult:
    """Score under the backend's exclusion (a lease row on SQLite, an advisory lock on PostgreSQL): skipped, and
    recorded as such, when another run holds it; a failure is recorded with the time it happened at, inside."""
    started = now_utc()
    previous: int | None = None
    failed_at: datetime | None = None
    session = backend_of(engine).scoring_session(engine, CHECKPOINT, holder, started, LEASE_SECONDS)
    try:
        with translate_errors(), session as held:
            previous = _checkpoint_for_update(held.read)
            try:
                result = _score_and_write(held, previous, full, started, holder)
            except Exception:
                failed_at = now_utc()  # inside the lock: the failed run's interval ends before the release
                raise
            if result is None:
                raise _Noop()  # leaves the session without writing
            return result
    except _Noop:
        return RunResult(NOOP, None, started, now_utc(), full, previous, previous, holder=holder)
    except LockHeld as s:
        return _record_skipped(engine, started, full, holder, str(s))
    except Exception as e:
        raise _record_failed(engine, started, failed_at or now_utc(), full, holder, previous, e) from e


def _checkpoint_for_update(conn: Connection) -> int:
    """The checkpoint, row-locked where the backend locks rows (0 when there is none yet: the run's write makes
    it). A snapshot that another run changed after it was taken (PostgreSQL, REPEATABLE READ) is a serialization
    failure: that happens only when this run got the lock just after the other released it, so the run is skipped
    (the other one did the work) rather than failed."""
    try:
        with translate_errors():
            row = conn.execute(
                select(scoring_checkpoint.c.position).where(scoring_checkpoint.c.name == CHECKPOINT).with_for_update()
            ).first()
    except SerializationConflict:
        raise LockHeld("another scoring run committed just as this one started") from None
    return 0 if row is None else int(row[0])


# ---------------------------------------------------------------------------------------------- run recording


def _record_skipped(engine: Engine, started: datetime, full: bool, holder: str, why: str) -> RunResult:
    finished = now_utc()
    row = {
        "started_at": started,
        "finished_at": finished,
        "status": SKIPPED,
        "full": full,
        "questions_rescored": 0,
        "error": why,
        "holder": holder,
    }
    with _recording_transaction(engine) as conn:
        run_id = _insert_run(conn, row)
    # debug: the caller reports the result (the scheduler in its tick line, `tracker score` on stdout)
    log.debug("scoring run %s skipped: %s", run_id, why)
    return RunResult(SKIPPED, run_id, started, finished, full, None, None, error=why, holder=holder)


def _record_failed(
    engine: Engine,
    started: datetime,
    finished: datetime,
    full: bool,
    holder: str,
    previous: int | None,
    e: BaseException,
) -> TrackerError:
    """Record the failure in its own transaction; returns the TrackerError to raise."""
    message = str(e) if isinstance(e, TrackerError) else f"{type(e).__name__}: {e}"
    row = {
        "started_at": started,
        "finished_at": finished,
        "status": FAILED,
        "full": full,
        "previous_position": previous,
        "questions_rescored": 0,
        "error": message[:4000],
        "holder": holder,
    }
    run_id: int | None = None
    try:
        with _recording_transaction(engine) as conn:
            run_id = _insert_run(conn, row)
    except TrackerError as rec:
        log.error("could not record the failed scoring run: %s", rec)
    log.debug("scoring run %s failed: %s", run_id, message)  # reported by the caller, from the error raised
    if isinstance(e, TrackerError):
        return e
    return ScoringFailed(f"scoring run {run_id} failed and was recorded; the previous scores are intact: {message}")


def _insert_run(conn: Connection, row: dict[str, Any]) -> int:
    from tracker.scoring import SCORING_VERSION

    key = conn.execute(insert(scoring_runs).values(**row, scoring_version=SCORING_VERSION)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _recording_transaction(engine: Engine) -> AbstractContextManager[Connection]:
    """A small write transaction for run records (on PostgreSQL not the append lock, just a transaction)."""
    return backend_of(engine).recording_transaction(engine)


# --------------------------------------------------------------------------------------------- score and write


@dataclass
class _Plan:
    previous: int
    head: int
    question_ids: list[str] | None  # None: every question (a full run)
    loaded: list[str]  # the questions actually rescored
    per_forecast: pd.DataFrame
    per_question: pd.DataFrame


def _score_and_write(
    held: ScoringSession, previous: int, full: bool, started: datetime, holder: str
) -> RunResult | None:
    """Read the session's snapshot, compute, and write in the session's write transaction (the same transaction
    on PostgreSQL, one of its own on SQLite). None when there turned out to be nothing to do."""
    _, head = _positions(held.read)
    if not full and head <= previous:
        return None
    _hold()
    # The collector paused: a full run makes millions of short-lived tuples and no cycles worth collecting; each
    # collection walked every object the run holds (a third of the writing time).
    with collector.paused():
        plan = _plan(held.read, previous, head, full or previous == 0)
        with held.writer() as wconn:
            return _write(wconn, plan, started, holder)


def touched_questions(conn: Connection, after: int, up_to: int) -> list[str]:
    """Question ids whose streams have events in ``(after, up_to]`` (a range scan of the position index)."""
    rows = conn.execute(
        select(events.c.stream_id)
        .where(events.c.position > after, events.c.position <= up_to)
        .where(events.c.stream_id.like(ev.QUESTION_STREAM + "%"))
        .distinct()
    ).scalars()
    return sorted(s.removeprefix(ev.QUESTION_STREAM) for s in rows)


def _plan(conn: Connection, previous: int, head: int, everything: bool) -> _Plan:
    from tracker.scoring import compute

    ids = None if everything else touched_questions(conn, previous, head)
    qframe = load_questions(conn, ids)
    fframe = load_forecasts(conn, ids)
    scores = compute.score(fframe, qframe)
    loaded = qframe["question_id"].astype(str).tolist()
    return _Plan(previous, head, ids, loaded, scores.per_forecast, scores.per_question)


def _where_in(column: Any, ids: list[str] | None) -> Iterator[Any]:
    """Conditions selecting ``ids`` in chunks, or a single always-true condition for every row."""
    if ids is None:
        yield True
        return
    for chunk in chunks(ids, IN_CHUNK):
        yield column.in_(list(chunk))


def json_values(texts: list[str]) -> list[Any]:
    """Each of ``texts`` parsed, as `json.loads` of each gives it: JSON texts the store wrote, each one value.

    Parsed as one JSON array of them all: one call of the C parser instead of a Python call (and its decoder's
    frames) per text. Should they not make an array of as many values (a text that is not a JSON value), each is
    parsed alone, which raises that text's error."""
    if not texts:
        return []
    try:
        values = json.loads("[" + ",".join(texts) + "]")
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != len(texts):
        return [json.loads(t) for t in texts]
    return values


def load_questions(conn: Connection, ids: list[str] | None = None) -> pd.DataFrame:
    """The questions frame `compute.score` takes (options parsed from JSON)."""
    import pandas as pd

    from tracker.scoring import compute

    names = (*compute.QUESTION_COLUMNS, *compute.QUESTION_HORIZON_COLUMNS)
    frame = pd.DataFrame(select_columns(conn, questions, names, "question_id", ids), columns=list(names))
    frame["options"] = json_values(frame["options"].tolist())
    return frame.sort_values("question_id", kind="stable").reset_index(drop=True)


def load_forecasts(conn: Connection, ids: list[str] | None = None) -> pd.DataFrame:
    """The forecasts frame `compute.score` takes, in recording order (ties on made_at go to the later record).

    Binary forecasts carry ``p_yes`` (the fast path); the JSON distribution is parsed only for multiple choice.
    """
    import numpy as np
    import pandas as pd

    names = (
        "forecast_id",
        "question_id",
        "forecaster_id",
        "made_at",
        "withdrawn",
        "p_yes",
        "p_low",
        "p_high",
        "probabilities",
        "source_id",
        "position",
    )
    # Whole columns as numpy arrays, converted by the backend a column at a time (dates parsed by numpy, not a
    # call per value), and a frame per batch, so that only one batch's Python strings exist at a time. The
    # columns compute.score groups by get pandas' default string dtype, as a frame of Python strings would;
    # forecast_id, one distinct value per row that is only carried through, stays as it was read.
    text = pd.Series(["text"]).dtype  # pandas' default for strings: "str" from pandas 3, object before
    dtypes = {n: text for n in ("question_id", "forecaster_id", "source_id")}
    dtypes |= {"forecast_id": object, "probabilities": object}  # not inferred as strings: kept as read

    def frame_of(b: dict[str, Any]) -> pd.DataFrame:
        return pd.DataFrame({n: pd.Series(b[n], dtype=dtypes.get(n)) for n in names})

    parts = [frame_of(b) for b in select_array_batches(conn, forecasts, names, "question_id", ids)]
    if not parts:  # no rows: the dtypes the arrays of no rows give
        parts = [frame_of(select_arrays(conn, forecasts, names, "question_id", []))]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    del parts
    frame = frame.sort_values("position", kind="stable").reset_index(drop=True)
    mc = frame["p_yes"].isna().to_numpy()
    raw = frame["probabilities"].to_numpy(dtype=object)
    parsed = np.empty(len(frame), dtype=object)
    parsed[mc] = json_values(raw[mc].tolist())
    frame["probabilities"] = parsed
    return frame


def _py(value: Any) -> Any:
    """A database value from a frame cell: NaN/NaT -> None, numpy scalars -> Python, timestamps -> dates."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    return value


def _values(series: pd.Series) -> list[Any]:
    """`_py` of every cell of a column, converted as a whole where the dtype allows (a full run writes a row per
    forecast, and cell by cell conversion would dominate its time)."""
    kind = series.dtype.kind
    if kind == "f":
        return [None if v != v else v for v in series.to_numpy().tolist()]  # v != v: NaN
    if kind in "iub":
        return list(series.to_numpy().tolist())
    if kind == "M":  # a day column: the UTC date of each time (tz-aware columns are in UTC here), NaT -> None
        return [v if type(v) is date else None for v in series.dt.date.tolist()]
    return [v if type(v) in _PLAIN else _py(v) for v in series.tolist()]


_PLAIN = {str, date}  # values `_py` returns unchanged


def _columns(frame: pd.DataFrame, columns: Iterable[str], **extra: Any) -> dict[str, list[Any]]:
    """The frame's ``columns`` as lists of database values (None where the frame lacks one), plus ``extra``
    columns holding one value on every row."""
    n = len(frame)
    data = {c: _values(frame[c]) if c in frame.columns else [None] * n for c in columns}
    return data | {c: [v] * n for c, v in extra.items()}


def as_rows(data: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(data)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*data.values(), strict=True)]


def frame_rows(frame: pd.DataFrame, columns: Iterable[str], **extra: Any) -> list[dict[str, Any]]:
    """The ``columns`` of ``frame`` (and ``extra`` constant columns) as rows of database values."""
    return as_rows(_columns(frame, columns, **extra))


def question_score_columns(per_question: pd.DataFrame, **extra: Any) -> dict[str, list[Any]]:
    """The question_scores columns of the per-question frame; p_yes only for binary questions."""
    from tracker.scoring import compute

    data = _columns(per_question, QUESTION_SCORE_COLUMNS, **extra)
    data["p_yes"] = [p if k == compute.BINARY else None for p, k in zip(data["p_yes"], data["kind"], strict=True)]
    return data


def question_score_rows(per_question: pd.DataFrame, run_id: int) -> list[dict[str, Any]]:
    """The question_scores rows of the per-question frame, as a run writes them."""
    return as_rows(question_score_columns(per_question, run_id=run_id))


def score_arrays(frame: pd.DataFrame, table: Table, **extra: Any) -> dict[str, Any]:
    """The columns of ``table`` (but ``extra``'s, given as plain values) from ``frame``, each converted as a whole to
    the numpy array `insert_arrays` takes: float64 with NaN for NULL, int64, datetime64 in UTC for a Date column (the
    column's UTC day is stored), objects with None for NULL (categories looked up once per column, not per value).
    Columns the frame lacks are NULL."""
    import numpy as np
    import pandas as pd

    n = len(frame)
    out: dict[str, Any] = {}
    for column in table.columns:
        name = column.name
        if name in extra:
            out[name] = extra[name]
        elif name not in frame.columns:
            out[name] = np.full(n, np.nan) if isinstance(column.type, Float) else np.full(n, None, dtype=object)
        elif isinstance(column.type, Date):
            times = pd.to_datetime(frame[name], utc=True)  # naive times are UTC, as compute.score takes them
            out[name] = times.dt.tz_localize(None).to_numpy()
        elif isinstance(column.type, Float | Integer) and frame[name].dtype.kind in "fiub":
            out[name] = frame[name].to_numpy()
        elif isinstance(frame[name].dtype, pd.StringDtype | pd.CategoricalDtype):
            # a few distinct values (ids, enums) made Python objects once each, and taken by code
            codes, uniques = pd.factorize(frame[name])
            distinct = np.empty(len(uniques) + 1, dtype=object)  # the last one, None, for code -1 (missing)
            distinct[:-1] = np.asarray(uniques, dtype=object)
            out[name] = distinct[codes]
        else:
            values = frame[name].to_numpy(dtype=object)
            missing = pd.isna(values)
            out[name] = np.where(missing, None, values) if missing.any() else values  # NaN, NaT, NA -> None
    return out


def question_score_arrays(per_question: pd.DataFrame, **extra: Any) -> dict[str, Any]:
    """`score_arrays` of the per-question frame for question_scores; p_yes only for binary questions."""
    import numpy as np

    from tracker.scoring import compute

    data = score_arrays(per_question, question_scores, **extra)
    binary = per_question["kind"].to_numpy(dtype=object) == compute.BINARY
    data["p_yes"] = np.where(binary, data["p_yes"].astype(np.float64), np.nan)
    return data


def same_score(a: Any, b: Any) -> bool:
    """Two stored score values agree: both missing, floats equal to rounding, anything else equal."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-15)
    return bool(a == b)


_SCORE_KEYS = ("question_id", "forecaster_id")
_COMPARED = tuple(c for c in QUESTION_SCORE_COLUMNS if c not in _SCORE_KEYS)


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[int, int, int]:
    """(added, removed, changed) question_scores rows from ``old`` to ``new`` (columns of database values, as lists or
    as the arrays of `select_arrays` and `score_arrays`): changed as `same_score` judges each compared column, a
    column at a time (a frame of every compared row at once would hold that much more memory)."""
    import numpy as np
    import pandas as pd

    def keyed(cols: Mapping[str, Any], label: str) -> pd.DataFrame:
        n = len(cols["question_id"])
        return pd.DataFrame(
            {k: pd.Series(np.asarray(cols[k], dtype=object), dtype=object) for k in _SCORE_KEYS} | {label: np.arange(n)}
        )

    both = keyed(old, "a").merge(keyed(new, "b"), on=list(_SCORE_KEYS), how="inner")
    ia, ib = both["a"].to_numpy(), both["b"].to_numpy()
    differs = np.zeros(len(both), dtype=bool)
    for c in _COMPARED:
        type_ = question_scores.c[c].type
        if isinstance(type_, Float | Integer):
            # None -> NaN: stored floats are never NaN
            x, y = np.asarray(old[c], dtype=np.float64)[ia], np.asarray(new[c], dtype=np.float64)[ib]
            xn, yn = np.isnan(x), np.isnan(y)
            with np.errstate(invalid="ignore"):
                close = np.abs(x - y) <= np.maximum(1e-12 * np.maximum(np.abs(x), np.abs(y)), 1e-15)
            differs |= (xn != yn) | (~xn & ~yn & ~close)
        elif isinstance(type_, Date):  # dates, or times of which the column keeps the day; None -> NaT
            xd = np.asarray(old[c], dtype="datetime64[D]")[ia].view(np.int64)
            yd = np.asarray(new[c], dtype="datetime64[D]")[ib].view(np.int64)
            differs |= xd != yd
        else:
            xo, yo = np.asarray(old[c], dtype=object)[ia], np.asarray(new[c], dtype=object)[ib]
            differs |= ~(xo == yo).astype(bool)
    return len(new["question_id"]) - len(both), len(old["question_id"]) - len(both), int(differs.sum())


# The compared columns of the question_scores rows a run replaces, set aside in the run's transaction before they
# are deleted: the database then counts what changed by joining them with the rows written, instead of every stored
# row being read into Python and compared there.
_replaced = Table(
    "replaced_question_scores",
    MetaData(),
    *(Column(c.name, c.type) for c in question_scores.columns if c.name in (*_SCORE_KEYS, *_COMPARED)),
    prefixes=["TEMPORARY"],
)


@contextmanager
def _replaced_rows(conn: Connection, question_ids: list[str], everything: bool) -> Iterator[Table]:
    """A temporary table holding the compared columns of the stored question_scores rows of ``question_ids`` (every
    row when ``everything``), as they were on entry; dropped on the way out (a failed run's rollback drops it too)."""
    names = (*_SCORE_KEYS, *_COMPARED)
    conn.execute(DropTable(_replaced, if_exists=True))
    conn.execute(CreateTable(_replaced))
    columns = select(*(question_scores.c[n] for n in names))
    for cond in _where_in(question_scores.c.question_id, None if everything else question_ids):
        conn.execute(insert(_replaced).from_select(names, columns.where(cond)))
    yield _replaced
    conn.execute(DropTable(_replaced))


def _differs(old: Any, new: Any) -> Any:
    """SQL: a row of ``old`` and the row of ``new`` with its key differ in a compared column, as `same_score` judges:
    floats (and counts) equal to rounding, both missing, or equal; anything else equal or both missing."""
    terms = []
    for c in _COMPARED:
        x, y = old.c[c], new.c[c]
        if isinstance(question_scores.c[c].type, Float | Integer):
            # |x - y| <= max(1e-12 * max(|x|, |y|), 1e-15), as `math.isclose` in `same_score`, without a
            # two-argument max (spelt differently by each database); 1e-12 * |x| only where it can exceed 1e-15,
            # since PostgreSQL raises an error where a product underflows to zero (a subnormal score)
            d = func.abs(x - y)
            close = or_(
                d <= 1e-15, *(case((func.abs(v) >= 1e-6, d <= 1e-12 * func.abs(v)), else_=false()) for v in (x, y))
            )
            terms.append(
                or_(
                    and_(x.is_(None), y.is_not(None)),
                    and_(x.is_not(None), y.is_(None)),
                    and_(x.is_not(None), y.is_not(None), not_(close)),
                )
            )
        else:  # dates (stored as days) and text
            terms.append(x.is_distinct_from(y))
    return or_(*terms)


def _summary_counts(conn: Connection, old: Table, n_new: int) -> tuple[set[str], tuple[int, int, int]]:
    """After a run's rows are written: the forecasters of the rows it replaced (``old``, `_replaced_rows`), and
    (added, removed, changed) from those rows to the new ones, as `differences` counts them. Every row of the
    replaced questions now in question_scores is one the run wrote, so a row of ``old`` with no row of its key there
    was removed, and a written row without one in ``old`` was added."""
    new = question_scores
    joined = old.join(new, and_(*(old.c[k] == new.c[k] for k in _SCORE_KEYS)))
    same = and_(*(old.c[c].is_not_distinct_from(new.c[c]) for c in _COMPARED))  # most rows: tested first
    differs = case((same, 0), (_differs(old, new), 1), else_=0)
    matched, changed = conn.execute(select(func.count(), func.coalesce(func.sum(differs), 0)).select_from(joined)).one()
    n_old = conn.execute(select(func.count()).select_from(old)).scalar_one()
    forecasters = set(conn.execute(select(old.c.forecaster_id).distinct()).scalars())
    return forecasters, (n_new - int(matched), int(n_old) - int(matched), int(changed))


def _read_question_scores(conn: Connection, key: str, keys: list[str] | None) -> dict[str, list[Any]]:
    names = [c.name for c in question_scores.columns]
    return select_columns(conn, question_scores, names, key, keys)


def question_scores_frame(rows: list[dict[str, Any]] | dict[str, list[Any]]) -> pd.DataFrame:
    """Rows (or columns) of ``question_scores`` as the per-question frame `compute.aggregate` takes."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=[c.name for c in question_scores.columns])
    for col in _SCORE_FLOATS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def aggregate_forecasters(frame: pd.DataFrame, forecaster_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each forecaster's aggregate over their rows of ``frame`` (question_scores rows; n_scored 0 for a forecaster
    without any)."""
    from tracker.scoring import compute

    out: dict[str, dict[str, Any]] = {}
    if len(frame):
        agg = compute.aggregate(frame, "forecaster_id")
        for r in frame_rows(agg, ("forecaster_id", *HISTORY_COLUMNS)):
            out[r.pop("forecaster_id")] = r
    empty = {c: (0 if c in _HISTORY_INT else None) for c in HISTORY_COLUMNS}
    return {f: out.get(f, empty) for f in forecaster_ids}


def latest_history(conn: Connection, forecaster_ids: list[str] | None, up_to_run: int | None = None) -> dict[str, Any]:
    """Each forecaster's latest score_history row (with run_id <= up_to_run when given)."""
    sub = select(score_history.c.forecaster_id, func.max(score_history.c.run_id).label("run_id"))
    if up_to_run is not None:
        sub = sub.where(score_history.c.run_id <= up_to_run)
    latest = sub.group_by(score_history.c.forecaster_id).subquery()
    q = select(score_history).join(
        latest,
        (latest.c.forecaster_id == score_history.c.forecaster_id) & (latest.c.run_id == score_history.c.run_id),
    )
    out: dict[str, Any] = {}
    for cond in _where_in(score_history.c.forecaster_id, forecaster_ids):
        for r in conn.execute(q.where(cond)).mappings():
            out[r["forecaster_id"]] = dict(r)
    return out


def _delete_scores(conn: Connection, table: Any, question_ids: list[str] | None) -> None:
    """Delete the score rows of ``question_ids`` (every row when None)."""
    if question_ids is None:  # without a WHERE clause, SQLite empties the table at once instead of row by row
        conn.execute(delete(table))
        return
    for cond in _where_in(table.c.question_id, question_ids):
        conn.execute(delete(table).where(cond))


def _indexes_built_after(conn: Connection, everything: bool) -> AbstractContextManager[None]:
    """A full run writes every score row: the backend may build the score tables' secondary indexes after the
    rows rather than keep them up to date row by row (SQLite does; PostgreSQL, where DROP INDEX would lock the
    table against every reader until the run commits, does not)."""
    if not everything:
        return nullcontext()
    return backend_of(conn).rewriting(conn, (*forecast_scores.indexes, *question_scores.indexes))


def _write(conn: Connection, plan: _Plan, started: datetime, holder: str) -> RunResult:
    everything = plan.question_ids is None
    run_id = _insert_run(
        conn,
        {
            "started_at": started,
            "status": OK,
            "full": everything,
            "previous_position": plan.previous,
            "questions_rescored": 0,
            "holder": holder,
        },
    )

    # counted on the categorical's codes (its unused categories count 0 and are left out), not on 800k strings made
    # for the purpose
    counts = plan.per_forecast["status"].value_counts() if len(plan.per_forecast) else None
    statuses = {str(k): int(v) for k, v in counts.items() if v} if counts is not None else {}
    with _indexes_built_after(conn, everything):
        _delete_scores(conn, forecast_scores, plan.question_ids)
        # converted a chunk at a time (each column as a whole): memory holds one chunk's Python objects
        for start in range(0, len(plan.per_forecast), INSERT_CHUNK):
            part = plan.per_forecast.iloc[start : start + INSERT_CHUNK]
            insert_arrays(conn, forecast_scores, score_arrays(part, forecast_scores, run_id=run_id))
        plan.per_forecast = plan.per_forecast.iloc[:0]  # written: its memory is wanted for what follows

        new = question_score_arrays(plan.per_question, run_id=run_id)
        # what was there before, for the summary and to know whose aggregates to recompute
        with _replaced_rows(conn, plan.loaded, everything) as old:
            _delete_scores(conn, question_scores, plan.question_ids)
            insert_arrays(conn, question_scores, new, INSERT_CHUNK)
            affected, (added, removed, n_changed) = _summary_counts(conn, old, len(new["question_id"]))
        if everything:
            affected |= {f for f, r in latest_history(conn, None).items() if r["n_scored"]}
    affected |= set(new["forecaster_id"].tolist())

    # forecaster aggregates: appended to score_history when they differ from the forecaster's latest row. A full
    # run has computed every row there is; otherwise the affected forecasters' rows are read back.
    del new
    forecaster_ids = sorted(affected)
    frame = (
        plan.per_question  # the same values as the rows it wrote (compute.aggregate orders them itself)
        if everything
        else question_scores_frame(_read_question_scores(conn, "forecaster_id", forecaster_ids))
    )
    aggregates = aggregate_forecasters(frame, forecaster_ids)
    statistics.record(conn, run_id, frame, forecaster_ids)  # intervals and verdicts, computed once per run
    previous_rows = latest_history(conn, forecaster_ids)
    history_rows = []
    for fid in forecaster_ids:
        agg = aggregates[fid]
        prev = previous_rows.get(fid)
        if prev is None and not agg["n_scored"]:
            continue
        # Exact comparison, not `same_score`: "as of run R" reads these rows, and must give what the live leaderboard
        # gave after run R to the last bit. A rescore can move an aggregate by one ulp (a time average over a
        # different number of days of the same probability); skipping that row made the two disagree.
        if prev is not None and all(prev[c] == agg[c] for c in HISTORY_COLUMNS):
            continue
        history_rows.append({"run_id": run_id, "forecaster_id": fid, **agg})
    for chunk in chunks(history_rows, INSERT_CHUNK):
        insert_rows(conn, score_history, chunk)

    qlist = plan.loaded
    rescored = len(qlist)
    changed: dict[str, Any] = {
        "questions": qlist[:SUMMARY_LIMIT],
        "scores_added": added,
        "scores_removed": removed,
        "scores_changed": n_changed,
        "forecasters": [r["forecaster_id"] for r in history_rows][:SUMMARY_LIMIT],
        "forecasters_changed": len(history_rows),
        "forecasts": {str(k): int(v) for k, v in sorted(statuses.items())},
    }
    if len(qlist) > SUMMARY_LIMIT or len(history_rows) > SUMMARY_LIMIT:
        changed["truncated"] = True
    finished = now_utc()
    conn.execute(
        update(scoring_runs)
        .where(scoring_runs.c.run_id == run_id)
        .values(
            finished_at=finished,
            through_position=plan.head,
            questions_rescored=rescored,
            changed=json.dumps(changed, sort_keys=True),
        )
    )
    moved = conn.execute(
        update(scoring_checkpoint).where(scoring_checkpoint.c.name == CHECKPOINT).values(position=plan.head)
    ).rowcount
    if moved == 0:
        conn.execute(insert(scoring_checkpoint).values(name=CHECKPOINT, position=plan.head))
    return RunResult(
        OK, run_id, started, finished, everything, plan.previous, plan.head, rescored, changed, None, holder
    )
