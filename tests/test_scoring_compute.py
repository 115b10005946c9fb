"""Tests of the table-level scoring rules (tracker.scoring.compute)."""

from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.scoring import compute
from tracker.scoring.compute import aggregate, score

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def day(d: int) -> pd.Timestamp:
    """Midnight UTC of day d (day 1 = 2024-01-01)."""
    return T0 + pd.Timedelta(days=d - 1)


def fc(fid, qid, who, d, p, *, withdrawn=False, p_low=np.nan, p_high=np.nan, **extra):
    probs = {"yes": p, "no": 1 - p} if isinstance(p, float | int) else p
    return dict(
        forecast_id=fid,
        question_id=qid,
        forecaster_id=who,
        made_at=day(d),
        probabilities=probs,
        withdrawn=withdrawn,
        p_low=p_low,
        p_high=p_high,
        **extra,
    )


def binary_q(qid, outcome="yes", known=None, status="resolved"):
    return dict(
        question_id=qid,
        kind="binary",
        options=["yes", "no"],
        status=status,
        outcome=outcome if status == "resolved" else None,
        known_on=day(known) if known is not None else pd.NaT,
    )


def mc_q(qid, options, outcome, known, status="resolved"):
    return dict(
        question_id=qid,
        kind="multiple_choice",
        options=list(options),
        status=status,
        outcome=outcome,
        known_on=day(known),
    )


def frames(forecasts, questions):
    f = pd.DataFrame(forecasts)
    f["made_at"] = pd.to_datetime(f["made_at"], utc=True)
    q = pd.DataFrame(questions)
    q["known_on"] = pd.to_datetime(q["known_on"], utc=True)
    return f, q


def row(scores, fid):
    pf = scores.per_forecast
    return pf.loc[pf["forecast_id"] == fid].iloc[0]


def pq_row(scores, qid, who):
    pq = scores.per_question
    return pq.loc[(pq["question_id"] == qid) & (pq["forecaster_id"] == who)].iloc[0]


# ------------------------------------------------------------------------------------------ point scores


def test_point_scores_by_hand():
    f, q = frames(
        [
            fc("f1", "q1", "A", 1, 0.2),  # resolved YES: (0.2 - 1)^2 = 0.64; two-category 1.28
            fc("f2", "q2", "A", 1, 0.6),  # resolved YES on the 60: 0.16 / 0.32
            fc("f3", "q3", "A", 1, {"a": 0.6, "b": 0.4}),  # MC resolved a: 0.4^2 + 0.4^2 = 0.32
            fc("f4", "q4", "A", 1, 0.3),  # resolved NO: (0.3 - 0)^2 = 0.09
        ],
        [
            binary_q("q1", "yes", 10),
            binary_q("q2", "yes", 10),
            mc_q("q3", ["a", "b"], "a", 10),
            binary_q("q4", "no", 10),
        ],
    )
    s = score(f, q)
    assert row(s, "f1")["brier"] == pytest.approx(0.64)
    assert row(s, "f1")["brier_two_category"] == pytest.approx(1.28)
    assert row(s, "f2")["brier"] == pytest.approx(0.16)
    assert row(s, "f2")["brier_two_category"] == pytest.approx(0.32)
    assert row(s, "f3")["brier"] == pytest.approx(0.32)
    assert row(s, "f3")["brier_two_category"] == pytest.approx(0.32)
    assert row(s, "f4")["brier"] == pytest.approx(0.09)
    assert row(s, "f4")["p_outcome"] == pytest.approx(0.7)
    assert row(s, "f4")["log_score"] == pytest.approx(np.log(0.7))
    assert row(s, "f4")["baseline_score"] == pytest.approx(100 * (np.log(0.7) - np.log(0.5)) / np.log(2))
    assert row(s, "f3")["baseline_score"] == pytest.approx(100 * (np.log(0.6) - np.log(0.5)) / np.log(2))
    assert (s.per_forecast["status"] == "scored").all()


def test_mc_three_options_and_baseline():
    f, q = frames(
        [fc("f1", "q1", "A", 1, {"a": 0.5, "b": 0.2, "c": 0.3})],
        [mc_q("q1", ["a", "b", "c"], "b", 5)],
    )
    r = row(score(f, q), "f1")
    assert r["brier"] == pytest.approx(0.25 + 0.64 + 0.09)
    assert r["p_outcome"] == pytest.approx(0.2)
    assert r["baseline_score"] == pytest.approx(100 * (np.log(0.2) - np.log(1 / 3)) / np.log(3))


