"""Array-level scoring metrics: pure numpy/pandas, no I/O, vectorised over forecasts.

Conventions used in this module (each function's docstring repeats the one it uses):

- ``p`` is always the probability of YES (binary) as given, never folded at 50%.
- ``o`` is the outcome as 0/1 (or bool): 1 when YES happened.
- Brier for a binary forecast is ``(p - o)**2`` in [0, 1] (Brier 1950 restricted to the YES category; the
  convention of scikit-learn's ``brier_score_loss`` and PredictionBook). The "two-category" Brier sums over both
  categories, ``2 * (p - o)**2`` in [0, 2]: Good Judgment Open's and Fatebook's (``lib/_scoring.ts``). Multiple
  choice sums ``(p_k - o_k)**2`` over all options, in [0, 2] (Brier 1950, Good Judgment Open); Fatebook instead
  sums each option's two-category score, ``2 * sum_k (p_k - o_k)**2`` in [0, 4]. Metaculus scores with logarithms
  (baseline and peer scores) and shows no Brier. docs/scoring.md has the full table of conventions.
- Logarithms are natural logarithms; probabilities are clipped to ``[LOG_EPS, 1 - LOG_EPS]`` before the log so
  that a confident miss costs a large but finite amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

LOG_EPS: float = 1e-4
"""Clipping bound for log-based scores: p is clipped to [LOG_EPS, 1 - LOG_EPS] before taking ln(p).

