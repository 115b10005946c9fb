"""Metaculus' two baselines, checked against numbers worked by hand from Metaculus' published formulas
(scoring/score_math.py): the baseline of one forecast, 100 ln(p N) / ln N, and the headline time-averaged
Baseline score with coverage, sum_i baseline_i * standing_i / horizon (coverage sum_i standing_i / horizon)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tracker.app.ledger import Ledger
from tracker.scoring import compute, metrics
from tracker.scoring.job import run_scoring
from tracker.store.schema import question_scores, score_history

D0 = pd.Timestamp("2020-01-01", tz="UTC")


def _day(n: int) -> pd.Timestamp:
    return D0 + pd.Timedelta(days=n)


def _metaculus_baseline(p: float, n_options: int) -> float:
    """Metaculus' formula as published: 100 * ln(p * N) / ln(N)."""
    return 100 * math.log(p * n_options) / math.log(n_options)


def _score(forecasts: list[dict], questions: list[dict]) -> pd.DataFrame:
    f = pd.DataFrame(forecasts)
    f["made_at"] = pd.to_datetime(f["made_at"], utc=True)
    f["withdrawn"] = False
    q = pd.DataFrame(questions)
    for col in ("known_on", "opened", "resolve_by"):
        if col in q.columns:
            q[col] = pd.to_datetime(q[col], utc=True)
    return compute.score(f, q).per_question.set_index(["question_id", "forecaster_id"])


def _fc(fid: str, qid: str, who: str, d: int, probabilities: dict) -> dict:
    return {
        "forecast_id": fid,
        "question_id": qid,
        "forecaster_id": who,
        "made_at": _day(d),
        "probabilities": probabilities,
    }


def test_binary_resolved_early_by_hand():
    # opened day 0, scheduled to close day 10, known on day 8, YES. A says 0.6 on day 2, then 0.8 on day 5:
    # 0.6 stands days 2-4 (3 days), 0.8 days 5-7 (3 days); horizon 10 days.
    # baselines: 100 log2(1.2) = 26.303, 100 log2(1.6) = 67.807; time average (3 * 26.303 + 3 * 67.807) / 10 =
    # 28.233; coverage 6 / 10 = 0.6; the final forecast's ("spot") baseline 67.807.
    pq = _score(
        [_fc("f1", "q", "A", 2, {"yes": 0.6, "no": 0.4}), _fc("f2", "q", "A", 5, {"yes": 0.8, "no": 0.2})],
        [
            {
                "question_id": "q",
                "kind": "binary",
                "options": ["yes", "no"],
                "status": "resolved",
                "outcome": "yes",
                "known_on": _day(8),
                "opened": _day(0),
                "resolve_by": _day(10),
            }
        ],
    )
    r = pq.loc[("q", "A")]
    assert _metaculus_baseline(0.6, 2) == pytest.approx(26.303, abs=1e-3)
    assert _metaculus_baseline(0.8, 2) == pytest.approx(67.807, abs=1e-3)
    assert r["baseline_time_avg"] == pytest.approx(28.233, abs=1e-3)
    assert r["baseline_time_avg"] == pytest.approx(
        (3 * _metaculus_baseline(0.6, 2) + 3 * _metaculus_baseline(0.8, 2)) / 10
    )
    assert r["baseline_coverage"] == pytest.approx(0.6)
    assert r["baseline_score"] == pytest.approx(_metaculus_baseline(0.8, 2))
    assert r["n_options"] == 2
    assert metrics.time_averaged_baseline(
        [_metaculus_baseline(0.6, 2), _metaculus_baseline(0.8, 2)], [3, 3], 10
    ) == pytest.approx((r["baseline_time_avg"], 0.6))