def test_binary_fast_path_p_yes_column():
    f, q = frames([fc("f1", "q1", "A", 1, 0.2)], [binary_q("q1", "yes", 5)])
    f = f.drop(columns="probabilities").assign(p_yes=[0.2])
    r = row(score(f, q), "f1")
    assert r["brier"] == pytest.approx(0.64)
    assert "p_yes" in score(f, q).per_forecast.columns


def test_log_score_clipped():
    f, q = frames([fc("f1", "q1", "A", 1, 0.0)], [binary_q("q1", "yes", 5)])
    r = row(score(f, q), "f1")
    assert r["log_score"] == pytest.approx(np.log(1e-4))
    assert np.isfinite(r["baseline_score"])


def test_verbal_sensitivity():
    f, q = frames(
        [
            fc("f1", "q1", "A", 1, 0.3, p_low=0.2, p_high=0.45),  # "unlikely", resolved YES
            fc("f2", "q1", "B", 1, 0.3),
        ],
        [binary_q("q1", "yes", 5)],
    )
    s = score(f, q)
    assert row(s, "f1")["brier_low"] == pytest.approx(0.64)
    assert row(s, "f1")["brier_high"] == pytest.approx(0.3025)
    assert np.isnan(row(s, "f2")["brier_low"]) and np.isnan(row(s, "f2")["brier_high"])
    agg = aggregate(s.per_question, "question_id").iloc[0]
    # f2 has no interval: its point Brier 0.49 stands in for both ends
    assert agg["mean_brier_low"] == pytest.approx((0.64 + 0.49) / 2)
    assert agg["mean_brier_high"] == pytest.approx((0.3025 + 0.49) / 2)
    assert agg["mean_brier_best"] == pytest.approx((0.3025 + 0.49) / 2)
    assert agg["mean_brier_worst"] == pytest.approx((0.64 + 0.49) / 2)


# ---------------------------------------------------------------------------------- which forecasts count


def test_which_forecasts_count():
    f, q = frames(
        [
            fc("early", "q1", "A", 1, 0.5),
            fc("latest", "q1", "A", 4, 0.8),  # latest before known_on (day 5): scored
            fc("on_known_day", "q1", "A", 5, 1.0),  # hindsight
            fc("after", "q1", "A", 9, 1.0),  # hindsight
            fc("withdrawn", "q1", "B", 2, 0.9, withdrawn=True),
            fc("b_ok", "q1", "B", 3, 0.4),
            fc("annulled", "q2", "A", 1, 0.5),
            fc("open", "q3", "A", 1, 0.5),
        ],
        [
            binary_q("q1", "yes", 5),
            dict(binary_q("q2", "yes", 5), status="annulled", outcome=None),
            binary_q("q3", status="open"),
        ],
    )
    s = score(f, q)
    status = dict(zip(s.per_forecast["forecast_id"], s.per_forecast["status"], strict=True))
    assert status == {
        "early": "superseded",
        "latest": "scored",
        "on_known_day": "hindsight",
        "after": "hindsight",
        "withdrawn": "withdrawn",
        "b_ok": "scored",
        "annulled": "annulled",
        "open": "unresolved",
    }
    assert sorted(s.hindsight["forecast_id"]) == ["after", "on_known_day"]
    assert row(s, "latest")["brier"] == pytest.approx(0.04)
    for fid in ("early", "on_known_day", "after", "withdrawn", "annulled", "open"):
        assert np.isnan(row(s, fid)["brier"]), fid
    # hindsight rows still show what they said about what happened
    assert row(s, "on_known_day")["p_outcome"] == 1.0
    assert row(s, "open")["outcome"] is None or pd.isna(row(s, "open")["outcome"])
    assert pd.isna(row(s, "open")["known_on"])
    assert len(s.per_question) == 2
    assert set(s.per_question["forecast_id"]) == {"latest", "b_ok"}


def test_ties_on_made_at_go_to_the_later_row():
    f, q = frames(
        [fc("first", "q1", "A", 2, 0.1), fc("second", "q1", "A", 2, 0.7)],
        [binary_q("q1", "yes", 5)],
    )
    s = score(f, q)
    assert row(s, "second")["status"] == "scored"
    assert row(s, "first")["status"] == "superseded"
    # the same-day first forecast never stands: days 2..4 all at 0.7
    assert pq_row(s, "q1", "A")["time_avg_brier"] == pytest.approx(0.09)