With 1e-4, the worst possible log score is ln(1e-4) ~= -9.21, and the worst binary baseline score is
100 * (ln 1e-4 - ln 0.5) / ln 2 ~= -1229. Stated probabilities of exactly 0 or 1 are thus scored as 0.0001 / 0.9999.
"""

HALF_REFERENCE_BRIER: float = 0.25
"""Binary Brier (0-1 convention) of always forecasting 0.5: (0.5 - o)**2 = 0.25 whatever happens."""

WILSON_Z_95: float = 1.959963984540054
"""Standard normal quantile for a two-sided 95% interval (the 0.975 quantile)."""

EXACT_LEVEL: float = 0.95
"""Level of the Clopper-Pearson intervals the calibration tables print (`exact_interval`)."""

DEFAULT_BINS: int = 10


# --------------------------------------------------------------------------------------------- validation helpers


def _probabilities(p: npt.ArrayLike, name: str = "p") -> FloatArray:
    arr = np.asarray(p, dtype=np.float64)
    # written so that NaN fails the check too
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise ValueError(f"{name} must be probabilities in [0, 1] (no NaN)")
    return arr


def _outcomes(o: npt.ArrayLike, name: str = "o") -> FloatArray:
    arr = np.asarray(o, dtype=np.float64)
    if not np.all((arr == 0.0) | (arr == 1.0)):
        raise ValueError(f"{name} must be binary outcomes (0/1 or bool)")
    return arr


def _same_shape(a: FloatArray, b: FloatArray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")


# ------------------------------------------------------------------------------------------------ proper scores


def brier_binary(p: npt.ArrayLike, o: npt.ArrayLike) -> FloatArray:
    """Binary Brier score ``(p - o)**2`` per forecast, in [0, 1] (0 is perfect).

    Convention: Brier (1950) restricted to the YES category, as in ``sklearn.metrics.brier_score_loss`` for two
    classes and PredictionBook. ``p`` is P(YES), ``o`` is 1 if YES happened else 0. Fatebook and Good Judgment
    Open report twice this (:func:`brier_two_category`).
    """
    pa, oa = _probabilities(p), _outcomes(o)
    _same_shape(pa, oa)
    return np.square(pa - oa)


def brier_two_category(p: npt.ArrayLike, o: npt.ArrayLike) -> FloatArray:
    """Two-category Brier score ``(p - o)**2 + ((1 - p) - (1 - o))**2 = 2 * (p - o)**2``, in [0, 2].

    Convention: Brier (1950) summed over both categories, as reported by Good Judgment Open and Fatebook. It
    equals ``brier_multi`` of the distribution (p, 1 - p) and twice ``brier_binary``.
    """
    return 2.0 * brier_binary(p, o)


def brier_multi(P: npt.ArrayLike, O: npt.ArrayLike) -> FloatArray:  # noqa: E741 - P, O as in the brief and the literature
    """Multi-category Brier score ``sum_k (p_k - o_k)**2`` per forecast (row), in [0, 2].

    Convention: Brier (1950), as used by Good Judgment Open for multiple choice (and scikit-learn's
    ``brier_score_loss`` for more than two classes without ``scale_by_half``). Fatebook sums each option's
    two-category score instead: twice this, in [0, 4]. ``P`` and ``O`` have shape (n, k); each row of ``O`` is
    one-hot on the option that happened. Rows of ``P`` are taken as given (they should sum to 1; they are not
    renormalised here).
    """
    pa = _probabilities(P, "P")
    oa = _outcomes(O, "O")
    if pa.ndim != 2:
        raise ValueError("P must have shape (n, k)")
    _same_shape(pa, oa)
    return np.square(pa - oa).sum(axis=1)


def log_score(p_true: npt.ArrayLike, eps: float = LOG_EPS) -> FloatArray:
    """Logarithmic score ``ln(p_true)``: the natural log of the probability given to what happened (<= 0, 0 best).

    Convention: Good (1952) log score, natural log, higher is better. ``p_true`` is clipped to
    ``[eps, 1 - eps]`` first (``LOG_EPS`` = 1e-4 by default), so a forecast of 0 on what happened scores
    ln(1e-4) rather than -inf, and a forecast of 1 scores ln(1 - 1e-4) rather than 0.
    """
    pa = _probabilities(p_true, "p_true")
    return np.log(np.clip(pa, eps, 1.0 - eps))


def baseline_score(p_true: npt.ArrayLike, n_options: npt.ArrayLike, eps: float = LOG_EPS) -> FloatArray:
    """Metaculus baseline score of one forecast, ``100 * (ln p - ln(1/N)) / ln N`` (higher is better, 0 = uniform).

    Applied to the scored (final) forecast this is a *final-forecast* baseline, the analogue of Metaculus' "spot"
    baseline; Metaculus' headline Baseline score is the time average with coverage
    (:func:`time_averaged_baseline`). Convention: Metaculus ``scoring/score_math.py``. For binary questions N = 2,
    i.e.
    ``100 * (ln p - ln 0.5) / ln 2``: +100 for certainty on what happened, 0 for 50%. ``p_true`` is the
    probability given to what happened, clipped to ``[eps, 1 - eps]`` as in :func:`log_score`. ``n_options``
    (N >= 2) broadcasts against ``p_true``.
    """
    n = np.asarray(n_options, dtype=np.float64)
    if not np.all(n >= 2):
        raise ValueError("n_options must be >= 2")
    ln_n = np.log(n)
    return 100.0 * (log_score(p_true, eps) + ln_n) / ln_n


def time_averaged_baseline(baseline: npt.ArrayLike, standing: npt.ArrayLike, horizon: float) -> tuple[float, float]:
    """Metaculus' time-averaged Baseline score with coverage of one forecaster on one question: ``(score,
    coverage)``.

    Convention: Metaculus ``scoring/score_math.py`` (``evaluate_forecasts_baseline_accuracy``, summed per user in
    ``evaluate_question``). ``baseline[i]`` is the baseline score (:func:`baseline_score`) of the forecaster's i-th
    forecast and ``standing[i]`` how long it stood within the question's horizon (from its making, or the
    horizon's start, to the next forecast or the close); ``horizon`` is the horizon's length (open to scheduled
    close), in the same unit. Time without a standing forecast counts as 0::

        score    = sum_i baseline_i * standing_i / horizon
        coverage = sum_i standing_i / horizon

    ``compute.score`` computes the same vectorised over every (forecaster, question); this scalar form is the
    reference it is tested against.
    """
    b = np.asarray(baseline, dtype=np.float64)
    d = np.asarray(standing, dtype=np.float64)
    _same_shape(b, d)
    if np.any(d < 0) or not horizon > 0:
        raise ValueError("standing durations must be >= 0 and the horizon > 0")
    return float(np.sum(b * d) / horizon), float(np.sum(d) / horizon)


# ------------------------------------------------------------------------------------------------- skill scores


def brier_skill_score(brier: npt.ArrayLike, reference_brier: npt.ArrayLike) -> FloatArray:
    """Brier skill score ``1 - brier / reference_brier`` (1 perfect, 0 no better than the reference).

    Convention: the usual skill score of a mean Brier against a reference forecast's mean Brier, both in the
    same convention. Where the reference is 0 (a reference that cannot be beaten) the skill is undefined and
    NaN is returned, never 0 and never an exception.
    """
    b = np.asarray(brier, dtype=np.float64)
    ref = np.asarray(reference_brier, dtype=np.float64)
    safe = np.where(ref == 0.0, 1.0, ref)
    return np.where(ref == 0.0, np.nan, 1.0 - b / safe)


def base_rate_reference_brier(o: npt.ArrayLike) -> float:
    """Mean binary Brier (0-1) of always forecasting the scored set's base rate: ``b * (1 - b)``, b = mean(o).

    Convention: ``mean((b - o)**2) = b * (1 - b)`` for binary o; the climatological reference of the scored
    set itself (in-sample). NaN for an empty set.
    """
    oa = _outcomes(o)
    if oa.size == 0:
        return float("nan")
    b = float(oa.mean())
    return b * (1.0 - b)


def bss_vs_half(p: npt.ArrayLike, o: npt.ArrayLike) -> float:
    """Brier skill score of binary forecasts against always saying 0.5: ``1 - mean((p - o)**2) / 0.25``.

    Convention: binary Brier in [0, 1]; the reference is ``HALF_REFERENCE_BRIER`` = 0.25. NaN for an empty set.
    """
    b = brier_binary(p, o)
    if b.size == 0:
        return float("nan")
    return float(brier_skill_score(b.mean(), HALF_REFERENCE_BRIER))


def bss_vs_base_rate(p: npt.ArrayLike, o: npt.ArrayLike) -> float:
    """Brier skill score of binary forecasts against the scored set's base rate.

    Convention: binary Brier in [0, 1]; reference ``b * (1 - b)`` with b = mean(o) (see
    :func:`base_rate_reference_brier`). NaN when every outcome is the same (reference 0) or the set is empty.
    """
    b = brier_binary(p, o)
    if b.size == 0:
        return float("nan")
    return float(brier_skill_score(b.mean(), base_rate_reference_brier(o)))


# ---------------------------------------------------------------------------------------------------- binning


Edges = Literal["left", "right"]
"""Which edge of each bin belongs to it. "left": ``[a, b)``, the last bin closed (numpy.histogram's rule), so a
forecast exactly on an edge goes to the bin above it. "right": ``(a, b]``, the first bin closed (scikit-learn's
``calibration_curve``, pandas.cut's default), so it goes to the bin below."""

DEFAULT_EDGES: Edges = "left"


def bin_edges(bins: int | npt.ArrayLike = DEFAULT_BINS) -> FloatArray:
    """Bin edges on [0, 1]: an int n gives n equal bins, an array is taken as explicit, strictly increasing edges.

    Equal edges are ``k / n``, correctly rounded: the edge 0.3 is the same float as a forecast of 0.3, so which bin
    an edge value falls in is decided by the ``edges`` rule (:data:`Edges`) alone. (``np.linspace(0, 1, n + 1)``,
    which scikit-learn uses, gives some edges one unit in the last place off ``k / n``: for n = 10 the edge 0.3 is
    0.30000000000000004, which does not change its right-closed result; for n = 6 the edge 5/6 lies below the float
    5/6, so scikit-learn puts a forecast of exactly 5/6 in the upper bin, against its own rule.)
    """
    if isinstance(bins, int | np.integer):
        if bins < 1:
            raise ValueError("bins must be >= 1")
        return np.arange(int(bins) + 1, dtype=np.float64) / float(bins)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges) > 0):
        raise ValueError("bin edges must be a 1-d, strictly increasing array of at least 2 values")
    return edges


