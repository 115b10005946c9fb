"""Tamper evidence: with the append-only triggers out of the way, an edit of the log is still caught
by `tracker verify` (exit code 7, IntegrityError) at the exact position; so is an edited projection."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from conftest import tracker
from sqlalchemy import Engine, text
from test_cli import failed

from tracker.app.ledger import Ledger
from tracker.errors import IntegrityError, UserError
from tracker.store import eventstore as es
from tracker.store.db import is_postgres, make_engine

N_EVENTS = 5


@pytest.fixture
def url(db_url: str) -> Iterator[str]:
    led = Ledger(db_url, actor="tester")
    led.init()
    qid = led.open_question(
        "Will it rain?", "YES if it rains", question_id="rain", tags=("weather",), opened=date(2000, 1, 1)
    )
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


# ------------------------------------------------------------------------------ anchors (verify --anchor / --against)


def forge_tree(engine: Engine) -> None:
    """The last part of a forger's job: replace the stored Merkle tree by the one the edited events make."""
    from tracker.store import merkletree

    with engine.begin() as conn:
        if is_postgres(conn):
            conn.execute(text("ALTER TABLE merkle_nodes DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS merkle_nodes_no_delete"))
        conn.execute(text("DELETE FROM merkle_nodes"))
        merkletree.build(conn)


def rewrite_history(engine: Engine, position: int, old: str, new: str) -> None:
    """A forger's full job: edit the row at `position`, recompute every hash from there to the head, and the
    stored Merkle tree."""
    drop_triggers(engine)
    with engine.connect() as conn:
        rows = list(es.raw_rows(conn))
    prev = es.GENESIS_HASH
    with engine.begin() as conn:
        for row in rows:
            if row["position"] == position:
                assert old in row["payload"]
                row["payload"] = row["payload"].replace(old, new)
            row["prev_hash"] = prev
            row["hash"] = prev = es.chain_hash(row)
            conn.execute(
                text("UPDATE events SET payload = :p, prev_hash = :ph, hash = :h WHERE position = :pos"),
                {"p": row["payload"], "ph": row["prev_hash"], "h": row["hash"], "pos": row["position"]},
            )
    forge_tree(engine)


def take_anchor(url: str) -> str:
    result = tracker(url, "verify", "--anchor")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()  # the anchor alone on stdout, so that `>> anchors.txt` keeps just it
    assert "keep this anchor somewhere" in result.stderr and f"--against {line}" in result.stderr
    return line


def test_anchor_is_the_head_and_json_carries_it(url: str, engine: Engine) -> None:
    anchor = take_anchor(url)
    with engine.connect() as conn:
        assert anchor == es.format_anchor(*es.head(conn)) == f"{N_EVENTS}:{head_hash(engine)}"
    data = json.loads(tracker(url, "verify", "--anchor", "--json").stdout)
    assert data["ok"] is True and data["anchor"] == anchor


def test_ledger_that_grew_still_extends_its_anchor(url: str, engine: Engine) -> None:
    anchor = take_anchor(url)
    led = Ledger(url, actor="tester")
    led.record_forecast("rain", "Cy Example", 0.5, date(2020, 1, 3))
    led.close()
    result = tracker(url, "verify", "--against", anchor)
    assert result.exit_code == 0, result.output
    assert f"extends the anchor {anchor}" in result.stdout and f"ok: {N_EVENTS + 1} events" in result.stdout
    data = json.loads(tracker(url, "verify", "--against", anchor, "--json").stdout)
    assert (data["ok"], data["anchor_ok"], data["anchor"]) == (True, True, anchor)
    # An older anchor, and the empty ledger's, are extended too.
    with engine.connect() as conn:
        second = es.format_anchor(2, next(r["hash"] for r in es.raw_rows(conn) if r["position"] == 2))
    assert tracker(url, "verify", "--against", second).exit_code == 0
    assert tracker(url, "verify", "--against", f"0:{es.GENESIS_HASH}").exit_code == 0


@pytest.mark.parametrize("edited", [2, N_EVENTS])
def test_history_rewritten_and_rehashed_before_the_anchor_is_caught(url: str, engine: Engine, edited: int) -> None:
    """The forger edits an event at or before the anchor, recomputes the whole chain and rebuilds the
    projections: plain `verify` passes (the ledger is consistent), only the anchor exposes the edit."""
    anchor = take_anchor(url)
    old, new = {2: ("0.3", "0.9"), N_EVENTS: ('"no"', '"yes"')}[edited]
    rewrite_history(engine, edited, old, new)
    assert tracker(url, "rebuild").exit_code == 0
    assert tracker(url, "verify").exit_code == 0  # consistent, hence the need for an anchor kept elsewhere
    line = assert_caught(tracker(url, "verify", "--against", anchor), "does not extend the anchor", "rewritten")
    assert anchor.split(":")[1][:12] in line
    data = json.loads(tracker(url, "verify", "--against", anchor, "--json").stdout)
    assert data["ok"] is False and data["anchor_ok"] is False and data["projections_ok"] is True


