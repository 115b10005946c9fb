"""How sure the scores are: bootstrap intervals, tests against a coin flip, the crowd and each other, and what
verbal phrases turned out to mean.

Pure numpy (pandas for the frame-level functions), no I/O. The inputs are ``question_scores`` rows (one per scored
forecaster x question); every function works on many groups at once (by forecaster, source, outlet, tag).

Methods (docs/scoring.md, "How sure we are", says why each was chosen and what it cannot do):

- **Bootstrap over questions** of a mean: the percentile interval of ``resamples`` means of n values drawn with
  replacement from the group's n per-question values. Resampling indices depend only on the seed and the group's
  size n, and a group's values are ordered by question_id first, so the same ledger gives the same interval, and
  a row's interval does not change when unrelated rows are added.
- **Paired sign-flip test** (a permutation test for paired differences): under "no difference", each question's
  difference is as likely to have had the other sign. The p-value is the share of the 2**n sign patterns whose sum
  is at least as extreme as the observed one: enumerated exactly for n <= ``EXACT_MAX_N``, else estimated from
  ``permutations`` random patterns (seeded as above) as ``(1 + hits) / (1 + permutations)``.
- **Multiple comparisons** in the all-pairs matrix: Holm's step-down adjustment by default (family-wise error,
  valid whatever the dependence between the tests, which share forecasters); Benjamini-Hochberg on request.
- **Too few questions**: fewer than ``MIN_QUESTIONS`` (5) scored questions. With n questions the smallest one-sided
  p-value a sign-flip test can reach is 1/2**n, 1/16 = 0.0625 for n = 4: no record of 4 or fewer questions, even a
  perfect one, can be told from chance at the 5% level. Such rows get no interval and no p-value, and say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from tracker.scoring import metrics
from tracker.words import plural

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MIN_QUESTIONS: int = 5
"""Fewer scored questions than this: "too few questions to say anything" (1/2**4 = 0.0625 > 0.05, see above)."""

LEVEL: float = 0.90
"""Coverage of the bootstrap intervals: 90%, i.e. 5% in each tail, matching one-sided tests at ALPHA."""

ALPHA: float = 0.05
"""Significance level of the verdicts (one-sided against a coin flip or the crowd, two-sided between two)."""

DEFAULT_RESAMPLES: int = 2000
"""Bootstrap resamples per interval (the percentile ends then move by about 0.1 of a standard error between seeds)."""

DEFAULT_PERMUTATIONS: int = 2000
"""Random sign patterns when n > EXACT_MAX_N (a p-value of 0.05 then has a Monte Carlo standard error of 0.002)."""

EXACT_MAX_N: int = 16
"""Up to this many paired values the 2**n sign patterns (65,536 at 16) are enumerated: the p-value is exact."""

DEFAULT_SEED: int = 20_261_129
"""Fixed seed: together with each group's size it fixes the resamples, so the same ledger gives the same figures."""

Correction = Literal["holm", "bh"]

_CELLS = 4_000_000  # float64 cells per intermediate matrix (32 MB): bounds memory whatever the group sizes


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
        yield int(n), groups, sorted_values[starts[groups][:, None] + np.arange(n)]


def _chunks(total: int, size: int) -> Iterator[slice]:
    size = max(size, 1)
    for start in range(0, total, size):
        yield slice(start, min(start + size, total))


MULTINOMIAL_MAX_N: int = 100
"""Groups of up to this many questions get the ordinary (multinomial) bootstrap; larger ones the Poisson bootstrap."""

# P(Poisson(1) <= k) for k = 0, 1, ..., scaled to 32-bit integers (the tail past 2**32 is empty)
_POISSON_CDF_32 = np.array(
    [
        round(2**32 * sum(math.exp(-1.0) / math.factorial(i) for i in range(k + 1)))
        for k in range(14)
        if round(2**32 * sum(math.exp(-1.0) / math.factorial(i) for i in range(k + 1))) < 2**32
    ],
    dtype=np.uint32,
)
_ROW_BLOCK = 250  # resamples / sign patterns drawn together for the shared draws
_COL_BLOCK = 64  # questions per separately seeded block of the shared draws