def test_withdrawn_latest_falls_back_to_previous():
    f, q = frames(
        [fc("f1", "q1", "A", 1, 0.6), fc("f2", "q1", "A", 2, 0.1, withdrawn=True)],
        [binary_q("q1", "yes", 4)],
    )
    s = score(f, q)
    assert row(s, "f1")["status"] == "scored"
    assert pq_row(s, "q1", "A")["time_avg_brier"] == pytest.approx(0.16)


def test_extra_columns_and_index_carried_through():
    f, q = frames(
        [
            fc("f1", "q1", "A", 1, 0.2, source_id="s1", outlet="Times", tags=["war", "europe"]),
            fc("f2", "q1", "B", 1, 0.7, source_id="s2", outlet="Post", tags=[]),
        ],
        [binary_q("q1", "yes", 5)],
    )
    f.index = pd.Index([10, 20])
    s = score(f, q)
    assert list(s.per_forecast.index) == [10, 20]
    pd.testing.assert_frame_equal(s.per_forecast[f.columns], f)
    assert list(s.per_question["outlet"]) == ["Times", "Post"]
    added = compute.PER_QUESTION_ADDED
    assert list(s.per_question.columns[-len(added) :]) == list(added)


def test_input_frame_left_unchanged_when_the_output_is_written_to():
    f, q = frames([fc("f1", "q1", "A", 1, 0.2, p_low=0.1), fc("f2", "q1", "B", 2, 0.6)], [binary_q("q1", "yes", 5)])
    before = f.copy(deep=True)
    s = score(f, q)
    s.per_forecast.loc[:, "p_low"] = 0.5
    s.per_forecast.iloc[0, s.per_forecast.columns.get_loc("forecast_id")] = "changed"
    s.per_question.loc[:, "forecaster_id"] = "Z"
    pd.testing.assert_frame_equal(f, before, check_exact=True)


def test_input_errors():
    f, q = frames([fc("f1", "nope", "A", 1, 0.2)], [binary_q("q1", "yes", 5)])
    with pytest.raises(ValueError, match="unknown questions"):
        score(f, q)
    f, q = frames([fc("f1", "q1", "A", 1, 0.2)], [binary_q("q1", "yes", None)])
    with pytest.raises(ValueError, match="known_on"):
        score(f, q)
    f, q = frames([fc("f1", "q1", "A", 1, {"a": 0.5, "z": 0.5})], [mc_q("q1", ["a", "b"], "a", 5)])
    with pytest.raises(ValueError, match="options"):
        score(f, q)
    f, q = frames([fc("f1", "q1", "A", 1, 1.5)], [binary_q("q1", "yes", 5)])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        score(f, q)


def test_empty_forecasts():
    f, q = frames([fc("f1", "q1", "A", 1, 0.2)], [binary_q("q1", "yes", 5)])
    s = score(f.iloc[:0], q)
    assert len(s.per_forecast) == 0 and len(s.per_question) == 0 and len(s.hindsight) == 0
    assert set(compute.PER_QUESTION_ADDED) <= set(s.per_question.columns)


# -------------------------------------------------------------------------------------------- time average


def test_time_average_by_hand():
    # 0.5 on day 1, 0.9 on day 3, known on day 5, YES: days 1..4 score 0.25, 0.25, 0.01, 0.01 -> 0.13
    f, q = frames([fc("f1", "q1", "A", 1, 0.5), fc("f2", "q1", "A", 3, 0.9)], [binary_q("q1", "yes", 5)])
    s = score(f, q)
    r = pq_row(s, "q1", "A")
    assert r["forecast_id"] == "f2"
    assert r["brier"] == pytest.approx(0.01)
    assert r["time_avg_brier"] == pytest.approx(0.13)
    assert r["days"] == 4
    assert r["n_forecasters"] == 1
    # a lone forecaster is the crowd; the relative score is not defined, not 0
    assert r["crowd_time_avg_brier"] == pytest.approx(0.13)
    assert np.isnan(r["relative_brier"])