def test_multiple_choice_and_a_question_opened_after_its_forecasts():
    # three options, b happened; B says b: 0.5 on day 1, b: 0.7 on day 4; known day 6, no scheduled close given,
    # opened day 1: horizon 5 days, 0.5 stands 3 and 0.7 stands 2. Baselines 100 ln 1.5 / ln 3 = 36.907 and
    # 100 ln 2.1 / ln 3 = 67.533; time average (3 * 36.907 + 2 * 67.533) / 5 = 49.157; coverage 1.
    # C forecasts "later" question r (opened on day 30, after C's forecast on day 2, known day 8): the horizon
    # starts with the first forecast, 2 to 8, so C covers it all.
    pq = _score(
        [
            _fc("f1", "q", "B", 1, {"a": 0.2, "b": 0.5, "c": 0.3}),
            _fc("f2", "q", "B", 4, {"a": 0.1, "b": 0.7, "c": 0.2}),
            _fc("f3", "r", "C", 2, {"yes": 0.3, "no": 0.7}),
        ],
        [
            {
                "question_id": "q",
                "kind": "multiple_choice",
                "options": ["a", "b", "c"],
                "status": "resolved",
                "outcome": "b",
                "known_on": _day(6),
                "opened": _day(1),
                "resolve_by": pd.NaT,
            },
            {
                "question_id": "r",
                "kind": "binary",
                "options": ["yes", "no"],
                "status": "resolved",
                "outcome": "no",
                "known_on": _day(8),
                "opened": _day(30),
                "resolve_by": pd.NaT,
            },
        ],
    )
    b = pq.loc[("q", "B")]
    assert b["baseline_time_avg"] == pytest.approx(49.157, abs=1e-3)
    assert b["baseline_time_avg"] == pytest.approx(
        (3 * _metaculus_baseline(0.5, 3) + 2 * _metaculus_baseline(0.7, 3)) / 5
    )
    assert b["baseline_coverage"] == pytest.approx(1.0)
    assert b["baseline_score"] == pytest.approx(_metaculus_baseline(0.7, 3))
    assert b["n_options"] == 3
    c = pq.loc[("r", "C")]
    assert c["baseline_coverage"] == pytest.approx(1.0)
    assert c["baseline_time_avg"] == pytest.approx(_metaculus_baseline(0.7, 2))


def test_without_horizon_columns_the_horizon_is_first_forecast_to_known_on():
    # A on day 0 (0.9), B joins on day 6 (0.9), known day 10: A covers 10/10, B 4/10 (the days before B's first
    # forecast count 0 for B, as on Metaculus)
    pq = _score(
        [_fc("f1", "q", "A", 0, {"yes": 0.9, "no": 0.1}), _fc("f2", "q", "B", 6, {"yes": 0.9, "no": 0.1})],
        [
            {
                "question_id": "q",
                "kind": "binary",
                "options": ["yes", "no"],
                "status": "resolved",
                "outcome": "yes",
                "known_on": _day(10),
            }
        ],
    )
    full = _metaculus_baseline(0.9, 2)
    assert pq.loc[("q", "A"), "baseline_coverage"] == pytest.approx(1.0)
    assert pq.loc[("q", "B"), "baseline_coverage"] == pytest.approx(0.4)
    assert pq.loc[("q", "B"), "baseline_time_avg"] == pytest.approx(0.4 * full)
    assert pq.loc[("q", "B"), "baseline_score"] == pytest.approx(full)  # the spot baseline ignores coverage


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("ABC"), st.integers(0, 19), st.floats(0.0, 1.0)), min_size=1, max_size=12),
    st.integers(0, 25),
    st.integers(0, 30),
    st.booleans(),
)
def test_time_averaged_baseline_matches_a_day_by_day_reference(forecasts, opened, resolve_by, outcome_yes):
    known = 20
    rows = [_fc(f"f{i}", "q", who, d, {"yes": p, "no": 1 - p}) for i, (who, d, p) in enumerate(forecasts)]
    question = {
        "question_id": "q",
        "kind": "binary",
        "options": ["yes", "no"],
        "status": "resolved",
        "outcome": "yes" if outcome_yes else "no",
        "known_on": _day(known),
        "opened": _day(opened),
        "resolve_by": _day(resolve_by),
    }
    pq = _score(rows, [question])
    start = min(opened, min(d for _, d, _ in forecasts))
    horizon = max(resolve_by, known) - start
    for who in {w for w, _, _ in forecasts}:
        mine = [(d, i, p) for i, (w, d, p) in enumerate(forecasts) if w == who]
        scores, standing = [], []
        for day_n in range(start, known):
            made = [(d, i, p) for d, i, p in mine if d <= day_n]
            if made:
                p = max(made)[2]  # the latest, the later record winning a tie
                scores.append(float(metrics.baseline_score(p if outcome_yes else 1 - p, 2)))
                standing.append(1)
        want = metrics.time_averaged_baseline(scores, standing, horizon)
        got = pq.loc[("q", who)]
        assert got["baseline_time_avg"] == pytest.approx(want[0], rel=1e-9, abs=1e-9)
        assert got["baseline_coverage"] == pytest.approx(want[1], rel=1e-12)


