"""How sure each forecaster's scores are, computed once per scoring run and stored.

The leaderboard's 90% interval and its tests against a coin flip and the crowd median (`tracker.scoring.honest`)
are a function of the run's scores. A scoring run computes them for the forecasters it touched, all at once, and
writes one ``score_statistics`` row each (grouping "forecaster"); the leaderboard reads each forecaster's latest
row up to the run it shows instead of recomputing, and `tracker verify` recomputes them to check.

What is stored is numbers (counts, interval ends, mean differences, p-values); the words of the verdicts are built
when read (`display`), by the same functions the on-demand path uses, so that both give the same row. Reading the
stored rows imports neither numpy nor pandas; `compute` and `record` do.

Groupings other than the forecaster (source, outlet, tag) and any filter that narrows the questions (a tag, a
question, a source, an outlet, a status) change which rows a group pools: those are computed on demand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from tracker.scoring.verdicts import FEWEST, MIN_QUESTIONS, too_few_words, versus_verdict
from tracker.store.driver import IN_CHUNK, chunks, insert_rows
from tracker.store.schema import score_statistics

if TYPE_CHECKING:
    import pandas as pd

FORECASTER = "forecaster"
"""The one grouping stored: a forecaster's statistics depend on their own rows only, so a run that rescored some
questions recomputes those of the forecasters with rows there, and no one else's changes."""

NUMBERS = tuple(c.name for c in score_statistics.columns if c.name not in ("run_id", "grouping", "group_key"))

INPUT = (
    "question_id",
    "forecaster_id",
    "kind",
    "brier",
    "time_avg_brier",
    "crowd_time_avg_brier",
    "relative_brier",
    "n_options",
)
"""The ``question_scores`` columns the statistics read (with the grouping key's column)."""

_FLOATS = ("brier", "time_avg_brier", "crowd_time_avg_brier", "relative_brier", "n_options")

_EMPTY: dict[str, Any] = dict.fromkeys(NUMBERS) | {"n_questions": 0, "n_forecasters": 0}


def honest_frame(data: Mapping[str, Any], key: str, missing: str) -> pd.DataFrame:
    """The input of the statistics from ``question_scores`` columns (lists, arrays or Series; a categorical column
    is read as its values): ids in pandas' default string dtype, kind as Python strings, the figures as float64
    (NULL: NaN), and the grouping ``key`` as strings with ``missing`` for NULL (lists of strings stay lists). Every
    caller goes through this, so that the same rows give the same bits."""
    import numpy as np
    import pandas as pd

    # The ids in pandas' default string dtype (Arrow-backed from pandas 3): the statistics group the rows by them,
    # and pandas factorises and sorts those in C, where Python strings took it a third longer (same groups, same
    # order: UTF-8 bytes sort as code points do). A column already of that dtype is taken as it is.
    text = pd.Series(["text"]).dtype

    def ids(values: Any) -> pd.Series:
        if isinstance(values, pd.Series) and values.dtype == text:
            return pd.Series(values.array, dtype=text)  # the same array, on a fresh index like every column here
        return pd.Series(np.asarray(values, dtype=object), dtype=text)

    work = pd.DataFrame({"question_id": ids(data["question_id"])})
    work["kind"] = pd.Series(np.asarray(data["kind"], dtype=object), dtype=object)
    work["forecaster_id"] = ids(data["forecaster_id"])
    for col in _FLOATS:
        values = data[col]
        if isinstance(values, pd.Series):
            values = values.astype(object).where(values.notna(), None).tolist()
        work[col] = pd.Series(values, dtype=np.float64)
    if key != "forecaster_id":
        # a list (a question's tags) is kept whole: the statistics count the question under each
        keyed = [missing if v is None else v if isinstance(v, list) else str(v) for v in data[key]]
        work[key] = pd.Series(keyed, dtype=object)
    return work


QUESTION_MEAN = "mean_brier_questions"
"""The mean over questions of each question's mean Brier: what the interval is about. Not stored (a forecaster's
equals their mean Brier, one row per question); a group that pools several rows on a question shows it beside its
plain mean over rows, which can lie outside the interval."""


def compute(
    work: pd.DataFrame, key: str, question_means: dict[str, float | None] | None = None
) -> dict[str, dict[str, Any]]:
    """Each group's stored numbers (the columns of ``score_statistics`` after its key), from an `honest_frame`:
    NaN as None; a group with no question with a crowd has ``crowd_n`` None. ``question_means``, when given, is
    filled with each group's ``QUESTION_MEAN``."""
    from tracker.scoring import honest

    out: dict[str, dict[str, Any]] = {}
    intervals, coin, crowd = honest.brier_statistics(work, key)
    for k, n, nf, lo, hi, mean in zip(
        intervals[key],
        intervals["n_questions"],
        intervals["n_forecasters"],
        intervals["ci_low"],
        intervals["ci_high"],
        intervals["mean_brier"],
        strict=True,
    ):
        out[str(k)] = _EMPTY | {
            "n_questions": int(n),
            "n_forecasters": int(nf),
            "ci_low": _num(lo),
            "ci_high": _num(hi),
        }
        if question_means is not None:
            question_means[str(k)] = _num(mean)
    for frame, prefix in ((coin, "coin"), (crowd, "crowd")):
        for k, n, diff, better, worse in zip(
            frame[key], frame["n_questions"], frame["mean_difference"], frame["p_better"], frame["p_worse"], strict=True
        ):
            row = out.setdefault(str(k), dict(_EMPTY))
            row[f"{prefix}_n"] = int(n)
            row[f"{prefix}_mean_difference"] = _num(diff)
            row[f"{prefix}_p_better"] = _num(better)
            row[f"{prefix}_p_worse"] = _num(worse)
    return out