def test_crowd_median_three_forecasters_by_hand():
    # known on day 5, outcome NO
    # A: 0.8 day 1, 0.4 day 4; B: 0.2 day 2 (+ a withdrawn 0.99 on day 3); C: 0.6 day 3 (+ hindsight 0.0 on day 5)
    # standing:  day1 {.8}  day2 {.8,.2}  day3 {.8,.2,.6}  day4 {.4,.2,.6}
    # crowd p:   .8         .5            .6               .4
    # crowd Br:  .64        .25           .36              .16
    f, q = frames(
        [
            fc("a1", "q1", "A", 1, 0.8),
            fc("b1", "q1", "B", 2, 0.2),
            fc("bw", "q1", "B", 3, 0.99, withdrawn=True),
            fc("c1", "q1", "C", 3, 0.6),
            fc("a2", "q1", "A", 4, 0.4),
            fc("ch", "q1", "C", 5, 0.0),
        ],
        [binary_q("q1", "no", 5)],
    )
    s = score(f, q)
    a, b, c = (pq_row(s, "q1", w) for w in "ABC")
    assert a["time_avg_brier"] == pytest.approx((0.64 * 3 + 0.16) / 4)
    assert a["crowd_time_avg_brier"] == pytest.approx((0.64 + 0.25 + 0.36 + 0.16) / 4)
    assert a["relative_brier"] == pytest.approx(0.52 - 0.3525)
    assert a["days"] == 4
    assert b["time_avg_brier"] == pytest.approx(0.04)
    assert b["crowd_time_avg_brier"] == pytest.approx((0.25 + 0.36 + 0.16) / 3)
    assert b["relative_brier"] == pytest.approx(0.04 - 0.77 / 3)
    assert c["time_avg_brier"] == pytest.approx(0.36)
    assert c["crowd_time_avg_brier"] == pytest.approx((0.36 + 0.16) / 2)
    assert c["days"] == 2
    assert (s.per_question["n_forecasters"] == 3).all()
    assert row(s, "ch")["status"] == "hindsight"


def test_crowd_multiple_choice_renormalised():
    # options a, b, c; outcome a; known day 3; both forecast on day 1
    # A (0.6, 0.3, 0.1), B (0.2, 0.2, 0.6): medians (0.4, 0.25, 0.35) sum 1.0 -> crowd
    # three forecasters: + C (0.1, 0.1, 0.8): medians (0.2, 0.2, 0.6) sum 1.0
    # use 4 forecasters to force renormalisation: D (0.5, 0.4, 0.1)
    # medians: a of (.6,.2,.1,.5) = .35; b of (.3,.2,.1,.4) = .25; c of (.1,.6,.8,.1) = .35; sum .95
    P = {"A": (0.6, 0.3, 0.1), "B": (0.2, 0.2, 0.6), "C": (0.1, 0.1, 0.8), "D": (0.5, 0.4, 0.1)}
    f, q = frames(
        [fc(f"f{w}", "q1", w, 1, dict(zip("abc", p, strict=True))) for w, p in P.items()],
        [mc_q("q1", ["a", "b", "c"], "a", 3)],
    )
    s = score(f, q)
    crowd = np.array([0.35, 0.25, 0.35]) / 0.95
    crowd_brier = (crowd[0] - 1) ** 2 + crowd[1] ** 2 + crowd[2] ** 2
    r = pq_row(s, "q1", "A")
    assert r["crowd_time_avg_brier"] == pytest.approx(crowd_brier)
    assert r["time_avg_brier"] == pytest.approx(0.4**2 + 0.3**2 + 0.1**2)
    assert r["relative_brier"] == pytest.approx(r["time_avg_brier"] - crowd_brier)


def test_time_average_off():
    f, q = frames([fc("f1", "q1", "A", 1, 0.5), fc("f2", "q1", "B", 3, 0.9)], [binary_q("q1", "yes", 5)])
    s = score(f, q, time_average=False)
    assert s.per_question["time_avg_brier"].isna().all()
    assert s.per_question["relative_brier"].isna().all()
    assert list(s.per_question["days"]) == [4, 2]


# --------------------------------------------------------------------------------------------- aggregates