def _shared_draws(seed: int, purpose: int, block: int, n_rows: int, n_cols: int, poisson: bool) -> FloatArray:
    """Rows ``block * _ROW_BLOCK ...`` of an endless matrix of draws (Poisson(1) counts, or +1/-1 signs), its first
    ``n_cols`` columns rounded up to whole blocks of ``_COL_BLOCK``. Every block of columns has its own seed, so a
    column's draws never depend on how many columns are asked for: a group of n questions uses the first n,
    whatever the largest group is."""
    n_blocks = -(-n_cols // _COL_BLOCK)
    out = np.empty((n_rows, n_blocks * _COL_BLOCK))
    for j in range(n_blocks):
        rng = np.random.default_rng([seed, purpose, block, j])
        cols = slice(j * _COL_BLOCK, (j + 1) * _COL_BLOCK)
        if poisson:
            # inverse CDF on 32-bit uniforms, the count being how many CDF steps lie at or below the uniform:
            # Poisson(1) probabilities exact to 2**-32, several times faster than rng.poisson
            u = rng.integers(0, 2**32, size=(n_rows, _COL_BLOCK), dtype=np.uint32)
            count = np.zeros(u.shape, dtype=np.uint8)
            for step in _POISSON_CDF_32:
                count += u >= step
            out[:, cols] = count
        else:
            bits = np.unpackbits(rng.integers(0, 256, size=(n_rows, _COL_BLOCK // 8), dtype=np.uint8), axis=1)
            out[:, cols] = 1.0 - 2.0 * bits
    return out


def _large_blocks(
    codes: IntArray, values: FloatArray, n_groups: int, threshold: int
) -> tuple[list[tuple[int, IntArray, FloatArray]], list[tuple[int, IntArray, FloatArray]]]:
    small: list[tuple[int, IntArray, FloatArray]] = []
    large: list[tuple[int, IntArray, FloatArray]] = []
    for block in _blocks(codes, values, n_groups):
        (large if block[0] > threshold else small).append(block)
    return small, large


@dataclass(frozen=True)
class _Banded:
    """The large groups' values laid out for products with shared draws: column block j of the draws multiplies
    ``parts[j]``, the values at positions ``j * _COL_BLOCK ...`` of the groups that long (zero-padded), groups
    sorted by size, longest first, so the groups taking part in block j are a prefix. One matrix product per
    block, whatever the number of distinct sizes."""

    groups: IntArray  # group codes, longest first
    sizes: IntArray
    parts: list[FloatArray]

    @staticmethod
    def of(large: list[tuple[int, IntArray, FloatArray]]) -> _Banded:
        order = sorted(range(len(large)), key=lambda i: -large[i][0])
        groups = np.concatenate([large[i][1] for i in order])
        sizes = np.concatenate([np.full(large[i][1].size, large[i][0]) for i in order])
        n_max = int(sizes[0])
        parts = []
        for j in range(-(-n_max // _COL_BLOCK)):
            lo = j * _COL_BLOCK
            taking = int(np.count_nonzero(sizes > lo))
            part = np.zeros((taking, _COL_BLOCK))
            row = 0
            for i in order:
                n, gs, x = large[i]
                if n <= lo:
                    break
                part[row : row + gs.size, : min(n - lo, _COL_BLOCK)] = x[:, lo : lo + _COL_BLOCK]
                row += gs.size
            parts.append(part)
        return _Banded(groups, sizes, parts)

    def times(self, draws: FloatArray) -> FloatArray:
        """Each group's values times each row of ``draws`` (rows: resamples or sign patterns): (groups, rows)."""
        out = np.zeros((self.groups.size, draws.shape[0]))
        for j, part in enumerate(self.parts):
            out[: part.shape[0]] += part @ draws[:, j * _COL_BLOCK : (j + 1) * _COL_BLOCK].T
        return out

    def sums(self) -> FloatArray:
        return self.times(np.ones((1, len(self.parts) * _COL_BLOCK)))[:, 0]

    def abs_sums(self) -> FloatArray:
        out = np.zeros(self.groups.size)
        for part in self.parts:
            out[: part.shape[0]] += np.abs(part).sum(axis=1)
        return out


def bootstrap_means(
    codes: npt.ArrayLike,
    values: npt.ArrayLike,
    n_groups: int | None = None,
    *,
    level: float = LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean and bootstrap percentile interval ``(mean, low, high)`` of each group's values, all groups at once.

    ``codes[i]`` is row i's group (0 .. n_groups - 1); rows keep their order within a group (sort them by question
    first). Groups of n <= ``MULTINOMIAL_MAX_N`` values: the ordinary bootstrap, one set of ``resamples``
    multinomial count vectors per size n (from a generator seeded by ``(seed, n)``) serving every group of that
    size, each group's resampled means being one matrix product. Larger groups: the Poisson bootstrap (each value's
    count in a resample is an independent Poisson(1) draw; the resample mean is the count-weighted mean), whose
    counts are shared by all large groups (a group of n uses the first n columns), so that drawing costs as much as
    the largest group instead of the sum of all distinct sizes; for n > 100 it matches the multinomial bootstrap
    closely (the multinomial is the Poisson conditioned on the total). Groups without rows get NaN.
    """
    c = np.asarray(codes, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    if c.shape != v.shape or c.ndim != 1:
        raise ValueError("codes and values must be 1-d arrays of the same length")
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite (drop missing scores first)")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be between 0 and 1")
    if resamples < 1:
        raise ValueError("resamples must be >= 1")
    g = int(c.max()) + 1 if n_groups is None and c.size else (n_groups or 0)
    mean = np.full(g, np.nan)
    low = np.full(g, np.nan)
    high = np.full(g, np.nan)
    tails = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]

    def finish(groups: IntArray, means: FloatArray) -> None:
        q = np.quantile(means, tails, axis=1)
        low[groups], high[groups] = q[0], q[1]

    small, large = _large_blocks(c, v, g, MULTINOMIAL_MAX_N)
    for n, groups, x in small:
        mean[groups] = x.mean(axis=1)
        for rows in _chunks(groups.size, _CELLS // resamples):
            rng = np.random.default_rng([seed, n])  # the same resamples for every chunk of groups of this size
            means = np.empty((rows.stop - rows.start, resamples))
            for cols in _chunks(resamples, _CELLS // n):
                b = cols.stop - cols.start
                picks = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
                weights = np.bincount(picks.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
                means[:, cols] = x[rows] @ weights.T / n
            finish(groups[rows], means)
    if large:
        banded = _Banded.of(large)
        mean[banded.groups] = banded.sums() / banded.sizes
        for rows in _chunks(banded.groups.size, _CELLS // resamples):
            means = np.empty((rows.stop - rows.start, resamples))
            sub = _Banded(banded.groups[rows], banded.sizes[rows], [p[rows] for p in banded.parts])
            for block, cols in enumerate(_chunks(resamples, _ROW_BLOCK)):
                counts = _shared_draws(seed, 2, block, cols.stop - cols.start, int(sub.sizes.max()), poisson=True)
                totals = np.cumsum(counts, axis=1)[:, sub.sizes - 1].T
                means[:, cols] = sub.times(counts) / np.maximum(totals, 1.0)
            finish(sub.groups, means)
    return mean, low, high


def _sign_patterns(n: int) -> FloatArray:
    """All 2**n patterns of +1/-1 over n values, one per row (the first row all +1)."""
    bits = (np.arange(2**n, dtype=np.int64)[:, None] >> np.arange(n)) & 1
    return (1 - 2 * bits).astype(np.float64)


def sign_flip_pvalues(
    codes: npt.ArrayLike,
    differences: npt.ArrayLike,
    n_groups: int | None = None,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    exact_max_n: int = EXACT_MAX_N,
) -> tuple[FloatArray, FloatArray]:
    """One-sided sign-flip p-values ``(p_below, p_above)`` of each group's paired differences.

    ``p_below`` is the probability, under "each difference's sign is a coin toss", of a sum at most the observed
    one (small when the differences are mostly negative: the first of the pair scored a lower, better Brier);
    ``p_above`` the same for at least the observed sum. Exact over the 2**n patterns when n <= ``exact_max_n``;
    otherwise ``(1 + hits) / (1 + permutations)`` over random sign patterns, shared by all such groups (a group of
    n uses the first n columns of one seeded matrix). A two-sided p-value is ``min(1, 2 * min(p_below, p_above))``
    (the null distribution is symmetric).
    """
    c = np.asarray(codes, dtype=np.int64)
    d = np.asarray(differences, dtype=np.float64)
    if c.shape != d.shape or c.ndim != 1:
        raise ValueError("codes and differences must be 1-d arrays of the same length")
    if not np.all(np.isfinite(d)):
        raise ValueError("differences must be finite (drop missing scores first)")
    if permutations < 1:
        raise ValueError("permutations must be >= 1")
    g = int(c.max()) + 1 if n_groups is None and c.size else (n_groups or 0)
    p_below = np.full(g, np.nan)
    p_above = np.full(g, np.nan)

    def count(x: FloatArray, signs: FloatArray, below: FloatArray, above: FloatArray) -> None:
        observed = x.sum(axis=1)
        # sums of the same values in another order differ in the last bits: equal sums must count as ties
        tol = 1e-9 * (np.abs(x).sum(axis=1) + 1e-300)
        for rows in _chunks(x.shape[0], _CELLS // signs.shape[0]):
            sums = x[rows] @ signs.T
            below[rows] += (sums <= (observed[rows] + tol[rows])[:, None]).sum(axis=1)
            above[rows] += (sums >= (observed[rows] - tol[rows])[:, None]).sum(axis=1)

    exact, sampled = _large_blocks(c, d, g, exact_max_n)
    for n, groups, x in exact:
        below, above = np.zeros(groups.size), np.zeros(groups.size)
        patterns = _sign_patterns(n)
        for cols in _chunks(patterns.shape[0], _CELLS // n):
            count(x, patterns[cols], below, above)
        p_below[groups], p_above[groups] = below / 2**n, above / 2**n
    if sampled:
        banded = _Banded.of(sampled)
        observed = banded.sums()
        tol = 1e-9 * (banded.abs_sums() + 1e-300)
        below, above = np.zeros(banded.groups.size), np.zeros(banded.groups.size)
        for rows in _chunks(banded.groups.size, _CELLS // _ROW_BLOCK):
            sub = _Banded(banded.groups[rows], banded.sizes[rows], [p[rows] for p in banded.parts])
            for block, cols in enumerate(_chunks(permutations, _ROW_BLOCK)):
                signs = _shared_draws(seed, 3, block, cols.stop - cols.start, int(sub.sizes.max()), poisson=False)
                sums = sub.times(signs)
                below[rows] += (sums <= (observed[rows] + tol[rows])[:, None]).sum(axis=1)
                above[rows] += (sums >= (observed[rows] - tol[rows])[:, None]).sum(axis=1)
        p_below[banded.groups] = (below + 1) / (permutations + 1)
        p_above[banded.groups] = (above + 1) / (permutations + 1)
    return p_below, p_above


def two_sided(p_below: npt.ArrayLike, p_above: npt.ArrayLike) -> FloatArray:
    """Two-sided p-value from the two one-sided ones of a symmetric null distribution: ``min(1, 2 min(...))``."""
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


def format_p(p: float) -> str:
    """A p-value as a reader sees it: two significant digits, "< 0.001" below that."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"


def too_few_words(n: int, min_questions: int = MIN_QUESTIONS, what: str = "questions") -> str:
    """The words for a group below the minimum."""
    return f"too few {what} to say ({n}; {min_questions} needed)"


def _versus_verdict(n: int, mean_diff: float, p_better: float, p_worse: float, against: str, min_q: int) -> str:
    if n < min_q:
        return too_few_words(n, min_q)
    counted = plural(n, "question")
    if p_better < ALPHA and mean_diff < 0:
        return f"beats {against} ({format_p(p_better)}, {counted})"
    if p_worse < ALPHA and mean_diff > 0:
        return f"worse than {against} ({format_p(p_worse)}, {counted})"
    return f"not distinguishable from {against} ({format_p(min(p_better, p_worse))}, {counted})"


def _pair_verdict(a: str, b: str, n: int, mean_diff: float, p: float, alpha: float, min_q: int) -> str:
    shared = plural(n, "shared question")
    if n < min_q:
        return f"not distinguishable ({shared}; {min_q} needed to tell)"
    if p < alpha and mean_diff != 0:
        better = a if mean_diff < 0 else b
        return f"{better} better ({format_p(p)}, {shared})"
    return f"not distinguishable ({format_p(p)}, {shared})"


# ------------------------------------------------------------------------------------------ frame helpers


def _keys(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def _grouped(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, IntArray, pd.DataFrame]:
    """The rows (list-valued keys exploded, sorted by keys then question_id), each row's group code, and the
    groups' keys as a frame (one row per code, sorted)."""
    from tracker.scoring import compute

    df = compute.explode_keys(frame, keys)
    order = [*keys, *(c for c in ("question_id", "forecaster_id") if c in df.columns and c not in keys)]
    df = df.sort_values(order, kind="stable", na_position="last", ignore_index=True)
    if not len(df):
        return df, np.zeros(0, dtype=np.int64), df[keys].copy()
    ids = df.groupby(keys, dropna=False, sort=True).ngroup().to_numpy(dtype=np.int64)
    first = np.unique(ids, return_index=True)[1]
    return df, ids, df.loc[first, keys].reset_index(drop=True)


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
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    min_questions: int = MIN_QUESTIONS,
) -> pd.DataFrame:
    """Per group: the mean of ``column`` over its questions with a bootstrap interval.

    Input: ``question_scores`` rows with ``question_id``, the ``by`` column(s) (a list-valued column such as
    ``tags`` is exploded: a question counts once under each tag) and ``column``; rows where ``column`` is NaN are
    left out. Output, one row per group sorted by the keys: the keys, ``n_questions``, ``mean_<column>``,
    ``ci_low`` / ``ci_high`` (NaN below ``min_questions``), ``ci_level``, ``resamples``, ``too_few`` (bool), and
    ``note``: empty, or "too few questions to say (3; 5 needed)".
    """
    import pandas as pd

    keys = _keys(by)
    _require(per_question, ["question_id", *keys, column], "mean_intervals")
    frame = per_question.loc[per_question[column].notna()]
    df, ids, groups = _grouped(frame, keys)
    values = df[column].to_numpy(dtype=np.float64)
    mean, low, high = bootstrap_means(ids, values, len(groups), level=level, resamples=resamples, seed=seed)
    n = np.bincount(ids, minlength=len(groups))
    few = n < min_questions
    out = groups.copy()
    out["n_questions"] = n.astype(np.int64)
    out[f"mean_{column}"] = mean
    out["ci_low"] = np.where(few, np.nan, low)
    out["ci_high"] = np.where(few, np.nan, high)
    out["ci_level"] = level
    out["resamples"] = resamples
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
    g: int,
    *,
    level: float,
    resamples: int,
    permutations: int,
    seed: int,
    min_questions: int,
) -> dict[str, npt.NDArray[np.generic]]:
    """The paired comparison of ``first`` and ``second`` within each of ``g`` groups: counts, means, the mean
    difference (first - second) with its interval, the one-sided sign-flip p-values, wins and ties. Interval and
    p-values are NaN for groups below ``min_questions``."""
    diff = first - second
    tie = np.isclose(first, second, rtol=1e-12, atol=1e-15)
    mean_diff, low, high = bootstrap_means(ids, diff, g, level=level, resamples=resamples, seed=seed)
    p_below, p_above = sign_flip_pvalues(ids, diff, g, permutations=permutations, seed=seed)
    n = np.bincount(ids, minlength=g)
    counts = np.maximum(n, 1)
    few = n < min_questions
    return {
        "n": n.astype(np.int64),
        "mean_first": np.bincount(ids, weights=first, minlength=g) / counts,
        "mean_second": np.bincount(ids, weights=second, minlength=g) / counts,
        "mean_difference": mean_diff,
        "ci_low": np.where(few, np.nan, low),
        "ci_high": np.where(few, np.nan, high),
        "p_below": np.where(few, np.nan, p_below),
        "p_above": np.where(few, np.nan, p_above),
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
    against: str,
    **options: Any,
) -> pd.DataFrame:
    r = _paired(ids, own, reference, len(groups), **options)
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
        _versus_verdict(int(k), float(m), float(pb), float(pw), against, options["min_questions"])
        for k, m, pb, pw in zip(r["n"], r["mean_difference"], r["p_below"], r["p_above"], strict=True)
    ]
    return out


def versus_coin(
    per_question: pd.DataFrame,
    by: str | Sequence[str] = "forecaster_id",
    *,
    level: float = LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    min_questions: int = MIN_QUESTIONS,
) -> pd.DataFrame:
    """Does each group beat a coin flip? Paired, question by question: ``brier`` minus the uniform forecast's Brier
    (0.25 binary, ``1 - 1/N`` multiple choice: :func:`uniform_brier`).

    Input: ``question_scores`` rows with ``question_id``, ``kind``, ``brier``, the ``by`` column(s), and
    ``n_options`` when there are multiple-choice rows. Output, one row per group: the keys, ``n_questions``,
    ``mean_brier``, ``mean_reference`` (the coin's mean Brier on the same questions), ``mean_difference`` (negative:
    better than the coin) with its bootstrap ``ci_low`` / ``ci_high``, ``p_better`` (one-sided sign-flip p-value
    for "better than the coin") and ``p_worse``, ``wins`` / ``losses`` / ``ties`` (questions scored below / above
    / level with the coin), ``too_few`` and ``verdict``: "beats a coin flip (p = 0.01, 12 questions)", "worse
    than a coin flip (...)", "not distinguishable from a coin flip (p = 0.40, 7 questions)" or "too few questions
    to say (3; 5 needed)".
    """
    keys = _keys(by)
    _require(per_question, ["question_id", "kind", "brier", *keys], "versus_coin")
    df, ids, groups = _grouped(per_question.loc[per_question["brier"].notna()], keys)
    n_options = df["n_options"].to_numpy(dtype=np.float64) if "n_options" in df.columns else None
    reference = uniform_brier(df["kind"].to_numpy(dtype=object), n_options)
    return _versus(
        ids,
        groups,
        df["brier"].to_numpy(dtype=np.float64),
        reference,
        "a coin flip",
        level=level,
        resamples=resamples,
        permutations=permutations,
        seed=seed,
        min_questions=min_questions,
    )


def versus_crowd(
    per_question: pd.DataFrame,
    by: str | Sequence[str] = "forecaster_id",
    *,
    level: float = LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    min_questions: int = MIN_QUESTIONS,
) -> pd.DataFrame:
    """Does each group beat the crowd median? Paired on the questions where a crowd exists (``relative_brier`` is
    defined: at least two forecasters): ``time_avg_brier`` minus ``crowd_time_avg_brier`` over the same days.

    Input: ``question_scores`` rows with ``question_id``, ``time_avg_brier``, ``crowd_time_avg_brier``,
    ``relative_brier`` and the ``by`` column(s). Output: as :func:`versus_coin` (``mean_brier`` is the mean
    time-averaged Brier, ``mean_reference`` the crowd's), verdicts "beats the crowd median (...)" and so on.
    The crowd includes the forecaster (as in ``relative_brier``), which pulls it toward them: the test is
    conservative for a forecaster who is often one of only two or three.
    """
    keys = _keys(by)
    _require(
        per_question,
        ["question_id", "time_avg_brier", "crowd_time_avg_brier", "relative_brier", *keys],
        "versus_crowd",
    )
    usable = per_question["relative_brier"].notna() & per_question["time_avg_brier"].notna()
    df, ids, groups = _grouped(per_question.loc[usable & per_question["crowd_time_avg_brier"].notna()], keys)
    return _versus(
        ids,
        groups,
        df["time_avg_brier"].to_numpy(dtype=np.float64),
        df["crowd_time_avg_brier"].to_numpy(dtype=np.float64),
        "the crowd median",
        level=level,
        resamples=resamples,
        permutations=permutations,
        seed=seed,
        min_questions=min_questions,
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
    """Every unordered pair (a < b) of ``key`` values with their ``column`` on each question both scored."""
    rows = per_question.loc[per_question[column].notna() & per_question[key].notna(), ["question_id", key, column]]
    rows = rows.astype({key: str})
    pairs = rows.merge(rows, on="question_id", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs[f"{key}_a"] < pairs[f"{key}_b"]]
    return pairs.rename(columns={f"{key}_a": "a", f"{key}_b": "b", f"{column}_a": "value_a", f"{column}_b": "value_b"})


def _pair_table(pairs: pd.DataFrame, **options: Any) -> pd.DataFrame:
    df, ids, groups = _grouped(pairs, ["a", "b"])
    va = df["value_a"].to_numpy(dtype=np.float64)
    vb = df["value_b"].to_numpy(dtype=np.float64)
    r = _paired(ids, va, vb, len(groups), **options)
    out = groups.copy()
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
    resamples: int = DEFAULT_RESAMPLES,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    min_questions: int = MIN_QUESTIONS,
) -> Comparison:
    """A against B on the questions both scored (``key`` values ``a`` and ``b``; by default forecaster ids).

    The paired difference of ``column`` (A minus B) per shared question: its mean, bootstrap interval and two-sided
    sign-flip p-value, how many questions each won (lower Brier) and the ties, and a verdict naming ``labels``
    (default the ids): "A better (p = 0.03, 12 shared questions)", "not distinguishable (p = 0.40, 9 shared
    questions)", "not distinguishable (3 shared questions; 5 needed to tell)". Input as :func:`versus_coin`.
    """
    import pandas as pd

    _require(per_question, ["question_id", key, column], "compare")
    if a == b:
        raise ValueError(f"{key}: compare needs two different values, got {a!r} twice")
    label_a, label_b = labels or (a, b)
    flip = b < a  # pairs are kept as (smaller id, larger id)
    lo, hi = (b, a) if flip else (a, b)
    rows = per_question.loc[per_question[key].astype(str).isin([lo, hi])]
    pairs = _pairs_frame(rows, key, column)
    table = _pair_table(
        pairs, level=level, resamples=resamples, permutations=permutations, seed=seed, min_questions=min_questions
    )
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
    resamples: int = DEFAULT_RESAMPLES,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
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
    pairs = _pairs_frame(per_question, key, column)
    table = _pair_table(
        pairs, level=level, resamples=resamples, permutations=permutations, seed=seed, min_questions=min_questions
    )
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
    rows disagree), ``count``, ``happened``, ``observed_frequency``, ``wilson_low`` / ``wilson_high`` (Wilson
    interval, 95% by default) and ``summary``, e.g. "said 'unlikely' (scale 0.20): it happened 3 of 7 times
    (43%, 16%-75%)", or "said 'probably' (affirming NO; scale 0.70): ..." for one reading. Groups with fewer
    than ``min_forecasts`` rows are dropped (use it for personal lexicons).
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
    low, high = metrics.wilson_interval(happened, count, z)
    out["wilson_low"], out["wilson_high"] = low, high
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
