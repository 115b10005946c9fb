"""How sure the scores are: intervals, tests against a coin flip, the crowd and each other, and what verbal phrases
turned out to mean.

Pure numpy (pandas for the frame-level functions), no I/O. The inputs are ``question_scores`` rows (one per scored
forecaster x question); every function works on many groups at once (by forecaster, source, outlet, tag).

The unit of evidence is the question. A group that pools several forecasters' rows on one question (a tag, an
outlet, a source) first averages them, so that each question counts once, and says how many rows and forecasters
it pooled.

Methods (docs/scoring.md, "How sure we are", says why each was chosen and what it cannot do; the simulation
``benchmarks/honesty.py`` measures their coverage, false-positive rates and power):

- **Betting confidence bounds** for a mean of values known to lie in ``[lo, hi]`` (Waudby-Smith and Ramdas 2024,
  "Estimating means of bounded random variables by betting", JRSS-B 86(1)): a gambler who bets that the mean is
  above m (or below) with stakes fixed by the questions already seen cannot, if the mean really is m, multiply
  their capital by 1/alpha with probability above alpha (Ville's inequality). The interval is every m at which
  neither of two such gamblers reached 1/0.05; the p-value of "the mean is not below m" is 1 / (the best capital
  the gambler betting on "below" reached). This holds for *every* distribution within the bounds, however skewed,
  at every n: a 0/1 forecaster exactly as good as a coin cannot get "beats a coin flip" more than 5% of the time.
  The price is width (1.6 times a normal interval at 30 questions, 1.35 at 100 or more), and no verdict is
  possible before a perfect record could have happened by chance less than 5% of the time (12 binary questions
  against a coin).
  Questions are taken in question-id order (a fixed order, unrelated to the outcomes), and treated as a random
  sample of questions, as any test of a mean over questions does.
- **Multiple comparisons** in the all-pairs matrix: Holm's step-down adjustment by default (family-wise error,
  valid whatever the dependence between the tests, which share forecasters); Benjamini-Hochberg on request.
- **Too few questions**: fewer than ``MIN_QUESTIONS`` (5) scored questions get no interval and no verdict. Some
  verdicts need more before they can be reached at all (:func:`fewest_questions`), and the words say so.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from tracker.scoring import metrics
from tracker.scoring.verdicts import (
    ALPHA,
    LEVEL,
    MIN_QUESTIONS,
    format_p,
    pair_too_few_words,
    too_few_words,
    versus_verdict,
)
from tracker.words import plural

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BET_CAP: float = 0.9
"""Largest share of the capital a gambler stakes on one question (the rest is kept, so that one surprise does not
ruin them). With it, a perfect binary record beats a coin flip at 12 questions (1.3**12 > 20)."""

BISECTIONS: int = 16
"""Halvings of the search for each end of an interval: the ends are exact to 2**-16 of the range, rounded outward."""

Correction = Literal["holm", "bh"]
Verdict = Literal["pair", "coin", "crowd"]

_CELLS = 2_000_000  # float64 cells per intermediate matrix (16 MB): bounds memory whatever the group sizes


# ---------------------------------------------------------------------------------------------- the core


def _blocks(codes: IntArray, values: FloatArray, n_groups: int) -> Iterator[tuple[int, IntArray, FloatArray]]:
    """``(n, groups, matrix)`` for each distinct group size n: the groups of that size and their values, one row
    each, in the rows' order within the group (``codes`` is each row's group, 0 .. n_groups - 1)."""
    order = np.argsort(codes, kind="stable")
    sorted_values = values[order]
    counts = np.bincount(codes, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    for n in np.unique(counts[counts > 0]):
        groups = np.flatnonzero(counts == n)
        for rows in _chunks(groups.size, _CELLS // int(n)):
            yield int(n), groups[rows], sorted_values[starts[groups[rows]][:, None] + np.arange(n)]


BUCKET_GROWTH: float = 1.25
"""Groups whose sizes differ by less than this factor share one padded matrix in the interval search (a few
dozen matrices instead of one per distinct size, each searched in {BISECTIONS} steps). Padding neither stakes
nor gains anything, so every group's figures are those it would get alone."""


