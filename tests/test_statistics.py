"""The leaderboard's intervals and verdicts, computed once per scoring run and stored (tracker.scoring.statistics):
what is read equals what the on-demand computation gives, after full and incremental runs and as of an earlier
run; a ledger scored before they were stored still shows them; `tracker verify` catches a stored figure that
differs; the commands that read only projections or stored figures import neither pandas nor numpy."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from conftest import tracker
from review_fixtures import DUE_QUESTION, OPEN_QUESTION
from sqlalchemy import delete, func, select, update

from tracker.app.ledger import Ledger
from tracker.scoring import honest, statistics
from tracker.store.db import read_transaction, write_transaction
from tracker.store.driver import select_columns
from tracker.store.schema import question_scores, score_statistics


def _csv(ledger: Ledger, *args: str) -> str:
    r = tracker(ledger, "scores", "--format", "csv", *args)
    assert r.exit_code == 0, r.output
    return r.stdout


def _recomputed(ledger: Ledger) -> dict[str, dict[str, Any]]:
    with read_transaction(ledger.engine) as conn:
        data = select_columns(conn, question_scores, list(statistics.INPUT))
    return statistics.compute(statistics.honest_frame(data, "forecaster_id", ""), "forecaster_id")


def _stored(ledger: Ledger, run: int | None = None) -> dict[str, dict[str, Any]]:
    with read_transaction(ledger.engine) as conn:
        last = conn.execute(select(func.max(score_statistics.c.run_id))).scalar()
        return statistics.latest(conn, run if run is not None else last)


def _forget_statistics(ledger: Ledger) -> None:
    with write_transaction(ledger.engine) as conn:
        conn.execute(delete(score_statistics))


def test_stored_statistics_equal_the_on_demand_ones_after_full_and_incremental_runs(grown: Ledger) -> None:
    stored = _stored(grown)
    recomputed = _recomputed(grown)
    assert stored == recomputed  # exactly: the same numbers to the last bit
    # the fixture must exercise every kind of row: verdicts, too few questions, no crowd
    assert any(r["n_questions"] >= honest.MIN_QUESTIONS and r["coin_p_better"] is not None for r in stored.values())
    assert any(r["n_questions"] < honest.MIN_QUESTIONS for r in stored.values())
    assert any(r["crowd_n"] is None for r in stored.values())
    # the incremental runs (2 and 3) wrote rows for the forecasters they touched only
    with read_transaction(grown.engine) as conn:
        per_run = dict(
            conn.execute(select(score_statistics.c.run_id, func.count()).group_by(score_statistics.c.run_id)).all()
        )
    assert per_run[1] == len(stored) - 1  # run 2 brought a new forecaster
    assert 0 < per_run[2] < per_run[1] and 0 < per_run[3] < per_run[1]

    with_stored = _csv(grown), _csv(grown, "--run", "2")
    _forget_statistics(grown)  # the leaderboard now computes every row on demand
    assert (_csv(grown), _csv(grown, "--run", "2")) == with_stored


def test_a_new_forecast_updates_only_its_forecasters_statistics(grown: Ledger) -> None:
    before = _stored(grown)
    grown.record_forecast(OPEN_QUESTION, "Tester Q. Public", 0.9, date(2026, 3, 1))
    grown.resolve(OPEN_QUESTION, "no", date(2026, 7, 3))
    assert grown.score().status == "ok"
    after = _stored(grown)
    assert after == _recomputed(grown)
    changed = {k for k in after if after[k] != before.get(k)}
    assert any("tester" in k for k in changed)
    assert len(changed) < len(after)


def test_a_ledger_scored_before_statistics_were_stored_computes_them_when_read(grown: Ledger) -> None:
    expected = _csv(grown)
    with write_transaction(grown.engine) as conn:  # some forecasters stored, the others not
        keys = sorted(_stored(grown))
        conn.execute(delete(score_statistics).where(score_statistics.c.group_key.in_(keys[::2])))
    assert _csv(grown) == expected
    report = grown.verify()
    assert report["ok"], report["problem"]
    assert report["statistics_unstored"] == len(keys[::2])
    assert report["statistics_checked"] == len(keys) - len(keys[::2])


def test_verify_names_a_stored_statistic_that_differs(grown: Ledger) -> None:
    assert grown.verify()["statistics_ok"] is True
    fid = next(k for k, r in _stored(grown).items() if r["ci_low"] is not None)
    with write_transaction(grown.engine) as conn:
        run = conn.execute(
            select(func.max(score_statistics.c.run_id)).where(score_statistics.c.group_key == fid)
        ).scalar()
        conn.execute(
            update(score_statistics)
            .where(score_statistics.c.group_key == fid, score_statistics.c.run_id == run)
            .values(ci_low=score_statistics.c.ci_low + 1e-9)
        )
    report = grown.verify()
    assert not report["ok"]
    assert report["statistics_ok"] is False
    assert fid in report["problem"] and "ci_low" in report["problem"]
    r = tracker(grown, "verify")
    assert r.exit_code == 7 and "ci_low" in r.output


def test_display_builds_the_on_demand_words() -> None:
    few = statistics.display(
        dict.fromkeys(statistics.NUMBERS) | {"n_questions": 3, "n_forecasters": 1, "coin_n": 3, "coin_p_better": None}
    )
    assert few["precision"] == "too few questions to say (3; 5 needed)"
    assert few["vs_coin"] == "too few questions to say (3; 5 needed, and at least 12 binary ones to beat a coin flip)"
    assert few["vs_coin_p"] is None and "vs_crowd" not in few
    sure = statistics.display(
        dict.fromkeys(statistics.NUMBERS)
        | {
            "n_questions": 12,
            "n_forecasters": 1,
            "ci_low": 0.1,
            "ci_high": 0.2,
            "coin_n": 12,
            "coin_mean_difference": -0.1,
            "coin_p_better": 0.01,
            "coin_p_worse": 1.0,
            "crowd_n": 9,
            "crowd_mean_difference": 0.05,
            "crowd_p_better": 0.9,
            "crowd_p_worse": 0.2,
        }
    )
    assert sure["precision"] is None
    assert sure["vs_coin"] == "beats a coin flip (p = 0.01, 12 questions)"
    assert sure["vs_crowd"] == "not distinguishable from the crowd median (p = 0.20, 9 questions)"
    assert statistics.display(dict.fromkeys(statistics.NUMBERS) | {"n_questions": 0, "n_forecasters": 0}) == {}


def test_compute_leaves_nan_out() -> None:
    work = statistics.honest_frame(
        {
            "question_id": ["q1", "q2", "q3"],
            "forecaster_id": ["a", "a", "b"],
            "kind": ["binary", "binary", "binary"],
            "brier": [0.1, 0.2, 0.3],
            "time_avg_brier": [0.1, None, 0.3],
            "crowd_time_avg_brier": [0.2, None, 0.3],
            "relative_brier": [-0.1, None, None],
            "n_options": [None, None, None],
        },
        "forecaster_id",
        "",
    )
    out = statistics.compute(work, "forecaster_id")
    assert out["a"]["n_questions"] == 2 and out["a"]["crowd_n"] == 1
    assert out["b"]["crowd_n"] is None
    assert all(not (isinstance(v, float) and math.isnan(v)) for r in out.values() for v in r.values())


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", DUE_QUESTION],
        ["due"],
        ["sources"],
        ["log", "--limit", "5"],
        ["info"],
        ["scores"],
        ["scores", "--format", "csv"],
    ],
)
def test_projection_and_stored_reads_import_neither_pandas_nor_numpy(grown: Ledger, args: list[str]) -> None:
    code = (
        "import sys, io, contextlib\n"
        "import tracker.cli.main as m\n"
        f"sys.argv = ['tracker', '--db', {grown.url!r}, *{args!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        m.app()\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_narrowed_leaderboard_still_computes_on_demand(grown: Ledger) -> None:
    """By source, or under a filter, the groups pool other rows: computed when read, not taken from the table."""
    by_source = _csv(grown, "--by", "source")
    _forget_statistics(grown)
    assert _csv(grown, "--by", "source") == by_source
    with write_transaction(grown.engine) as conn:  # a wrong stored row must not leak into a filtered view
        grown_stats = _recomputed(grown)
        conn.execute(
            score_statistics.insert(),
            [
                {"run_id": 3, "grouping": statistics.FORECASTER, "group_key": k, **(v | {"ci_low": -1.0})}
                for k, v in grown_stats.items()
            ],
        )
    tag = _csv(grown, "--tag", "venezuela")
    assert "-1.0" not in tag


@pytest.mark.parametrize("by", ["forecaster_id", "tag"])
def test_brier_statistics_equal_the_three_functions_alone(by: str) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    n = 3000
    question = rng.integers(0, 400, n)
    kind = np.where(question % 5 == 0, "multiple_choice", "binary")  # a question's kind is the question's
    brier = np.where(kind == "binary", rng.random(n) ** 2, 2 * rng.random(n) ** 2)
    brier[rng.random(n) < 0.02] = np.nan
    relative = np.where(rng.random(n) < 0.3, np.nan, rng.normal(0, 0.1, n))
    frame = pd.DataFrame(
        {
            "question_id": [f"q{i}" for i in question],
            "forecaster_id": [f"f{i}" for i in rng.integers(0, 60, n)],
            "kind": kind,
            "brier": brier,
            "time_avg_brier": np.clip(brier, 0, 1),
            "crowd_time_avg_brier": rng.random(n),
            "relative_brier": relative,
            "n_options": np.where(kind == "binary", np.nan, 4.0),
            "tag": [list(rng.choice(["a", "b", "c"], rng.integers(1, 3), replace=False)) for _ in range(n)],
        }
    ).drop_duplicates(["question_id", "forecaster_id"])
    intervals, coin, crowd = honest.brier_statistics(frame, by)
    pd.testing.assert_frame_equal(intervals, honest.mean_intervals(frame, by), check_exact=True)
    pd.testing.assert_frame_equal(coin, honest.versus_coin(frame, by), check_exact=True)
    expected_crowd = honest.versus_crowd(frame[frame["relative_brier"].notna()], by)
    pd.testing.assert_frame_equal(crowd, expected_crowd, check_exact=True)
    assert (coin["verdict"].str.startswith("beats")).any() or (coin["verdict"].str.startswith("worse")).any()


def test_a_group_pooling_rows_shows_the_mean_its_interval_is_about() -> None:
    """A tag whose first question has 20 forecasters (all right: Brier 0) and whose five others have one each (all
    wrong: Brier 1). Its plain mean over rows, 5 / 25 = 0.2, is not what the interval is about (each question once:
    5 / 6), and lies outside it; the leaderboard shows the mean over questions beside the interval, so that the
    printed interval is never read as one for 0.2."""
    from tracker.cli.scoring_cmds import _score_row

    rows = [("q1", f"f{i}", 0.0) for i in range(20)] + [(f"q{i}", "g", 1.0) for i in range(2, 7)]
    work = statistics.honest_frame(
        {
            "question_id": [q for q, _, _ in rows],
            "forecaster_id": [f for _, f, _ in rows],
            "kind": ["binary"] * len(rows),
            "brier": [b for _, _, b in rows],
            "time_avg_brier": [None] * len(rows),
            "crowd_time_avg_brier": [None] * len(rows),
            "relative_brier": [None] * len(rows),
            "n_options": [None] * len(rows),
            "tag": ["t"] * len(rows),
        },
        "tag",
        "(untagged)",
    )
    means: dict[str, float | None] = {}
    shown = statistics.display(statistics.compute(work, "tag", means)["t"])
    assert means["t"] == pytest.approx(5 / 6)
    assert not shown["brier_ci_low"] <= 0.2 <= shown["brier_ci_high"]
    assert shown["brier_ci_low"] <= 5 / 6 <= shown["brier_ci_high"]
    row = shown | {"tag": "t", "mean_brier": 0.2, statistics.QUESTION_MEAN: means["t"]}
    assert _score_row(row, "tag")["interval"].endswith("(of 0.833 per question)")
    # a forecaster (one row per question) has one mean: nothing is added
    alone = shown | {"tag": "t", "mean_brier": 5 / 6, statistics.QUESTION_MEAN: 5 / 6}
    assert "per question" not in _score_row(alone, "tag")["interval"]


def test_every_leaderboard_row_carries_the_mean_over_questions(grown: Ledger) -> None:
    import csv
    import io

    for args in ((), ("--by", "source"), ("--by", "tag")):
        board = list(csv.DictReader(io.StringIO(_csv(grown, *args))))
        assert board and all(r["mean_brier_questions"] != "" for r in board), args
        if not args:  # one row per question: the same mean
            assert all(float(r["mean_brier_questions"]) == pytest.approx(float(r["mean_brier"])) for r in board)
