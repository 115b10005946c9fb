"""Tests of the array-level scoring metrics (tracker.scoring.metrics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import brier_score_loss

from tracker.scoring import metrics as m

probs = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def forecasts_and_outcomes(draw, min_size=1, max_size=200):
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    p = draw(hnp.arrays(np.float64, n, elements=probs))
    o = draw(hnp.arrays(np.int8, n, elements=st.integers(0, 1)))
    return p, o


@st.composite
def random_edges(draw):
    inner = draw(st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True), max_size=12))
    return np.unique(np.array([0.0, *inner, 1.0]))


# ----------------------------------------------------------------------------------------------------- Brier


def test_brier_hand_values():
    # 0.2 on something that happened: (0.2 - 1)^2 = 0.64; two-category 0.64 + 0.64 = 1.28
    assert m.brier_binary(0.2, 1) == pytest.approx(0.64)
    assert m.brier_two_category(0.2, 1) == pytest.approx(1.28)
    # 60/40 resolved on the 60: (0.4)^2 = 0.16 binary; (0.6-1)^2 + (0.4-0)^2 = 0.32 two-category
    assert m.brier_binary(0.6, 1) == pytest.approx(0.16)
    assert m.brier_two_category(0.6, 1) == pytest.approx(0.32)
    assert m.brier_multi([[0.6, 0.4]], [[1, 0]])[0] == pytest.approx(0.32)
    # three options, the 0.2 one happened: 0.5^2 + 0.8^2 + 0.3^2 = 0.25 + 0.64 + 0.09
    assert m.brier_multi([[0.5, 0.2, 0.3]], [[0, 1, 0]])[0] == pytest.approx(0.98)


def test_brier_rejects_bad_input():
    with pytest.raises(ValueError):
        m.brier_binary(1.2, 1)
    with pytest.raises(ValueError):
        m.brier_binary(np.nan, 1)
    with pytest.raises(ValueError):
        m.brier_binary(0.5, 0.5)
    with pytest.raises(ValueError):
        m.brier_binary([0.5, 0.5], [1])


@given(forecasts_and_outcomes())
def test_brier_ranges(po):
    p, o = po
    b = m.brier_binary(p, o)
    assert np.all((b >= 0) & (b <= 1))
    b2 = m.brier_two_category(p, o)
    assert np.all((b2 >= 0) & (b2 <= 2))
    mc = m.brier_multi(np.column_stack([p, 1 - p]), np.column_stack([o, 1 - o]))
    np.testing.assert_allclose(mc, b2, atol=1e-12)


@given(forecasts_and_outcomes())
def test_brier_agrees_with_sklearn(po):
    p, o = po
    if len(np.unique(o)) < 2:
        o = o.copy()
        o[0] = 1 - o[0]
    assert m.brier_binary(p, o).mean() == pytest.approx(brier_score_loss(o, p, pos_label=1), abs=1e-12)


def test_brier_agrees_with_sklearn_large_random():
    rng = np.random.default_rng(7)
    p = rng.random(10_000)
    o = (rng.random(10_000) < p).astype(int)
    assert m.brier_binary(p, o).mean() == pytest.approx(brier_score_loss(o, p), abs=1e-12)


# ------------------------------------------------------------------------------------------------ log scores


def test_log_score_and_clipping():
    assert m.log_score(0.5) == pytest.approx(math.log(0.5))
    assert m.log_score(0.0) == pytest.approx(math.log(m.LOG_EPS))
    assert m.log_score(1.0) == pytest.approx(math.log(1 - m.LOG_EPS))
    assert m.log_score(1e-9) == m.log_score(0.0)
    assert m.log_score(0.0, eps=0.01) == pytest.approx(math.log(0.01))
    assert np.isfinite(m.log_score([0.0, 1.0])).all()


def test_baseline_score_hand_values():
    # Metaculus: 100 * (ln p - ln 0.5) / ln 2; 50% scores 0, 100% scores ~ +100, 25% scores -100
    assert m.baseline_score(0.5, 2) == pytest.approx(0.0)
    assert m.baseline_score(0.25, 2) == pytest.approx(-100.0)
    assert m.baseline_score(1.0, 2) == pytest.approx(100 * (math.log(1 - 1e-4) - math.log(0.5)) / math.log(2))
    assert m.baseline_score(0.0, 2) == pytest.approx(100 * (math.log(1e-4) - math.log(0.5)) / math.log(2))
    # four options: uniform scores 0, 1/16 scores -100
    assert m.baseline_score(0.25, 4) == pytest.approx(0.0)
    assert m.baseline_score(1 / 16, 4) == pytest.approx(-100.0)
    np.testing.assert_allclose(m.baseline_score([0.5, 0.25], [2, 4]), [0.0, 0.0], atol=1e-12)


@given(hnp.arrays(np.float64, st.integers(1, 50), elements=probs), st.integers(2, 10))
def test_log_scores_in_range(p, n):
    ls = m.log_score(p)
    assert np.all((ls <= 0) & (ls >= math.log(m.LOG_EPS) - 1e-12))
    bs = m.baseline_score(p, n)
    assert np.all(bs <= 100.0 + 1e-9)


# ---------------------------------------------------------------------------------------------- skill scores


def test_skill_score_nan_when_reference_zero():
    assert np.isnan(m.brier_skill_score(0.1, 0.0))
    out = m.brier_skill_score([0.1, 0.1], [0.0, 0.2])
    assert np.isnan(out[0]) and out[1] == pytest.approx(0.5)
    # all outcomes equal: base-rate reference is 0 -> NaN
    assert m.base_rate_reference_brier([1, 1, 1]) == 0.0
    assert np.isnan(m.bss_vs_base_rate([0.9, 0.8, 0.7], [1, 1, 1]))
    assert np.isnan(m.bss_vs_half([], []))


def test_skill_score_hand_values():
    # p = (0.9, 0.2), o = (1, 0): briers 0.01, 0.04, mean 0.025
    assert m.bss_vs_half([0.9, 0.2], [1, 0]) == pytest.approx(1 - 0.025 / 0.25)
    # base rate 0.5 -> reference 0.25
    assert m.bss_vs_base_rate([0.9, 0.2], [1, 0]) == pytest.approx(0.9)
    # base rate 0.75 -> reference 0.1875; p all 0.75: brier (3*0.0625 + 0.5625)/4 = 0.1875 -> skill 0
    assert m.bss_vs_base_rate([0.75] * 4, [1, 1, 1, 0]) == pytest.approx(0.0)


# ---------------------------------------------------------------------------------------------------- binning


def test_bins_put_edges_in_upper_bin_and_one_in_last():
    edges = m.bin_edges(10)
    assert edges[3] == 0.3
    np.testing.assert_array_equal(m.bin_index([0.0, 0.3, 0.7, 0.99, 1.0], edges), [0, 3, 7, 9, 9])
    with pytest.raises(ValueError):
        m.bin_edges([0.0, 0.5, 0.5, 1.0])
    with pytest.raises(ValueError):
        m.bin_index([1.5], edges)


# ---------------------------------------------------------------------------------------------------- Murphy


def test_murphy_hand_values():
    # two bins [0, .5) and [.5, 1]; forecasts 0.2, 0.4 (o = 0, 1) and 0.8, 0.8 (o = 1, 1)
    p = [0.2, 0.4, 0.8, 0.8]
    o = [0, 1, 1, 1]
    d = m.murphy_decomposition(p, o, bins=2)
    # bin 0: pbar .3, obar .5; bin 1: pbar .8, obar 1; overall obar .75
    assert d.reliability == pytest.approx((2 * 0.2**2 + 2 * 0.2**2) / 4)
    assert d.resolution == pytest.approx((2 * 0.25**2 + 2 * 0.25**2) / 4)
    assert d.uncertainty == pytest.approx(0.75 * 0.25)
    assert d.within_bin_variance == pytest.approx((0.1**2 + 0.1**2) / 4)
    # (−0.1)(−0.5) + (0.1)(0.5) = 0.1 in bin 0, 0 in bin 1; times 2/n
    assert d.within_bin_covariance == pytest.approx(2 * 0.1 / 4)
    assert d.brier == pytest.approx((0.04 + 0.36 + 0.04 + 0.04) / 4)
    assert d.identity_residual() == pytest.approx(0.0, abs=1e-12)


def test_murphy_classic_terms_when_bins_are_constant():
    d = m.murphy_decomposition([0.1, 0.1, 0.9, 0.9], [0, 1, 1, 1], bins=10)
    assert d.within_bin_variance == 0.0
    assert d.within_bin_covariance == 0.0


@settings(max_examples=200)
@given(forecasts_and_outcomes(), random_edges())
def test_murphy_identity_exact(po, edges):
    p, o = po
    d = m.murphy_decomposition(p, o, bins=edges)
    lhs = d.reliability - d.resolution + d.uncertainty + d.within_bin_variance - d.within_bin_covariance
    assert abs(d.brier - lhs) <= 1e-12
    assert d.brier == pytest.approx(np.mean((p - o) ** 2), abs=1e-15)
    assert d.reliability >= 0 and d.resolution >= 0 and d.within_bin_variance >= 0


def test_murphy_empty():
    d = m.murphy_decomposition([], [])
    assert d.n == 0 and np.isnan(d.brier)


# ---------------------------------------------------------------------------------------------------- Wilson


def test_wilson_hand_value_and_empty():
    low, high = m.wilson_interval(5, 10)
    z = 1.959963984540054
    centre = (0.5 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * math.sqrt(0.25 / 10 + z * z / 400)
    assert low == pytest.approx(centre - half) and high == pytest.approx(centre + half)
    assert centre == pytest.approx(0.5)
    low, high = m.wilson_interval([0, 3], [0, 3])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert high[1] == 1.0 and low[1] < 1.0


@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_observed_frequency(sn):
    s, n = sn
    low, high = m.wilson_interval(s, n)
    assert 0.0 <= low <= s / n <= high <= 1.0


def _exact_coverage(interval, n: int, p: np.ndarray) -> np.ndarray:
    """The probability, for each true proportion in ``p``, that ``interval`` of k successes in n holds it: the
    binomial sum over every k, so no Monte Carlo error."""
    from scipy import stats

    k = np.arange(n + 1)
    low, high = interval(k, np.full(n + 1, n))
    holds = (low[None, :] <= p[:, None]) & (p[:, None] <= high[None, :])
    return (stats.binom.pmf(k[None, :], n, p[:, None]) * holds).sum(axis=1)


# the counts a calibration bin or a phrase has on a small record, and some larger ones
@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 100, 200])
def test_the_printed_95_percent_interval_holds_95_percent_at_every_proportion(n):
    """The tables print "95% interval" beside a bin's observed frequency. Exact binomial coverage on a grid of
    true proportions that includes those of forecasts at 0.01 / 0.99: Clopper-Pearson holds 95% everywhere;
    Wilson's, which the tables printed before, falls to 0.83-0.86 near 0 and 1 (this grid) (a calibrated forecaster
    saying 0.02-0.04 on 5 to 10 questions), and that is why it is no longer the printed one."""
    p = np.concatenate([np.linspace(0.0005, 0.9995, 4000), [0.01, 0.99, 0.03, 0.97]])
    assert _exact_coverage(m.exact_interval, n, p).min() >= 0.95 - 1e-9
    if n >= 2:
        assert _exact_coverage(m.wilson_interval, n, p).min() < 0.9


def test_exact_interval_hand_values_and_edges():
    from scipy import stats

    low, high = m.exact_interval([3, 0, 7, 5, 0], [7, 7, 7, 10, 0])
    ref = [stats.binomtest(k, n).proportion_ci(0.95, "exact") for k, n in ((3, 7), (0, 7), (7, 7), (5, 10))]
    np.testing.assert_allclose(low[:4], [r.low for r in ref], atol=1e-9)
    np.testing.assert_allclose(high[:4], [r.high for r in ref], atol=1e-9)
    assert low[1] == 0.0 and high[2] == 1.0 and np.isnan(low[4]) and np.isnan(high[4])
    with pytest.raises(ValueError):
        m.exact_interval(3, 2)


@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_exact_interval_contains_observed_frequency(sn):
    s, n = sn
    low, high = m.exact_interval(s, n)
    assert 0.0 <= low <= s / n <= high <= 1.0


def test_calibration_bins_hold_their_95_percent_on_a_seeded_simulation():
    """A calibrated forecaster's bin (each forecast comes true with its own probability, so the count is not
    binomial): how often the bin's printed interval holds the mean of its forecasts, on 4,000 seeded records per
    cell, at the small counts real records have and at extreme probabilities. The Monte Carlo standard error is
    0.0034 near 0.95; 0.95 - 3.5 of them is the bar."""
    rng = np.random.default_rng([20261207, 3])
    sims = 4000
    cells = {
        "0.01 always": lambda size: np.full(size, 0.01),
        "0.99 always": lambda size: np.full(size, 0.99),
        "U(0, 0.1)": lambda size: rng.uniform(0.0, 0.1, size),
        "0.03 always": lambda size: np.full(size, 0.03),
        "U(0.5, 0.6)": lambda size: rng.uniform(0.5, 0.6, size),
    }
    for name, draw in cells.items():
        for n in (5, 8, 12, 30):
            p = draw((sims, n))
            hits = (rng.uniform(size=p.shape) < p).sum(axis=1)
            truth = p.mean(axis=1)
            low, high = m.exact_interval(hits, np.full(sims, n))
            rate = np.mean((low <= truth) & (truth <= high))
            assert rate >= 0.95 - 3.5 * math.sqrt(0.95 * 0.05 / sims), (name, n, rate)
    # the table's printed columns are that interval
    p = np.full(7, 0.03)
    t = m.calibration_table(p, [0, 0, 1, 0, 0, 0, 0])
    row = t.loc[t["count"] == 7].iloc[0]
    assert (row["ci_low"], row["ci_high"]) == tuple(v.item() for v in m.exact_interval(1, 7))


# ----------------------------------------------------------------------------------------------- calibration


def test_calibration_table_hand_values():
    p = [0.05, 0.15, 0.15, 0.2, 1.0]
    o = [0, 1, 0, 0, 1]
    t = m.calibration_table(p, o, bins=5)
    assert list(t.columns) == [
        "bin",
        "bin_low",
        "bin_high",
        "count",
        "mean_forecast",
        "observed_frequency",
        "ci_low",
        "ci_high",
        "wilson_low",
        "wilson_high",
    ]
    assert list(t["bin"]) == ["0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0"]
    assert list(t["count"]) == [3, 1, 0, 0, 1]
    assert t["mean_forecast"][0] == pytest.approx((0.05 + 0.15 + 0.15) / 3)
    assert t["observed_frequency"][0] == pytest.approx(1 / 3)
    assert t["observed_frequency"][4] == 1.0
    assert t.loc[2:3, ["mean_forecast", "observed_frequency", "ci_low", "wilson_low", "wilson_high"]].isna().all().all()


def test_calibration_not_folded():
    # a 0.2 that did not happen stays in the 0.2 bin; it is not turned into a 0.8 that happened
    t = m.calibration_table([0.2], [0])
    assert t.loc[t["count"] == 1, "bin"].item() == "0.2-0.3"


@given(forecasts_and_outcomes(min_size=0), st.one_of(st.integers(1, 20), random_edges()))
def test_calibration_counts(po, bins):
    p, o = po
    t = m.calibration_table(p, o, bins=bins)
    assert t["count"].sum() == len(p)
    empty = t["count"] == 0
    assert t.loc[empty, "mean_forecast"].isna().all()
    full = t[~empty]
    for low, high in (("wilson_low", "wilson_high"), ("ci_low", "ci_high")):
        assert ((full[low] <= full["observed_frequency"]) & (full["observed_frequency"] <= full[high])).all()
    # sum / count of equal values can miss them by an ulp
    assert (
        (full["mean_forecast"] >= full["bin_low"] - 1e-12) & (full["mean_forecast"] <= full["bin_high"] + 1e-12)
    ).all()


# ------------------------------------------------------------------------------ edges, and independent libraries


def test_edges_rules_on_a_value_exactly_on_an_edge():
    edges = m.bin_edges(10)
    # "left" (default, numpy.histogram's rule): [a, b), the last bin closed; "right" (scikit-learn's): (a, b]
    assert list(m.bin_index([0.0, 0.2, 0.25, 1.0], edges)) == [0, 2, 2, 9]
    assert list(m.bin_index([0.0, 0.2, 0.25, 1.0], edges, "right")) == [0, 1, 2, 9]
    left = m.calibration_table([0.2], [1])
    right = m.calibration_table([0.2], [1], edges="right")
    assert left.loc[left["count"] == 1, "bin"].item() == "0.2-0.3" and left.attrs["edges"] == "left"
    assert right.loc[right["count"] == 1, "bin"].item() == "0.1-0.2" and right.attrs["edges"] == "right"
    with pytest.raises(ValueError, match="edges"):
        m.bin_index([0.5], edges, "middle")  # type: ignore[arg-type]


def test_sklearn_calibration_curve_puts_an_edge_value_in_the_lower_bin():
    from sklearn.calibration import calibration_curve

    # 0.15 and 0.2 share scikit-learn's bin (0.1, 0.2]: one non-empty bin with mean forecast 0.175
    _, pred = calibration_curve([0, 1], [0.15, 0.2], n_bins=10)
    assert list(pred) == pytest.approx([0.175])
    # ...except where np.linspace rounds an edge below k / n: for 6 bins the edge 5/6 is below the float 5/6, so a
    # forecast of exactly 5/6 joins 0.9 in the top bin, against the rule
    assert np.linspace(0, 1, 7)[5] < 5 / 6
    _, pred = calibration_curve([0, 1], [5 / 6, 0.9], n_bins=6)
    assert list(pred) == pytest.approx([(5 / 6 + 0.9) / 2])


grid = st.sampled_from([k / 20 for k in range(21)]) | probs  # many values exactly on edges


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(grid, st.integers(0, 1)), min_size=2, max_size=80).filter(lambda r: len({o for _, o in r}) == 2),
    st.sampled_from([5, 10, 20]),  # bin counts whose np.linspace edges are exactly k / n
)
def test_calibration_right_edges_agree_with_sklearn(rows, n_bins):
    from sklearn.calibration import calibration_curve

    p = np.array([r[0] for r in rows])
    o = np.array([r[1] for r in rows])
    true, pred = calibration_curve(o, p, n_bins=n_bins)
    t = m.calibration_table(p, o, bins=n_bins, edges="right")
    seen = t.loc[t["count"] > 0]
    np.testing.assert_allclose(seen["observed_frequency"], true, rtol=1e-12)
    np.testing.assert_allclose(seen["mean_forecast"], pred, rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(grid, min_size=1, max_size=80), st.sampled_from([5, 10, 20]))
def test_calibration_left_edges_agree_with_numpy_histogram(p, n_bins):
    t = m.calibration_table(p, np.zeros(len(p)), bins=n_bins)
    counts, _ = np.histogram(p, bins=m.bin_edges(n_bins))
    assert list(t["count"]) == list(counts)


@given(forecasts_and_outcomes())
def test_log_score_agrees_with_sklearn_log_loss(po):
    from sklearn.metrics import log_loss

    p, o = po
    p = np.clip(p, 0.01, 0.99)  # inside both libraries' clipping
    p_true = np.where(o == 1, p, 1 - p)
    assert -m.log_score(p_true).mean() == pytest.approx(log_loss(o, p, labels=[0, 1]), rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 6), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_multi_brier_agrees_with_sklearn_and_properscoring(k, n, seed):
    import properscoring
    from sklearn.metrics import brier_score_loss as bsl

    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(k), size=n)
    y = rng.integers(0, k, size=n)
    O = np.eye(k)[y]  # noqa: E741
    ours = m.brier_multi(P, O)
    # scikit-learn >= 1.7: multiclass Brier summed over classes (0-2) unless scale_by_half
    assert ours.mean() == pytest.approx(bsl(y, P, labels=list(range(k))), rel=1e-9)
    # properscoring: per-category binary Brier, summed over the categories
    np.testing.assert_allclose(properscoring.brier_score(O, P).sum(axis=1), ours, rtol=1e-12)
    # Fatebook's multiple-choice convention sums per-option two-category scores: twice ours, in [0, 4]
    np.testing.assert_allclose(sum(m.brier_two_category(P[:, j], O[:, j]) for j in range(k)), 2 * ours)


@given(forecasts_and_outcomes())
def test_binary_brier_agrees_with_properscoring(po):
    import properscoring

    p, o = po
    np.testing.assert_allclose(m.brier_binary(p, o), properscoring.brier_score(o, p), rtol=1e-12, atol=1e-15)


def test_discrimination_table_hand_values():
    # YES questions got 0.9, 0.7, 0.2; NO questions got 0.1, 0.2
    t = m.discrimination_table([0.9, 0.7, 0.2, 0.1, 0.2], [1, 1, 1, 0, 0], bins=5)
    assert list(t["bin"]) == ["0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0"]
    assert list(t["n_yes"]) == [0, 1, 0, 1, 1] and list(t["n_no"]) == [1, 1, 0, 0, 0]
    assert t["share_yes"].sum() == pytest.approx(1.0) and t["share_no"].sum() == pytest.approx(1.0)
    assert t.attrs["mean_p_yes"] == pytest.approx(0.6) and t.attrs["mean_p_no"] == pytest.approx(0.15)
    assert t.attrs["discrimination_slope"] == pytest.approx(0.45)
    right = m.discrimination_table([0.2], [0], bins=5, edges="right")
    assert list(right["n_no"]) == [1, 0, 0, 0, 0]
    only_yes = m.discrimination_table([0.3], [1])
    assert only_yes["share_no"].isna().all() and np.isnan(only_yes.attrs["mean_p_no"])