def _padded_blocks(
    codes: IntArray, values: FloatArray, n_groups: int
) -> Iterator[tuple[IntArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]]:
    """``(groups, n, matrix, valid)``: groups of similar sizes with their values, one row each in the rows' order,
    padded on the right with zeros to the longest (``valid`` marks the real cells, ``n`` is each row's size)."""
    order = np.argsort(codes, kind="stable")
    sorted_values = values[order]
    counts = np.bincount(codes, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    present = np.flatnonzero(counts > 0)
    present = present[np.argsort(counts[present], kind="stable")]
    sizes = counts[present]
    i = 0
    while i < present.size:
        limit = int(sizes[i] * BUCKET_GROWTH) + 8
        j = int(np.searchsorted(sizes, limit, side="right"))
        width = int(sizes[j - 1])
        j = min(j, i + max(_CELLS // width, 1))
        width = int(sizes[j - 1])
        groups = present[i:j]
        n = counts[groups]
        cols = np.arange(width)
        valid = cols < n[:, None]
        idx = np.where(valid, starts[groups][:, None] + cols, 0)
        yield groups, n.astype(np.float64), np.where(valid, sorted_values[idx], 0.0), valid
        i = j


def _chunks(total: int, size: int) -> Iterator[slice]:
    size = max(size, 1)
    for start in range(0, total, size):
        yield slice(start, min(start + size, total))


def _stakes(x: FloatArray, alpha: float, n: FloatArray, valid: npt.NDArray[np.bool_]) -> FloatArray:
    """Each question's stake before the cap (Waudby-Smith and Ramdas' predictable plug-in for a fixed n): larger
    when the questions already seen vary little. ``x`` holds each group's values scaled to [0, 1], one row per
    group (``n`` real values, then padding, which stakes nothing); the stake on question t uses questions
    1 .. t - 1 only (a prior mean 1/2 and variance 1/4 start it)."""
    t = np.arange(1, x.shape[1] + 1, dtype=np.float64)
    mu = (0.5 + np.cumsum(x, axis=1)) / (t + 1.0)
    var = (0.25 + np.cumsum((x - mu) ** 2, axis=1)) / (t + 1.0)
    before = np.concatenate([np.full((x.shape[0], 1), 0.25), var[:, :-1]], axis=1)
    stakes = np.sqrt(2.0 * math.log(1.0 / alpha) / (n[:, None] * before))
    return np.asarray(np.where(valid, stakes, 0.0), dtype=np.float64)


def _best_log_capital(x: FloatArray, stakes: FloatArray, m: FloatArray, above: bool) -> FloatArray:
    """The highest log capital (at least 0, the start) reached over the questions by the gambler betting that
    each group's mean is above ``m`` (``above``) or below it, all in scaled units. A stake is capped so that the
    worst value within the bounds costs at most ``BET_CAP`` of the capital."""
    mm = m[:, None]
    if above:
        lam = np.minimum(stakes, BET_CAP / np.maximum(mm, 1e-12))
        gain = lam * (x - mm)
    else:
        lam = np.minimum(stakes, BET_CAP / np.maximum(1.0 - mm, 1e-12))
        gain = lam * (mm - x)
    best = np.max(np.cumsum(np.log1p(gain), axis=1), axis=1)
    return np.asarray(np.maximum(best, 0.0), dtype=np.float64)


def _group_bounds(codes: IntArray, lo: FloatArray, hi: FloatArray, g: int) -> tuple[FloatArray, FloatArray]:
    """Each group's bounds: the widest of its rows' bounds."""
    glo = np.full(g, np.inf)
    ghi = np.full(g, -np.inf)
    np.minimum.at(glo, codes, lo)
    np.maximum.at(ghi, codes, hi)
    return glo, ghi


def _check(c: IntArray, v: FloatArray, lo: FloatArray, hi: FloatArray) -> None:
    if c.shape != v.shape or c.ndim != 1 or lo.shape != v.shape or hi.shape != v.shape:
        raise ValueError("codes, values and bounds must be 1-d arrays of the same length")
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite (drop missing scores first)")
    if np.any(lo >= hi) or np.any(v < lo - 1e-9) or np.any(v > hi + 1e-9):
        raise ValueError("every value must lie within its bounds, and each lower bound below its upper bound")


def betting_means(
    codes: npt.ArrayLike,
    values: npt.ArrayLike,
    lower: npt.ArrayLike,
    upper: npt.ArrayLike,
    n_groups: int | None = None,
    *,
    level: float = LEVEL,
    null: float | None = None,
) -> dict[str, FloatArray]:
    """Each group's mean with its betting interval, and the one-sided p-values of "the mean is ``null``" against
    "below" and "above", all groups at once.

    ``codes[i]`` is row i's group (0 .. n_groups - 1); rows keep their order within a group (sort them by question
    first). ``lower`` / ``upper`` are bounds each row's value is known to lie within before it is seen (a binary
    Brier: 0 and 1); a group uses the widest of its rows'. The interval holds the true mean with probability at
    least ``level`` whatever the distribution within the bounds (each end at (1 - level) / 2). Returns arrays
    ``mean``, ``low``, ``high``, ``p_below``, ``p_above`` (NaN without ``null``), ``n``; NaN for empty groups.
    """
    c = np.asarray(codes, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    lo_rows = np.broadcast_to(np.asarray(lower, dtype=np.float64), v.shape)
    hi_rows = np.broadcast_to(np.asarray(upper, dtype=np.float64), v.shape)
    _check(c, v, lo_rows, hi_rows)
    if not 0.0 < level < 1.0:
        raise ValueError("level must be between 0 and 1")
    g = int(c.max()) + 1 if n_groups is None and c.size else (n_groups or 0)
    out = {k: np.full(g, np.nan) for k in ("mean", "low", "high", "p_below", "p_above")}
    out["n"] = np.bincount(c, minlength=g).astype(np.float64)
    if not c.size:
        return out
    glo, ghi = _group_bounds(c, lo_rows, hi_rows, g)
    tail = (1.0 - level) / 2.0
    threshold = math.log(1.0 / tail)
    for _n, groups, raw in _blocks(c, v, g):
        out["mean"][groups] = raw.mean(axis=1)
    for groups, n, raw, valid in _padded_blocks(c, v, g):
        lo, width = glo[groups], ghi[groups] - glo[groups]
        x = np.where(valid, np.clip((raw - lo[:, None]) / width[:, None], 0.0, 1.0), 0.0)
        stakes = _stakes(x, tail, n, valid)
        ends = []
        for above in (True, False):
            # the gambler's best capital falls as m moves toward (and past) the far bound: bisect for the end
            rejected = np.zeros(groups.size) if above else np.ones(groups.size)
            kept = np.ones(groups.size) if above else np.zeros(groups.size)
            for _ in range(BISECTIONS):
                mid = (rejected + kept) / 2.0
                hit = _best_log_capital(x, stakes, mid, above) >= threshold
                rejected = np.where(hit, mid, rejected)
                kept = np.where(hit, kept, mid)
            ends.append(lo + width * rejected)  # the last rejected m: rounded outward
        out["low"][groups], out["high"][groups] = ends
        if null is not None:
            m0 = np.clip((null - lo) / width, 0.0, 1.0)
            at_alpha = _stakes(x, ALPHA, n, valid)
            out["p_below"][groups] = np.exp(-_best_log_capital(x, at_alpha, m0, above=False))
            out["p_above"][groups] = np.exp(-_best_log_capital(x, at_alpha, m0, above=True))
    return out


def two_sided(p_below: npt.ArrayLike, p_above: npt.ArrayLike) -> FloatArray:
    """Two-sided p-value from the two one-sided ones (a union bound, valid whatever the distribution):
    ``min(1, 2 min(...))``."""
    return np.minimum(1.0, 2.0 * np.minimum(np.asarray(p_below, float), np.asarray(p_above, float)))


def holm(p: npt.ArrayLike) -> FloatArray:
    """Holm (1979) step-down adjusted p-values (family-wise error; valid under any dependence). NaN stays NaN and
    is not counted in the family."""
    pa = np.asarray(p, dtype=np.float64)
    out = np.full(pa.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(pa))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(pa[ok], kind="stable")]
    stepped = np.maximum.accumulate((m - np.arange(m)) * pa[order])
    out[order] = np.minimum(stepped, 1.0)
    return out


def benjamini_hochberg(p: npt.ArrayLike) -> FloatArray:
    """Benjamini-Hochberg (1995) adjusted p-values (false discovery rate; valid for independent or positively
    dependent tests). NaN stays NaN and is not counted."""
    pa = np.asarray(p, dtype=np.float64)
    out = np.full(pa.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(pa))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(pa[ok], kind="stable")]
    scaled = pa[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return out


# ---------------------------------------------------------------------------------------------- words

_FEWEST_SEARCH = (16, 128, 1024)  # records searched at once: a test that cannot decide by 1024 questions is an error


@functools.cache
def fewest_questions(test: Verdict, alpha: float = ALPHA, kind: str = "binary", n_options: int | None = None) -> int:
    """The fewest questions of ``kind`` (``n_options`` for multiple choice) at which a verdict can be reached at
    all at ``alpha``: "A better" than B (``"pair"``, two-sided, :func:`compare`), "beats a coin flip" (``"coin"``,
    :func:`versus_coin`) or "beats the crowd median" (``"crowd"``, :func:`versus_crowd`); the minimum
    ``MIN_QUESTIONS`` is not applied here.

    Found by running the test itself (:func:`betting_means`, whose p-values the verdicts read) on the most extreme
    record, every difference at the bound that favours the verdict (a Brier of 0 against the highest, or against
    the coin's), for n = 1, 2, ...: the gambler then wins on each question all that its capped stake allows, so
    while the stakes are at their cap (as they are for these tests, below the count found) no record of fewer
    questions gets there. Follows the test if it changes; the words of stored statistics use copies of the binary
    figures (`tracker.scoring.verdicts.FEWEST`), which a test holds equal to these."""
    ceiling = 1.0 if kind == "binary" else 2.0
    if test == "coin":
        options = None if n_options is None else np.array([n_options], dtype=np.float64)
        reference = float(uniform_brier(np.array([kind], dtype=object), options)[0])
        lower, upper = -reference, ceiling - reference
    elif test in ("pair", "crowd"):
        lower, upper = -ceiling, ceiling
    else:
        raise ValueError(f"test must be 'pair', 'coin' or 'crowd', not {test!r}")
    for size in _FEWEST_SEARCH:
        codes = np.repeat(np.arange(size), np.arange(1, size + 1))  # record k holds k + 1 questions
        r = betting_means(codes, np.full(codes.size, lower), lower, upper, size, null=0.0)
        p = two_sided(r["p_below"], r["p_above"]) if test == "pair" else r["p_below"]
        reached = np.flatnonzero(p < alpha)
        if reached.size:
            return int(reached[0]) + 1
    raise ValueError(f"{test}: no verdict at alpha {alpha} within {_FEWEST_SEARCH[-1]} questions")


def _pair_verdict(a: str, b: str, n: int, mean_diff: float, p: float, alpha: float, min_q: int) -> str:
    shared = plural(n, "shared question")
    if n < min_q:
        return pair_too_few_words(shared, max(min_q, fewest_questions("pair", alpha)))
    if p < alpha and mean_diff != 0:
        better = a if mean_diff < 0 else b
        return f"{better} better ({format_p(p)}, {shared})"
    return f"not distinguishable ({format_p(p)}, {shared})"


# ------------------------------------------------------------------------------------------ frame helpers


def _keys(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def _by_question(
    frame: pd.DataFrame, keys: list[str], values: Sequence[str]
) -> tuple[pd.DataFrame, IntArray, pd.DataFrame]:
    """One row per group and question: list-valued keys exploded, the ``values`` columns averaged over the rows
    the group has on that question (several forecasters', for a tag, an outlet or a source), sorted by the keys
    then question_id. Returns those rows, each row's group code, and the groups' keys (one row per code, sorted)
    with ``n_rows`` (the rows pooled) and ``n_forecasters`` (distinct forecasters among them)."""
    from tracker.scoring import compute

    df = compute.explode_keys(frame, keys)
    spec: dict[str, tuple[str, str]] = {c: (c, "mean") for c in values}
    if "kind" in df.columns:
        spec["kind"] = ("kind", "first")
    if "n_options" in df.columns:
        spec["n_options"] = ("n_options", "max")
    spec["_rows"] = ("question_id", "size")
    has_forecaster = "forecaster_id" in df.columns and "forecaster_id" not in keys
    if has_forecaster:
        spec["_forecasters"] = ("forecaster_id", "nunique")
    per_q = df.groupby([*keys, "question_id"], dropna=False, sort=True, observed=True).agg(**spec).reset_index()
    if not len(per_q):
        groups = per_q[keys].copy()
        groups["n_rows"] = np.zeros(0, dtype=np.int64)
        groups["n_forecasters"] = np.zeros(0, dtype=np.int64)
        return per_q, np.zeros(0, dtype=np.int64), groups
    ids = per_q.groupby(keys, dropna=False, sort=True).ngroup().to_numpy(dtype=np.int64)
    first = np.unique(ids, return_index=True)[1]
    groups = per_q.loc[first, keys].reset_index(drop=True)
    groups["n_rows"] = np.bincount(ids, weights=per_q["_rows"].to_numpy(dtype=np.float64)).astype(np.int64)
    if has_forecaster:
        pooled = df.groupby(keys, dropna=False, sort=True)["forecaster_id"].nunique()
        groups["n_forecasters"] = pooled.to_numpy(dtype=np.int64)
    else:
        groups["n_forecasters"] = 1
    return per_q, ids, groups


def _brier_ceiling(df: pd.DataFrame) -> FloatArray:
    """The highest Brier each row's question allows: 1 binary, 2 multiple choice (2 when the kind is unknown)."""
    if "kind" not in df.columns:
        return np.full(len(df), 2.0)
    return np.where(df["kind"].to_numpy(dtype=object) == "binary", 1.0, 2.0)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {missing}")


# ------------------------------------------------------------------------------------------------ intervals


def mean_intervals(
    per_question: pd.DataFrame,
    by: str | Sequence[str] = "forecaster_id",
    *,
    column: str = "brier",
    level: float = LEVEL,
    min_questions: int = MIN_QUESTIONS,
) -> pd.DataFrame:
    """Per group: the mean of ``column`` (a Brier score: within [0, 1] on binary questions, [0, 2] otherwise) over
    its questions, with its betting interval.

    Input: ``question_scores`` rows with ``question_id``, the ``by`` column(s) (a list-valued column such as
    ``tags`` is exploded: a question counts once under each tag), ``column`` and, when present, ``kind`` (its
    bounds; without it every value is taken to lie within [0, 2]); rows where ``column`` is NaN are left out. A
    group's rows on one question are averaged first (the question is the unit). Output, one row per group sorted
    by the keys: the keys, ``n_questions`` (distinct), ``n_rows`` and ``n_forecasters`` (what was pooled),
    ``mean_<column>`` (the mean over questions of each question's mean), ``ci_low`` / ``ci_high`` (NaN below
    ``min_questions``), ``ci_level``, ``too_few`` (bool), and ``note``: empty, or "too few questions to say (3; 5
    needed)".
    """
    keys = _keys(by)
    _require(per_question, ["question_id", *keys, column], "mean_intervals")
    grouped = _by_question(per_question.loc[per_question[column].notna()], keys, [column])
    return _intervals(grouped, keys, column, level, min_questions)


def _intervals(
    grouped: tuple[pd.DataFrame, IntArray, pd.DataFrame], keys: list[str], column: str, level: float, min_questions: int
) -> pd.DataFrame:
    import pandas as pd

    df, ids, groups = grouped
    values = df[column].to_numpy(dtype=np.float64)
    r = betting_means(ids, values, 0.0, _brier_ceiling(df), len(groups), level=level)
    n = r["n"].astype(np.int64)
    few = n < min_questions
    out = groups.copy()
    out.insert(len(keys), "n_questions", n)
    out[f"mean_{column}"] = r["mean"]
    out["ci_low"] = np.where(few, np.nan, r["low"])
    out["ci_high"] = np.where(few, np.nan, r["high"])
    out["ci_level"] = level
    out["too_few"] = few
    out["note"] = pd.Series([too_few_words(int(k), min_questions) if f else "" for k, f in zip(n, few, strict=True)])
    return out


# ------------------------------------------------------------------------------------- coin flip and crowd


def uniform_brier(kind: npt.ArrayLike, n_options: npt.ArrayLike | None = None) -> FloatArray:
    """Brier of the uniform forecast in the ``brier`` column's convention: 0.25 for binary questions ((0.5 - o)**2),
    ``1 - 1/N`` for multiple choice with N options (``(1 - 1/N)**2 + (N - 1)/N**2``, the same whatever happened)."""
    k = np.asarray(kind, dtype=object)
    binary = k == "binary"
    if n_options is None:
        if not binary.all():
            raise ValueError("multiple-choice rows need n_options for the uniform forecast's Brier")
        return np.full(k.shape, metrics.HALF_REFERENCE_BRIER)
    n = np.asarray(n_options, dtype=np.float64)
    if np.any(~binary & ~(n >= 2)):
        raise ValueError("multiple-choice rows need n_options >= 2")
    return np.where(binary, metrics.HALF_REFERENCE_BRIER, 1.0 - 1.0 / np.where(binary, 2.0, n))


def _paired(
    ids: IntArray,
    first: FloatArray,
    second: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    g: int,
    *,
    level: float,
    min_questions: int,
) -> dict[str, npt.NDArray[np.generic]]:
    """The paired comparison of ``first`` and ``second`` within each of ``g`` groups, their difference known to lie
    within [``lower``, ``upper``] on each question: counts, means, the mean difference (first - second) with its
    interval, the one-sided p-values of "no difference" against first lower (``p_below``) and higher, wins and
    ties. Interval and p-values are NaN for groups below ``min_questions``."""
    diff = first - second
    tie = np.isclose(first, second, rtol=1e-12, atol=1e-15)
    r = betting_means(ids, diff, lower, upper, g, level=level, null=0.0)
    n = r["n"].astype(np.int64)
    counts = np.maximum(n, 1)
    few = n < min_questions
    return {
        "n": n,
        "mean_first": np.bincount(ids, weights=first, minlength=g) / counts,
        "mean_second": np.bincount(ids, weights=second, minlength=g) / counts,
        "mean_difference": r["mean"],
        "ci_low": np.where(few, np.nan, r["low"]),
        "ci_high": np.where(few, np.nan, r["high"]),
        "p_below": np.where(few, np.nan, r["p_below"]),
        "p_above": np.where(few, np.nan, r["p_above"]),
        "first_wins": np.bincount(ids, weights=(diff < 0) & ~tie, minlength=g).astype(np.int64),
        "second_wins": np.bincount(ids, weights=(diff > 0) & ~tie, minlength=g).astype(np.int64),
        "ties": np.bincount(ids, weights=tie, minlength=g).astype(np.int64),
        "too_few": few,
    }


def _versus(
    ids: IntArray,
    groups: pd.DataFrame,
    own: FloatArray,
    reference: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    against: str,
    test: Verdict,
    *,
    level: float,
    min_questions: int,
) -> pd.DataFrame:
    r = _paired(ids, own, reference, lower, upper, len(groups), level=level, min_questions=min_questions)
    out = groups.copy()
    for name, key in (
        ("n_questions", "n"),
        ("mean_brier", "mean_first"),
        ("mean_reference", "mean_second"),
        ("mean_difference", "mean_difference"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("p_better", "p_below"),
        ("p_worse", "p_above"),
        ("wins", "first_wins"),
        ("losses", "second_wins"),
        ("ties", "ties"),
        ("too_few", "too_few"),
    ):
        out[name] = r[key]
    out["verdict"] = [
        versus_verdict(int(k), float(m), float(pb), float(pw), against, min_questions, fewest_questions(test))
        for k, m, pb, pw in zip(r["n"], r["mean_difference"], r["p_below"], r["p_above"], strict=True)
    ]
    return out


def versus_coin(
    per_question: pd.DataFrame,
    by: str | Sequence[str] = "forecaster_id",
    *,
    level: float = LEVEL,
    min_questions: int = MIN_QUESTIONS,
) -> pd.DataFrame:
    """Does each group beat a coin flip? Paired, question by question: ``brier`` minus the uniform forecast's Brier
    (0.25 binary, ``1 - 1/N`` multiple choice: :func:`uniform_brier`). The null is "the expected Brier equals the
    coin's"; the test holds its 5% rate for any distribution of scores (:func:`betting_means`).

    Input: ``question_scores`` rows with ``question_id``, ``kind``, ``brier``, the ``by`` column(s), and
    ``n_options`` when there are multiple-choice rows; a group's rows on one question are averaged first. Output,
    one row per group: the keys, ``n_rows``, ``n_forecasters``, ``n_questions``, ``mean_brier``,
    ``mean_reference`` (the coin's mean Brier on the same questions), ``mean_difference`` (negative: better than
    the coin) with its interval ``ci_low`` / ``ci_high``, ``p_better`` (one-sided p-value for "better than the
    coin") and ``p_worse``, ``wins`` / ``losses`` / ``ties`` (questions scored below / above / level with the
    coin), ``too_few`` and ``verdict``: "beats a coin flip (p = 0.01, 12 questions)", "worse than a coin flip
    (...)", "not distinguishable from a coin flip (p = 0.40, 7 questions)" or "too few questions to say (3; 5
    needed, and at least 12 binary ones to beat a coin flip)" (:func:`fewest_questions`).
    """
    keys = _keys(by)
    _require(per_question, ["question_id", "kind", "brier", *keys], "versus_coin")
    grouped = _by_question(per_question.loc[per_question["brier"].notna()], keys, ["brier"])
    return _coin(grouped, level, min_questions)


def _coin(grouped: tuple[pd.DataFrame, IntArray, pd.DataFrame], level: float, min_questions: int) -> pd.DataFrame:
    df, ids, groups = grouped
    n_options = df["n_options"].to_numpy(dtype=np.float64) if "n_options" in df.columns else None
    reference = uniform_brier(df["kind"].to_numpy(dtype=object), n_options)
    ceiling = _brier_ceiling(df)
    return _versus(
        ids,
        groups,
        df["brier"].to_numpy(dtype=np.float64),
        reference,
        -reference,
        ceiling - reference,
        "a coin flip",
        "coin",
        level=level,
        min_questions=min_questions,
    )


def versus_crowd(
    per_question: pd.DataFrame,
    by: str | Sequence[str] = "forecaster_id",
    *,
    level: float = LEVEL,
    min_questions: int = MIN_QUESTIONS,
) -> pd.DataFrame:
    """Does each group beat the crowd median? Paired on the questions where a crowd exists (``relative_brier`` is
    defined: at least two forecasters): ``time_avg_brier`` minus ``crowd_time_avg_brier`` over the same days. The
    null is "the expected difference is 0", tested as :func:`versus_coin` does.

    Input: ``question_scores`` rows with ``question_id``, ``time_avg_brier``, ``crowd_time_avg_brier``,
    ``relative_brier``, ``kind`` (optional: the bounds) and the ``by`` column(s). Output: as :func:`versus_coin`
    (``mean_brier`` is the mean time-averaged Brier, ``mean_reference`` the crowd's), verdicts "beats the crowd
    median (...)" and so on. The crowd includes the forecaster (as in ``relative_brier``), which pulls it toward
    them: the test is conservative for a forecaster who is often one of only two or three.
    """
    keys = _keys(by)
    _require(
        per_question,
        ["question_id", "time_avg_brier", "crowd_time_avg_brier", "relative_brier", *keys],
        "versus_crowd",
    )
    usable = per_question["relative_brier"].notna() & per_question["time_avg_brier"].notna()
    usable &= per_question["crowd_time_avg_brier"].notna()
    df, ids, groups = _by_question(per_question.loc[usable], keys, ["time_avg_brier", "crowd_time_avg_brier"])
    ceiling = _brier_ceiling(df)
    return _versus(
        ids,
        groups,
        df["time_avg_brier"].to_numpy(dtype=np.float64),
        df["crowd_time_avg_brier"].to_numpy(dtype=np.float64),
        -ceiling,
        ceiling,
        "the crowd median",
        "crowd",
        level=level,
        min_questions=min_questions,
    )


def brier_statistics(
    per_question: pd.DataFrame,
    by: str | Sequence[str] = "forecaster_id",
    *,
    level: float = LEVEL,
    min_questions: int = MIN_QUESTIONS,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What a leaderboard row shows, at once: (:func:`mean_intervals` of ``brier``, :func:`versus_coin`,
    :func:`versus_crowd`) of the same rows, each exactly as that function gives it; the Brier rows are grouped by
    question once for the first two. Input: as :func:`versus_coin` and :func:`versus_crowd` together."""
    keys = _keys(by)
    _require(per_question, ["question_id", "kind", "brier", *keys], "brier_statistics")
    grouped = _by_question(per_question.loc[per_question["brier"].notna()], keys, ["brier"])
    crowd_rows = per_question.loc[per_question["relative_brier"].notna()]
    return (
        _intervals(grouped, keys, "brier", level, min_questions),
        _coin(grouped, level, min_questions),
        versus_crowd(crowd_rows, by, level=level, min_questions=min_questions),
    )


# ------------------------------------------------------------------------------------------- two or more


@dataclass(frozen=True)
class Comparison:
    """:func:`compare` of A and B on the questions both scored. ``mean_difference`` is A's mean Brier minus B's
    (negative: A better); ``p_value`` two-sided; ``ci_low`` / ``ci_high`` NaN below the minimum."""

    a: str
    b: str
    n_shared: int
    mean_a: float
    mean_b: float
    mean_difference: float
    ci_low: float
    ci_high: float
    p_value: float
    a_wins: int
    b_wins: int
    ties: int
    verdict: str


def _pairs_frame(per_question: pd.DataFrame, key: str, column: str) -> pd.DataFrame:
    """Every unordered pair (a < b) of ``key`` values with their ``column`` on each question both scored (and the
    question's ``kind`` when given)."""
    kind = ["kind"] if "kind" in per_question.columns else []
    rows = per_question.loc[
        per_question[column].notna() & per_question[key].notna(), ["question_id", key, column, *kind]
    ]
    rows = rows.astype({key: str})
    pairs = rows.merge(rows.drop(columns=kind), on="question_id", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs[f"{key}_a"] < pairs[f"{key}_b"]]
    return pairs.rename(columns={f"{key}_a": "a", f"{key}_b": "b", f"{column}_a": "value_a", f"{column}_b": "value_b"})


def pair_table(pairs: pd.DataFrame, *, level: float = LEVEL, min_questions: int = MIN_QUESTIONS) -> pd.DataFrame:
    """The paired comparison of every pair in ``pairs`` (columns ``question_id``, ``a``, ``b``, ``value_a``,
    ``value_b``, optionally ``kind``), unadjusted: ``n_shared``, ``mean_a``, ``mean_b``, ``mean_difference``,
    ``ci_low``, ``ci_high``, ``p_value`` (two-sided), ``a_wins``, ``b_wins``, ``ties``."""
    df, ids, groups = _by_question(pairs, ["a", "b"], ["value_a", "value_b"])
    va = df["value_a"].to_numpy(dtype=np.float64)
    vb = df["value_b"].to_numpy(dtype=np.float64)
    ceiling = _brier_ceiling(df)
    r = _paired(ids, va, vb, -ceiling, ceiling, len(groups), level=level, min_questions=min_questions)
    out = groups[["a", "b"]].copy()
    for name, key in (
        ("n_shared", "n"),
        ("mean_a", "mean_first"),
        ("mean_b", "mean_second"),
        ("mean_difference", "mean_difference"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ):
        out[name] = r[key]
    out["p_value"] = two_sided(r["p_below"], r["p_above"])
    out["a_wins"], out["b_wins"], out["ties"] = r["first_wins"], r["second_wins"], r["ties"]
    return out


def compare(
    per_question: pd.DataFrame,
    a: str,
    b: str,
    *,
    key: str = "forecaster_id",
    column: str = "brier",
    labels: tuple[str, str] | None = None,
    level: float = LEVEL,
    min_questions: int = MIN_QUESTIONS,
) -> Comparison:
    """A against B on the questions both scored (``key`` values ``a`` and ``b``; by default forecaster ids).

    The paired difference of ``column`` (A minus B) per shared question: its mean, interval and two-sided p-value
    (:func:`betting_means`, each side at half the level), how many questions each won (lower Brier) and the ties,
    and a verdict naming ``labels`` (default the ids): "A better (p = 0.03, 12 shared questions)", "not
    distinguishable (p = 0.40, 9 shared questions)", "not distinguishable (3 shared questions; at least 6 needed
    to tell)" (:func:`fewest_questions`). Input as :func:`versus_coin` (``kind`` gives the bounds; without it,
    Briers up to 2 are allowed).
    """
    import pandas as pd

    _require(per_question, ["question_id", key, column], "compare")
    if a == b:
        raise ValueError(f"{key}: compare needs two different values, got {a!r} twice")
    label_a, label_b = labels or (a, b)
    flip = b < a  # pairs are kept as (smaller id, larger id)
    lo, hi = (b, a) if flip else (a, b)
    rows = per_question.loc[per_question[key].astype(str).isin([lo, hi])]
    table = pair_table(_pairs_frame(rows, key, column), level=level, min_questions=min_questions)
    if len(table):
        r = table.iloc[0]
        n = int(r["n_shared"])
        mean_lo, mean_hi, diff = float(r["mean_a"]), float(r["mean_b"]), float(r["mean_difference"])
        ci = (float(r["ci_low"]), float(r["ci_high"]))
        p = float(r["p_value"])
        wins_lo, wins_hi, ties = int(r["a_wins"]), int(r["b_wins"]), int(r["ties"])
    else:
        n, mean_lo, mean_hi, diff, ci, p = 0, math.nan, math.nan, math.nan, (math.nan, math.nan), math.nan
        wins_lo = wins_hi = ties = 0
    if flip:
        mean_lo, mean_hi, diff, ci, wins_lo, wins_hi = mean_hi, mean_lo, -diff, (-ci[1], -ci[0]), wins_hi, wins_lo
    verdict = _pair_verdict(label_a, label_b, n, diff, p if not pd.isna(p) else 1.0, ALPHA, min_questions)
    return Comparison(a, b, n, mean_lo, mean_hi, diff, ci[0], ci[1], p, wins_lo, wins_hi, ties, verdict)


def compare_all(
    per_question: pd.DataFrame,
    *,
    key: str = "forecaster_id",
    column: str = "brier",
    correction: Correction = "holm",
    alpha: float = ALPHA,
    level: float = LEVEL,
    min_questions: int = MIN_QUESTIONS,
) -> pd.DataFrame:
    """Every pair of ``key`` values with at least one shared question, as :func:`compare`, with adjusted p-values.

    Output, one row per unordered pair (``a`` < ``b`` as strings; pivot for a matrix): ``a``, ``b``, ``n_shared``,
    ``mean_a``, ``mean_b``, ``mean_difference`` (a minus b), ``ci_low``, ``ci_high``, ``p_value`` (two-sided,
    unadjusted), ``p_adjusted`` (Holm by default, or Benjamini-Hochberg with ``correction="bh"``; the family is
    the pairs with at least ``min_questions`` shared questions, the others have NaN), ``a_wins``, ``b_wins``,
    ``ties``, ``verdict`` (judged on ``p_adjusted`` at ``alpha``, e.g. "b better (p = 0.01, 20 shared questions)",
    the p shown being the adjusted one). The work grows with the number of pairs sharing questions.
    """
    _require(per_question, ["question_id", key, column], "compare_all")
    if correction not in ("holm", "bh"):
        raise ValueError(f"correction must be 'holm' or 'bh', not {correction!r}")
    table = pair_table(_pairs_frame(per_question, key, column), level=level, min_questions=min_questions)
    p = table["p_value"].to_numpy(dtype=np.float64)
    adjusted = holm(p) if correction == "holm" else benjamini_hochberg(p)
    table.insert(table.columns.get_loc("p_value") + 1, "p_adjusted", adjusted)
    table["verdict"] = [
        _pair_verdict(
            str(r.a),
            str(r.b),
            int(r.n_shared),
            float(r.mean_difference),
            1.0 if np.isnan(q) else float(q),
            alpha,
            min_questions,
        )
        for r, q in zip(table.itertuples(index=False), adjusted, strict=True)
    ]
    return table


# ------------------------------------------------------------------------------------------ verbal phrases

READING_ALL = "all"
"""The ``reading`` value of a phrase row that pools both readings."""

_READING_WORDS = {"affirms": "affirming YES; ", "negates": "affirming NO; "}


def phrase_calibration(
    forecasts: pd.DataFrame,
    by: str | Sequence[str] = (),
    *,
    z: float = metrics.WILSON_Z_95,
    min_forecasts: int = 1,
) -> pd.DataFrame:
    """What verbal phrases turned out to mean: per phrase (and ``by`` group), how often the hedged statement came
    true, beside the scale's number for it.

    Input: one row per scored verbal forecast on a binary question, with ``phrase``, ``reading`` ("affirms": the
    hedged statement X is the question's YES; "negates": X is its NO), ``p_yes`` (the number the scale gave, as
    P(YES)), ``outcome`` ("yes" / "no") and, when present, ``scale_version`` (rows are then grouped by it too, as
    a later scale may give a phrase another number). Rows without a phrase are left out. X "happened" when the
    outcome is YES for an affirming reading, NO for a negating one; the scale's number for X is ``p_yes`` read
    the same way.

    Output, sorted by the keys, phrase and reading: the ``by`` keys, ``phrase``, ``scale_version`` (if given),
    ``reading`` ("affirms", "negates", and ``"all"`` pooling both), ``scale_p`` (the scale's P(X); the mean if
    rows disagree), ``count``, ``happened``, ``observed_frequency``, ``ci_low`` / ``ci_high`` (Clopper-Pearson
    95% interval, `metrics.exact_interval`, the one ``summary`` quotes), ``wilson_low`` / ``wilson_high`` (Wilson
    interval at ``z``, kept for existing readers; it holds a frequency near 0 or 1 only 83% of the time) and
    ``summary``, e.g. "said 'unlikely' (scale 0.20): it happened 3 of 7 times (43%, 10%-82%)", or "said
    'probably' (affirming NO; scale 0.70): ..." for one reading. Groups with fewer than ``min_forecasts`` rows are
    dropped (use it for personal lexicons).
    """
    import pandas as pd

    keys = _keys(by)
    _require(forecasts, ["phrase", "reading", "p_yes", "outcome", *keys], "phrase_calibration")
    df = forecasts.loc[forecasts["phrase"].notna() & forecasts["p_yes"].notna()].copy()
    bad = ~df["reading"].isin(["affirms", "negates"])
    if bad.any():
        raise ValueError(f"reading must be 'affirms' or 'negates', got {df.loc[bad, 'reading'].iloc[0]!r}")
    bad_outcome = ~df["outcome"].isin(["yes", "no"])
    if bad_outcome.any():
        raise ValueError(f"outcome must be 'yes' or 'no', got {df.loc[bad_outcome, 'outcome'].iloc[0]!r}")
    affirms = (df["reading"] == "affirms").to_numpy()
    yes = (df["outcome"] == "yes").to_numpy()
    p_yes = df["p_yes"].to_numpy(dtype=np.float64)
    df["_scale_p"] = np.where(affirms, p_yes, 1.0 - p_yes)
    df["_happened"] = (yes == affirms).astype(np.int64)
    phrase_keys = [*keys, "phrase", *(["scale_version"] if "scale_version" in df.columns else [])]
    pooled = df.assign(reading=READING_ALL)
    both = pd.concat([df, pooled], ignore_index=True)
    group_keys = [*phrase_keys, "reading"]
    out = (
        both.groupby(group_keys, dropna=False, sort=True)
        .agg(scale_p=("_scale_p", "mean"), count=("_happened", "size"), happened=("_happened", "sum"))
        .reset_index()
    )
    out = out.loc[out["count"] >= min_forecasts].reset_index(drop=True)
    count = out["count"].to_numpy(dtype=np.int64)
    happened = out["happened"].to_numpy(dtype=np.int64)
    out["observed_frequency"] = happened / np.maximum(count, 1)
    out["ci_low"], out["ci_high"] = low, high = metrics.exact_interval(happened, count)
    out["wilson_low"], out["wilson_high"] = metrics.wilson_interval(happened, count, z)
    out["summary"] = [
        f"said {phrase!r} ({'' if reading == READING_ALL else _READING_WORDS[reading]}scale {p:.2f}): "
        f"it happened {k} of {plural(int(n), 'time')} ({k / n:.0%}, {lo:.0%}-{hi:.0%})"
        for phrase, reading, p, k, n, lo, hi in zip(
            out["phrase"], out["reading"], out["scale_p"], happened, count, low, high, strict=True
        )
    ]
    return out


def lexicon(
    forecasts: pd.DataFrame,
    *,
    key: str = "forecaster_id",
    min_forecasts: int = MIN_QUESTIONS,
    z: float = metrics.WILSON_Z_95,
) -> pd.DataFrame:
    """Each forecaster's personal lexicon: :func:`phrase_calibration` by ``key``, for those with at least
    ``min_forecasts`` verbal forecasts (all their phrases are then listed, however often each was used)."""
    _require(forecasts, [key, "phrase"], "lexicon")
    verbal = forecasts.loc[forecasts["phrase"].notna()]
    sizes = verbal.groupby(key, dropna=True).size()
    keep = sizes.index[sizes >= min_forecasts]
    return phrase_calibration(verbal.loc[verbal[key].isin(keep)], key, z=z)