def test_history_after_the_anchor_may_change_without_breaking_it(url: str, engine: Engine) -> None:
    """What the anchor proves is exactly "history up to here is unchanged": an edit after it is for plain
    verify (here: rehashed, so only a later anchor would catch it)."""
    with engine.connect() as conn:
        rows = list(es.raw_rows(conn))
    anchor = es.format_anchor(3, rows[2]["hash"])
    rewrite_history(engine, 5, '"no"', '"yes"')
    assert tracker(url, "rebuild").exit_code == 0
    assert tracker(url, "verify", "--against", anchor).exit_code == 0


def test_edit_before_the_anchor_with_its_stored_hash_left_alone(url: str, engine: Engine) -> None:
    """The other half of the proof: the stored hash at the anchor is right, but the rows before it no longer
    hash to it. (Plain verify catches this too; the anchor check must not rely on it.)"""
    anchor_position, anchor_hash = N_EVENTS, head_hash(engine)
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET payload = REPLACE(payload, '0.3', '0.4') WHERE position = 2"))
    with engine.connect() as conn:
        report = es.verify_anchor(conn, anchor_position, anchor_hash)
    assert not report.ok and "no longer hash to the anchor" in (report.problem or "")
    assert_caught(tracker(url, "verify", "--against", f"{anchor_position}:{anchor_hash}"), "at position 2")


def test_ledger_cut_short_before_the_anchor(url: str, engine: Engine) -> None:
    anchor = take_anchor(url)
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position = :p"), {"p": N_EVENTS})
    assert tracker(url, "rebuild").exit_code == 0
    assert tracker(url, "verify").exit_code == 0
    assert_caught(tracker(url, "verify", "--against", anchor), f"ends at position {N_EVENTS - 1}")


def test_anchor_hash_compares_case_insensitively(url: str) -> None:
    anchor = take_anchor(url)
    assert tracker(url, "verify", "--against", anchor.upper()).exit_code == 0
    wrong = anchor[:-1] + ("0" if anchor[-1] != "0" else "1")
    assert_caught(tracker(url, "verify", "--against", wrong), "not the anchor's")


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("", "not an anchor"),
        ("5", "not an anchor"),
        ("abc", "not an anchor"),
        (f"x:{'a' * 64}", "'x' is not a position"),
        (f"-1:{'a' * 64}", "'-1' is not a position"),
        (f"1.5:{'a' * 64}", "not a position"),
        (f"{2**64}:{'a' * 64}", "not a position"),
        ("5:abc", "not a SHA-256 hash"),
        (f"5:{'g' * 64}", "not a SHA-256 hash"),
        (f"5:{'a' * 65}", "not a SHA-256 hash"),
        (f"5:{'a' * 64}:7", "not a SHA-256 hash"),
    ],
)
def test_malformed_anchor_is_one_line_user_error(url: str, bad: str, says: str) -> None:
    failed(tracker(url, "verify", "--against", bad), UserError, ["against: ", says])


@pytest.mark.parametrize("column", ["recorded_at", "occurred_at"])
@pytest.mark.parametrize("stored", ["garbage", "0000-00-00 00:00:00", ""])
@pytest.mark.parametrize(
    "args",
    [
        ["verify"],
        ["log"],
        ["export", "events", "--format", "csv", "--out", "{tmp}/e.csv"],
        ["site", "--out", "{tmp}/s"],
    ],
    ids=["verify", "log", "export", "site"],
)
def test_a_stored_time_that_is_no_time_is_caught_in_one_line(
    url: str, engine: Engine, tmp_path: Path, column: str, stored: str, args: list[str]
) -> None:
    """Only an edit outside the tracker stores a text that is no time (SQLite keeps any text in any column): every
    command that reads it says so in one line (exit 7) and writes nothing, instead of an internal error (exit 70)."""
    if is_postgres(engine):
        pytest.skip("PostgreSQL's timestamptz refuses such a value itself")
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE events SET {column} = :t WHERE position = 3"), {"t": stored})
    before = sorted(os.listdir(tmp_path))
    line = failed(tracker(url, *[a.format(tmp=tmp_path) for a in args]), IntegrityError, [repr(stored)])
    assert line.startswith("error: verification failed"), line
    assert sorted(os.listdir(tmp_path)) == before