def test_aggregate_by_hand():
    f, q = frames(
        [
            fc("f1", "q1", "A", 1, 0.9, tags=["x", "y"]),  # YES: 0.01
            fc("f2", "q2", "A", 1, 0.2, tags=["x"]),  # NO: 0.04
            fc("f3", "q3", "A", 1, {"a": 0.6, "b": 0.4}, tags=[]),  # MC a: 0.32
            fc("f4", "q1", "B", 1, 0.5, tags=["y"]),  # YES: 0.25
        ],
        [binary_q("q1", "yes", 5), binary_q("q2", "no", 5), mc_q("q3", ["a", "b"], "a", 5)],
    )
    s = score(f, q)
    by_f = aggregate(s.per_question, "forecaster_id").set_index("forecaster_id")
    a = by_f.loc["A"]
    assert a["n_scored"] == 3 and a["n_binary"] == 2
    assert a["mean_brier_two_category"] == pytest.approx((0.02 + 0.08 + 0.32) / 3)
    assert a["bss_vs_half"] == pytest.approx(1 - 0.025 / 0.25)
    assert a["base_rate"] == pytest.approx(0.5)
    assert a["bss_vs_base_rate"] == pytest.approx(1 - 0.025 / 0.25)
    # A's relative Brier exists on q1 only (q2, q3 have a single forecaster); the crowd on q1 is the median of
    # the probabilities, (0.9 + 0.5) / 2 = 0.7, whose Brier is 0.09 (not the mean of the two Briers)
    assert a["n_relative"] == 1
    assert a["mean_relative_brier"] == pytest.approx(0.01 - 0.09)
    b = by_f.loc["B"]
    # B's only binary question resolved YES: base-rate reference 0 -> NaN, not 0
    assert np.isnan(b["bss_vs_base_rate"])
    assert b["bss_vs_half"] == pytest.approx(0.0)

    by_tag = aggregate(s.per_question, "tags")
    counts = dict(
        zip(by_tag["tags"].astype(object).where(by_tag["tags"].notna(), None), by_tag["n_scored"], strict=True)
    )
    assert counts == {"x": 2, "y": 2, None: 1}
    x = by_tag.loc[by_tag["tags"] == "x"].iloc[0]
    assert x["mean_brier"] == pytest.approx((0.01 + 0.04) / 2)


# ---------------------------------------------------------------------------------------- property tests


def naive_reference(forecasts: pd.DataFrame, questions: pd.DataFrame) -> dict:
    """Day-by-day loops over the rules, written independently of the vectorised code (binary questions only).

    A forecast stands from its own UTC day; the latest (made_at, input position) is the scored one.
    """
    qinfo = questions.set_index("question_id")
    out = {}
    elig = {}
    for i, r in enumerate(forecasts.itertuples()):
        qr = qinfo.loc[r.question_id]
        if r.withdrawn or qr.status != "resolved" or r.made_at >= qr.known_on:
            continue
        elig.setdefault(r.question_id, {}).setdefault(r.forecaster_id, []).append(
            (r.made_at, i, r.probabilities["yes"])
        )
    for qid, by_f in elig.items():
        qr = qinfo.loc[qid]
        o = 1.0 if qr.outcome == "yes" else 0.0
        known = qr.known_on

        def standing(fs, d):
            before = [x for x in fs if x[0].floor("D") <= d]
            return max(before)[2] if before else None

        for who, fs in by_f.items():
            days = pd.date_range(min(fs)[0].floor("D"), known - pd.Timedelta(days=1), freq="D")
            own, crowd = [], []
            for d in days:
                own.append((standing(fs, d) - o) ** 2)
                st_all = [standing(g, d) for g in by_f.values()]
                med = statistics.median([x for x in st_all if x is not None])
                crowd.append((med - o) ** 2)
            out[(qid, who)] = (
                (max(fs)[2] - o) ** 2,
                float(np.mean(own)),
                float(np.mean(crowd)),
                len(days),
                len(by_f),
            )
    return out


