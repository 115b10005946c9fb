"""Table-level scoring: which forecasts count, their scores, time-averaged and crowd-relative Brier, aggregates.

Pure pandas/numpy; the shell builds the input frames from the database.

Rules (docs/scoring.md has them with the conventions behind each):

- All times are compared at UTC-day resolution: ``made_at`` and ``known_on`` are floored to their UTC day.
- Per (forecaster, question) the scored forecast is the latest non-withdrawn forecast made on a day strictly before
  the day the outcome became known (``known_on``). Ties on ``made_at`` go to the later row in input order (the input
  order is taken as the recording order).
- Withdrawn forecasts, forecasts on questions that are not resolved, and forecasts made on or after ``known_on`` are
  not scored. The last are the hindsight guard: they are kept in the output with status ``"hindsight"``.
- Status precedence for a row: withdrawn, then annulled, then unresolved (open), then hindsight, then scored /
  superseded.

Brier conventions: binary ``(p - o)**2`` in [0, 1] (column ``brier``) and Good Judgment Open's two-category
``2 * (p - o)**2`` in [0, 2] (``brier_two_category``); multiple choice ``sum_k (p_k - o_k)**2`` in [0, 2] in both
columns (Brier 1950). Time averages and crowd figures use the same convention as ``brier``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tracker.domain.fields import SUM_TOLERANCE, sums_to_one
from tracker.scoring import metrics

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BINARY = "binary"
MULTIPLE_CHOICE = "multiple_choice"
YES, NO = "yes", "no"

Q_OPEN, Q_RESOLVED, Q_ANNULLED = "open", "resolved", "annulled"

SCORED = "scored"
SUPERSEDED = "superseded"
WITHDRAWN = "withdrawn"
HINDSIGHT = "hindsight"
UNRESOLVED = "unresolved"
ANNULLED = "annulled"
STATUSES: tuple[str, ...] = (SCORED, SUPERSEDED, WITHDRAWN, HINDSIGHT, UNRESOLVED, ANNULLED)
_ST = {name: code for code, name in enumerate(STATUSES)}

FORECAST_COLUMNS = ("forecast_id", "question_id", "forecaster_id", "made_at", "withdrawn")
QUESTION_COLUMNS = ("question_id", "kind", "options", "status", "outcome", "known_on")
#: Optional question columns: the scheduled horizon of Metaculus' time-averaged Baseline score.
QUESTION_HORIZON_COLUMNS = ("opened", "resolve_by")

#: Columns ``score`` adds to every forecast row (in this order).
PER_FORECAST_ADDED = (
    "kind",
    "known_on",
    "status",
    "outcome",
    "p_outcome",
    "brier",
    "brier_two_category",
    "log_score",
    "baseline_score",
    "brier_low",
    "brier_high",
)
#: Columns ``score`` adds to each per-question row, after the scored forecast's per-forecast columns.
PER_QUESTION_ADDED = (
    "time_avg_brier",
    "crowd_time_avg_brier",
    "relative_brier",
    "days",
    "n_forecasters",
    "baseline_time_avg",
    "baseline_coverage",
    "n_options",
)

_NS_PER_DAY = 86_400 * 1_000_000_000
_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds
_NO_DAY = _NAT // _NS_PER_DAY  # the day number _day gives NaT


@dataclass(frozen=True)
class Scores:
    """Result of :func:`score`.

    - ``per_forecast``: every input row (input index and order kept, extra columns untouched) plus
      ``PER_FORECAST_ADDED``.
    - ``per_question``: one row per scored (forecaster, question), sorted by question_id then forecaster_id: the
      scored forecast's per-forecast columns (without ``status``) plus ``PER_QUESTION_ADDED``.
    - ``hindsight``: the per-forecast rows with status ``"hindsight"``.
    """

    per_forecast: pd.DataFrame
    per_question: pd.DataFrame
    hindsight: pd.DataFrame

    def aggregate(self, by: str | Sequence[str]) -> pd.DataFrame:
        """Shortcut for ``aggregate(self.per_question, by)``."""
        return aggregate(self.per_question, by)


# -------------------------------------------------------------------------------------------------- helpers


def _utc_ns(values: Any) -> IntArray:
    """Datetimes (naive taken as UTC) as int64 nanoseconds since the epoch; NaT stays NaT's integer."""
    idx = pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns")
    return np.asarray(idx.asi8, dtype=np.int64)


def _day(ns: IntArray) -> IntArray:
    """UTC day number (days since 1970-01-01, floored) of int64 nanoseconds."""
    return ns // _NS_PER_DAY


_Q_STATUS_CODE = {Q_OPEN: 0, Q_RESOLVED: 1, Q_ANNULLED: 2}


@dataclass(frozen=True)
class _Questions:
    """The questions frame as arrays indexed by question code (row number)."""

    ids: pd.Index
    kind: npt.NDArray[np.object_]
    binary: npt.NDArray[np.bool_]
    flat_options: npt.NDArray[np.object_]  # every question's options, one after the other
    first_option: IntArray  # where each question's options start in flat_options
    n_options: IntArray
    status: npt.NDArray[np.int8]  # _Q_STATUS_CODE
    outcome: npt.NDArray[np.object_]  # str, or None when not resolved
    outcome_idx: IntArray  # index of the outcome in options, -1 when not resolved
    yes: FloatArray  # binary and resolved: 1.0 if YES else 0.0; NaN otherwise
    known_on: pd.DatetimeIndex  # NaT when not resolved
    known_day: IntArray  # valid only where resolved
    opened_day: IntArray  # the question's opening day; _NO_DAY when not given
    resolve_by_day: IntArray  # its scheduled close; _NO_DAY when not given

    def options(self, code: int) -> list[Any]:
        start = int(self.first_option[code])
        return list(self.flat_options[start : start + int(self.n_options[code])])


def _question_error(qid: Any, kind: Any, status_name: Any, opts: list[Any], outcome: Any, known_ns: int) -> str | None:
    """The first rule one question breaks (in the order they are checked), or None."""
    if kind not in (BINARY, MULTIPLE_CHOICE):
        return f"question {qid}: unknown kind {kind!r}"
    if status_name not in _Q_STATUS_CODE:
        return f"question {qid}: unknown status {status_name!r}"
    if kind == BINARY and sorted(opts) != [NO, YES]:
        return f"binary question {qid} must have options ['yes', 'no']"
    if len(set(opts)) != len(opts) or len(opts) < 2:
        return f"question {qid}: options must be at least 2 distinct values"
    if status_name == Q_RESOLVED:
        if outcome not in opts:
            return f"resolved question {qid}: outcome {outcome!r} is not one of its options"
        if known_ns == _NAT:
            return f"resolved question {qid} has no known_on date (the hindsight guard needs it)"
    return None


