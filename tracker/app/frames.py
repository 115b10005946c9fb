"""The ledger as pandas DataFrames, for notebooks and exports: `FramesMixin`, one of `Ledger`'s bases.

    from tracker import Ledger
    ledger = Ledger("sqlite:///ledger.sqlite")
    ledger.forecasts(forecaster="vladimir-frolov")          # a DataFrame, typed
    ledger.leaderboard(by="outlet", as_of="2026-01-31")      # the scores as the ledger had them that day

Every frame has documented dtypes (`TABLES`, also the exports' data dictionary): times are tz-aware UTC
(``datetime64[ns, UTC]``; a date such as ``made_at`` is midnight UTC of that day), repeated strings are
categoricals whose categories are the values present, sorted; probabilities and scores are ``float64`` (NaN
where undefined); flags are nullable ``boolean``; counts and positions ``int64`` (``Int64`` where they can be
missing); other text is ``string``. JSON-valued columns (options, tags, probabilities, payload) are JSON text.

``as_of`` (an `AsOf`, a position, or a date / ISO time of recording) is accepted by every frame:

- projections (questions, forecasts, resolutions, sources, forecasters, due) are replayed from the events up to
  that point (`Ledger.view`); the events frame is the log cut at that point;
- score frames (scores, question_scores, leaderboard, calibration) are the scores of the last successful scoring
  run that had finished by then (by position: whose ``through_position`` is at most it), found in
  ``scoring_runs``. Only the latest run's per-forecast rows are stored, so the rows of that run are recomputed
  from the events it had scored (the scoring is a pure function of them: these are the rows the run left behind);
  score_history and runs stop at that run. ``leaderboard(run=R)`` reads the aggregates run R recorded in
  ``score_history`` instead.

Frames are built in position-ordered chunks (`TableReader`), which is also how `tracker.app.export` streams large
exports with bounded memory. pandas is imported inside the functions, so importing `Ledger` stays light.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, and_, false, func, insert, select
from sqlalchemy.sql import ColumnElement, Select

from tracker.domain.timepoints import as_utc, end_of_day
from tracker.errors import UserError
from tracker.store import eventstore as es
from tracker.store.db import read_transaction
from tracker.store.schema import (
    events,
    forecast_scores,
    forecasters,
    forecasts,
    metadata,
    question_scores,
    question_tags,
    questions,
    resolutions,
    score_history,
    scoring_runs,
    sources,
)

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import AsOf

# ------------------------------------------------------------------------------------------------------ dtypes

TIME = "datetime64[ns, UTC]"
STRING = "string"
CATEGORY = "category"
FLOAT = "float64"
INT = "int64"
NULLABLE_INT = "Int64"
BOOL = "boolean"
DTYPES = (TIME, STRING, CATEGORY, FLOAT, INT, NULLABLE_INT, BOOL)

CHUNK_ROWS = 20_000
ALL_FORECASTERS = "(all)"  # the calibration row group of everyone pooled (not a possible forecaster slug)
QUESTION_STATUSES = ("open", "resolved", "annulled", "due")
SCORE_STATUSES = ("scored", "superseded", "withdrawn", "hindsight", "unresolved", "annulled")
RUN_STATUSES = ("ok", "failed", "skipped")
GROUPINGS = {"forecaster": "forecaster_id", "source": "source_id", "outlet": "outlet", "tag": "tag"}
HIGHER_IS_BETTER = ("n_scored", "mean_log_score", "mean_baseline_score", "bss_vs_half", "bss_vs_base_rate")


@dataclass(frozen=True)
class Col:
    name: str
    dtype: str
    meaning: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Col, ...]
    filters: tuple[str, ...]
    order: str

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def dtype_of(self, name: str) -> str:
        for c in self.columns:
            if c.name == name:
                return c.dtype
        raise KeyError(name)


def _columns(text: str) -> tuple[Col, ...]:
    """Columns from lines ``name  dtype  meaning``; an indented line continues the previous meaning."""
    cols: list[list[str]] = []
    for line in text.strip("\n").splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            cols[-1][2] += " " + line.strip()
            continue
        m = re.fullmatch(r"(\S+)\s+(datetime64\[ns, UTC\]|\S+)\s+(.+)", line)
        if m is None or m[2] not in DTYPES:
            raise ValueError(f"bad column line: {line!r}")
        cols.append([m[1], m[2], m[3]])
    return tuple(Col(n, d, m) for n, d, m in cols)


TABLES: dict[str, TableSpec] = {}


def _table(name: str, description: str, filters: str, order: str, columns: str) -> TableSpec:
    spec = TableSpec(name, " ".join(description.split()), _columns(columns), tuple(filters.split()), order)
    TABLES[name] = spec
    return spec


_AGGREGATES = """
n_scored                 int64    Scored (forecaster, question) pairs: per question, the latest forecast made before
    the outcome was known.
mean_brier               float64  Mean Brier score: binary (p - o)^2 in [0, 1], multiple choice sum_k (p_k - o_k)^2
    in [0, 2]. Lower is better.