@st.composite
def binary_scenarios(draw, intraday=False):
    nq = draw(st.integers(1, 3))
    questions = []
    for i in range(nq):
        status = draw(st.sampled_from(["resolved", "resolved", "resolved", "open", "annulled"]))
        questions.append(
            binary_q(f"q{i}", draw(st.sampled_from(["yes", "no"])), draw(st.integers(2, 12)), status=status)
        )
        if status != "resolved":
            questions[-1]["outcome"] = None
    n = draw(st.integers(0, 25))
    days_used: set = set()
    forecasts = []
    for j in range(n):
        qi = draw(st.integers(0, nq - 1))
        who = draw(st.sampled_from("ABCD"))
        d = draw(st.integers(1, 14))
        if not intraday:
            # distinct made_at per (forecaster, question) so that input order cannot matter
            if (qi, who, d) in days_used:
                continue
            days_used.add((qi, who, d))
        p = draw(st.sampled_from([0.0, 0.05, 0.2, 0.35, 0.5, 0.6, 0.8, 0.95, 1.0]))
        forecasts.append(fc(f"f{j}", f"q{qi}", who, d, p, withdrawn=draw(st.integers(0, 5)) == 0))
        if intraday:
            # a time of day from a few, so that one forecaster's forecasts of one day are recorded out of
            # made_at order and some tie exactly (then the later row counts)
            forecasts[-1]["made_at"] += pd.Timedelta(hours=draw(st.sampled_from([0, 6, 18])))
    if not forecasts:
        forecasts.append(fc("f0", "q0", "A", 1, 0.5))
    return frames(forecasts, questions)