def _prepare_questions(questions: pd.DataFrame) -> _Questions:
    missing = [c for c in QUESTION_COLUMNS if c not in questions.columns]
    if missing:
        raise ValueError(f"questions frame lacks columns {missing}")
    ids = pd.Index(questions["question_id"].astype(str).to_numpy(dtype=object))
    if not ids.is_unique:
        raise ValueError("questions.question_id must be unique")
    nq = len(ids)
    kind = questions["kind"].to_numpy(dtype=object)
    status_names = questions["status"].to_numpy(dtype=object)
    outcome = questions["outcome"].to_numpy(dtype=object).copy()
    options = questions["options"].to_numpy(dtype=object)
    known = pd.DatetimeIndex(pd.to_datetime(questions["known_on"], utc=True)).as_unit("ns")
    known_ns = np.asarray(known.asi8, dtype=np.int64)
    n_options = np.fromiter(map(len, options), dtype=np.int64, count=nq)
    status_codes, status_uniques = pd.factorize(status_names)  # missing: code -1, which maps to -1 below
    status_of_unique = [_Q_STATUS_CODE.get(name, -1) for name in status_uniques]
    status = np.array([*status_of_unique, -1], dtype=np.int8)[status_codes]
    resolved = status == _Q_STATUS_CODE[Q_RESOLVED]
    binary = kind == BINARY

    # every option as one row: its question (q_of), its position in the question's options (opt_pos)
    flat = np.array(list(itertools.chain.from_iterable(options)), dtype=object)
    q_of = np.repeat(np.arange(nq, dtype=np.int64), n_options)
    first_opt = np.cumsum(n_options) - n_options
    opt_pos = np.arange(flat.size, dtype=np.int64) - first_opt[q_of]
    # a question repeats an option when it has fewer distinct (question, option code) keys than options
    o_codes, o_uniques = pd.factorize(flat)  # missing values share code -1, so they count as repeats
    o_base = len(o_uniques) + 1
    o_key = np.sort(q_of * o_base + (o_codes + 1))
    distinct = np.ones(o_key.size, dtype=bool)
    distinct[1:] = o_key[1:] != o_key[:-1]
    has_duplicate = np.bincount(o_key[distinct] // o_base, minlength=nq) < n_options
    yes_or_no = (flat == YES) | (flat == NO)
    # binary: exactly 2 distinct options, both in {yes, no}, i.e. sorted(options) == ["no", "yes"]
    binary_ok = (n_options == 2) & ~has_duplicate & (np.bincount(q_of[yes_or_no], minlength=nq) == 2)
    # the outcome's position among its question's options (options are distinct once the checks pass)
    is_outcome = flat == outcome[q_of]
    outcome_found = np.bincount(q_of[is_outcome], minlength=nq) > 0

    bad = (
        ~np.isin(kind, [BINARY, MULTIPLE_CHOICE])
        | (status < 0)
        | (binary & ~binary_ok)
        | has_duplicate
        | (n_options < 2)
        | (resolved & (~outcome_found | (known_ns == _NAT)))
    )
    if bad.any():  # the first bad question in input order, with the first rule it breaks
        i = int(np.flatnonzero(bad)[0])
        message = _question_error(ids[i], kind[i], status_names[i], list(options[i]), outcome[i], int(known_ns[i]))
        raise ValueError(message or f"question {ids[i]}: invalid")

    horizon = {}
    for col in QUESTION_HORIZON_COLUMNS:
        values = questions[col] if col in questions.columns else pd.Series([pd.NaT] * nq, dtype="datetime64[ns]")
        horizon[col] = _day(_utc_ns(values))

    outcome_idx = np.full(nq, -1, dtype=np.int64)
    hit = is_outcome & resolved[q_of]
    outcome_idx[q_of[hit]] = opt_pos[hit]
    outcome[~resolved] = None
    yes = np.where(binary & resolved, (outcome == YES).astype(np.float64), np.nan)
    return _Questions(
        ids=ids,
        kind=kind,
        binary=binary,
        flat_options=flat,
        first_option=first_opt,
        n_options=n_options,
        status=status,
        outcome=outcome,
        outcome_idx=outcome_idx,
        yes=yes,
        known_on=pd.DatetimeIndex(np.where(resolved, known_ns, _NAT).astype("datetime64[ns]")).tz_localize("UTC"),
        known_day=_day(known_ns),
        opened_day=horizon["opened"],
        resolve_by_day=horizon["resolve_by"],
    )


class _Ids:
    """Some rows' forecast_id values, turned into Python objects only when an error message names them."""

    def __init__(self, column: pd.Series, rows: IntArray | None = None) -> None:
        self._column = column
        self._rows = rows  # None: every row

    def __getitem__(self, rows: IntArray) -> _Ids:
        return _Ids(self._column, rows if self._rows is None else self._rows[rows])

    def values(self) -> npt.NDArray[np.object_]:
        column = self._column if self._rows is None else self._column.iloc[self._rows]
        return column.to_numpy(dtype=object)


_Factorized = tuple[npt.NDArray[np.intp], pd.Index]  # pd.factorize's codes and distinct values


def _question_codes(question_id: pd.Series, ids: pd.Index) -> tuple[IntArray, _Factorized | None]:
    """Each forecast's question code: the position of ``question_id.astype(str)`` in ``ids`` (-1 when absent).

    A string column is factorised first and only its distinct values are looked up (``astype(str)`` leaves
    strings as they are); the factorisation is returned too. Other dtypes take the row-by-row lookup.
    """
    if isinstance(question_id.dtype, pd.StringDtype):
        codes, uniques = pd.factorize(question_id, use_na_sentinel=False)
        found = ids.get_indexer(pd.Index(pd.Series(uniques, dtype=question_id.dtype).astype(str)))
        return np.asarray(found, dtype=np.int64)[codes], (codes, uniques)
    return np.asarray(ids.get_indexer(pd.Index(question_id.astype(str))), dtype=np.int64), None


def _group_order(rows: IntArray, q: IntArray, f: IntArray, ns: IntArray, day: IntArray) -> IntArray:
    """``rows`` sorted by (q, f, ns), rows with equal keys in input order: ``rows[np.lexsort((ns, f, q))]``.

    Input order is the recording order, so it must break ties on made_at (ns) exactly as the stable lexsort does.
    The fast way sorts one int64 key (q, f, UTC day of ns) with a stable sort, which orders by (q, f, day, input
    order). ns only refines day (day = ns // ns per day), so that is the lexsort's order whenever ns does not
    decrease along the rows of each (q, f, day) run; that is checked, and the lexsort is the fallback.

    The whole order matters, not only which row of a group is last: the time averages sum a group's rows in this
    order (np.bincount), and another order of the same rows could change the sums' last bit.
    """
    if rows.size == 0:
        return rows
    f1 = f + 1  # a missing forecaster is code -1; lexsort puts it first, so does f + 1 = 0
    d = day - day.min()
    n_f, n_d = int(f1.max()) + 1, int(d.max()) + 1
    if (int(q.max()) + 1) * n_f * n_d < 2**62:
        key = (q * n_f + f1) * n_d + d
        o = np.argsort(key, kind="stable")
        k_o, ns_o = key[o], ns[o]
        if not ((k_o[1:] == k_o[:-1]) & (ns_o[1:] < ns_o[:-1])).any():
            return rows[o]
    return rows[np.lexsort((ns, f, q))]


def _take_inferred(values: npt.NDArray[np.object_], codes: IntArray) -> Any:
    """``values[codes]`` in the dtype a frame column infers for that object array (e.g. str for strings and None).

    The dtype is inferred from the distinct values used, the same set of values as in the full array, and the
    rows are then taken from that array instead of inferring and converting every row.
    """
    if codes.size == 0:
        return values[codes]
    used = np.zeros(len(values), dtype=bool)
    used[codes] = True
    inferred = pd.Series(values[used]).array
    return inferred.take((np.cumsum(used) - 1)[codes])


def _string_ranks(factorized: _Factorized) -> IntArray:
    """Each row's rank as ``DataFrame.sort_values`` orders a string column, from its ``pd.factorize``.

    pandas sorts such a column by the codes of an ordered Categorical, whose categories are the distinct values
    in the order of the string array's own argsort (missing values last, code -1 then placed after the rest);
    ranking the distinct values by that argsort gives the same order.
    """
    codes, uniques = factorized
    ranks = np.empty(len(uniques) + 1, dtype=np.int64)
    ranks[np.asarray(uniques.argsort())] = np.arange(len(uniques))
    ranks[-1] = len(uniques)  # code -1: missing, last
    return ranks[codes]


def _per_question_order(
    forecasts: pd.DataFrame, rows: IntArray, question_ids: _Factorized | None, forecaster_ids: _Factorized
) -> IntArray:
    """``rows`` (input order) in the order of a stable ``sort_values(["question_id", "forecaster_id"])``.

    String columns (the usual case) are ranked through their factorised distinct values; other dtypes are sorted
    by pandas itself.
    """
    if question_ids is not None and isinstance(forecasts["forecaster_id"].dtype, pd.StringDtype):
        q_rank = _string_ranks(question_ids)[rows]
        f_rank = _string_ranks(forecaster_ids)[rows]
        return rows[np.argsort(q_rank * (len(forecaster_ids[1]) + 1) + f_rank, kind="stable")]
    keys = forecasts[["question_id", "forecaster_id"]].take(rows).reset_index(drop=True)
    return rows[keys.sort_values(["question_id", "forecaster_id"], kind="stable").index.to_numpy()]


def _p_yes_from_dicts(dicts: Sequence[Any], ids: _Ids) -> FloatArray:
    """P(YES) of binary forecasts: ``d["yes"]``, or ``1 - d["no"]`` when only "no" is given."""
    try:
        return np.array([d[YES] for d in dicts], dtype=np.float64)
    except (KeyError, TypeError):
        pass
    out = np.empty(len(dicts), dtype=np.float64)
    for i, (d, fid) in enumerate(zip(dicts, ids.values(), strict=True)):
        if isinstance(d, dict) and YES in d:
            out[i] = d[YES]
        elif isinstance(d, dict) and NO in d:
            out[i] = 1.0 - d[NO]
        else:
            raise ValueError(f"forecast {fid}: binary probabilities need a 'yes' (or 'no') entry, got {d!r}")
    return out


def _mc_matrix_checked(dicts: Sequence[Any], options: Sequence[list[str]], ids: Sequence[Any]) -> FloatArray:
    """Row-by-row form of :func:`_mc_matrix`, kept to raise the exact error for the first bad forecast."""
    rows = []
    for d, opts, fid in zip(dicts, options, ids, strict=True):
        if not isinstance(d, dict) or not set(d) <= set(opts):
            raise ValueError(f"forecast {fid}: probabilities {d!r} do not match the options {opts}")
        row = [float(d.get(o, 0.0)) for o in opts]
        if not sums_to_one(math.fsum(row)):
            raise ValueError(f"forecast {fid}: probabilities sum to {sum(row)}, not 1")
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(options[0]) if len(options) else 0)