def bin_index(p: npt.ArrayLike, edges: npt.ArrayLike, closed: Edges = DEFAULT_EDGES) -> npt.NDArray[np.intp]:
    """Index of the bin of each p.

    ``closed="left"``: bins ``[e_i, e_{i+1})``, the last one closed, so p == 1.0 falls in the last bin and p on an
    inner edge in the bin above it. ``closed="right"``: bins ``(e_i, e_{i+1}]``, the first one closed, so p == 0.0
    falls in the first bin and p on an inner edge in the bin below it (scikit-learn's ``calibration_curve``:
    ``np.searchsorted(inner_edges, p)``, side "left"). p outside ``[edges[0], edges[-1]]`` is an error.
    """
    pa = np.asarray(p, dtype=np.float64)
    e = np.asarray(edges, dtype=np.float64)
    if not np.all((pa >= e[0]) & (pa <= e[-1])):
        raise ValueError(f"p must lie within the bin edges [{e[0]}, {e[-1]}]")
    if closed == "left":
        idx = np.searchsorted(e, pa, side="right") - 1
        return np.minimum(idx, e.size - 2)
    if closed == "right":
        return np.searchsorted(e[1:-1], pa, side="left")
    raise ValueError(f"edges must be 'left' or 'right', not {closed!r}")