mean_brier_two_category  float64  Mean two-category Brier (binary 2(p - o)^2), in [0, 2] for every kind (Good
    Judgment Open's convention).
mean_time_avg_brier      float64  Mean time-averaged Brier: per question, the standing forecast's Brier each day
    from the first forecast to resolution, averaged.
mean_relative_brier      float64  Mean of time-averaged Brier minus the crowd's (the daily median forecast) on the
    same days; negative beats the crowd. NaN when no question had another forecaster.
n_relative               int64    Questions in mean_relative_brier (those with at least two forecasters).
mean_log_score           float64  Mean natural log of the probability given to what happened (p clipped to
    [1e-4, 1 - 1e-4]). Higher is better.
mean_baseline_score      float64  Mean baseline score, 100 (log2 p - log2 1/n_options): 0 is a uniform guess,
    higher is better.
n_binary                 int64    Binary questions among n_scored.
base_rate                float64  Share of those binary questions that resolved YES.
bss_vs_half              float64  Brier skill score of the binary forecasts against always saying 0.5
    (1 - Brier / 0.25).
bss_vs_base_rate         float64  Brier skill score of the binary forecasts against forecasting the base rate.
mean_brier_low           float64  Mean Brier with each verbal forecast at the low end of its phrase's interval.
mean_brier_high          float64  Mean Brier with each verbal forecast at the high end of its phrase's interval.
mean_brier_best          float64  Mean Brier with each verbal forecast at the better end of its interval.
mean_brier_worst         float64  Mean Brier with each verbal forecast at the worse end of its interval.
"""
AGGREGATE_NAMES = tuple(c.name for c in _columns(_AGGREGATES))
# the question_scores columns an aggregate reads
_AGGREGATE_INPUT = (
    "question_id",
    "forecaster_id",
    "source_id",
    "outlet",
    "kind",
    "outcome",
    "brier",
    "brier_two_category",
    "time_avg_brier",
    "relative_brier",
    "log_score",
    "baseline_score",
    "brier_low",
    "brier_high",
)

_KEY_MEANING = {
    "forecaster_id": "Forecaster id (slug of the name).",
    "source_id": "Source id; '(no source)' for forecasts without one.",
    "outlet": "The source's outlet; '(no outlet)' when unknown.",
    "tag": "Question tag (a question counts once under each of its tags); '(untagged)' for none.",
}
MISSING_KEY = {"forecaster_id": "(none)", "source_id": "(no source)", "outlet": "(no outlet)", "tag": "(untagged)"}
_NAME_MEANING = {"forecaster": "The forecaster's name.", "source": "The source's title."}


def leaderboard_spec(by: str = "forecaster") -> TableSpec:
    """The leaderboard's columns for a grouping: the key column is forecaster_id, source_id, outlet or tag."""
    if by not in GROUPINGS:
        raise UserError(f"{by!r} is not a grouping ({', '.join(GROUPINGS)})", "by")
    key = GROUPINGS[by]
    columns = (
        Col("rank", INT, "1 for the best."),
        Col(key, STRING, _KEY_MEANING[key]),
        Col("name", STRING, _NAME_MEANING.get(by, "Empty for this grouping.")),
    ) + _columns(_AGGREGATES)
    return TableSpec(
        "leaderboard",
        f"Aggregated scores per {by} (the export: per forecaster), best first: rank 1 has the lowest mean Brier "
        "unless sorted otherwise. Computed from question_scores.",
        columns,
        ("by", "sort", "run", "forecaster", "question", "tag", "source", "outlet"),
        "rank",
    )


EVENTS = _table(
    "events",
    """The append-only log, the only source of truth, exactly as stored. With prev_hash and hash anyone can
    re-verify the chain: hash = sha256(prev_hash + canonical JSON of position, event_id, stream_id, stream_version,
    event_type, schema_version, payload, occurred_at, recorded_at, actor).""",
    "question source type",
    "position",
    """
position        int64     Global position, gap-free from 1.
event_id        string    Event UUID (the idempotency key).
stream_id       string    'question-<question_id>' or 'source-<source_id>'.
stream_version  int64     Version within the stream, gap-free from 1.
event_type      category  QuestionOpened, ForecastRecorded, QuestionResolved, ...
schema_version  int64     Version of the payload's shape as stored (older shapes are upcast on read).
occurred_at     datetime64[ns, UTC]  Domain time of the event.
recorded_at     datetime64[ns, UTC]  Wall-clock time of the append.
actor           category  Who appended it.
payload         string    The event's data as stored (JSON text).
prev_hash       string    Hash of the previous event (64 zeros for the first).
hash            string    SHA-256 of prev_hash and this row's canonical content.
""",
)

SOURCES = _table(
    "sources",
    "Documents that contain forecasts. Their full text is in the payload of their SourceRegistered event.",
    "source outlet",
    "position",
    """
source_id   string    Source id.
title       string    Title.
outlet      category  Where it was published.
authors     string    Authors (JSON list).
published   datetime64[ns, UTC]  Publication date (midnight UTC).
date_basis  string    How the publication date is known.
url         string    URL.
sha256      string    SHA-256 of the stored text (missing without text).
notes       string    Notes.
position    int64     Position of the event that registered it.
""",
)

FORECASTERS = _table(
    "forecasters",
    "Who made forecasts (a person, an institution, 'the author').",
    "forecaster",
    "first_position",
    """
forecaster_id   string  Forecaster id (slug of the name).
name            string  Name as first recorded.
role            string  Role or affiliation, as last recorded.
first_position  int64   Position of their first forecast.
""",
)

QUESTIONS = _table(
    "questions",
    "Questions that resolve, in their current state (or as of a point).",
    "status tag forecaster question source outlet",
    "opened_position",
    """
question_id       string    Question id.
title             string    Title.
criteria          string    Resolution criteria.
kind              category  binary or multiple_choice.
options           string    Options (JSON list; binary: ["yes", "no"]).
tags              string    Tags (JSON list).
opened            datetime64[ns, UTC]  Date the question was opened (midnight UTC).
resolve_by        datetime64[ns, UTC]  Date by which it should resolve (midnight UTC).
condition         string    Condition of a conditional question.
status            category  open, resolved or annulled.
due               boolean   Open and past resolve_by (against today's date, UTC).
outcome           category  The option that happened (resolved questions).
known_on          datetime64[ns, UTC]  Day the outcome became known (midnight UTC).
evidence          string    Evidence of the resolution.
status_reason     string    Reason of the last annulment, correction or reopening.
version           int64     Version of the question's stream.
n_forecasts       int64     Forecasts on it, not counting withdrawn ones.
opened_position   int64     Position of its QuestionOpened event.
updated_position  int64     Position of the last event of its stream.
""",
)

FORECASTS = _table(
    "forecasts",
    "Every forecast recorded, withdrawn ones included (withdrawn = true), in recording order.",
    "status tag forecaster question source outlet",
    "position",
    """
forecast_id       string    Forecast id.
question_id       string    Question id.
forecaster_id     category  Forecaster id.
forecaster        category  Forecaster's name.
role              string    Role or affiliation at the time.
p_yes             float64   P(YES) of a binary forecast; NaN for multiple choice.
probabilities     string    The distribution over the options (JSON object option -> p).
made_at           datetime64[ns, UTC]  When the forecast was made: the source's date (midnight UTC).
source_id         category  Source it was taken from.
outlet            category  The source's outlet.
quote             string    Verbatim quote.
hedge             string    The hedge phrase in the quote.
quote_verified    boolean   The quote was found verbatim in the source's text (missing: not checked).
method            category  How the number was obtained: stated, verbal (the verbal scale) or judgement.
phrase            string    Verbal scale phrase the number was derived from.
scale_version     Int64     Verbal scale version.
reading           category  affirms (the phrase is about YES) or negates (about NO).
p_low             float64   Low end of the verbal phrase's interval, as P(YES).
p_high            float64   High end of the verbal phrase's interval, as P(YES).
withdrawn         boolean   Withdrawn as a data-entry error.
withdrawn_reason  string    Why it was withdrawn.
position          int64     Position of its ForecastRecorded event.
updated_position  int64     Position of the last event that changed it.
""",
)

RESOLUTIONS = _table(
    "resolutions",
    "Every resolution, correction, annulment and reopening, in order.",
    "tag question",
    "position",
    """
position     int64     Position of the event.
question_id  string    Question id.
action       category  resolved, corrected, annulled or reopened.
outcome      category  The outcome (resolved, corrected).
known_on     datetime64[ns, UTC]  Day the outcome became known, or the annulment's date (midnight UTC).
evidence     string    Evidence.
reason       string    Reason (corrections, annulments, reopenings).
actor        category  Who recorded it.
recorded_at  datetime64[ns, UTC]  When it was recorded.
""",
)

_SCORE_VALUES = """
p_outcome           float64   Probability given to what happened.
brier               float64   Brier score: binary (p - o)^2 in [0, 1]; multiple choice sum_k (p_k - o_k)^2 in
    [0, 2].
brier_two_category  float64   Binary 2(p - o)^2 in [0, 2] (Good Judgment Open); multiple choice as brier.
log_score           float64   ln(p_outcome), p clipped to [1e-4, 1 - 1e-4].
baseline_score      float64   100 (log2 p_outcome - log2 1/n_options).
brier_low           float64   Verbal forecasts: Brier at the low end of the phrase's interval.
brier_high          float64   Verbal forecasts: Brier at the high end of the phrase's interval.
"""

SCORES = _table(
    "scores",
    "Every forecast with its scoring status and, when scored, its scores (as the scoring job wrote them).",
    "status tag forecaster question source outlet",
    "position",
    """
forecast_id    string    Forecast id.
question_id    string    Question id.
forecaster_id  category  Forecaster id.
source_id      category  Source id.
outlet         category  The source's outlet.
made_at        datetime64[ns, UTC]  When the forecast was made (midnight UTC).
known_on       datetime64[ns, UTC]  Day the outcome became known (midnight UTC).
status         category  scored; superseded (a later forecast by the same forecaster counts); withdrawn;
    hindsight (made on or after the day the outcome became known: never scored, flagged); unresolved; annulled.
outcome        category  What happened (resolved questions).
p_yes          float64   P(YES) of a binary forecast.
"""
    + _SCORE_VALUES
    + """
run_id         int64     The scoring run the row comes from (live: the run that last rescored its question; as
    of a point: the last run by then).
position       int64     Position of the ForecastRecorded event (the frame's order).
""",
)

QUESTION_SCORES = _table(
    "question_scores",
    "One row per scored (forecaster, question): the scored forecast's scores and the time-averaged figures.",
    "tag forecaster question source outlet",
    "position of the scored forecast",
    """
question_id    string    Question id.
forecaster_id  category  Forecaster id.
forecast_id    string    The scored forecast.
source_id      category  Its source.
outlet         category  The source's outlet.
kind           category  binary or multiple_choice.
made_at        datetime64[ns, UTC]  When the scored forecast was made (midnight UTC).
known_on       datetime64[ns, UTC]  Day the outcome became known (midnight UTC).
outcome        category  What happened.
p_yes          float64   Binary: the scored P(YES) (what calibration uses).
"""
    + _SCORE_VALUES
    + """
time_avg_brier        float64  The standing forecast's Brier each day from the first forecast to resolution,
    averaged.
crowd_time_avg_brier  float64  The crowd's (the daily median forecast) time-averaged Brier on the same days.
relative_brier        float64  time_avg_brier - crowd_time_avg_brier; NaN with a single forecaster.
days                  float64  Days in the time average.
n_forecasters         int64    Forecasters scored on the question.
run_id                int64    The scoring run the row comes from.
""",
)

TABLES["leaderboard"] = leaderboard_spec("forecaster")

SCORE_HISTORY = _table(
    "score_history",
    "Each forecaster's aggregate after every scoring run that changed it (a row holds from its run on).",
    "forecaster",
    "run_id, forecaster_id",
    """
run_id            int64     Scoring run.
finished_at       datetime64[ns, UTC]  When the run finished.
through_position  Int64     Last event position the run had scored.
forecaster_id     category  Forecaster id.
"""
    + _AGGREGATES,
)

CALIBRATION = _table(
    "calibration",
    """Calibration of the scored binary forecasts (P(YES) as given, never folded at 0.5): one row per bin, empty
    bins included, for everyone pooled or per forecaster.""",
    "forecaster bins tag question source outlet",
    "forecaster_id in the order asked, bin_low",
    f"""
forecaster_id       category  The forecaster, or {ALL_FORECASTERS!r} for everyone pooled.
bin                 string    Bin label 'low-high' (half-open [low, high), the last bin closed).
bin_low             float64   Lower edge.
bin_high            float64   Upper edge.
count               int64     Forecasts in the bin.
mean_forecast       float64   Mean P(YES) in the bin (NaN if empty).
observed_frequency  float64   Share that resolved YES (NaN if empty).
wilson_low          float64   Wilson 95% interval of observed_frequency, low end (NaN if empty).
wilson_high         float64   Wilson 95% interval of observed_frequency, high end (NaN if empty).
""",
)

DUE = _table(
    "due",
    "Open questions past their resolve-by date: they need a resolution.",
    "tag forecaster question source outlet",
    "days_overdue descending, question_id",
    """
question_id   string    Question id.
title         string    Title.
kind          category  binary or multiple_choice.
resolve_by    datetime64[ns, UTC]  Resolve-by date (midnight UTC).
days_overdue  int64     Days since resolve_by (against today's date, UTC).
n_forecasts   int64     Forecasts on it, not counting withdrawn ones.
tags          string    Tags (JSON list).
""",
)

RUNS = _table(
    "runs",
    "Scoring runs: when, from which checkpoint through which position, and what changed.",
    "status",
    "run_id",
    """
run_id              int64     Run id.
started_at          datetime64[ns, UTC]  Start.
finished_at         datetime64[ns, UTC]  End.
status              category  ok, failed, or skipped (another run held the lock).
full                boolean   Rescored everything rather than what changed.
previous_position   Int64     Checkpoint the run started from.
through_position    Int64     Head of the snapshot it scored (ok runs).
questions_rescored  int64     Questions rescored.
changed             string    Summary of what changed (JSON).
error               string    Why it failed or was skipped.
holder              string    Process that ran it (host:pid:random).
seconds             float64   Duration.
""",
)


FRAME_METHODS = {
    "events": "events",
    "sources": "sources_frame",
    "forecasters": "forecasters",
    "questions": "questions",
    "forecasts": "forecasts",
    "resolutions": "resolutions",
    "scores": "scores",
    "question_scores": "question_scores",
    "leaderboard": "leaderboard",
    "score_history": "score_history",
    "calibration": "calibration",
    "due": "due",
    "runs": "runs",
}


# ------------------------------------------------------------------------------------------------- conversion


def _sorted_categories(values: Any) -> list[str]:
    """Sorted distinct values from SQL (NULL is None there)."""
    return sorted({str(v) for v in values if v is not None})


def category_dtype(values: Sequence[str]) -> pd.CategoricalDtype:
    """The categorical dtype of sorted ``values``. (Empty: object categories, as pyarrow reads an empty dictionary
    back.) Chunks share one such dtype per column: one categories index, one hash table."""
    import pandas as pd

    return pd.CategoricalDtype(pd.Index(list(values), dtype="str" if len(values) else object))


def apply_dtypes(
    frame: pd.DataFrame, spec: TableSpec, categories: dict[str, pd.CategoricalDtype] | None = None
) -> pd.DataFrame:
    """The spec's columns, in its order, converted to its dtypes. Categories of a categorical column are
    ``categories[name]`` when given (streamed chunks share them), else the sorted values present."""
    import numpy as np
    import pandas as pd

    out: dict[str, Any] = {}
    n = len(frame)
    for col in spec.columns:
        raw = frame[col.name] if col.name in frame.columns else pd.Series([None] * n, dtype=object)
        obj = raw.astype(object)
        missing = obj.isna().to_numpy(dtype=bool)  # None, NaN, NaT and NA alike
        clean = obj.where(~missing, None)
        if col.dtype == TIME:
            out[col.name] = pd.to_datetime(clean, utc=True).dt.as_unit("ns").array
        elif col.dtype == STRING:
            out[col.name] = clean.astype(pd.StringDtype()).array
        elif col.dtype == CATEGORY:
            if pd.api.types.infer_dtype(clean, skipna=True) not in ("string", "empty"):
                clean = clean.map(lambda v: None if v is None else str(v))
            given = categories.get(col.name) if categories else None
            dtype = given if given is not None else category_dtype(sorted(set(clean[~missing])))
            cat = pd.Categorical(clean, dtype=dtype)
            if ((cat.codes == -1) != missing).any():  # a value outside the categories would silently become NaN
                raise AssertionError(f"{spec.name}.{col.name}: values outside the categories given")
            out[col.name] = cat
        elif col.dtype == FLOAT:
            out[col.name] = obj.where(~missing, np.nan).astype(np.float64).to_numpy()
        elif col.dtype == INT:
            out[col.name] = obj.astype(np.int64).to_numpy()
        elif col.dtype == NULLABLE_INT:
            out[col.name] = pd.array([None if m else int(v) for v, m in zip(obj, missing, strict=True)], dtype="Int64")
        elif col.dtype == BOOL:
            out[col.name] = pd.array(
                [None if m else bool(v) for v, m in zip(obj, missing, strict=True)], dtype="boolean"
            )
        else:  # pragma: no cover - the specs above use only DTYPES
            raise AssertionError(col.dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array is not "missing"
        return False


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    import pandas as pd

    return apply_dtypes(pd.DataFrame(), spec)


# ---------------------------------------------------------------------------------------------------- as-of


def to_as_of(value: Any) -> AsOf | None:
    """An `AsOf` from an AsOf, a position (int), a date (the end of that day, UTC), a datetime (naive = UTC), or
    a string as the CLI's ``--as-of`` takes (a position, YYYY-MM-DD or an ISO time)."""
    from tracker.app.ledger import AsOf

    if value is None or isinstance(value, AsOf):
        return value
    if isinstance(value, bool):
        raise UserError(f"{value!r} is not a position or a time", "as_of")
    if isinstance(value, int):
        if value < 0:
            raise UserError(f"{value} is not a position (positions start at 1)", "as_of")
        return AsOf(position=value)
    if isinstance(value, datetime):
        return AsOf(recorded_until=as_utc(value))
    if isinstance(value, date):
        return AsOf(recorded_until=end_of_day(value))
    if isinstance(value, str):
        return AsOf.parse(value)
    raise UserError(f"{value!r} is not a position, a date or a time", "as_of")


def as_of_dict(as_of: AsOf | None) -> dict[str, Any] | None:
    if as_of is None:
        return None
    return {
        "position": as_of.position,
        "recorded_until": es.iso_utc(as_of.recorded_until) if as_of.recorded_until else None,
    }


@dataclass
class ScoreRun:
    run_id: int
    through_position: int
    finished_at: datetime


@dataclass
class Snapshot:
    """One consistent reading of the ledger: the projections (live, or replayed to ``as_of``), the live database
    (events, scoring tables), the head at that point and the scoring run whose scores apply."""

    proj: Connection
    live: Connection
    as_of: AsOf | None
    head_position: int
    head_hash: str
    today: date
    run: ScoreRun | None
    _open_scores: Callable[[], Connection]
    _scores: Connection | None = field(default=None)

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
        }


def _event_window(as_of: AsOf | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if as_of is not None and as_of.position is not None:
        conds.append(events.c.position <= as_of.position)
    if as_of is not None and as_of.recorded_until is not None:
        conds.append(events.c.recorded_at <= as_of.recorded_until)
    return conds


def _head(conn: Connection, as_of: AsOf | None) -> tuple[int, str]:
    row = conn.execute(
        select(events.c.position, events.c.hash)
        .where(*_event_window(as_of))
        .order_by(events.c.position.desc())
        .limit(1)
    ).first()
    return (0, es.GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def _score_run(conn: Connection, as_of: AsOf | None) -> ScoreRun | None:
    """The last successful run (by ``as_of``: finished by that time / through at most that position)."""
    q = select(scoring_runs.c.run_id, scoring_runs.c.through_position, scoring_runs.c.finished_at).where(
        scoring_runs.c.status == "ok"
    )
    if as_of is not None and as_of.position is not None:
        q = q.where(scoring_runs.c.through_position <= as_of.position)
    if as_of is not None and as_of.recorded_until is not None:
        q = q.where(scoring_runs.c.finished_at <= as_of.recorded_until)
    row = conn.execute(q.order_by(scoring_runs.c.run_id.desc()).limit(1)).first()
    return None if row is None else ScoreRun(int(row[0]), int(row[1] or 0), row[2])


def _recompute_scores(conn: Connection, run: ScoreRun | None) -> None:
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


# ------------------------------------------------------------------------------------------------- readers


@dataclass
class TableReader:
    """A table's rows under filters, as typed DataFrame chunks in a stable order (its position order)."""

    spec: TableSpec
    query: Select[Any] | None  # None: a derived table, computed in one piece by ``build``
    key: Any = None  # the (unique) ordering column of ``query``
    conn: Connection | None = None
    post: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    build: Callable[[], pd.DataFrame] | None = None

    def count(self) -> int | None:
        if self.query is None or self.conn is None:
            return None
        return int(self.conn.execute(select(func.count()).select_from(self.query.subquery())).scalar_one())

    def categories(self) -> dict[str, pd.CategoricalDtype]:
        """The dtype of each categorical column: its distinct values under the filters, sorted (for every chunk)."""
        if self.query is None or self.conn is None:
            return {}
        sub = self.query.subquery()
        out = {}
        for col in self.spec.columns:
            if col.dtype == CATEGORY and col.name in sub.c:
                values = self.conn.execute(select(sub.c[col.name]).distinct()).scalars()
                out[col.name] = category_dtype(_sorted_categories(values))
        return out

    def chunks(self, size: int | None = None) -> Iterator[pd.DataFrame]:
        """Typed frames of at most ``size`` rows (default `CHUNK_ROWS`), at least one (maybe empty)."""
        size = size or CHUNK_ROWS
        if self.query is None:
            assert self.build is not None
            yield self.build()
            return
        assert self.conn is not None
        cats = self.categories()
        # One ordered query, streamed: a server-side cursor on PostgreSQL, SQLite's lazy cursor; partitions of
        # ``size`` rows are typed and handed on one at a time, so memory is bounded whatever the table's size.
        # (Keyset pages would re-sort a table without an index on its order column once per page.)
        q = self.query.order_by(self.key).execution_options(stream_results=True, yield_per=size)
        result = self.conn.execute(q)
        keys = list(result.keys())
        empty = True
        for rows in result.partitions(size):
            empty = False
            yield self._typed(keys, rows, cats)
            del rows
        if empty:
            yield self._typed(keys, [], cats)

    def _typed(self, keys: list[str], rows: Sequence[Any], cats: dict[str, pd.CategoricalDtype]) -> pd.DataFrame:
        import pandas as pd

        columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
        raw = pd.DataFrame({k: pd.Series(c, dtype=object) for k, c in zip(keys, columns, strict=True)})
        del columns
        if self.post is not None:
            raw = self.post(raw)
        return apply_dtypes(raw, self.spec, cats)

    def narrow(self, names: Sequence[str]) -> TableReader:
        """The same rows with only the columns ``names`` (what a derived table needs, in less memory)."""
        cols = tuple(c for c in self.spec.columns if c.name in names)
        spec = TableSpec(self.spec.name, self.spec.description, cols, self.spec.filters, self.spec.order)
        return replace(self, spec=spec)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        parts = list(self.chunks())
        if len(parts) == 1:
            return parts[0]
        return pd.concat(parts, ignore_index=True)


# -------------------------------------------------------------------------------------------------- filters


def _ids(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    return [str(v) for v in items]


def _forecaster_ids(value: str | Sequence[str] | None) -> list[str] | None:
    from tracker.app.ledger import slugify

    items = _ids(value)
    return None if items is None else [slugify(v, "forecaster") for v in items]


@dataclass(frozen=True)
class Filters:
    """The CLI's filters. ``None`` means no filter; lists mean any of them."""

    status: str | None = None
    tag: str | None = None
    forecaster: list[str] | None = None
    question: list[str] | None = None
    source: list[str] | None = None
    outlet: str | None = None

    @staticmethod
    def make(
        status: str | None = None,
        tag: str | None = None,
        forecaster: str | Sequence[str] | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
    ) -> Filters:
        return Filters(status, tag, _forecaster_ids(forecaster), _ids(question), _ids(source), outlet)


def _tagged(question_col: Any, tag: str) -> ColumnElement[bool]:
    return question_col.in_(select(question_tags.c.question_id).where(question_tags.c.tag == tag))


def _with_forecaster(question_col: Any, ids: list[str]) -> ColumnElement[bool]:
    return question_col.in_(select(forecasts.c.question_id).where(forecasts.c.forecaster_id.in_(ids)))


def _with_source(question_col: Any, ids: list[str]) -> ColumnElement[bool]:
    return question_col.in_(select(forecasts.c.question_id).where(forecasts.c.source_id.in_(ids)))


def _with_outlet(question_col: Any, outlet: str) -> ColumnElement[bool]:
    return question_col.in_(
        select(forecasts.c.question_id)
        .join(sources, sources.c.source_id == forecasts.c.source_id)
        .where(sources.c.outlet == outlet)
    )


def _question_status(status: str, today: date) -> ColumnElement[bool]:
    if status not in QUESTION_STATUSES:
        raise UserError(f"{status!r} is not a question status ({', '.join(QUESTION_STATUSES)})", "status")
    if status == "due":
        return and_(questions.c.status == "open", questions.c.resolve_by < today)
    return questions.c.status == status


def _question_conditions(f: Filters, qcol: Any, today: date) -> list[ColumnElement[bool]]:
    """Filters on questions reached through ``qcol`` (a question_id column)."""
    conds: list[ColumnElement[bool]] = []
    if f.question is not None:
        conds.append(qcol.in_(f.question))
    if f.tag is not None:
        conds.append(_tagged(qcol, f.tag))
    if f.status is not None:
        conds.append(qcol.in_(select(questions.c.question_id).where(_question_status(f.status, today))))
    return conds


def _n_forecasts() -> Any:
    return (
        select(func.count())
        .where(forecasts.c.question_id == questions.c.question_id, forecasts.c.withdrawn.is_(false()))
        .scalar_subquery()
    )


# ------------------------------------------------------------------------------------------------- the mixin


class FramesMixin:
    """DataFrame methods of `Ledger` (see the module docstring for dtypes and ``as_of``)."""

    engine: Engine

    if TYPE_CHECKING:

        def view(self, as_of: AsOf | None = None) -> AbstractContextManager[Connection]: ...

        def today(self) -> date: ...

    # ----- snapshots ---------------------------------------------------------------------------------------
    @contextmanager
    def snapshot(self, as_of: Any = None) -> Iterator[Snapshot]:
        """A consistent reading of the ledger at ``as_of`` (None: now), for several frames at once."""
        point = to_as_of(as_of)
        today = self.today()
        with ExitStack() as stack:
            if point is None:
                conn = stack.enter_context(self.view(None))
                position, head_hash = es.head(conn)
                run = _score_run(conn, None)
                yield Snapshot(conn, conn, None, position, head_hash, today, run, lambda: conn)
                return
            live = stack.enter_context(read_transaction(self.engine))
            position, head_hash = _head(live, point)
            run = _score_run(live, point)
            # Cut the replay at the head read in this snapshot, so it cannot see an event appended since.
            from tracker.app.ledger import AsOf

            proj = stack.enter_context(self.view(AsOf(position=position, recorded_until=point.recorded_until)))

            def open_scores() -> Connection:
                through = run.through_position if run else 0
                conn = stack.enter_context(self.view(AsOf(position=through)))
                _recompute_scores(conn, run)
                return conn

            yield Snapshot(proj, live, point, position, head_hash, today, run, open_scores)

    def reader(self, snap: Snapshot, table: str, **kwargs: Any) -> TableReader:
        """The `TableReader` of ``table`` (a name in `TABLES`) with the frame method's keyword arguments."""
        if table not in TABLES:
            raise UserError(f"{table!r} is not a table ({', '.join(TABLES)})", "table")
        make = getattr(self, f"_reader_{table}")
        reader: TableReader = make(snap, **kwargs)
        return reader

    def _frame(self, table: str, as_of: Any, **kwargs: Any) -> pd.DataFrame:
        with self.snapshot(as_of) as snap:
            return self.reader(snap, table, **kwargs).frame()

    # ----- the frames --------------------------------------------------------------------------------------
    def events(
        self,
        *,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        type: str | Sequence[str] | None = None,  # noqa: A002 - the CLI's name
        as_of: Any = None,
    ) -> pd.DataFrame:
        """The log as stored (with hashes), in position order; ``type`` filters on event types."""
        return self._frame("events", as_of, question=question, source=source, type=type)

    def sources_frame(
        self, *, source: str | Sequence[str] | None = None, outlet: str | None = None, as_of: Any = None
    ) -> pd.DataFrame:
        """The sources (``Ledger.sources()`` gives them as dicts)."""
        return self._frame("sources", as_of, source=source, outlet=outlet)

    def forecasters(self, *, forecaster: str | Sequence[str] | None = None, as_of: Any = None) -> pd.DataFrame:
        return self._frame("forecasters", as_of, forecaster=forecaster)

    def questions(
        self,
        *,
        status: str | None = None,
        tag: str | None = None,
        forecaster: str | Sequence[str] | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Questions; ``status`` is open, resolved, annulled or due; ``forecaster``/``source``/``outlet`` keep the
        questions with a forecast by them / from them."""
        return self._frame(
            "questions",
            as_of,
            status=status,
            tag=tag,
            forecaster=forecaster,
            question=question,
            source=source,
            outlet=outlet,
        )

    def forecasts(
        self,
        *,
        status: str | None = None,
        tag: str | None = None,
        forecaster: str | Sequence[str] | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Forecasts (withdrawn ones too, flagged); ``status`` filters on the question's status."""
        return self._frame(
            "forecasts",
            as_of,
            status=status,
            tag=tag,
            forecaster=forecaster,
            question=question,
            source=source,
            outlet=outlet,
        )

    def resolutions(
        self, *, tag: str | None = None, question: str | Sequence[str] | None = None, as_of: Any = None
    ) -> pd.DataFrame:
        return self._frame("resolutions", as_of, tag=tag, question=question)

    def scores(
        self,
        *,
        status: str | None = None,
        tag: str | None = None,
        forecaster: str | Sequence[str] | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Per-forecast scores; ``status`` is the scoring status (scored, hindsight, superseded, ...)."""
        return self._frame(
            "scores",
            as_of,
            status=status,
            tag=tag,
            forecaster=forecaster,
            question=question,
            source=source,
            outlet=outlet,
        )

    def question_scores(
        self,
        *,
        tag: str | None = None,
        forecaster: str | Sequence[str] | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        return self._frame(
            "question_scores", as_of, tag=tag, forecaster=forecaster, question=question, source=source, outlet=outlet
        )

    def leaderboard(
        self,
        by: str = "forecaster",
        *,
        sort: str = "mean_brier",
        run: int | None = None,
        tag: str | None = None,
        forecaster: str | Sequence[str] | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Aggregates per forecaster, source, outlet or tag, best first by ``sort`` (an aggregate column).

        ``run=R``: the per-forecaster aggregates as scoring run R recorded them in score_history.
        """
        return self._frame(
            "leaderboard",
            as_of,
            by=by,
            sort=sort,
            run=run,
            tag=tag,
            forecaster=forecaster,
            question=question,
            source=source,
            outlet=outlet,
        )

    def score_history(self, *, forecaster: str | Sequence[str] | None = None, as_of: Any = None) -> pd.DataFrame:
        return self._frame("score_history", as_of, forecaster=forecaster)

    def calibration(
        self,
        forecaster: str | Sequence[str] | None = None,
        bins: int = 10,
        *,
        tag: str | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Calibration table of the scored binary forecasts: everyone pooled (``forecaster=None``), one
        forecaster, or several (a list: one block of bins each, in the order given)."""
        return self._frame(
            "calibration",
            as_of,
            forecaster=forecaster,
            bins=bins,
            tag=tag,
            question=question,
            source=source,
            outlet=outlet,
        )

    def due(
        self,
        *,
        tag: str | None = None,
        forecaster: str | Sequence[str] | None = None,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        outlet: str | None = None,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Open questions past their resolve-by date (today, UTC), most overdue first."""
        return self._frame(
            "due", as_of, tag=tag, forecaster=forecaster, question=question, source=source, outlet=outlet
        )

    def runs(self, *, status: str | None = None, as_of: Any = None) -> pd.DataFrame:
        """Scoring runs in order (as of a point: up to the run whose scores apply then)."""
        return self._frame("runs", as_of, status=status)

    # ----- readers -----------------------------------------------------------------------------------------
    def _reader_events(
        self,
        snap: Snapshot,
        question: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        type: str | Sequence[str] | None = None,  # noqa: A002
    ) -> TableReader:
        from tracker.domain import events as ev

        q: Select[Any] = select(*events.c, events.c.position.label("_key")).where(
            events.c.position <= snap.head_position
        )
        q = q.where(*_event_window(snap.as_of))
        streams: list[str] = []
        for qid in _ids(question) or []:
            streams.append(ev.question_stream(qid))
        for sid in _ids(source) or []:
            streams.append(ev.source_stream(sid))
        if streams:
            q = q.where(events.c.stream_id.in_(streams))
        types = _ids(type)
        if types:
            for t in types:
                if t not in ev.ALL_TYPES:
                    raise UserError(f"{t!r} is not an event type ({', '.join(ev.ALL_TYPES)})", "type")
            q = q.where(events.c.event_type.in_(types))
        return TableReader(EVENTS, q, events.c.position, snap.live)

    def _reader_sources(
        self, snap: Snapshot, source: str | Sequence[str] | None = None, outlet: str | None = None
    ) -> TableReader:
        cols = [c for c in sources.c if c.name != "text"]
        q: Select[Any] = select(*cols, sources.c.position.label("_key"))
        if source is not None:
            q = q.where(sources.c.source_id.in_(_ids(source) or []))
        if outlet is not None:
            q = q.where(sources.c.outlet == outlet)
        return TableReader(SOURCES, q, sources.c.position, snap.proj)

    def _reader_forecasters(self, snap: Snapshot, forecaster: str | Sequence[str] | None = None) -> TableReader:
        q: Select[Any] = select(*forecasters.c, forecasters.c.first_position.label("_key"))
        ids = _forecaster_ids(forecaster)
        if ids is not None:
            q = q.where(forecasters.c.forecaster_id.in_(ids))
        return TableReader(FORECASTERS, q, forecasters.c.first_position, snap.proj)

    def _reader_questions(self, snap: Snapshot, **kw: Any) -> TableReader:
        f = Filters.make(**kw)
        q: Select[Any] = select(
            *questions.c, _n_forecasts().label("n_forecasts"), questions.c.opened_position.label("_key")
        )
        q = q.where(*_question_conditions(f, questions.c.question_id, snap.today))
        if f.forecaster is not None:
            q = q.where(_with_forecaster(questions.c.question_id, f.forecaster))
        if f.source is not None:
            q = q.where(_with_source(questions.c.question_id, f.source))
        if f.outlet is not None:
            q = q.where(_with_outlet(questions.c.question_id, f.outlet))
        today = snap.today

        def post(raw: pd.DataFrame) -> pd.DataFrame:
            raw["due"] = [
                s == "open" and rb is not None and rb == rb and _as_date(rb) < today
                for s, rb in zip(raw["status"], raw["resolve_by"], strict=True)
            ]
            return raw

        return TableReader(QUESTIONS, q, questions.c.opened_position, snap.proj, post)

    def _reader_forecasts(self, snap: Snapshot, **kw: Any) -> TableReader:
        f = Filters.make(**kw)
        q: Select[Any] = (
            select(
                *forecasts.c,
                forecasters.c.name.label("forecaster"),
                sources.c.outlet,
                forecasts.c.position.label("_key"),
            )
            .select_from(
                forecasts.outerjoin(forecasters, forecasters.c.forecaster_id == forecasts.c.forecaster_id).outerjoin(
                    sources, sources.c.source_id == forecasts.c.source_id
                )
            )
            .where(*_question_conditions(f, forecasts.c.question_id, snap.today))
        )
        q = _who(q, f, forecasts)
        return TableReader(FORECASTS, q, forecasts.c.position, snap.proj)

    def _reader_resolutions(
        self, snap: Snapshot, tag: str | None = None, question: str | Sequence[str] | None = None
    ) -> TableReader:
        f = Filters.make(tag=tag, question=question)
        q: Select[Any] = select(*resolutions.c, resolutions.c.position.label("_key")).where(
            *_question_conditions(f, resolutions.c.question_id, snap.today)
        )
        return TableReader(RESOLUTIONS, q, resolutions.c.position, snap.proj)

    def _reader_scores(self, snap: Snapshot, **kw: Any) -> TableReader:
        f = Filters.make(**kw)
        status = f.status
        if status is not None and status not in SCORE_STATUSES:
            raise UserError(f"{status!r} is not a scoring status ({', '.join(SCORE_STATUSES)})", "status")
        conn = snap.scores()
        q: Select[Any] = (
            select(
                *forecast_scores.c,
                sources.c.outlet,
                forecasts.c.p_yes,
                forecasts.c.position,
                forecasts.c.position.label("_key"),
            )
            .select_from(
                forecast_scores.join(forecasts, forecasts.c.forecast_id == forecast_scores.c.forecast_id).outerjoin(
                    sources, sources.c.source_id == forecast_scores.c.source_id
                )
            )
            .where(
                *_question_conditions(
                    Filters(tag=f.tag, question=f.question), forecast_scores.c.question_id, snap.today
                )
            )
        )
        if status is not None:
            q = q.where(forecast_scores.c.status == status)
        q = _who(q, f, forecast_scores)
        return TableReader(SCORES, q, forecasts.c.position, conn)

    def _reader_question_scores(self, snap: Snapshot, **kw: Any) -> TableReader:
        f = Filters.make(**kw)
        conn = snap.scores()
        q: Select[Any] = (
            select(*question_scores.c, sources.c.outlet, forecasts.c.position.label("_key"))
            .select_from(
                question_scores.join(forecasts, forecasts.c.forecast_id == question_scores.c.forecast_id).outerjoin(
                    sources, sources.c.source_id == question_scores.c.source_id
                )
            )
            .where(*_question_conditions(f, question_scores.c.question_id, snap.today))
        )
        q = _who(q, f, question_scores)
        return TableReader(QUESTION_SCORES, q, forecasts.c.position, conn)

    def _reader_leaderboard(
        self,
        snap: Snapshot,
        by: str = "forecaster",
        sort: str = "mean_brier",
        run: int | None = None,
        **kw: Any,
    ) -> TableReader:
        spec = leaderboard_spec(by)
        if sort not in AGGREGATE_NAMES:
            raise UserError(f"{sort!r} is not an aggregate column ({', '.join(AGGREGATE_NAMES)})", "sort")
        key = GROUPINGS[by]
        f = Filters.make(**kw)
        if run is not None:
            if by != "forecaster" or f.tag or f.question or f.source or f.outlet:
                raise UserError(
                    "the aggregates a run recorded are kept per forecaster only: run cannot be combined with "
                    "by, tag, question, source or outlet",
                    "run",
                )
            if snap.run is None or run > snap.run.run_id or run < 1:
                latest = snap.run.run_id if snap.run else "none"
                raise UserError(f"no successful scoring run {run} at this point (latest: {latest})", "run")

        def build() -> pd.DataFrame:
            if run is not None:
                agg = _recorded_aggregates(snap.live, run, f.forecaster)
            else:
                reader = self._reader_question_scores(
                    snap, tag=f.tag, forecaster=f.forecaster, question=f.question, source=f.source, outlet=f.outlet
                )
                qs = reader.narrow(_AGGREGATE_INPUT).frame()
                agg = _aggregate(snap.scores(), qs, key)
            names = _names(snap.proj, by)
            agg[key] = [MISSING_KEY[key] if _missing(k) else str(k) for k in agg[key]]
            agg["name"] = [names.get(k) for k in agg[key]]
            ascending = sort not in HIGHER_IS_BETTER
            agg = agg.sort_values([sort, key], ascending=[ascending, True], na_position="last", kind="stable")
            agg = agg.reset_index(drop=True)
            agg["rank"] = range(1, len(agg) + 1)
            return apply_dtypes(agg, spec)

        return TableReader(spec, None, build=build)

    def _reader_score_history(self, snap: Snapshot, forecaster: str | Sequence[str] | None = None) -> TableReader:
        ids = _forecaster_ids(forecaster)

        def build() -> pd.DataFrame:
            import pandas as pd

            if snap.run is None:
                return empty_frame(SCORE_HISTORY)
            q = (
                select(score_history, scoring_runs.c.finished_at, scoring_runs.c.through_position)
                .join(scoring_runs, scoring_runs.c.run_id == score_history.c.run_id)
                .where(score_history.c.run_id <= snap.run.run_id)
                .order_by(score_history.c.run_id, score_history.c.forecaster_id)
            )
            if ids is not None:
                q = q.where(score_history.c.forecaster_id.in_(ids))
            result = snap.live.execute(q)
            raw = pd.DataFrame.from_records(result.all(), columns=list(result.keys()))
            raw = raw.sort_values(["run_id", "forecaster_id"], key=_str_key, kind="stable")
            return apply_dtypes(raw, SCORE_HISTORY)

        return TableReader(SCORE_HISTORY, None, build=build)

    def _reader_calibration(
        self, snap: Snapshot, forecaster: str | Sequence[str] | None = None, bins: int = 10, **kw: Any
    ) -> TableReader:
        if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 100:
            raise UserError(f"{bins!r} is not a number of bins between 1 and 100", "bins")
        ids = _forecaster_ids(forecaster)

        def build() -> pd.DataFrame:
            import numpy as np
            import pandas as pd

            from tracker.scoring import metrics

            reader = self._reader_question_scores(snap, forecaster=ids, **kw)
            qs = reader.narrow(("forecaster_id", "kind", "p_yes", "outcome")).frame()
            qs = qs[qs["kind"] == "binary"]
            groups: list[tuple[str, Any]] = []
            if ids is None:
                groups.append((ALL_FORECASTERS, qs))
            else:
                for fid in dict.fromkeys(ids):
                    groups.append((fid, qs[qs["forecaster_id"] == fid]))
            parts = []
            for name, rows in groups:
                p = rows["p_yes"].to_numpy(dtype=np.float64)
                o = (rows["outcome"].astype("string") == "yes").to_numpy(dtype=np.float64)
                table = metrics.calibration_table(p, o, bins)
                table.insert(0, "forecaster_id", name)
                parts.append(table)
            out = pd.concat(parts, ignore_index=True)
            return apply_dtypes(out, CALIBRATION)

        return TableReader(CALIBRATION, None, build=build)

    def _reader_due(self, snap: Snapshot, **kw: Any) -> TableReader:
        f = Filters.make(status="due", **kw)
        today = snap.today

        def build() -> pd.DataFrame:
            raw = self._reader_questions(snap, **f.__dict__).frame()
            raw = raw.assign(
                days_overdue=[(today - ts.date()).days for ts in raw["resolve_by"]],
            )
            raw = raw.sort_values(["days_overdue", "question_id"], ascending=[False, True], kind="stable")
            return apply_dtypes(raw.reset_index(drop=True).astype(object), DUE)

        return TableReader(DUE, None, build=build)

    def _reader_runs(self, snap: Snapshot, status: str | None = None) -> TableReader:
        if status is not None and status not in RUN_STATUSES:
            raise UserError(f"{status!r} is not a run status ({', '.join(RUN_STATUSES)})", "status")

        def build() -> pd.DataFrame:
            import pandas as pd

            q = select(scoring_runs).order_by(scoring_runs.c.run_id)
            if snap.as_of is not None:
                q = q.where(scoring_runs.c.run_id <= snap.run.run_id) if snap.run else q.where(false())
            if status is not None:
                q = q.where(scoring_runs.c.status == status)
            result = snap.live.execute(q)
            raw = pd.DataFrame.from_records(result.all(), columns=list(result.keys()))
            raw["seconds"] = [
                (b - a).total_seconds() if a is not None and b is not None and b == b else None
                for a, b in zip(raw["started_at"], raw["finished_at"], strict=True)
            ]
            return apply_dtypes(raw, RUNS)

        return TableReader(RUNS, None, build=build)


# --------------------------------------------------------------------------------------------------- helpers


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _str_key(s: pd.Series) -> pd.Series:
    return s.astype(str) if s.name == "forecaster_id" else s


def _who(q: Select[Any], f: Filters, table: Any) -> Select[Any]:
    """Filters on the forecaster, source and outlet of rows of ``table`` (forecasts or a score table)."""
    if f.forecaster is not None:
        q = q.where(table.c.forecaster_id.in_(f.forecaster))
    if f.source is not None:
        q = q.where(table.c.source_id.in_(f.source))
    if f.outlet is not None:
        q = q.where(sources.c.outlet == f.outlet)
    return q


def _names(conn: Connection, by: str) -> dict[str, str]:
    if by == "forecaster":
        return {str(k): str(v) for k, v in conn.execute(select(forecasters.c.forecaster_id, forecasters.c.name))}
    if by == "source":
        return {str(k): str(v) for k, v in conn.execute(select(sources.c.source_id, sources.c.title))}
    return {}


def _aggregate(conn: Connection, qs: pd.DataFrame, key: str) -> pd.DataFrame:
    """`compute.aggregate` of typed question_scores rows by ``key`` (tags exploded for "tag")."""
    import numpy as np
    import pandas as pd

    from tracker.scoring import compute

    if qs.empty:
        return pd.DataFrame({key: pd.Series([], dtype=object), **{c: [] for c in AGGREGATE_NAMES}})
    # only the grouping key as Python strings (None when missing); kind and outcome stay categorical
    work = pd.DataFrame({"kind": qs["kind"], "outcome": qs["outcome"]})
    if key != "tag":
        work[key] = qs[key].astype(object).where(qs[key].notna(), None)
    for col in (
        "brier",
        "brier_two_category",
        "time_avg_brier",
        "relative_brier",
        "log_score",
        "baseline_score",
        "brier_low",
        "brier_high",
    ):
        work[col] = qs[col].to_numpy(dtype=np.float64)
    if key == "tag":
        tags: dict[str, list[str]] = {}
        for qid, t in conn.execute(select(question_tags.c.question_id, question_tags.c.tag)):
            tags.setdefault(str(qid), []).append(str(t))
        work["tag"] = pd.Series([sorted(tags.get(str(q), [])) for q in qs["question_id"]], dtype=object)
    agg = compute.aggregate(work, key)
    return agg[[key, *AGGREGATE_NAMES]]


def _recorded_aggregates(conn: Connection, run: int, ids: list[str] | None) -> pd.DataFrame:
    """Each forecaster's aggregate as of run ``run`` (their latest score_history row up to it), n_scored > 0."""
    import pandas as pd

    from tracker.scoring.job import latest_history

    rows = [r for r in latest_history(conn, ids, run).values() if r["n_scored"]]
    return pd.DataFrame(rows, columns=["forecaster_id", *AGGREGATE_NAMES])


def data_dictionary() -> dict[str, Any]:
    """Every table, each column with its dtype and meaning (the exports' data_dictionary.json)."""
    return {
        name: {
            "description": spec.description,
            "order": spec.order,
            "filters": list(spec.filters),
            "columns": [{"name": c.name, "dtype": c.dtype, "meaning": c.meaning} for c in spec.columns],
        }
        for name, spec in TABLES.items()
    }


__all__ = [
    "ALL_FORECASTERS",
    "TABLES",
    "FRAME_METHODS",
    "FramesMixin",
    "Snapshot",
    "TableReader",
    "TableSpec",
    "apply_dtypes",
    "data_dictionary",
    "leaderboard_spec",
    "to_as_of",
]