def _mc_matrix(dicts: npt.NDArray[Any], q_rows: IntArray, qs: _Questions, k: int, ids: _Ids) -> FloatArray:
    """(m, k) probabilities of multiple-choice forecasts in each question's option order (absent options: 0).

    ``q_rows`` is each row's question code; every question has ``k`` options. The dicts are flattened into
    (row, option, p) triples and each option is looked up among its question's options as one integer key
    (question code * number of labels + label code). When any row is malformed (not a dict, an option the
    question lacks, probabilities not summing to 1) the row-by-row form raises the error for the first one.
    """
    m = len(dicts)
    out = np.zeros((m, k), dtype=np.float64)
    if m == 0:
        return out

    def fail() -> FloatArray:
        _mc_matrix_checked(list(dicts), [qs.options(c) for c in q_rows], list(ids.values()))
        raise AssertionError("multiple-choice rows rejected in bulk but accepted one by one")  # pragma: no cover

    plain = set(map(type, dicts)) == {dict}  # plain dicts are read with C-level iteration, subclasses row by row
    if not plain and not all(isinstance(d, dict) for d in dicts):
        return fail()
    n_keys = np.fromiter(map(len, dicts), dtype=np.int64, count=m)
    keys = list(itertools.chain.from_iterable(dicts)) if plain else [o for d in dicts for o in d]
    try:
        vals = np.array(
            list(itertools.chain.from_iterable(map(dict.values, dicts)))
            if plain
            else [v for d in dicts for v in d.values()],
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        return fail()
    row_of_key = np.repeat(np.arange(m, dtype=np.int64), n_keys)
    # the options of the questions these rows are on, as (question code, label, position) triples
    uq = np.unique(q_rows)
    opt_labels = list(qs.flat_options[(qs.first_option[uq][:, None] + np.arange(k)).ravel()])
    opt_q = np.repeat(uq, k)
    opt_pos = np.tile(np.arange(k, dtype=np.int64), uq.size)
    codes, uniques = pd.factorize(np.array(opt_labels + keys, dtype=object), use_na_sentinel=False)
    n_labels = len(uniques)
    opt_key = opt_q * n_labels + codes[: len(opt_labels)]
    sorter = np.argsort(opt_key)
    want = q_rows[row_of_key] * n_labels + codes[len(opt_labels) :]
    at = np.minimum(np.searchsorted(opt_key, want, sorter=sorter), opt_key.size - 1)
    found = opt_key[sorter[at]] == want
    if not found.all():
        return fail()
    out[row_of_key, opt_pos[sorter[at]]] = vals
    # NaN sums pass here as they do row by row; _check_probabilities rejects them afterwards
    if (np.abs(out.sum(axis=1) - 1.0) > SUM_TOLERANCE).any():
        return fail()
    return out


def _check_probabilities(p: FloatArray, ids: _Ids) -> None:
    bad = ~((p >= 0.0) & (p <= 1.0))
    if bad.any():
        raise ValueError(f"probabilities outside [0, 1] in forecasts {list(ids[np.nonzero(bad)[0][:5]].values())}")


# ------------------------------------------------------------------------------------------- time averaging


@dataclass(frozen=True)
class _TimeAverage:
    last_pos: IntArray  # input position of each group's scored forecast
    time_avg: FloatArray
    crowd_avg: FloatArray
    baseline_days: FloatArray  # sum over the group's standing forecasts of baseline score x days standing


CROWD_CHUNK_ROWS = 500_000
"""Upper bound (except for a single larger question) on the (change day, standing forecast) rows expanded at once."""


def _crowd_medians(values: FloatArray, q: IntArray, start: IntArray, counts: IntArray, n_cp: int) -> FloatArray:
    """Per-column median of the forecasts standing at each change day.

    Row i of ``values`` stands on change days ``start[i] .. start[i] + counts[i] - 1``; rows are sorted by question
    and a question's change days are contiguous, so questions are expanded in batches of about
    ``CROWD_CHUNK_ROWS`` rows to bound memory.
    """
    crowd = np.empty((n_cp, values.shape[1]))
    cum = np.concatenate(([0], np.cumsum(counts)))
    bounds = np.concatenate((np.flatnonzero(np.diff(q)) + 1, [q.size]))  # end row of each question
    lo = 0
    while lo < q.size:
        hi = int(bounds[max(np.searchsorted(cum[bounds], cum[lo] + CROWD_CHUNK_ROWS, side="right") - 1, 0)])
        if hi <= lo:  # one question bigger than the chunk: take it whole
            hi = int(bounds[np.searchsorted(bounds, lo, side="right")])
        c = counts[lo:hi]
        n_rows = hi - lo
        # the chunk's questions own the change days cp_lo .. cp_lo + n_cp_here - 1 (each has at least the
        # forecast that starts on it); how many forecasts stand on each: +1 where a row starts, -1 where it ends
        cp_lo = int(start[lo:hi].min())
        first_cp = start[lo:hi] - cp_lo
        n_cp_here = int((first_cp + c).max())
        n_here = np.cumsum(
            np.bincount(first_cp, minlength=n_cp_here + 1) - np.bincount(first_cp + c, minlength=n_cp_here + 1)
        )[:n_cp_here]
        first = np.cumsum(n_here) - n_here
        # positions of each change day's middle values once its pairs are sorted by (change day, value)
        mid_lo, mid_hi = first + (n_here - 1) // 2, first + n_here // 2
        # the pairs are sorted as one int64 key, change day * 2**bits + the row's value rank (rank < 2**bits).
        # The i-th pair of row r is on change day first_cp[r] + i; numbering the pairs p in row order (row r's
        # start at cum[r] - cum[lo]), pair p of row r is on day first_cp[r] - (cum[r] - cum[lo]) + p, so its key
        # is repeat(day_base + rank, c)[p] + p * 2**bits
        bits = max(n_rows - 1, 1).bit_length()
        day_base = (first_cp - (cum[lo:hi] - cum[lo])) << bits
        pair_step = np.arange(int(cum[hi] - cum[lo]), dtype=np.int64) << bits
        rank_mask = (1 << bits) - 1
        rank = np.empty(n_rows, dtype=np.int64)
        for j in range(values.shape[1]):
            v = values[lo:hi, j]
            # equal values get some order among them (not stable): the sorted values are the same either way
            # (equal floats are the same bits, but for 0.0 and -0.0, and a median's sign of zero is squared away)
            by_value = np.argsort(v)
            rank[by_value] = np.arange(n_rows)
            key = np.repeat(day_base + rank, c)
            key += pair_step
            key.sort()
            v_sorted = v[by_value]
            # the median of each change day's values, as pandas computes it: the middle value, or the mean of the
            # two middle values ((a + b) / 2, exact for a == b) when the count is even
            crowd[cp_lo : cp_lo + n_cp_here, j] = (
                v_sorted[key[mid_lo] & rank_mask] + v_sorted[key[mid_hi] & rank_mask]
            ) / 2.0
        lo = hi
    return crowd


def _time_average(
    q: IntArray,
    f: IntArray,
    day: IntArray,
    pos: IntArray,
    values: FloatArray,
    target_q: FloatArray,
    known_day_q: IntArray,
) -> _TimeAverage:
    """Daily time-averaged Brier of each (question, forecaster) group, and of the crowd on the same days.

    Rows are eligible forecasts of questions with the same option count, sorted by (q, f, made_at, input order).
    ``values`` (m, k) are the forecasts (binary: one column, P(YES); multiple choice: k option columns);
    ``target_q`` (n_questions, k) the outcome in the same layout; Brier = sum over columns of (value - target)^2.

    A forecast made on day d stands from d until the forecaster's next forecast day (or ``known_day``). The
    forecaster's days run from its first forecast day up to and excluding ``known_day``; the average is the
    length-weighted mean of the standing forecasts' Brier, i.e. the mean over those days.

    The crowd on a day is the per-column median of every forecaster's standing forecast on that question (the
    forecaster included); with k > 1 columns the medians are renormalised to sum to 1 (uniform if they are all
    0). The crowd only changes on days when someone forecasts, so it is computed once per such "change day" and
    weighted by the days until the next one: rows = sum over change days of the forecasters standing, never one
    row per calendar day.
    """
    m, k = values.shape
    # keep each group's last forecast of each day: that is the one standing on the day
    same_next = np.zeros(m, dtype=bool)
    same_next[:-1] = (q[1:] == q[:-1]) & (f[1:] == f[:-1])
    last_of_day = ~(same_next & np.append(day[1:] == day[:-1], False))
    qs, fs, ds, ps, vs = q[last_of_day], f[last_of_day], day[last_of_day], pos[last_of_day], values[last_of_day]
    ns = qs.size
    same_next = np.zeros(ns, dtype=bool)
    same_next[:-1] = (qs[1:] == qs[:-1]) & (fs[1:] == fs[:-1])
    kd = known_day_q[qs]
    next_day = np.where(same_next, np.append(ds[1:], 0), kd)
    length = (next_day - ds).astype(np.float64)

    group_start = np.ones(ns, dtype=bool)
    group_start[1:] = ~same_next[:-1]
    gid = np.cumsum(group_start) - 1
    first = np.nonzero(group_start)[0]
    last = np.nonzero(~same_next)[0]
    brier_s = np.square(vs - target_q[qs]).sum(axis=1)
    days = np.bincount(gid, weights=length)
    time_avg = np.bincount(gid, weights=length * brier_s) / days
    # Metaculus' baseline of each standing forecast, for the time-averaged Baseline score with coverage
    p_true = (
        vs[:, 0] * target_q[qs, 0] + (1.0 - vs[:, 0]) * (1.0 - target_q[qs, 0])
        if k == 1
        else ((vs * target_q[qs]).sum(axis=1))
    )
    base_s = metrics.baseline_score(p_true, 2 if k == 1 else k)
    baseline_days = np.bincount(gid, weights=length * base_s).astype(np.float64)

    # change days: every (question, day) on which some forecaster's standing forecast starts
    dmin = int(ds.min())
    span = int(max(int(kd.max()), int(ds.max())) - dmin + 2)
    if (int(qs.max()) + 1) * span >= 2**62:
        raise ValueError("date range too wide to index change days")
    key_s = qs * span + (ds - dmin)
    # the change days are the distinct keys (np.unique would hash, several times slower than a sort); a row
    # starts standing on its own key's change day, numbered by the key's rank among them
    by_key = np.argsort(key_s)
    sorted_keys = key_s[by_key]
    new_key = np.ones(ns, dtype=bool)
    new_key[1:] = sorted_keys[1:] != sorted_keys[:-1]
    cp_key = sorted_keys[new_key]
    cp_q = cp_key // span
    cp_day = cp_key % span + dmin
    start = np.empty(ns, dtype=np.int64)
    start[by_key] = np.cumsum(new_key) - 1
    # a row stands until the change day on which its group's next row starts, or, the group's last row, past the
    # last change day of its question (change days are days of eligible forecasts, all before known_on)
    q_cp_end = np.cumsum(np.bincount(cp_q))
    end = np.where(same_next, np.append(start[1:], 0), q_cp_end[qs])
    crowd = _crowd_medians(vs, qs, start, end - start, cp_key.size)
    if k > 1:
        total = crowd.sum(axis=1, keepdims=True)
        crowd = np.where(total > 0, crowd / np.where(total > 0, total, 1.0), 1.0 / k)
    crowd_brier = np.square(crowd - target_q[cp_q]).sum(axis=1)
    cp_next = np.where(np.append(cp_q[1:] == cp_q[:-1], False), np.append(cp_day[1:], 0), known_day_q[cp_q])
    weighted = crowd_brier * (cp_next - cp_day)
    # per question, sum of weighted crowd Brier from each change day to known_on
    suffix = pd.Series(weighted[::-1]).groupby(cp_q[::-1]).cumsum().to_numpy()[::-1]
    crowd_avg = suffix[start[first]] / days
    return _TimeAverage(last_pos=ps[last], time_avg=time_avg, crowd_avg=crowd_avg, baseline_days=baseline_days)


# ------------------------------------------------------------------------------------------------------ score


def _statuses(
    qs: _Questions, qcode: IntArray, fcode: IntArray, made_ns: IntArray, made_day: IntArray, withdrawn: BoolArray
) -> tuple[IntArray, IntArray, BoolArray]:
    """Each forecast's status but "scored" (the eligible ones are "superseded" here), the eligible rows in their
    groups' order, and which of those is its group's last (the scored one)."""
    pos = np.arange(len(qcode), dtype=np.int64)
    q_status = qs.status[qcode]
    resolved = q_status == _Q_STATUS_CODE[Q_RESOLVED]
    known_day = qs.known_day[qcode]
    status = np.where(resolved & (made_day >= known_day), _ST[HINDSIGHT], _ST[SUPERSEDED])
    status[q_status == _Q_STATUS_CODE[Q_OPEN]] = _ST[UNRESOLVED]
    status[q_status == _Q_STATUS_CODE[Q_ANNULLED]] = _ST[ANNULLED]
    status[withdrawn] = _ST[WITHDRAWN]
    eligible = status == _ST[SUPERSEDED]
    # eligible rows grouped by (question, forecaster), by made_at then input order inside a group: the input order
    # is the recording order, so it breaks ties on made_at (see _group_order)
    order = _group_order(pos[eligible], qcode[eligible], fcode[eligible], made_ns[eligible], made_day[eligible])
    q_o, f_o = qcode[order], fcode[order]
    group_last = np.ones(order.size, dtype=bool)
    group_last[:-1] = (q_o[1:] != q_o[:-1]) | (f_o[1:] != f_o[:-1])
    return status, order, group_last


Classes = list[tuple[bool, IntArray, FloatArray, FloatArray]]  # (is binary, rows, values, target by question)


def _probability_classes(
    forecasts: pd.DataFrame, qs: _Questions, qcode: IntArray, has_p: BoolArray, fids: _Ids
) -> tuple[Classes, FloatArray]:
    """The probabilities of the rows ``has_p`` in classes of equal width (binary rows as one column P(YES) with
    target 1/0; multiple choice with k options as k columns, one-hot target), and each row's probability of what
    happened (NaN for the others)."""
    n = len(qcode)
    pos = np.arange(n, dtype=np.int64)
    binary = qs.binary[qcode]
    n_opt = qs.n_options[qcode]
    dicts = forecasts["probabilities"].to_numpy(dtype=object) if "probabilities" in forecasts.columns else None
    p_outcome = np.full(n, np.nan)
    classes: Classes = []

    rows = pos[has_p & binary]
    if rows.size:
        if "p_yes" in forecasts.columns:
            p = forecasts["p_yes"].to_numpy(dtype=np.float64)[rows]
        else:
            assert dicts is not None
            p = _p_yes_from_dicts(dicts[rows], fids[rows])
        _check_probabilities(p, fids[rows])
        p_outcome[rows] = np.where(qs.yes[qcode[rows]] == 1.0, p, 1.0 - p)
        classes.append((True, rows, p[:, None], qs.yes[:, None]))

    mc = has_p & ~binary
    for k in np.unique(n_opt[mc]):
        rows = pos[mc & (n_opt == k)]
        if dicts is None:
            raise ValueError("multiple-choice forecasts need the probabilities column")
        values = _mc_matrix(dicts[rows], qcode[rows], qs, int(k), fids[rows])
        _check_probabilities(values, fids[rows])
        target = np.zeros((len(qs.ids), int(k)))
        q_k = np.nonzero((qs.outcome_idx >= 0) & ~qs.binary & (qs.n_options == k))[0]
        target[q_k, qs.outcome_idx[q_k]] = 1.0
        p_outcome[rows] = values[np.arange(rows.size), qs.outcome_idx[qcode[rows]]]
        classes.append((False, rows, values, target))
    return classes, p_outcome


def _time_averages(
    classes: Classes,
    order: IntArray,
    qcode: IntArray,
    fcode: IntArray,
    made_day: IntArray,
    qs: _Questions,
    out: tuple[FloatArray, FloatArray, FloatArray],
) -> None:
    """Each scored row's time-averaged Brier, the crowd's over the same days, and its baseline score times the days
    it stood, into ``out`` (time_avg, crowd_avg, baseline_days), a class of probabilities at a time."""
    time_avg, crowd_avg, baseline_days = out
    n = len(qcode)
    vrow = np.full(n, -1, dtype=np.int64)
    for _, rows, values, target in classes:
        vrow[rows] = np.arange(rows.size)
        in_cls = np.zeros(n, dtype=bool)
        in_cls[rows] = True
        o_c = order[in_cls[order]]
        if o_c.size == 0:
            continue
        ta = _time_average(
            qcode[o_c].astype(np.int64),
            fcode[o_c],
            made_day[o_c],
            o_c,
            values[vrow[o_c]],
            target,
            qs.known_day,
        )
        time_avg[ta.last_pos] = ta.time_avg
        crowd_avg[ta.last_pos] = ta.crowd_avg
        baseline_days[ta.last_pos] = ta.baseline_days


def _horizons(qs: _Questions, qcode: IntArray, made_day: IntArray) -> FloatArray:
    """Each question's horizon (days), given its eligible forecasts (``qcode``, ``made_day``): from the earlier of
    its opening and its first eligible forecast to the later of its scheduled close and the day its outcome became
    known."""
    first_day_q = np.full(len(qs.ids), np.iinfo(np.int64).max)
    np.minimum.at(first_day_q, qcode, made_day)
    opened = np.where(qs.opened_day == _NO_DAY, first_day_q, qs.opened_day)
    start_q = np.minimum(opened, first_day_q)
    end_q = np.where(qs.resolve_by_day == _NO_DAY, qs.known_day, np.maximum(qs.resolve_by_day, qs.known_day))
    return (end_q - start_q).astype(np.float64)


def _point_scores(
    forecasts: pd.DataFrame, qs: _Questions, qcode: IntArray, classes: Classes, scored: BoolArray, p_outcome: FloatArray
) -> dict[str, FloatArray]:
    """The point scores of the ``scored`` rows (NaN for the others), by their columns' names, in the output's
    order: brier, brier_two_category, log_score, baseline_score, brier_low, brier_high."""
    n = len(qcode)
    binary = qs.binary[qcode]
    n_opt = qs.n_options[qcode]
    brier = np.full(n, np.nan)
    brier2 = np.full(n, np.nan)
    for is_binary, rows, values, target in classes:
        sel = scored[rows]
        r = rows[sel]
        b = metrics.brier_multi(values[sel], target[qcode[r]])
        brier[r] = b
        brier2[r] = 2.0 * b if is_binary else b
    log = np.full(n, np.nan)
    base = np.full(n, np.nan)
    log[scored] = metrics.log_score(p_outcome[scored])
    base[scored] = metrics.baseline_score(p_outcome[scored], n_opt[scored])

    brier_low = np.full(n, np.nan)
    brier_high = np.full(n, np.nan)
    for col, dest in (("p_low", brier_low), ("p_high", brier_high)):
        if col in forecasts.columns:
            pv = forecasts[col].to_numpy(dtype=np.float64)
            sel = scored & binary & ~np.isnan(pv)
            dest[sel] = metrics.brier_binary(pv[sel], qs.yes[qcode[sel]])
    return {
        "brier": brier,
        "brier_two_category": brier2,
        "log_score": log,
        "baseline_score": base,
        "brier_low": brier_low,
        "brier_high": brier_high,
    }


def score(forecasts: pd.DataFrame, questions: pd.DataFrame, *, time_average: bool = True) -> Scores:
    """Score forecasts against resolved questions (see the module docstring for the rules and conventions).

    ``forecasts`` needs forecast_id, question_id, forecaster_id, made_at, withdrawn and either ``probabilities``
    (dict option -> p; binary questions use "yes"/"no") or, as a fast path for binary questions, a float
    ``p_yes`` column (used for binary rows instead of the dicts; multiple-choice rows still need the dicts).
    Optional ``p_low`` / ``p_high``: ends of a verbal forecast's P(YES) interval (NaN otherwise). Every other
    column is carried through untouched.

    Per-forecast columns added (``PER_FORECAST_ADDED``): kind, known_on (NaT unless resolved), status, outcome
    (None unless resolved), p_outcome (probability given to what happened, for every non-withdrawn forecast on
    a resolved question, so hindsight and superseded rows show it too), and, for scored rows only (NaN
    otherwise): brier, brier_two_category, log_score (natural log, clipped at ``metrics.LOG_EPS``),
    baseline_score (Metaculus), brier_low / brier_high (binary Brier at P(YES) = p_low and = p_high; NaN for
    non-verbal and multiple-choice forecasts).

    Per-question columns added (``PER_QUESTION_ADDED``):

    - time_avg_brier: mean over days d from the forecaster's first eligible forecast day to the day before
      known_on of the Brier of the forecast standing on d (latest made_at <= d; a forecast stands from its own
      day). ``days`` is that divisor: known_on day - first forecast day (not the question's whole life).
    - crowd_time_avg_brier: mean over the same days of the crowd's Brier, the crowd being the median of all
      forecasters' standing forecasts on that day (the forecaster included; multiple choice: per-option median
      renormalised to sum 1).
    - relative_brier: time_avg_brier - crowd_time_avg_brier; NaN ("not defined") when the question has a single
      forecaster.
    - n_forecasters: forecasters with a scored forecast on the question.
    - baseline_time_avg, baseline_coverage: Metaculus' time-averaged Baseline score with coverage
      (``metrics.time_averaged_baseline``): each standing forecast's baseline score (``baseline_score`` of that
      forecast) weighted by the days it stood over the question's horizon, and those days over the horizon. The
      horizon runs from the earlier of the question's ``opened`` day and its first eligible forecast (anyone's:
      questions are often opened here after the forecasts they score were made) to the later of ``resolve_by``
      and ``known_on`` (a question resolved early thus gives coverage < 1, as on Metaculus). Without those
      optional question columns the horizon is first forecast to ``known_on``. ``baseline_score`` itself is the
      baseline of the final (scored) forecast only.
    - n_options: the question's number of options (the uniform forecast scores 1 - 1/n_options).

    With ``time_average=False`` the five time-averaged columns are NaN and only the point scores are computed.
    """
    missing = [c for c in FORECAST_COLUMNS if c not in forecasts.columns]
    if "probabilities" not in forecasts.columns and "p_yes" not in forecasts.columns:
        missing.append("probabilities")
    if missing:
        raise ValueError(f"forecasts frame lacks columns {missing}")
    clash = [c for c in (*PER_FORECAST_ADDED, *PER_QUESTION_ADDED) if c in forecasts.columns]
    if clash:
        raise ValueError(f"forecasts frame already has output columns {clash}")

    qs = _prepare_questions(questions)
    n = len(forecasts)
    pos = np.arange(n, dtype=np.int64)
    fids = _Ids(forecasts["forecast_id"])
    qcode, question_ids = _question_codes(forecasts["question_id"], qs.ids)
    if (qcode < 0).any():
        unknown = forecasts["question_id"].to_numpy(dtype=object)[qcode < 0]
        raise ValueError(f"forecasts refer to unknown questions {sorted(set(map(str, unknown)))[:5]}")
    forecaster_ids = pd.factorize(forecasts["forecaster_id"])
    fcode = forecaster_ids[0].astype(np.int64)
    made_ns = _utc_ns(forecasts["made_at"])
    if (made_ns == _NAT).any():
        raise ValueError("forecasts.made_at has missing values")
    made_day = _day(made_ns)
    withdrawn = forecasts["withdrawn"].fillna(False).to_numpy(dtype=bool)

    # ---- status
    resolved = qs.status[qcode] == _Q_STATUS_CODE[Q_RESOLVED]
    known_day = qs.known_day[qcode]
    status, order, group_last = _statuses(qs, qcode, fcode, made_ns, made_day, withdrawn)
    eligible = status == _ST[SUPERSEDED]
    last_rows = order[group_last]  # each group's scored forecast
    status[last_rows] = _ST[SCORED]
    scored = status == _ST[SCORED]

    # ---- probabilities of non-withdrawn rows on resolved questions, in classes of equal width:
    # binary rows as one column P(YES) with target 1/0; multiple choice with k options as k columns, one-hot target
    binary = qs.binary[qcode]
    has_p = resolved & ~withdrawn
    classes, p_outcome = _probability_classes(forecasts, qs, qcode, has_p, fids)

    # ---- point scores of scored rows
    points = _point_scores(forecasts, qs, qcode, classes, scored, p_outcome)

    # ---- per-forecast frame
    per_forecast = forecasts.copy(deep=False)  # copy-on-write: the caller's frame is never written to
    per_forecast["kind"] = pd.Categorical.from_codes(
        np.where(binary, 0, 1), categories=pd.Index([BINARY, MULTIPLE_CHOICE])
    )
    per_forecast["known_on"] = pd.Series(qs.known_on.take(qcode), index=forecasts.index)
    per_forecast["status"] = pd.Categorical.from_codes(status, categories=pd.Index(STATUSES))
    per_forecast["outcome"] = _take_inferred(qs.outcome, qcode)
    # the float columns as Series on the frame's own index: a frame keeps a Series' array (copy-on-write tracks
    # it) but copies a bare array; these arrays are not used again here
    for name, values in (("p_outcome", p_outcome), *points.items()):
        per_forecast[name] = pd.Series(values, index=per_forecast.index, copy=False)

    # ---- per-question frame
    time_avg = np.full(n, np.nan)
    crowd_avg = np.full(n, np.nan)
    baseline_days = np.full(n, np.nan)
    if time_average:
        _time_averages(classes, order, qcode, fcode, made_day, qs, (time_avg, crowd_avg, baseline_days))
    # the divisor: known_on day - first eligible day; groups are contiguous in `order`, sorted by made_at inside
    group_first = np.ones(order.size, dtype=bool)
    group_first[1:] = group_last[:-1]
    days = np.zeros(n, dtype=np.int64)
    days[last_rows] = known_day[last_rows] - made_day[order[group_first]]
    n_forecasters_q = np.bincount(qcode[scored], minlength=len(qs.ids))
    horizon_q = _horizons(qs, qcode[eligible], made_day[eligible])

    # the scored rows sorted by question_id then forecaster_id (stable: ties, if any, stay in input order)
    pq_rows = _per_question_order(forecasts, pos[scored], question_ids, forecaster_ids)
    pq = per_forecast.take(pq_rows).drop(columns="status")
    time_avg_pq, crowd_avg_pq = time_avg[pq_rows], crowd_avg[pq_rows]
    n_forecasters = n_forecasters_q[qcode[pq_rows]]
    horizon_pq = horizon_q[qcode[pq_rows]]
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline_avg_pq = np.where(horizon_pq > 0, baseline_days[pq_rows] / horizon_pq, np.nan)
        coverage_pq = np.where(np.isnan(time_avg_pq) | ~(horizon_pq > 0), np.nan, days[pq_rows] / horizon_pq)
    for name, column in (
        ("time_avg_brier", time_avg_pq),
        ("crowd_time_avg_brier", crowd_avg_pq),
        ("relative_brier", np.where(n_forecasters >= 2, time_avg_pq - crowd_avg_pq, np.nan)),
        ("days", days[pq_rows]),
        ("n_forecasters", n_forecasters),
        ("baseline_time_avg", baseline_avg_pq),
        ("baseline_coverage", coverage_pq),
        ("n_options", qs.n_options[qcode[pq_rows]]),
    ):
        pq[name] = pd.Series(column, index=pq.index, copy=False)
    pq = pq.reset_index(drop=True)

    hindsight = per_forecast.loc[status == _ST[HINDSIGHT]]
    return Scores(per_forecast=per_forecast, per_question=pq, hindsight=hindsight)


# -------------------------------------------------------------------------------------------------- aggregate


def _is_list_column(col: pd.Series) -> bool:
    if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):  # in C: a million ids in milliseconds
        return False
    return bool(col.map(lambda v: isinstance(v, list | tuple | set | frozenset | np.ndarray)).any())