def test_scalar_reference_rejects_nonsense():
    with pytest.raises(ValueError):
        metrics.time_averaged_baseline([1.0], [1.0], 0)
    with pytest.raises(ValueError):
        metrics.time_averaged_baseline([1.0], [-1.0], 3)


# ------------------------------------------------------------------------------------------- through the job


def test_the_job_stores_both_baselines_and_their_aggregates(ledger: Ledger) -> None:
    d0 = date(2020, 1, 1)
    ledger.open_question("Rain?", "YES if it rains", question_id="rain", opened=d0, resolve_by=d0 + timedelta(days=10))
    ledger.record_forecast("rain", "Ann", 0.6, d0 + timedelta(days=2))
    ledger.record_forecast("rain", "Ann", 0.8, d0 + timedelta(days=5))
    ledger.resolve("rain", "yes", d0 + timedelta(days=8))
    assert run_scoring(ledger.engine).status == "ok"
    with ledger.engine.connect() as conn:
        row = conn.execute(select(question_scores)).mappings().one()
        hist = conn.execute(select(score_history)).mappings().one()
    assert row["baseline_time_avg"] == pytest.approx(
        (3 * _metaculus_baseline(0.6, 2) + 3 * _metaculus_baseline(0.8, 2)) / 10
    )
    assert row["baseline_coverage"] == pytest.approx(0.6)
    assert row["baseline_score"] == pytest.approx(_metaculus_baseline(0.8, 2))
    assert row["n_options"] == 2
    assert hist["mean_baseline_time_avg"] == pytest.approx(row["baseline_time_avg"])
    assert hist["mean_baseline_coverage"] == pytest.approx(0.6)
    assert np.isfinite(hist["mean_baseline_score"])


def test_migration_0006_makes_the_next_run_fill_the_new_columns(ledger: Ledger) -> None:
    from tracker.store import migrate

    d0 = date(2020, 1, 1)
    ledger.open_question("Rain?", "YES if it rains", question_id="rain", opened=d0)
    ledger.record_forecast("rain", "Ann", 0.7, d0 + timedelta(days=1))
    ledger.resolve("rain", "yes", d0 + timedelta(days=3))
    assert run_scoring(ledger.engine).status == "ok"
    assert run_scoring(ledger.engine).status == "noop"
    # back to the schema before the columns, and up again: the checkpoint goes back to 0 ...
    migrate.downgrade(ledger.engine, "0003")
    migrate.upgrade(ledger.engine)
    with ledger.engine.connect() as conn:
        assert conn.execute(select(question_scores.c.baseline_time_avg)).scalar_one() is None
    # ... so the next run is not a no-op: it rescores the question and fills them
    assert run_scoring(ledger.engine).status == "ok"
    with ledger.engine.connect() as conn:
        row = conn.execute(select(question_scores)).mappings().one()
    assert row["baseline_time_avg"] == pytest.approx(_metaculus_baseline(0.7, 2) * 2 / 3)
    assert row["baseline_coverage"] == pytest.approx(2 / 3) and row["n_options"] == 2
