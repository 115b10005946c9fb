"""Tests of tracker.scoring.honest: bootstrap intervals, sign-flip tests, verdicts, multiple comparisons, phrases."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from tracker.scoring import honest, metrics


def _rows(forecaster: str, briers: list[float], *, start: int = 0, kind: str = "binary", **extra: object) -> list[dict]:
    return [
        {"question_id": f"q{start + i:03d}", "forecaster_id": forecaster, "kind": kind, "brier": b, **extra}
        for i, b in enumerate(briers)
    ]


# ------------------------------------------------------------------------------------------------ bootstrap


def test_bootstrap_is_repeatable_for_a_seed_and_moves_with_it():
    rng = np.random.default_rng(1)
    values = rng.random(30)
    codes = np.zeros(30, dtype=np.int64)
    a = honest.bootstrap_means(codes, values, seed=7)
    b = honest.bootstrap_means(codes, values, seed=7)
    c = honest.bootstrap_means(codes, values, seed=8)
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])
    assert (a[1][0], a[2][0]) != (c[1][0], c[2][0])
    assert a[0][0] == pytest.approx(values.mean())
    assert a[1][0] < values.mean() < a[2][0]


def test_a_groups_interval_does_not_depend_on_other_groups_or_row_order():
    rng = np.random.default_rng(2)
    mine = pd.DataFrame(_rows("me", list(rng.random(12))))
    others = pd.DataFrame(_rows("zz", list(rng.random(12))) + _rows("aa", list(rng.random(7))))
    alone = honest.mean_intervals(mine)
    together = honest.mean_intervals(pd.concat([others, mine]).sample(frac=1.0, random_state=3))
    row = together.loc[together["forecaster_id"] == "me"].iloc[0]
    # the same resamples; a matrix product over more rows may round the last bit differently
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (alone.loc[0, "ci_low"], alone.loc[0, "ci_high"]), rel=1e-12
    )
    assert row["resamples"] == honest.DEFAULT_RESAMPLES and row["ci_level"] == 0.9


def test_bootstrap_intervals_shrink_with_n():
    rng = np.random.default_rng(3)
    widths = []
    for n in (10, 40, 160, 640):
        p = rng.random(n)
        o = (rng.random(n) < p).astype(float)
        _, low, high = honest.bootstrap_means(np.zeros(n, dtype=np.int64), (p - o) ** 2)
        widths.append(high[0] - low[0])
    assert widths == sorted(widths, reverse=True)
    assert widths[-1] < widths[0] / 4  # about 1/sqrt(n): 1/8 of the width at 64 times the questions


def test_bootstrap_interval_covers_the_true_mean_at_about_the_nominal_rate():
    # Known skill: 600 calibrated forecasters, p ~ U(0, 1) and the outcome ~ Bernoulli(p), so each question's
    # expected Brier is E[p(1 - p)] = 1/6. The 90% percentile interval from 40 questions should contain 1/6 for
    # about 90% of them (percentile intervals run a little short at small n). The seeds are fixed; the band is
    # 5 binomial standard errors (0.012 each) wide on either side of 0.89.
    rng = np.random.default_rng(4)
    groups, n = 600, 40
    p = rng.random((groups, n))
    o = (rng.random((groups, n)) < p).astype(float)
    codes = np.repeat(np.arange(groups), n)
    _, low, high = honest.bootstrap_means(codes, ((p - o) ** 2).ravel())
    coverage = float(np.mean((low <= 1 / 6) & (high >= 1 / 6)))
    assert 0.83 <= coverage <= 0.95


def test_large_groups_poisson_bootstrap_matches_the_multinomial_and_ignores_other_groups(monkeypatch):
    # groups above MULTINOMIAL_MAX_N share one matrix of Poisson(1) counts (each uses its first n columns)
    rng = np.random.default_rng(9)
    mine = rng.random(150) ** 2
    codes = np.zeros(150, dtype=np.int64)
    _, low, high = honest.bootstrap_means(codes, mine)
    others = rng.random(1300)
    with_others = honest.bootstrap_means(
        np.concatenate([codes, np.full(1300, 1), np.full(7, 2)]), np.concatenate([mine, others, others[:7]])
    )
    assert (with_others[1][0], with_others[2][0]) == pytest.approx((low[0], high[0]), rel=1e-12)
    monkeypatch.setattr(honest, "MULTINOMIAL_MAX_N", 10_000)
    _, m_low, m_high = honest.bootstrap_means(codes, mine)
    width, m_width = high[0] - low[0], m_high[0] - m_low[0]
    assert abs(width - m_width) < 0.1 * m_width
    assert abs((low[0] + high[0]) / 2 - (m_low[0] + m_high[0]) / 2) < 0.1 * m_width


def test_shared_draws_are_poisson_and_fair_signs_and_do_not_depend_on_the_width_asked_for():
    import math

    counts = honest._shared_draws(1, 2, 0, 250, 4096, poisson=True)
    freq = np.bincount(counts.astype(np.int64).ravel(), minlength=6)[:6] / counts.size
    pmf = [math.exp(-1) / math.factorial(k) for k in range(6)]
    np.testing.assert_allclose(freq, pmf, atol=0.003)  # about 1M draws: standard errors below 0.0005
    signs = honest._shared_draws(1, 3, 0, 250, 4096, poisson=False)
    assert set(np.unique(signs)) == {-1.0, 1.0} and abs(signs.mean()) < 0.005
    narrow = honest._shared_draws(1, 2, 0, 250, 100, poisson=True)
    np.testing.assert_array_equal(narrow[:, :100], counts[:, :100])


def test_large_groups_cover_the_true_mean_too():
    # the same known-skill simulation as above with 150 questions each (the Poisson bootstrap's range)
    rng = np.random.default_rng(10)
    groups, n = 300, 150
    p = rng.random((groups, n))
    o = (rng.random((groups, n)) < p).astype(float)
    _, low, high = honest.bootstrap_means(np.repeat(np.arange(groups), n), ((p - o) ** 2).ravel())
    coverage = float(np.mean((low <= 1 / 6) & (high >= 1 / 6)))
    assert 0.83 <= coverage <= 0.95


def test_too_few_questions_get_no_interval_and_say_so():
    frame = pd.DataFrame(_rows("few", [0.1, 0.2, 0.3]) + _rows("enough", [0.1, 0.2, 0.3, 0.4, 0.5]))
    out = honest.mean_intervals(frame).set_index("forecaster_id")
    assert out.loc["few", "too_few"] and np.isnan(out.loc["few", "ci_low"])
    assert out.loc["few", "note"] == "too few questions to say (3; 5 needed)"
    assert not out.loc["enough", "too_few"] and out.loc["enough", "note"] == ""
    assert out.loc["enough", "ci_low"] <= 0.3 <= out.loc["enough", "ci_high"]
    assert out.loc["few", "mean_brier"] == pytest.approx(0.2)


def test_mean_intervals_by_tag_counts_a_question_under_each_tag():
    frame = pd.DataFrame(_rows("f", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]))
    frame["tags"] = [["a", "b"], ["a"], ["a"], ["a"], ["a"], []]
    out = honest.mean_intervals(frame, "tags", min_questions=1).set_index("tags", drop=False)
    assert out.loc["a", "n_questions"] == 5 and out.loc["b", "n_questions"] == 1
    assert out.loc["a", "mean_brier"] == pytest.approx(0.3)
    assert out["tags"].isna().sum() == 1  # the untagged question: a group with a missing key, not dropped


def test_bootstrap_rejects_missing_values():
    with pytest.raises(ValueError, match="finite"):
        honest.bootstrap_means([0, 0], [0.1, np.nan])


# ------------------------------------------------------------------------------------------------ sign flip


def test_exact_sign_flip_on_hand_cases():
    # five differences all negative: only the observed pattern (of 32) is as low
    below, above = honest.sign_flip_pvalues([0] * 5, [-1.0] * 5)
    assert below[0] == pytest.approx(1 / 32) and above[0] == pytest.approx(1.0)
    # -1, -2, +3 sum to 0; the 8 sums of +-1 +-2 +-3 are -6 -4 -2 0 0 2 4 6: 5 are <= 0 and 5 are >= 0
    below, above = honest.sign_flip_pvalues([0, 0, 0], [-1.0, -2.0, 3.0])
    assert below[0] == pytest.approx(5 / 8) and above[0] == pytest.approx(5 / 8)
    assert honest.two_sided(below, above)[0] == pytest.approx(1.0)


def test_monte_carlo_sign_flip_agrees_with_exact_enumeration():
    rng = np.random.default_rng(5)
    d = rng.normal(-0.3, 1.0, size=(20, 14))
    codes = np.repeat(np.arange(20), 14)
    exact, _ = honest.sign_flip_pvalues(codes, d.ravel())
    approx, _ = honest.sign_flip_pvalues(codes, d.ravel(), exact_max_n=0, permutations=20_000)
    np.testing.assert_allclose(approx, exact, atol=0.015)
    again, _ = honest.sign_flip_pvalues(codes, d.ravel(), exact_max_n=0, permutations=20_000)
    np.testing.assert_array_equal(again, approx)


@pytest.mark.parametrize("n", [12, 30, 150])  # exact enumeration, then Monte Carlo (two ways of laying out groups)
def test_sign_flip_pvalues_are_uniform_ish_under_the_null(n):
    # two equally good forecasters: each question's difference is symmetric about 0
    rng = np.random.default_rng(6 + n)
    groups = 800
    a = rng.random((groups, n)) ** 2
    b = rng.random((groups, n)) ** 2
    codes = np.repeat(np.arange(groups), n)
    below, _ = honest.sign_flip_pvalues(codes, (a - b).ravel(), permutations=2000)
    for level in (0.05, 0.2, 0.5):
        share = float(np.mean(below <= level))
        assert abs(share - level) < 0.05, (level, share)  # 3 binomial standard errors at 0.5


def test_sign_flip_p_is_small_when_one_forecaster_is_clearly_better():
    rng = np.random.default_rng(7)
    good = rng.random(30) * 0.1
    bad = 0.2 + rng.random(30) * 0.3
    below, above = honest.sign_flip_pvalues(np.zeros(30, dtype=np.int64), good - bad)
    assert below[0] < 0.001 and above[0] > 0.99


# ------------------------------------------------------------------------------------ multiple comparisons


def test_holm_and_bh_on_hand_values():
    p = [0.01, 0.04, 0.03, np.nan]
    # Holm: sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04, made non-decreasing: 0.03, 0.06, 0.06
    np.testing.assert_allclose(honest.holm(p), [0.03, 0.06, 0.06, np.nan])
    # BH: 0.01 * 3/1, 0.03 * 3/2, 0.04 * 3/3 = 0.03, 0.045, 0.04, made non-increasing from the top: 0.03, 0.04, 0.04
    np.testing.assert_allclose(honest.benjamini_hochberg(p), [0.03, 0.04, 0.04, np.nan])
    assert np.isnan(honest.holm([np.nan])).all()


# ---------------------------------------------------------------------------------------------- coin flip


def test_uniform_brier_is_what_the_uniform_forecast_scores():
    for n in (2, 3, 5):
        uniform = np.full((n, n), 1.0 / n)
        briers = metrics.brier_multi(uniform, np.eye(n))  # whichever option happened
        np.testing.assert_allclose(briers, 1 - 1 / n)
        assert honest.uniform_brier(["multiple_choice"], [n])[0] == pytest.approx(1 - 1 / n)
    assert honest.uniform_brier(["binary"])[0] == 0.25  # the 0-1 binary Brier of saying 0.5
    with pytest.raises(ValueError, match="n_options"):
        honest.uniform_brier(["multiple_choice"])


def test_versus_coin_verdicts_on_hand_made_cases():
    frame = pd.DataFrame(
        # 0.9 on five things that happened: Brier 0.01 each, 0.24 below the coin on every question; p = 1/32
        _rows("sharp", [0.01] * 5)
        # 0.1 on five things that happened: 0.81 each, worse on every question
        + _rows("wrong", [0.81] * 5)
        # as often better as worse
        + _rows("mixed", [0.01, 0.81, 0.04, 0.64, 0.25, 0.25])
        + _rows("new", [0.01, 0.01])
        # three options, uniform Brier 2/3: 0.6 on what happened scores 0.16 + 0.2^2 * 2 = 0.24 < 2/3
        + _rows("mc", [0.24] * 5, kind="multiple_choice", n_options=3)
    )
    frame["n_options"] = frame["n_options"].fillna(2)
    out = honest.versus_coin(frame).set_index("forecaster_id")
    assert out.loc["sharp", "verdict"] == "beats a coin flip (p = 0.031, 5 questions)"
    assert out.loc["sharp", "p_better"] == pytest.approx(1 / 32)
    assert out.loc["sharp", "mean_difference"] == pytest.approx(-0.24)
    assert (out.loc["sharp", "wins"], out.loc["sharp", "losses"]) == (5, 0)
    assert out.loc["wrong", "verdict"] == "worse than a coin flip (p = 0.031, 5 questions)"
    assert out.loc["mixed", "verdict"].startswith("not distinguishable from a coin flip (p = ")
    assert out.loc["mixed", "verdict"].endswith(", 6 questions)")
    assert out.loc["new", "verdict"] == "too few questions to say (2; 5 needed)"
    assert np.isnan(out.loc["new", "p_better"])
    assert out.loc["mc", "mean_reference"] == pytest.approx(2 / 3)
    assert out.loc["mc", "verdict"] == "beats a coin flip (p = 0.031, 5 questions)"


def test_versus_crowd_uses_only_questions_with_a_crowd():
    rows = []
    for i in range(7):
        relative = np.nan if i == 6 else -0.1
        rows.append(
            {
                "question_id": f"q{i}",
                "forecaster_id": "f",
                "time_avg_brier": 0.1,
                "crowd_time_avg_brier": 0.2 if i < 6 else 0.1,
                "relative_brier": relative,
            }
        )
    out = honest.versus_crowd(pd.DataFrame(rows)).iloc[0]
    assert out["n_questions"] == 6
    assert out["verdict"] == "beats the crowd median (p = 0.016, 6 questions)"  # 1/64


# -------------------------------------------------------------------------------------------------- compare


def _pair_frame() -> pd.DataFrame:
    a = _rows("alice", [0.05, 0.10, 0.20, 0.10, 0.02, 0.30])
    b = _rows("bob", [0.15, 0.20, 0.30, 0.20, 0.12, 0.30, 0.9, 0.9], start=0)  # q006, q007: alice did not forecast
    return pd.DataFrame(a + b)


def test_compare_on_a_hand_made_case():
    frame = _pair_frame()
    c = honest.compare(frame, "alice", "bob", labels=("Alice", "Bob"))
    # shared: q000..q005; alice 0.1 lower on five, tied on q005; the tie's zero difference flips to itself, so the
    # observed sum -0.5 is the lowest of 64 patterns twice over: p one-sided 2/64, two-sided 4/64 = 0.0625
    assert c.n_shared == 6 and (c.a_wins, c.b_wins, c.ties) == (5, 0, 1)
    assert c.mean_difference == pytest.approx(-0.5 / 6)
    assert c.mean_a == pytest.approx(0.77 / 6) and c.mean_b == pytest.approx(1.27 / 6)
    assert c.p_value == pytest.approx(4 / 64)
    assert c.verdict == "not distinguishable (p = 0.062, 6 shared questions)"
    assert c.ci_low < c.mean_difference < c.ci_high <= 0


def test_compare_says_who_is_better_and_is_symmetric():
    frame = pd.DataFrame(_rows("alice", [0.05] * 6) + _rows("bob", [0.25] * 6))
    ab = honest.compare(frame, "alice", "bob")
    ba = honest.compare(frame, "bob", "alice", labels=("Bob", "Alice"))
    assert ab.p_value == pytest.approx(2 / 64)
    assert ab.verdict == "alice better (p = 0.031, 6 shared questions)"
    assert ba.verdict == "Alice better (p = 0.031, 6 shared questions)"
    assert ba.mean_difference == pytest.approx(-ab.mean_difference)
    assert (ba.ci_low, ba.ci_high) == pytest.approx((-ab.ci_high, -ab.ci_low))
    assert (ba.a_wins, ba.b_wins) == (ab.b_wins, ab.a_wins)


def test_compare_with_few_or_no_shared_questions():
    frame = pd.DataFrame(_rows("alice", [0.05] * 3) + _rows("bob", [0.25] * 3) + _rows("carol", [0.1], start=50))
    c = honest.compare(frame, "alice", "bob")
    assert c.verdict == "not distinguishable (3 shared questions; 5 needed to tell)" and np.isnan(c.p_value)
    none = honest.compare(frame, "alice", "carol")
    assert none.n_shared == 0 and none.verdict == "not distinguishable (0 shared questions; 5 needed to tell)"
    with pytest.raises(ValueError, match="two different"):
        honest.compare(frame, "alice", "alice")


def test_compare_all_adjusts_for_multiple_comparisons():
    rng = np.random.default_rng(8)
    names = ["a", "b", "c", "d"]
    skill = {"a": 0.05, "b": 0.2, "c": 0.21, "d": 0.22}
    rows = []
    for f in names:
        rows += _rows(f, list(np.clip(skill[f] + rng.normal(0, 0.05, 20), 0, 1)))
    table = honest.compare_all(pd.DataFrame(rows))
    assert list(zip(table["a"], table["b"], strict=True)) == list(itertools.combinations(names, 2))
    assert (table["p_adjusted"] >= table["p_value"]).all()
    np.testing.assert_allclose(table["p_adjusted"], honest.holm(table["p_value"]))
    verdicts = dict(zip(zip(table["a"], table["b"], strict=True), table["verdict"], strict=True))
    assert verdicts[("a", "b")].startswith("a better (p ")
    assert verdicts[("b", "c")].startswith("not distinguishable (p = ")
    bh = honest.compare_all(pd.DataFrame(rows), correction="bh")
    assert (bh["p_adjusted"] <= table["p_adjusted"] + 1e-12).all()
    with pytest.raises(ValueError, match="correction"):
        honest.compare_all(pd.DataFrame(rows), correction="bonferroni")  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------------------- phrases


def _verbal(phrase: str, reading: str, p_yes: float, outcomes: str, forecaster: str = "f") -> list[dict]:
    return [
        {"phrase": phrase, "reading": reading, "p_yes": p_yes, "outcome": o, "forecaster_id": forecaster}
        for o in outcomes.split()
    ]


def test_phrase_calibration_counts_what_followed_each_reading():
    rows = (
        # "X is unlikely" with X the question's YES: X happened when YES did, 3 of 7
        _verbal("unlikely", "affirms", 0.2, "yes yes yes no no no no")
        # "X is unlikely" with X the question's NO (P(YES) 0.8): X happened when NO did, 1 of 2
        + _verbal("unlikely", "negates", 0.8, "no yes", "g")
        + _verbal("likely", "affirms", 0.7, "yes", "g")
        + [{"phrase": None, "reading": None, "p_yes": 0.4, "outcome": "yes", "forecaster_id": "h"}]
    )
    out = honest.phrase_calibration(pd.DataFrame(rows)).set_index(["phrase", "reading"])
    aff = out.loc[("unlikely", "affirms")]
    assert (aff["count"], aff["happened"]) == (7, 3)
    assert aff["scale_p"] == pytest.approx(0.2)
    assert (aff["wilson_low"], aff["wilson_high"]) == pytest.approx((0.158, 0.750), abs=0.001)
    assert aff["summary"] == "said 'unlikely' (affirming YES; scale 0.20): it happened 3 of 7 times (43%, 16%-75%)"
    neg = out.loc[("unlikely", "negates")]
    assert (neg["count"], neg["happened"], neg["scale_p"]) == (2, 1, pytest.approx(0.2))
    pooled = out.loc[("unlikely", "all")]
    assert (pooled["count"], pooled["happened"]) == (9, 4)
    assert pooled["summary"].startswith("said 'unlikely' (scale 0.20): it happened 4 of 9 times")
    assert len(out) == 5  # unlikely x 3, likely x 2; the row without a phrase is left out


def test_phrase_calibration_rejects_bad_readings_and_keeps_hostile_text():
    with pytest.raises(ValueError, match="reading"):
        honest.phrase_calibration(pd.DataFrame(_verbal("likely", "maybe", 0.7, "yes")))
    with pytest.raises(ValueError, match="outcome"):
        honest.phrase_calibration(pd.DataFrame(_verbal("likely", "affirms", 0.7, "option-b")))
    hostile = "it's <b>'likely'</b>\n; DROP TABLE"
    out = honest.phrase_calibration(pd.DataFrame(_verbal(hostile, "affirms", 0.7, "yes")))
    assert (out["phrase"] == hostile).all()
    assert repr(hostile) in out["summary"].iloc[0]


def test_lexicon_keeps_forecasters_with_enough_verbal_forecasts():
    rows = _verbal("unlikely", "affirms", 0.2, "no no yes", "often") + _verbal("likely", "affirms", 0.7, "yes", "often")
    rows += _verbal("likely", "affirms", 0.7, "yes no", "rarely")
    out = honest.lexicon(pd.DataFrame(rows), min_forecasts=3)
    assert set(out["forecaster_id"]) == {"often"}
    mine = out.set_index(["phrase", "reading"])
    assert mine.loc[("unlikely", "affirms"), "happened"] == 1 and mine.loc[("likely", "all"), "count"] == 1
