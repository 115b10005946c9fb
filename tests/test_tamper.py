"""Tamper evidence: with the append-only triggers out of the way, an edit of the log is still caught
by `tracker verify` (exit code 7, IntegrityError) at the exact position; so is an edited projection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import Result
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.errors import IntegrityError
from tracker.store import eventstore as es
from tracker.store.db import is_postgres, make_engine

N_EVENTS = 5


@pytest.fixture
def url(db_url: str) -> Iterator[str]:
    led = Ledger(db_url, actor="tester")
    led.init()
    qid = led.open_question("Will it rain?", "YES if it rains", question_id="rain", tags=("weather",))
    led.record_forecast(qid, "Ann Example", 0.3, date(2020, 1, 1))  # position 2
    led.record_forecast(qid, "Bob Example", 0.8, date(2020, 1, 2))  # position 3
    led.clarify(qid, "sharper", criteria="YES if 1 mm of rain falls")  # position 4
    led.resolve(qid, "no", date(2020, 2, 1))  # position 5
    led.close()
    yield db_url


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    yield engine
    engine.dispose()


def drop_triggers(engine: Engine) -> None:
    with engine.begin() as conn:
        if is_postgres(conn):
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("DROP TRIGGER events_no_delete"))


def tracker(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", url, *args])


def assert_caught(result: Result, *needles: str) -> str:
    assert result.exit_code == IntegrityError.exit_code == 7, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: verification failed")
    for needle in needles:
        assert needle in line, line
    assert "Traceback" not in result.output
    return line


def head_hash(engine: Engine) -> str:
    with engine.connect() as conn:
        return es.head(conn)[1]


def test_untouched_ledger_verifies(url: str) -> None:
    result = tracker(url, "verify")
    assert result.exit_code == 0, result.output
    assert f"ok: {N_EVENTS} events" in result.stdout


@pytest.mark.parametrize(
    ("position", "sql"),
    [
        (2, "UPDATE events SET payload = REPLACE(payload, '0.3', '0.9') WHERE position = 2"),
        (3, "UPDATE events SET payload = REPLACE(payload, 'Bob Example', 'Rob Example') WHERE position = 3"),
        (1, "UPDATE events SET actor = 'mallory' WHERE position = 1"),
        (5, "UPDATE events SET stream_id = 'question-other' WHERE position = 5"),
        (4, "UPDATE events SET event_type = 'QuestionAnnulled' WHERE position = 4"),
    ],
)
def test_edited_event_is_reported_at_its_position(url: str, engine: Engine, position: int, sql: str) -> None:
    drop_triggers(engine)
    with engine.begin() as conn:
        assert conn.execute(text(sql)).rowcount == 1
    assert_caught(tracker(url, "verify"), f"at position {position}", "does not match its hash")
    report = tracker(url, "verify", "--json")
    assert report.exit_code == 7
    data = json.loads(report.stdout)
    assert data["ok"] is False
    assert data["first_bad_position"] == position
    assert data["events_checked"] == position - 1


def test_edited_time_is_reported(url: str, engine: Engine) -> None:
    drop_triggers(engine)
    with engine.begin() as conn:
        row = conn.execute(text("SELECT recorded_at FROM events WHERE position = 3")).one()
        conn.execute(text("UPDATE events SET recorded_at = :t WHERE position = 3"), {"t": row[0]})  # same value
    assert tracker(url, "verify").exit_code == 0  # a no-op update changes nothing
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET occurred_at = recorded_at WHERE position = 3"))
    assert_caught(tracker(url, "verify"), "at position 3")


def test_edit_with_a_recomputed_hash_breaks_the_next_link(url: str, engine: Engine) -> None:
    """A forger who rehashes the edited row still breaks the chain at the row after it."""
    drop_triggers(engine)
    with engine.connect() as conn:
        (row,) = [r for r in es.raw_rows(conn) if r["position"] == 2]
    original = row["hash"]
    row["payload"] = row["payload"].replace("0.3", "0.9")
    row["hash"] = es.chain_hash(row)
    assert row["hash"] != original
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE events SET payload = :p, hash = :h WHERE position = 2"),
            {"p": row["payload"], "h": row["hash"]},
        )
    assert_caught(tracker(url, "verify"), "at position 3", "previous-hash")


def test_rewritten_tail_is_caught_only_against_an_anchored_head(url: str, engine: Engine) -> None:
    """Rehashing the last row (and rebuilding the projections) leaves a consistent ledger: only a
    head hash exported earlier (the anchor) exposes it, which is why `info` and `verify` print it."""
    anchor = json.loads(tracker(url, "info", "--json").stdout)["head_hash"]
    drop_triggers(engine)
    with engine.connect() as conn:
        last = list(es.raw_rows(conn))[-1]
    last["payload"] = last["payload"].replace('"no"', '"yes"')
    last["hash"] = es.chain_hash(last)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE events SET payload = :p, hash = :h WHERE position = :pos"),
            {"p": last["payload"], "h": last["hash"], "pos": last["position"]},
        )
    # The projections still say "no": caught as a mismatch with a replay...
    assert_caught(tracker(url, "verify"), "projection table")
    # ...until the forger rebuilds them too. Then only the anchor tells.
    assert tracker(url, "rebuild").exit_code == 0
    report = tracker(url, "verify", "--json")
    assert report.exit_code == 0
    data = json.loads(report.stdout)
    assert data["ok"] is True
    assert data["head_hash"] == last["hash"] == head_hash(engine)
    assert data["head_hash"] != anchor


def test_deleted_event_is_reported_as_missing(url: str, engine: Engine) -> None:
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position = 3"))
    assert_caught(tracker(url, "verify"), "at position 3", "position 3 is missing")


def test_deleted_last_event_is_caught_by_the_projections(url: str, engine: Engine) -> None:
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position = 5"))
    assert_caught(tracker(url, "verify"), "projection table")


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("UPDATE questions SET title = 'Will it snow?' WHERE question_id = 'rain'", "questions"),
        ("UPDATE forecasts SET p_yes = 0.99 WHERE forecaster_id = 'ann-example'", "forecasts"),
        ("DELETE FROM resolutions", "resolutions"),
        ("INSERT INTO question_tags (question_id, tag) VALUES ('rain', 'forged')", "question_tags"),
    ],
)
def test_edited_projection_is_caught_and_rebuild_repairs_it(url: str, engine: Engine, sql: str, table: str) -> None:
    # No triggers protect projections: they are derived data, checked against a replay.
    with engine.begin() as conn:
        assert conn.execute(text(sql)).rowcount == 1
    line = assert_caught(tracker(url, "verify"), f"projection table '{table}'", "differs from a replay")
    assert "at position" not in line  # the log itself is intact
    data = json.loads(tracker(url, "verify", "--json").stdout)
    assert data["projections_ok"] is False and data["first_bad_position"] is None
    rebuilt = tracker(url, "rebuild")
    assert rebuilt.exit_code == 0 and f"from {N_EVENTS} events" in rebuilt.stdout
    assert tracker(url, "verify").exit_code == 0