def _scored_like_the_naive_reference(fq):
    """score() of the scenario, after checking its per-question figures against the naive day-by-day reference."""
    f, q = fq
    s = score(f, q)
    ref = naive_reference(f, q)
    got = {
        (r.question_id, r.forecaster_id): (r.brier, r.time_avg_brier, r.crowd_time_avg_brier, r.days, r.n_forecasters)
        for r in s.per_question.itertuples()
    }
    assert got.keys() == ref.keys()
    for key, exp in ref.items():
        np.testing.assert_allclose(got[key], exp, rtol=1e-12, atol=1e-12, err_msg=str(key))
    return s, ref


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(binary_scenarios())
def test_matches_naive_day_by_day_reference(fq):
    s, ref = _scored_like_the_naive_reference(fq)
    for key, exp in ref.items():
        rel = s.per_question.set_index(["question_id", "forecaster_id"]).loc[key, "relative_brier"]
        if exp[4] == 1:
            assert np.isnan(rel)
        else:
            assert rel == pytest.approx(exp[1] - exp[2], abs=1e-12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(binary_scenarios(intraday=True))
def test_times_of_day_and_recording_order_match_the_naive_reference(fq):
    s, _ = _scored_like_the_naive_reference(fq)
    # the scored forecast of each (question, forecaster): the latest made_at, ties to the later row
    latest: dict = {}
    for i, r in enumerate(s.per_forecast.itertuples()):
        if r.status in ("scored", "superseded"):
            k = (r.question_id, r.forecaster_id)
            latest[k] = max(latest.get(k, (r.made_at, i, r.forecast_id)), (r.made_at, i, r.forecast_id))
    pq = s.per_question
    scored_ids = zip(zip(pq["question_id"], pq["forecaster_id"], strict=True), pq["forecast_id"], strict=True)
    assert dict(scored_ids) == {k: v[2] for k, v in latest.items()}


def test_same_day_forecasts_ordered_by_time_not_by_recording_order():
    f, q = frames(
        [fc("evening", "q1", "A", 2, 0.9), fc("morning", "q1", "A", 2, 0.1), fc("b", "q1", "B", 1, 0.5)],
        [binary_q("q1", "yes", 4)],
    )
    f.loc[f["forecast_id"] == "evening", "made_at"] += pd.Timedelta(hours=20)
    f.loc[f["forecast_id"] == "morning", "made_at"] += pd.Timedelta(hours=8)
    s = score(f, q)
    assert row(s, "evening")["status"] == "scored"
    assert row(s, "morning")["status"] == "superseded"
    # the evening forecast stands on days 2 and 3
    assert pq_row(s, "q1", "A")["time_avg_brier"] == pytest.approx(0.01)


@settings(max_examples=100, deadline=None)
@given(binary_scenarios(), st.randoms(use_true_random=False))
def test_permuting_rows_leaves_per_question_unchanged(fq, rnd):
    f, q = fq
    perm = list(range(len(f)))
    rnd.shuffle(perm)
    a = score(f, q).per_question
    b = score(f.iloc[perm], q).per_question
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(binary_scenarios())
def test_ranges_and_bookkeeping(fq):
    f, q = fq
    s = score(f, q)
    pf = s.per_forecast
    assert len(pf) == len(f)
    assert set(pf["status"]) <= set(compute.STATUSES)
    scored = pf[pf["status"] == "scored"]
    for col, lo, hi in [
        ("brier", 0, 1),
        ("brier_two_category", 0, 2),
        ("log_score", np.log(1e-4), 0),
        ("p_outcome", 0, 1),
    ]:
        assert ((scored[col] >= lo - 1e-12) & (scored[col] <= hi + 1e-12)).all(), col
    assert pf.loc[pf["status"] != "scored", "brier"].isna().all()
    pq = s.per_question
    assert ((pq["time_avg_brier"] >= 0) & (pq["time_avg_brier"] <= 1)).all()
    assert (pq["days"] >= 1).all()
    # one scored row per (forecaster, question) with an eligible forecast
    assert not pq.duplicated(["question_id", "forecaster_id"]).any()
    h = s.hindsight
    assert (h["made_at"] >= h["known_on"]).all()
    assert (h["status"] == "hindsight").all()


def test_crowd_chunking_gives_the_same_result(monkeypatch):
    rng = np.random.default_rng(3)
    rows = []
    for j in range(300):
        qi = int(rng.integers(0, 6))
        rows.append(fc(f"f{j}", f"q{qi}", f"w{rng.integers(0, 12)}", int(rng.integers(1, 30)), float(rng.random())))
    questions = [binary_q(f"q{i}", "yes" if i % 2 else "no", 31) for i in range(6)]
    f, q = frames(rows, questions)
    whole = score(f, q).per_question
    monkeypatch.setattr(compute, "CROWD_CHUNK_ROWS", 7)
    chunked = score(f, q).per_question
    pd.testing.assert_frame_equal(whole, chunked)


def naive_mc_reference(forecasts: pd.DataFrame, questions: pd.DataFrame) -> dict:
    """(time-averaged Brier, crowd time-averaged Brier) per (question, forecaster), by day-by-day loops.

    Multiple-choice questions, forecasts made at midnight, none withdrawn or in hindsight. The crowd on a day is
    the per-option median of the standing forecasts, renormalised to sum 1 (uniform when all medians are 0).
    """
    qinfo = questions.set_index("question_id")
    by_q: dict = {}
    for i, r in enumerate(forecasts.itertuples()):
        by_q.setdefault(r.question_id, {}).setdefault(r.forecaster_id, []).append((r.made_at, i, r.probabilities))
    out = {}
    for qid, by_f in by_q.items():
        opts = list(qinfo.loc[qid, "options"])
        target = np.array([1.0 if o == qinfo.loc[qid, "outcome"] else 0.0 for o in opts])
        known = qinfo.loc[qid, "known_on"]

        def standing(fs, d, opts=opts):
            before = [x for x in fs if x[0] <= d]
            return np.array([max(before)[2].get(o, 0.0) for o in opts]) if before else None

        for who, fs in by_f.items():
            own, crowd = [], []
            for d in pd.date_range(min(fs)[0], known - pd.Timedelta(days=1), freq="D"):
                own.append(float(np.sum((standing(fs, d) - target) ** 2)))
                all_p = [p for p in (standing(g, d) for g in by_f.values()) if p is not None]
                med = np.array([statistics.median(p[j] for p in all_p) for j in range(len(opts))])
                med = med / med.sum() if med.sum() > 0 else np.full(len(opts), 1.0 / len(opts))
                crowd.append(float(np.sum((med - target) ** 2)))
            out[(qid, who)] = (float(np.mean(own)), float(np.mean(crowd)))
    return out


MC_PROBABILITIES = {  # a few vectors per option count, so that crowd medians tie and counts are even
    3: [(0.5, 0.3, 0.2), (0.2, 0.2, 0.6), (0.0, 0.5, 0.5), (0.1, 0.1, 0.8), (0.5, 0.3, 0.2), (1.0, 0.0, 0.0)],
    4: [(0.25, 0.25, 0.25, 0.25), (0.7, 0.1, 0.1, 0.1), (0.0, 0.0, 0.5, 0.5), (0.0, 1.0, 0.0, 0.0)],
}


@st.composite
def mc_scenarios(draw):
    questions = []
    for i in range(draw(st.integers(1, 3))):
        k = draw(st.sampled_from([3, 4]))
        opts = [f"o{j}" for j in range(k)]
        questions.append(mc_q(f"m{i}", opts, draw(st.sampled_from(opts)), draw(st.integers(3, 12))))
    forecasts, used = [], set()
    for j in range(draw(st.integers(1, 30))):
        qi = draw(st.integers(0, len(questions) - 1))
        who, d = draw(st.sampled_from("ABCDEF")), draw(st.integers(1, questions[qi]["known_on"].day - 1))
        if (qi, who, d) in used:
            continue
        used.add((qi, who, d))
        p = draw(st.sampled_from(MC_PROBABILITIES[len(questions[qi]["options"])]))
        forecasts.append(fc(f"f{j}", f"m{qi}", who, d, dict(zip(questions[qi]["options"], p, strict=True))))
    # a binary question alongside, so the multiple-choice rows are a class among others
    forecasts.append(fc("fb", "b0", "A", 1, 0.3))
    questions.append(binary_q("b0", "yes", 4))
    return frames(forecasts, questions)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mc_scenarios())
