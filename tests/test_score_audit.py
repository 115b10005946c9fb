"""`tracker verify` recomputes the last scoring run's scores from the events: a falsified row in any score table
is found (exit 7, naming the table, forecaster, question and column), on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.scoring import SCORING_VERSION
from tracker.scoring.audit import audit_scores
from tracker.scoring.job import run_scoring
from tracker.store.db import make_engine, read_transaction


@pytest.fixture
def url(db_url: str) -> Iterator[str]:
    """Two runs: the first scores 'rain', the second 'who' (so the stored rows come from different runs)."""
    led = Ledger(db_url, actor="tester")
    led.init()
    led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
    led.record_forecast("rain", "Andrei Tikhonov", 0.3, date(2020, 1, 1))
    led.record_forecast("rain", "Ann Example", 0.8, date(2020, 1, 2))
    led.resolve("rain", "yes", date(2020, 2, 1))
    assert run_scoring(led.engine).status == "ok"
    led.open_question("Who wins?", "C", "who", "multiple_choice", ("a", "b", "c"), opened=date(2000, 1, 1))
    led.record_forecast("who", "Andrei Tikhonov", {"a": 0.2, "b": 0.5, "c": 0.3}, date(2020, 3, 1))
    led.record_forecast("who", "Ann Example", {"a": 0.6, "b": 0.4}, date(2020, 3, 2))
    led.record_forecast("who", "Bob Example", {"a": 1.0}, date(2020, 3, 3))
    led.resolve("who", "a", date(2020, 4, 1))
    assert run_scoring(led.engine).status == "ok"
    led.close()
    yield db_url


def verify(url: str) -> Result:
    return CliRunner().invoke(app, ["--db", url, "verify"])


def tamper(url: str, sql: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        assert conn.execute(text(sql)).rowcount == 1, sql
    engine.dispose()


def test_scores_of_the_last_run_are_proven(url: str) -> None:
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert "scores of run 2 (through position 9) equal a recomputation from the events" in result.stdout


def test_events_after_the_last_run_do_not_count_against_it(url: str) -> None:
    led = Ledger(url, actor="tester")
    led.record_forecast("rain", "Carla Late", 0.9, date(2020, 1, 3))
    report = led.verify()
    assert report["ok"] and report["scores_ok"] and report["scores_through_position"] == 9, report
    led.close()


FALSIFIED = [
    (
        "UPDATE question_scores SET brier = 0 WHERE forecaster_id = 'andrei-tikhonov' AND question_id = 'rain'",
        ["question_scores", "question 'rain'", "forecaster 'andrei-tikhonov'", "column 'brier'"],
    ),
    (
        "UPDATE question_scores SET time_avg_brier = 0.01 WHERE forecaster_id = 'ann-example' AND question_id = 'who'",
        ["question_scores", "question 'who'", "forecaster 'ann-example'", "column 'time_avg_brier'"],
    ),
    (
        "UPDATE forecast_scores SET brier = 0.5 WHERE forecaster_id = 'bob-example'",
        ["forecast_scores", "forecast '", "column 'brier'"],
    ),
    (
        "UPDATE forecast_scores SET status = 'withdrawn' WHERE forecaster_id = 'bob-example'",
        ["forecast_scores", "column 'status'"],
    ),
    (
        "UPDATE score_history SET mean_brier = 0 WHERE forecaster_id = 'andrei-tikhonov' AND run_id = 2",
        ["score_history", "forecaster 'andrei-tikhonov'", "column 'mean_brier'"],
    ),
    (
        "DELETE FROM question_scores WHERE forecaster_id = 'bob-example'",
        ["question_scores", "no stored row", "forecaster 'bob-example'"],
    ),
    (
        "INSERT INTO question_scores (question_id, forecaster_id, forecast_id, kind, made_at, known_on, outcome, "
        "brier, n_forecasters, run_id) VALUES ('rain', 'mallory', 'f-x', 'binary', '2020-01-01', '2020-02-01', "
        "'yes', 0, 1, 2)",
        ["question_scores", "forecaster 'mallory'", "does not give"],
    ),
    (
        "DELETE FROM score_history WHERE forecaster_id = 'bob-example'",
        ["score_history", "no row for forecaster 'bob-example'"],
    ),
]


@pytest.mark.parametrize(("sql", "says"), FALSIFIED, ids=[f"{i}" for i in range(len(FALSIFIED))])
def test_a_falsified_score_row_is_found(url: str, sql: str, says: list[str]) -> None:
    tamper(url, sql)
    result = verify(url)
    assert result.exit_code == 7, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: verification failed: the stored scores differ"), lines
    for needle in says:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_the_leaderboard_cannot_be_quietly_rewritten(url: str) -> None:
    """The tester's example: Tikhonov's Brier set to 0 in the table people read, verify says so."""
    tamper(url, "UPDATE question_scores SET brier = 0 WHERE forecaster_id = 'andrei-tikhonov' AND question_id = 'who'")
    led = Ledger(url, actor="tester")
    with read_transaction(led.engine) as conn:
        audit = audit_scores(conn)
    assert not audit.ok and audit.run_id == 2 and "andrei-tikhonov" in str(audit.problem)
    led.close()


def test_no_run_and_no_rows_is_fine_but_rows_without_a_run_are_not(db_url: str) -> None:
    led = Ledger(db_url, actor="tester")
    led.init()
    assert led.verify()["scores_ok"] is True
    tamper(
        db_url,
        "INSERT INTO score_history (run_id, forecaster_id, n_scored, n_relative, n_binary) "
        "VALUES (1, 'mallory', 1, 0, 0)",
    )
    report = led.verify()
    assert not report["ok"] and "no scoring run succeeded" in report["problem"]
    led.close()


# ------------------------------------------------------------------------------ every run, not only the last


def tracker_cli(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", url, *args])


def run_one_leaders(url: str) -> list[tuple[str, float]]:
    rows = json.loads(tracker_cli(url, "scores", "--run", "1", "--json").stdout)
    return [(r["forecaster_id"], r["mean_brier"]) for r in rows]


def test_every_run_is_proven_and_the_cli_says_how_many(url: str) -> None:
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert "2 scoring runs of 2 proven" in result.stdout
    report = Ledger(url, actor="tester").verify()
    assert report["runs_checked"] == 2 and report["runs_unproven"] == [] and report["runs_history_rows_checked"] == 5


def test_a_forged_figure_of_an_older_run_is_found(url: str) -> None:
    """Ann's run-1 leaderboard row is no longer her latest (run 2 wrote another): the last run's check cannot see
    it, but `scores --run 1` shows it. Her Brier on 'rain' was (0.8 - 1)^2 = 0.04."""
    assert run_one_leaders(url)[0] == ("ann-example", pytest.approx(0.04))
    tamper(url, "UPDATE score_history SET mean_brier = 0.001 WHERE forecaster_id = 'ann-example' AND run_id = 1")
    assert run_one_leaders(url)[0] == ("ann-example", 0.001)
    result = verify(url)
    assert result.exit_code == 7, result.output
    line = result.stderr.strip()
    for needle in ("score_history: forecaster 'ann-example', column 'mean_brier': stored 0.001", "scoring run 1 "):
        assert needle in line, line


FORGED_RUNS = [
    (  # a run that never happened, copied from the last one
        'INSERT INTO scoring_runs (started_at, finished_at, status, "full", previous_position, through_position, '
        'questions_rescored, changed, holder, scoring_version) SELECT started_at, finished_at, status, "full", '
        "previous_position, through_position, questions_rescored, changed, holder, scoring_version "
        "FROM scoring_runs WHERE run_id = 2",
        "scoring_runs: run 3: starts from position 4, but the run before it scored through 9",
    ),
    (
        "UPDATE scoring_runs SET through_position = 3 WHERE run_id = 1",
        "scoring run 1 (through position 3)",
    ),
    (
        "UPDATE scoring_runs SET through_position = 99 WHERE run_id = 2",
        "scoring_runs: run 2: scored through position 99, beyond the log's head (9)",
    ),
    (
        "UPDATE scoring_runs SET questions_rescored = 7 WHERE run_id = 1",
        "scoring_runs: questions_rescored: stored 7, recomputed from the events 1 (scoring run 1",
    ),
    (
        "UPDATE scoring_runs SET changed = replace(changed, '\"scores_added\": 3', '\"scores_added\": 30') "
        "WHERE run_id = 2",
        "scoring_runs: changed.scores_added: stored 30, recomputed from the events 3 (scoring run 2",
    ),
    (
        "UPDATE scoring_runs SET status = 'failed' WHERE run_id = 1",
        "score_history: a row for forecaster 'andrei-tikhonov' of run 1, which is not a successful scoring run",
    ),
    (
        "INSERT INTO score_history (run_id, forecaster_id, n_scored, mean_brier, n_relative, n_binary) "
        "VALUES (1, 'mallory', 1, 0.001, 0, 1)",
        "score_history: forecaster 'mallory' has a score (1 scored) that scoring run 2",  # still her latest row
    ),
]


@pytest.mark.parametrize(("sql", "says"), FORGED_RUNS, ids=[f"{i}" for i in range(len(FORGED_RUNS))])
def test_a_forged_run_record_is_found(url: str, sql: str, says: str) -> None:
    tamper(url, sql)
    result = verify(url)
    assert result.exit_code == 7, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: verification failed: the stored scores differ"), lines
    assert says in lines[0], lines[0]


def test_a_run_of_an_earlier_version_of_the_formulas_is_shown_unproven(url: str) -> None:
    """A run recorded before runs kept their version (or by another version) cannot be held to today's
    recomputation: verify passes but names it, and the leaderboard as of it says UNPROVEN in its title."""
    tamper(url, "UPDATE scoring_runs SET scoring_version = NULL WHERE run_id = 1")
    assert verify(url).exit_code == 0  # its figures still equal the recomputation: nothing to flag in verify
    tamper(url, "UPDATE score_history SET mean_brier = 0.001 WHERE forecaster_id = 'ann-example' AND run_id = 1")
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert "1 scoring run of 2 proven" in result.stdout
    assert "unproven: 1 run (1) recorded by an earlier version of the scoring formulas" in result.stdout
    assert Ledger(url, actor="tester").verify()["runs_unproven"] == [1]
    flag = "unproven: 1 scoring run (1) recorded by an earlier version of the scoring formulas"
    for args in (
        ["scores", "--run", "1"],
        ["scores", "--run", "1", "--json"],
        ["runs"],
        ["scores", "--run", "1", "--format", "csv"],
    ):
        shown = tracker_cli(url, *args)
        assert shown.exit_code == 0 and flag in shown.stderr, (args, shown.output)
    assert run_one_leaders(url)[0] == ("ann-example", 0.001)  # still readable, and said to be unproven
    # the live leaderboard is checked whole by verify's check of the last run: nothing to flag there
    latest = tracker_cli(url, "scores")
    assert latest.exit_code == 0 and "unproven" not in latest.stderr
    # the same edit in a run of this version is an error, not a flag
    tamper(url, "UPDATE scoring_runs SET scoring_version = 1 WHERE run_id = 1")
    assert verify(url).exit_code == 7


def test_runs_record_the_version_of_the_formulas(url: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT DISTINCT scoring_version FROM scoring_runs")).scalars().all()
    engine.dispose()
    assert versions == [SCORING_VERSION]