# ------------------------------------------------------------------------------------------ Murphy decomposition


@dataclass(frozen=True)
class MurphyDecomposition:
    """Terms of the generalised Murphy decomposition of the mean binary Brier score (0-1 convention).

    ``brier == reliability - resolution + uncertainty + within_bin_variance - within_bin_covariance``.
    """

    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float
    brier: float
    n: int

    def identity_residual(self) -> float:
        """``brier`` minus the sum of its terms: 0 up to float rounding."""
        return self.brier - (
            self.reliability
            - self.resolution
            + self.uncertainty
            + self.within_bin_variance
            - self.within_bin_covariance
        )


def murphy_decomposition(
    p: npt.ArrayLike, o: npt.ArrayLike, bins: int | npt.ArrayLike = DEFAULT_BINS, edges: Edges = DEFAULT_EDGES
) -> MurphyDecomposition:
    """Murphy (1973) decomposition of the mean binary Brier score, with the two within-bin terms of Stephenson,
    Coelho and Jolliffe (2008, "Two extra components in the Brier score decomposition") so that it is exact.

    Convention: binary Brier ``(p - o)**2`` in [0, 1]; p is P(YES) binned by :func:`bin_index` (default 10 equal
    bins on [0, 1], ``edges`` as in :data:`Edges`). With n forecasts, bin k holding n_k of them with mean forecast
    pbar_k and observed frequency obar_k, and obar the overall frequency::

        reliability          = 1/n * sum_k n_k (pbar_k - obar_k)^2
        resolution           = 1/n * sum_k n_k (obar_k - obar)^2
        uncertainty          = obar (1 - obar)
        within_bin_variance  = 1/n * sum_k sum_{i in k} (p_i - pbar_k)^2
        within_bin_covariance = 2/n * sum_k sum_{i in k} (p_i - pbar_k)(o_i - obar_k)

        brier = reliability - resolution + uncertainty + within_bin_variance - within_bin_covariance

    (Expand p_i - o_i = (p_i - pbar_k) - (o_i - obar_k) + (pbar_k - obar_k) within each bin; the cross terms with
    the constant vanish, and for 0/1 outcomes sum_k n_k obar_k (1 - obar_k) = n obar (1 - obar) - n * resolution.)
    Murphy's classical three-term form drops the last two terms, which vanish when every forecast in a bin has
    the same value. Empty bins contribute nothing. An empty input gives NaN terms and n = 0.
    """
    pa, oa = _probabilities(p), _outcomes(o)
    _same_shape(pa, oa)
    pa, oa = pa.ravel(), oa.ravel()
    n = pa.size
    if n == 0:
        nan = float("nan")
        return MurphyDecomposition(nan, nan, nan, nan, nan, nan, 0)
    cuts = bin_edges(bins)
    k = bin_index(pa, cuts, edges)
    nbins = cuts.size - 1
    n_k = np.bincount(k, minlength=nbins).astype(np.float64)
    occupied = n_k > 0
    safe_n_k = np.where(occupied, n_k, 1.0)
    pbar_k = np.bincount(k, weights=pa, minlength=nbins) / safe_n_k
    obar_k = np.bincount(k, weights=oa, minlength=nbins) / safe_n_k
    obar = float(oa.mean())

    dp = pa - pbar_k[k]
    do = oa - obar_k[k]
    reliability = float(np.sum(n_k * np.square(pbar_k - obar_k)) / n)
    resolution = float(np.sum(n_k * np.square(obar_k - obar)) / n)
    uncertainty = obar * (1.0 - obar)
    within_var = float(np.sum(np.square(dp)) / n)
    within_cov = float(2.0 * np.sum(dp * do) / n)
    brier = float(np.mean(np.square(pa - oa)))
    return MurphyDecomposition(reliability, resolution, uncertainty, within_var, within_cov, brier, n)