def test_multiple_choice_crowds_match_the_naive_reference(fq):
    f, q = fq
    pq = score(f, q).per_question
    ref = naive_mc_reference(f.loc[f["question_id"] != "b0"], q)
    got = {
        (r.question_id, r.forecaster_id): (r.time_avg_brier, r.crowd_time_avg_brier)
        for r in pq.itertuples()
        if r.question_id != "b0"
    }
    assert got.keys() == ref.keys()
    for key, exp in ref.items():
        np.testing.assert_allclose(got[key], exp, rtol=1e-12, atol=1e-12, err_msg=str(key))


@pytest.mark.parametrize("numeric", [False, True])
def test_per_question_sorted_by_question_then_forecaster(numeric):
    # string ids sort as strings ("w10" < "w9"), numeric ids as numbers (9 < 10); object columns as pandas does
    ids = [9, 10, 100, 2]
    rows = [fc(f"f{i}{j}", qi, w, 1 + j, 0.5) for j, w in enumerate(ids) for i, qi in enumerate(ids)]
    f, q = frames(rows, [binary_q(qi, "yes", 9) for qi in ids])
    if not numeric:
        f["question_id"] = [f"q{x}" for x in f["question_id"]]
        q["question_id"] = [f"q{x}" for x in q["question_id"]]
        f["forecaster_id"] = [f"w{x}" for x in f["forecaster_id"]]
    pq = score(f.iloc[::-1], q).per_question
    keys = list(zip(pq["question_id"], pq["forecaster_id"], strict=True))
    assert keys == sorted(zip(f["question_id"], f["forecaster_id"], strict=True))
    assert len(keys) == len(ids) ** 2
    # the same rows with the ids as Python objects in object columns
    f_obj = f.astype({"question_id": object, "forecaster_id": object})
    pq_obj = score(f_obj.iloc[::-1], q).per_question
    assert list(zip(pq_obj["question_id"], pq_obj["forecaster_id"], strict=True)) == keys


def test_probabilities_as_dict_subclasses_score_as_dicts():
    from collections import OrderedDict

    rows = [
        fc("f1", "q1", "A", 1, {"a": 0.6, "b": 0.3, "c": 0.1}),
        fc("f2", "q1", "B", 2, {"c": 0.5, "a": 0.5}),
    ]
    f, q = frames(rows, [mc_q("q1", ["a", "b", "c"], "c", 5)])
    plain = score(f, q).per_question
    f_sub = f.assign(probabilities=[OrderedDict(d) for d in f["probabilities"]])
    sub = score(f_sub, q).per_question
    cols = ["brier", "p_outcome", "time_avg_brier", "crowd_time_avg_brier"]
    pd.testing.assert_frame_equal(plain[cols], sub[cols], check_exact=True)
    assert plain["brier"].tolist() == pytest.approx([0.36 + 0.09 + 0.81, 0.25 + 0.25])


def test_repeated_options_are_rejected():
    f, q = frames([fc("f1", "q1", "A", 1, {"a": 1.0})], [mc_q("q1", ["a", "b", "a"], "a", 5)])
    with pytest.raises(ValueError, match="distinct"):
        score(f, q)
    f, q = frames([fc("f1", "q1", "A", 1, 0.5)], [dict(binary_q("q1", "yes", 5), options=["yes", "yes"])])
    with pytest.raises(ValueError, match="binary question q1"):
        score(f, q)
    f, q = frames([fc("f1", "q1", "A", 1, {"a": 1.0})], [mc_q("q1", ["a", None, None], "a", 5)])
    with pytest.raises(ValueError, match="distinct"):
        score(f, q)