def _num(value: Any) -> float | None:
    v = float(value)
    return None if math.isnan(v) else v


def display(numbers: Mapping[str, Any], min_questions: int = MIN_QUESTIONS) -> dict[str, Any]:
    """The leaderboard's columns from a group's stored numbers: ``n_questions``, ``n_forecasters``,
    ``brier_ci_low`` / ``brier_ci_high``, ``precision`` ("too few questions to say (3; 5 needed)" or None),
    ``vs_coin`` / ``vs_crowd`` (the verdicts) and ``vs_coin_p`` / ``vs_crowd_p`` (the p-values of "better").
    A figure a group does not have is left out."""
    out: dict[str, Any] = {}
    n = int(numbers["n_questions"])
    if n:
        out |= {
            "n_questions": n,
            "n_forecasters": int(numbers["n_forecasters"]),
            "brier_ci_low": numbers["ci_low"],
            "brier_ci_high": numbers["ci_high"],
            "precision": too_few_words(n, min_questions) if n < min_questions else None,
        }
    for prefix, name, against in (("coin", "vs_coin", "a coin flip"), ("crowd", "vs_crowd", "the crowd median")):
        k = numbers[f"{prefix}_n"]
        if k is None:
            continue
        better, worse = _nan(numbers[f"{prefix}_p_better"]), _nan(numbers[f"{prefix}_p_worse"])
        diff = _nan(numbers[f"{prefix}_mean_difference"])
        out[name] = versus_verdict(int(k), diff, better, worse, against, min_questions, FEWEST[prefix])
        out[f"{name}_p"] = numbers[f"{prefix}_p_better"]
    return out


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def record(conn: Connection, run_id: int, per_question: pd.DataFrame, forecaster_ids: Sequence[str]) -> int:
    """Compute and write the statistics of ``forecaster_ids`` as of run ``run_id`` from ``per_question`` (at least
    every ``question_scores`` row of theirs, as the run left them). A forecaster with no scored row gets a row of
    zeros, so that their latest row never outlives their scores. Returns the rows written."""
    if not forecaster_ids:
        return 0
    frame = per_question.loc[per_question["forecaster_id"].isin(list(forecaster_ids)), list(INPUT)]
    stats = compute(honest_frame({c: frame[c] for c in INPUT}, "forecaster_id", ""), "forecaster_id")
    rows = [
        {"run_id": run_id, "grouping": FORECASTER, "group_key": fid, **stats.get(fid, _EMPTY)} for fid in forecaster_ids
    ]
    for chunk in chunks(rows, 5000):
        insert_rows(conn, score_statistics, chunk)
    return len(rows)


def latest(conn: Connection, up_to_run: int, keys: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Each forecaster's latest stored numbers with run_id <= ``up_to_run`` (``keys`` only, when given)."""
    t = score_statistics
    sub = select(t.c.group_key, func.max(t.c.run_id).label("run_id")).where(
        t.c.grouping == FORECASTER, t.c.run_id <= up_to_run
    )
    parts = [None] if keys is None else list(chunks(list(keys), IN_CHUNK))
    out: dict[str, dict[str, Any]] = {}
    for part in parts:
        q = sub if part is None else sub.where(t.c.group_key.in_(part))
        newest = q.group_by(t.c.group_key).subquery()
        rows = conn.execute(
            select(t).join(
                newest,
                (newest.c.group_key == t.c.group_key) & (newest.c.run_id == t.c.run_id) & (t.c.grouping == FORECASTER),
            )
        ).mappings()
        for r in rows:
            out[str(r["group_key"])] = {c: r[c] for c in NUMBERS}
    return out


def differing(stored: Mapping[str, Any], computed: Mapping[str, Any]) -> str | None:
    """The first column where two groups' numbers differ (exactly; None equals None), or None."""
    for c in NUMBERS:
        if stored.get(c) != computed.get(c):
            return c
    return None


def audit(conn: Connection, run_id: int) -> tuple[int, int, str | None]:
    """Each forecaster's latest stored statistics up to run ``run_id`` against a recomputation from the stored
    ``question_scores`` (which `tracker verify` has just checked against the events). Returns the rows checked,
    the scored forecasters with no stored row (scored before statistics were stored: computed on demand, so
    nothing to check), and the first difference in words, or None."""
    from tracker.store.driver import select_columns
    from tracker.store.schema import question_scores

    stored = latest(conn, run_id)
    data = select_columns(conn, question_scores, list(INPUT))
    computed = compute(honest_frame(data, "forecaster_id", ""), "forecaster_id") if data["question_id"] else {}
    for fid in sorted(stored):
        column = differing(stored[fid], computed.get(fid, _EMPTY))
        if column is not None:
            return (
                len(stored),
                0,
                f"score_statistics: forecaster {fid!r}'s {column} is {stored[fid][column]!r}, "
                f"a recomputation gives {computed.get(fid, _EMPTY)[column]!r}",
            )
    return len(stored), len(set(computed) - set(stored)), None