def explode_keys(per_question: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """``per_question`` with every list-valued key column (e.g. ``tags``) exploded, so a row counts once under each
    of its values; an empty list becomes a missing key. A key that is not a column is an error."""
    df = per_question
    for key in keys:
        if key not in df.columns:
            raise ValueError(f"cannot aggregate by {key!r}: no such column")
        if df[key].dtype == object and _is_list_column(df[key]):
            df = df.explode(key, ignore_index=True)
    return df


def aggregate(per_question: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Aggregate per-question scores by any column(s) of ``per_question`` (forecaster_id, source_id, outlet, tags...).

    A list-valued column (e.g. ``tags``) is exploded first, so a forecast counts once under each of its tags; rows
    with an empty list (and rows whose key is missing) form a group with a NaN key rather than being dropped.

    Columns (one row per group, sorted by the keys):

    - n_scored; mean_brier (mean of ``brier``: 0-1 for binary, 0-2 for multiple choice, so a group mixing both
      kinds mixes conventions, see n_binary); mean_brier_two_category (0-2 for every kind, comparable across
      kinds); mean_time_avg_brier; mean_relative_brier (NaN-skipping) with n_relative, the rows it averages;
      mean_log_score; mean_baseline_score (the final forecast's baseline, Metaculus' "spot" kind);
      mean_baseline_time_avg and mean_baseline_coverage (Metaculus' headline time-averaged Baseline score and its
      coverage; NaN when the input lacks those columns).
    - n_binary, base_rate (share of the group's binary rows that resolved YES), bss_vs_half and bss_vs_base_rate:
      Brier skill scores of the binary rows' mean 0-1 Brier against 0.25 and against base_rate * (1 - base_rate)
      (NaN without binary rows, or when the base-rate reference is 0).
    - mean_brier_low / mean_brier_high: means of brier_low / brier_high, taking the point brier for forecasts
      without an interval; mean_brier_best / mean_brier_worst: the same with each forecast's better / worse end,
      i.e. the range the group's mean Brier spans as each verbal forecast moves within its interval.
    """
    keys = [by] if isinstance(by, str) else list(by)
    df = explode_keys(per_question, keys)
    # A mean is a sum, and a float sum depends on its order: sort the rows by what identifies them, so the same
    # scores aggregate to the same bits whatever order they arrive in (an incremental scoring run and a full
    # rescore store their rows in different orders; the property test comparing them found a last-bit difference).
    order = list(dict.fromkeys(c for c in (*keys, "question_id", "forecaster_id") if c in df.columns))
    df = df.sort_values(order, kind="stable", na_position="last", ignore_index=True)
    binary = (df["kind"] == BINARY).to_numpy()
    point = df["brier"].to_numpy(dtype=np.float64)
    low = df["brier_low"].fillna(df["brier"]).to_numpy(dtype=np.float64)
    high = df["brier_high"].fillna(df["brier"]).to_numpy(dtype=np.float64)
    work = pd.DataFrame(
        {
            "brier": point,
            "brier_two_category": df["brier_two_category"].to_numpy(dtype=np.float64),
            "time_avg_brier": df["time_avg_brier"].to_numpy(dtype=np.float64),
            "relative_brier": df["relative_brier"].to_numpy(dtype=np.float64),
            "log_score": df["log_score"].to_numpy(dtype=np.float64),
            "baseline_score": df["baseline_score"].to_numpy(dtype=np.float64),
            **{
                col: df[col].to_numpy(dtype=np.float64) if col in df.columns else np.full(len(df), np.nan)
                for col in ("baseline_time_avg", "baseline_coverage")
            },
            "binary": binary,
            "binary_brier": np.where(binary, point, np.nan),
            "binary_yes": np.where(binary, (df["outcome"] == YES).to_numpy(dtype=np.float64), np.nan),
            "brier_low": low,
            "brier_high": high,
            "brier_best": np.minimum(low, high),
            "brier_worst": np.maximum(low, high),
        }
    )
    for key in keys:
        work[key] = df[key].to_numpy()
    out = work.groupby(keys, dropna=False, sort=True).agg(
        n_scored=("brier", "size"),
        mean_brier=("brier", "mean"),
        mean_brier_two_category=("brier_two_category", "mean"),
        mean_time_avg_brier=("time_avg_brier", "mean"),
        mean_relative_brier=("relative_brier", "mean"),
        n_relative=("relative_brier", "count"),
        mean_log_score=("log_score", "mean"),
        mean_baseline_score=("baseline_score", "mean"),
        mean_baseline_time_avg=("baseline_time_avg", "mean"),
        mean_baseline_coverage=("baseline_coverage", "mean"),
        n_binary=("binary", "sum"),
        base_rate=("binary_yes", "mean"),
        mean_binary_brier=("binary_brier", "mean"),
        mean_brier_low=("brier_low", "mean"),
        mean_brier_high=("brier_high", "mean"),
        mean_brier_best=("brier_best", "mean"),
        mean_brier_worst=("brier_worst", "mean"),
    )
    mean_bin = out.pop("mean_binary_brier").to_numpy(dtype=np.float64)
    base_rate = out["base_rate"].to_numpy(dtype=np.float64)
    out["bss_vs_half"] = metrics.brier_skill_score(mean_bin, metrics.HALF_REFERENCE_BRIER)
    out["bss_vs_base_rate"] = metrics.brier_skill_score(mean_bin, base_rate * (1.0 - base_rate))
    out["n_binary"] = out["n_binary"].astype(np.int64)
    return out.reset_index()
