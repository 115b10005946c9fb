"""What every frame of the ledger holds: one `TableSpec` per table, its columns' dtypes and meanings (also the
exports' data dictionary), and the conversion of raw rows to those dtypes.

Times are tz-aware UTC (``datetime64[ns, UTC]``; a date such as ``made_at`` is midnight UTC of that day), repeated
strings are categoricals whose categories are the values present, sorted; probabilities and scores are ``float64``
(NaN where undefined); flags are nullable ``boolean``; counts and positions ``int64`` (``Int64`` where they can be
missing); other text is ``string``. JSON-valued columns (options, tags, probabilities, payload) are JSON text.
pandas is imported inside the functions, so that reading rows for the CLI never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.domain.fields import GROUPINGS as GROUPINGS
from tracker.domain.fields import grouping

if TYPE_CHECKING:
    import pandas as pd

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
HIGHER_IS_BETTER = (
    "n_scored",
    "mean_log_score",
    "mean_baseline_score",
    "mean_baseline_time_avg",
    "bss_vs_half",
    "bss_vs_base_rate",
)
# The leaderboard's sort keys by their short names (the CLI's --metric); a column name is accepted too.
METRICS = {
    "brier": "mean_brier",
    "brier2": "mean_brier_two_category",
    "time-avg": "mean_time_avg_brier",
    "relative": "mean_relative_brier",
    "log": "mean_log_score",
    "baseline": "mean_baseline_score",
    "baseline-time-avg": "mean_baseline_time_avg",
    "skill": "bss_vs_half",
    "skill-base-rate": "bss_vs_base_rate",
    "count": "n_scored",
}


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
mean_baseline_score      float64  Mean final-forecast ("spot") baseline score, 100 (log2 p - log2 1/n_options) of
    the scored forecast: 0 is a uniform guess, higher is better.
mean_baseline_time_avg   float64  Mean of Metaculus' headline Baseline score: time-averaged over each question's
    horizon, 0 where no forecast stood (docs/scoring.md).
mean_baseline_coverage   float64  Mean share of the questions' horizons the forecaster's forecasts covered.
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
AGGREGATE_INPUT = (
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
    "baseline_time_avg",
    "baseline_coverage",
)
# The leaderboard's statements of how sure it is (tracker.scoring.honest), after the aggregates.
_HONEST = """
n_questions      int64    Distinct scored questions in the row (what the interval and the tests are over: a group
    that pools several forecasters' rows on a question averages them, so each question counts once).
n_forecasters    int64    Forecasters whose rows the row pools (1 for a forecaster).
mean_brier_questions  float64  Mean over questions of each question's mean Brier: the mean the interval and the
    tests are about. A forecaster's equals mean_brier; a group pooling several rows on a question weighs each
    question once here, and mean_brier (over rows) can lie outside the interval.
brier_ci_low     float64  Low end of the 90% interval of the mean Brier over questions (a betting confidence
    interval, valid whatever the distribution of scores). NaN with too few questions.
brier_ci_high    float64  High end of that interval.
precision        string   "too few questions to say (N; 5 needed)" when so (the interval is given from 5 questions on);
    missing otherwise.
vs_coin          string   Beats a coin flip? A test of "expected Brier = the uniform forecast's" (betting, one-sided,
    5%, valid for any distribution of scores), in words, with its p-value and question count. Below 5 questions it
    also says that beating a coin flip takes at least 12 binary questions, however good the record.
vs_coin_p        float64  One-sided p-value that the row beats a coin flip (NaN with too few questions).
vs_crowd         string   Beats the crowd (the daily median forecast)? The same test on the time-averaged Brier
    against the crowd's, on questions shared with others.
vs_crowd_p       float64  One-sided p-value that the row beats the crowd.
unranked         string   Why the row has no rank: fewer scored questions than the threshold (--min-scored,
    default 5); such rows follow the ranked ones. Missing for ranked rows.
"""
HONEST_NAMES = tuple(c.name for c in _columns(_HONEST))

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
    key = grouping(by)
    columns = (
        (
            Col(
                "rank", NULLABLE_INT, "1 for the best; missing for rows with too few questions to rank (see unranked)."
            ),
            Col(key, STRING, _KEY_MEANING[key]),
            Col("name", STRING, _NAME_MEANING.get(by, "Empty for this grouping.")),
        )
        + _columns(_AGGREGATES)
        + _columns(_HONEST)
    )
    return TableSpec(
        "leaderboard",
        f"Aggregated scores per {by} (the export: per forecaster), best first: rank 1 has the lowest mean Brier "
        "unless sorted otherwise. Computed from question_scores.",
        columns,
        ("by", "sort", "min_scored", "forecaster", "question", "tag", "source", "outlet"),
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
baseline_score      float64   Final-forecast ("spot") baseline: 100 (log2 p_outcome - log2 1/n_options).
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
baseline_time_avg     float64  Metaculus' headline Baseline score: time-averaged over the question's horizon, 0
    where no forecast stood.
baseline_coverage     float64  Share of the question's horizon the forecaster's forecasts covered.
n_options             Int64    The question's options (the uniform forecast's Brier is 1 - 1/n_options).
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
ci_low              float64   95% interval of observed_frequency (Clopper-Pearson: holds the bin's true frequency
    at least 95% of the time at every count), low end (NaN if empty). What the views print.
ci_high             float64   The same interval's high end (NaN if empty).
wilson_low          float64   Wilson interval (z = 1.96) of observed_frequency, low end (NaN if empty). Kept for
    existing readers: near 0 or 1 it holds the true frequency only 83-84% of the time, not 95%.
wilson_high         float64   The Wilson interval's high end (NaN if empty).
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


HINDSIGHT = _table(
    "hindsight",
    """Forecasts made on or after the day their question's outcome became known: flagged by the hindsight guard,
    never scored (as of the scoring run that applies).""",
    "tag forecaster question source outlet",
    "question_id, made_at, forecast_id",
    """
forecast_id    string    Forecast id.
question_id    string    Question id.
question       string    The question's title.
forecaster_id  category  Forecaster id.
forecaster     string    Forecaster's name.
made_at        datetime64[ns, UTC]  When the forecast was made (midnight UTC).
known_on       datetime64[ns, UTC]  Day the outcome became known (midnight UTC).
days_after     int64     Days from known_on to made_at (0: the same day).
outcome        category  What happened.
p_yes          float64   P(YES) of a binary forecast.
probabilities  string    The distribution over the options (JSON object option -> p).
p_outcome      float64   Probability given to what happened.
hedge          string    The hedge phrase in the quote.
quote          string    Verbatim quote.
source_id      category  Source it was taken from.
source_title   string    The source's title.
outlet         category  The source's outlet.
url            string    The source's URL.
""",
)


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