# ------------------------------------------------------------------------------------------ Wilson / calibration


def wilson_interval(
    successes: npt.ArrayLike, n: npt.ArrayLike, z: float = WILSON_Z_95
) -> tuple[FloatArray, FloatArray]:
    """Wilson (1927) score interval for a binomial proportion, vectorised; returns ``(low, high)``.

    Convention: with phat = successes / n,
    ``(phat + z^2/2n -/+ z * sqrt(phat (1 - phat) / n + z^2 / 4n^2)) / (1 + z^2 / n)``; default z for 95%.
    Where n == 0 both ends are NaN. The ends are clipped to [0, 1] and to contain phat (they do mathematically;
    the clip only removes float rounding at phat = 0 or 1). At z = 1.96 it is called a 95% interval but holds a
    proportion near 0 or 1 only 83-84% of the time, at every n: what is printed as 95% uses :func:`exact_interval`.
    """
    s = np.asarray(successes, dtype=np.float64)
    nn = np.asarray(n, dtype=np.float64)
    if np.any(nn < 0) or np.any(s < 0) or np.any(s > nn):
        raise ValueError("need 0 <= successes <= n")
    empty = nn == 0
    safe_n = np.where(empty, 1.0, nn)
    phat = s / safe_n
    z2 = z * z
    denom = 1.0 + z2 / safe_n
    centre = (phat + z2 / (2.0 * safe_n)) / denom
    half = (z / denom) * np.sqrt(phat * (1.0 - phat) / safe_n + z2 / (4.0 * safe_n * safe_n))
    low = np.clip(np.minimum(centre - half, phat), 0.0, 1.0)
    high = np.clip(np.maximum(centre + half, phat), 0.0, 1.0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def exact_interval(
    successes: npt.ArrayLike, n: npt.ArrayLike, level: float = EXACT_LEVEL
) -> tuple[FloatArray, FloatArray]:
    """Clopper-Pearson (1934) interval for a binomial proportion, vectorised; returns ``(low, high)``.

    Each end is the binomial tail inversion at (1 - level) / 2, so the interval holds the true proportion with
    probability at least ``level`` for every proportion and every n. The Wilson interval at z = 1.96 does not: its
    coverage falls to 0.83-0.84 for proportions near 0 or 1 at every n (a calibrated forecaster saying 0.03 on 10
    questions), which is why the tables print this one. ``0`` successes give a low end of 0, ``n`` a high end of 1;
    where n == 0 both ends are NaN.
    """
    from scipy.special import betaincinv

    s = np.asarray(successes, dtype=np.float64)
    nn = np.asarray(n, dtype=np.float64)
    if np.any(nn < 0) or np.any(s < 0) or np.any(s > nn):
        raise ValueError("need 0 <= successes <= n")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be between 0 and 1")
    tail = (1.0 - level) / 2.0
    empty = nn == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(s > 0, betaincinv(np.maximum(s, 1.0), np.maximum(nn - s + 1.0, 1.0), tail), 0.0)
        high = np.where(s < nn, betaincinv(s + 1.0, np.maximum(nn - s, 1.0), 1.0 - tail), 1.0)
    low = np.clip(np.minimum(low, s / np.where(empty, 1.0, nn)), 0.0, 1.0)
    high = np.clip(np.maximum(high, s / np.where(empty, 1.0, nn)), 0.0, 1.0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _edge_label(x: float) -> str:
    return np.format_float_positional(x, trim="0")


def _binned(
    p: npt.ArrayLike, o: npt.ArrayLike, bins: int | npt.ArrayLike, edges: Edges
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.intp]]:
    """Checked, flattened forecasts and outcomes, the bin edges, and each forecast's bin."""
    pa, oa = _probabilities(p), _outcomes(o)
    _same_shape(pa, oa)
    pa, oa = pa.ravel(), oa.ravel()
    cuts = bin_edges(bins)
    return pa, oa, cuts, bin_index(pa, cuts, edges)


def calibration_table(
    p: npt.ArrayLike,
    o: npt.ArrayLike,
    bins: int | npt.ArrayLike = DEFAULT_BINS,
    z: float = WILSON_Z_95,
    edges: Edges = DEFAULT_EDGES,
) -> pd.DataFrame:
    """Calibration table of binary forecasts: one row per bin, empty bins included.

    Convention: p is P(YES) exactly as given, NOT folded at 50%. Bins are from :func:`bin_edges` (int n: n equal
    bins on [0, 1]; or explicit edges). ``edges`` says where a forecast exactly on an edge goes (:data:`Edges`):
    with the default "left", bins are ``[a, b)`` and the last is closed, so 0.2 counts in 0.2-0.3 and 1.0 in the
    last bin; with "right" (scikit-learn's rule) bins are ``(a, b]`` and the first is closed, so 0.2 counts in
    0.1-0.2. Many verbal-scale numbers (0.1, 0.2, 0.5, 0.7...) sit exactly on edges, so the choice moves them.
    Columns: ``bin`` (label "low-high", e.g. "0.0-0.1"), ``bin_low``, ``bin_high``, ``count``, ``mean_forecast``
    and ``observed_frequency`` (NaN when count is 0), ``ci_low`` / ``ci_high`` (the Clopper-Pearson 95% interval
    of the observed frequency, :func:`exact_interval`: what every view prints), ``wilson_low`` / ``wilson_high``
    (Wilson 1927 interval at ``z``, kept for existing readers: its coverage falls to 0.83 near 0 and 1), all NaN
    when count is 0; ``attrs["edges"]`` names the rule used.
    """
    pa, oa, cuts, k = _binned(p, o, bins, edges)
    nbins = cuts.size - 1
    count = np.bincount(k, minlength=nbins)
    hits = np.bincount(k, weights=oa, minlength=nbins)
    sum_p = np.bincount(k, weights=pa, minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_forecast = np.where(count > 0, sum_p / count, np.nan)
        observed = np.where(count > 0, hits / count, np.nan)
    low, high = wilson_interval(hits, count, z)
    table = _bin_frame(cuts)
    table["count"] = count.astype(np.int64)
    table["mean_forecast"] = mean_forecast
    table["observed_frequency"] = observed
    table["ci_low"], table["ci_high"] = exact_interval(hits, count)
    table["wilson_low"] = low
    table["wilson_high"] = high
    table.attrs["edges"] = edges
    return table


def _bin_frame(cuts: FloatArray) -> pd.DataFrame:
    lows, highs = cuts[:-1], cuts[1:]
    return pd.DataFrame(
        {
            "bin": [f"{_edge_label(a)}-{_edge_label(b)}" for a, b in zip(lows, highs, strict=True)],
            "bin_low": lows,
            "bin_high": highs,
        }
    )


def discrimination_table(
    p: npt.ArrayLike, o: npt.ArrayLike, bins: int | npt.ArrayLike = DEFAULT_BINS, edges: Edges = DEFAULT_EDGES
) -> pd.DataFrame:
    """Discrimination of binary forecasts: how the forecasts were spread, split by what happened.

    Good forecasts put the questions that resolved YES in high bins and the NO ones in low bins; the two
    distributions overlapping is a forecaster who cannot tell them apart (whatever their calibration). One row
    per bin (binned as :func:`calibration_table`, empty bins included): ``bin``, ``bin_low``, ``bin_high``,
    ``n_yes`` / ``n_no`` (forecasts in the bin on questions that resolved YES / NO) and ``share_yes`` /
    ``share_no`` (those counts over all YES / all NO forecasts: each column sums to 1, NaN when there are none).
    ``attrs`` holds ``mean_p_yes`` and ``mean_p_no``, the mean forecast on each side, and ``discrimination_slope``,
    their difference (Yates 1982), and ``edges``.
    """
    pa, oa, cuts, k = _binned(p, o, bins, edges)
    nbins = cuts.size - 1
    yes = oa == 1.0
    n_yes = np.bincount(k[yes], minlength=nbins)
    n_no = np.bincount(k[~yes], minlength=nbins)
    table = _bin_frame(cuts)
    table["n_yes"] = n_yes.astype(np.int64)
    table["n_no"] = n_no.astype(np.int64)
    total_yes, total_no = int(yes.sum()), int((~yes).sum())
    table["share_yes"] = n_yes / total_yes if total_yes else np.nan
    table["share_no"] = n_no / total_no if total_no else np.nan
    mean_yes = float(pa[yes].mean()) if total_yes else float("nan")
    mean_no = float(pa[~yes].mean()) if total_no else float("nan")
    table.attrs.update(mean_p_yes=mean_yes, mean_p_no=mean_no, discrimination_slope=mean_yes - mean_no, edges=edges)
    return table
