"""The append-only guarantee around a bulk append on SQLite (tracker.store.sqlite `_without_replace_triggers`).

A bulk append drops the tables' no-replace triggers inside its own transaction and makes them again before it
returns. These tests hold that against every other writer: the triggers are there, with their stored text, after
a bulk append, a refused one, one whose caller catches the error and commits, and one whose transaction rolls
back; no other connection sees them missing while the append runs; and an INSERT OR REPLACE over any unique key
of a stored event (or Merkle node) is refused afterwards. PostgreSQL has no REPLACE and no such trigger: its
refusals of UPDATE, DELETE and TRUNCATE are the contract suite's (tests/test_eventstore_contract.py).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from tracker.app.ledger import Ledger
from tracker.domain import events as ev
from tracker.errors import AppendOnlyViolation, ConflictError
from tracker.projections import bulk
from tracker.store import eventstore as es
from tracker.store.db import translate_errors, write_transaction
from tracker.store.sqlite import NO_REPLACE_TRIGGERS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generator import generate  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[tuple[Ledger, Path]]:
    path = tmp_path / "ledger.sqlite"
    led = Ledger(f"sqlite:///{path}", actor="tester")
    led.init()
    yield led, path
    led.close()


def stored_triggers(path: Path) -> dict[str, str]:
    """Every trigger's stored text, read by a connection of its own (what any other writer would find)."""
    with sqlite3.connect(path) as other:
        return dict(other.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())


def bulk_append(led: Ledger, size: int = 300, seed: int = 3, **kw: Any) -> es.Appended:
    with write_transaction(led.engine) as conn:
        return es.append_stream(conn, generate(size, seed=seed).batches, "tester", now=NOW, **kw)


def test_the_triggers_are_back_with_their_text_after_a_bulk_append(ledger: tuple[Ledger, Path]) -> None:
    led, path = ledger
    before = stored_triggers(path)
    assert set(NO_REPLACE_TRIGGERS) <= set(before)
    written = bulk_append(led, project_range=bulk.project_range)
    assert written.count > 300
    assert stored_triggers(path) == before
    # and a second one, onto the rows there are, without projections
    with write_transaction(led.engine) as conn:
        more = [(f"thing-{i}", [ev.Event("Thing", {"i": i}, NOW)], 0) for i in range(50)]
        assert es.append_stream(conn, more, "tester", now=NOW).count == 50
    assert stored_triggers(path) == before


def test_no_other_connection_sees_them_missing_while_the_append_runs(ledger: tuple[Ledger, Path]) -> None:
    led, path = ledger
    before = stored_triggers(path)
    seen: list[dict[str, str]] = []

    def project_range(conn: Connection, lo: int, hi: int) -> None:
        # inside the window: the triggers are dropped in this transaction, yet another connection reads the
        # committed schema, and its REPLACE over a stored event would wait for this writer's lock anyway
        own = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())
        assert not set(NO_REPLACE_TRIGGERS) & set(own)  # the window is real: this is what is tested
        seen.append(stored_triggers(path))
        bulk.project_range(conn, lo, hi)

    bulk_append(led, project_range=project_range)
    assert seen == [before]
    assert stored_triggers(path) == before


@pytest.mark.parametrize("commit_anyway", [False, True])
def test_a_refused_bulk_append_leaves_the_triggers(ledger: tuple[Ledger, Path], commit_anyway: bool) -> None:
    led, path = ledger
    before = stored_triggers(path)
    batches = [*generate(200, seed=5).batches, ("stale-stream", [ev.Event("Thing", {}, NOW)], 7)]
    with led.engine.connect() as conn:
        transaction = conn.begin()
        with pytest.raises(ConflictError):
            es.append_stream(conn, batches, "tester", now=NOW, project_range=bulk.project_range)
        # a caller that catches the refusal and commits what its transaction holds: still no window left open
        (transaction.commit if commit_anyway else transaction.rollback)()
    assert stored_triggers(path) == before


def test_a_failure_inside_the_window_leaves_the_triggers(ledger: tuple[Ledger, Path]) -> None:
    led, path = ledger
    before = stored_triggers(path)

    def boom(conn: Connection, lo: int, hi: int) -> None:
        raise RuntimeError("projection failed")

    with pytest.raises(RuntimeError):
        bulk_append(led, project_range=boom)
    assert stored_triggers(path) == before


REPLACE = "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


@pytest.mark.parametrize("key", ["position", "event_id", "stream_version"])
def test_every_other_writer_is_refused_a_replace_after_a_bulk_append(ledger: tuple[Ledger, Path], key: str) -> None:
    """Over each unique key of a stored event: its position; its event id at a new position; its stream and
    version at a new position with a new id (the last one 0004's trigger let through: migration 0014)."""
    led, path = ledger
    bulk_append(led, project_range=bulk.project_range)
    with sqlite3.connect(path) as other:
        stored = other.execute("SELECT * FROM events WHERE position = 5").fetchone()
        count, top = other.execute("SELECT count(*), max(position) FROM events").fetchone()
        row = list(stored)
        if key != "position":
            row[0] = top + 1
        if key == "stream_version":
            row[1] = "00000000-0000-0000-0000-000000000000"
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            other.execute(REPLACE, row)
        assert other.execute("SELECT * FROM events WHERE position = 5").fetchone() == stored
        assert other.execute("SELECT count(*) FROM events").fetchone()[0] == count


def test_a_replace_of_a_merkle_node_is_refused_after_a_bulk_append(ledger: tuple[Ledger, Path]) -> None:
    led, path = ledger
    bulk_append(led, project_range=bulk.project_range)
    with sqlite3.connect(path) as other:
        level, index, h = other.execute("SELECT level, node_index, hash FROM merkle_nodes LIMIT 1").fetchone()
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            other.execute("INSERT OR REPLACE INTO merkle_nodes VALUES (?, ?, ?)", (level, index, b"\0" * 32))
        assert other.execute(
            "SELECT hash FROM merkle_nodes WHERE level = ? AND node_index = ?", (level, index)
        ).fetchone() == (h,)


def test_a_bulk_append_over_a_stored_event_is_still_refused(ledger: tuple[Ledger, Path]) -> None:
    """Inside the window the append's own plain INSERTs meet the tables' unique keys: a batch that names a stored
    event id among new ones is refused, and nothing of it is written."""
    led, _ = ledger
    bulk_append(led)
    batches = list(generate(300, seed=3).batches)
    stream, evs, _expected = batches[0]
    mixed = [(stream + "-x", [*evs, ev.Event("Thing", {}, NOW, None)], 0)]
    with led.engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM events").scalar()
    with pytest.raises(ConflictError), translate_errors(), write_transaction(led.engine) as conn:
        es.append_stream(conn, mixed, "tester", now=NOW, project_range=bulk.project_range)
    with led.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == before


def test_the_database_still_refuses_update_and_delete_after_a_bulk_append(ledger: tuple[Ledger, Path]) -> None:
    led, _ = ledger
    bulk_append(led, project_range=bulk.project_range)
    for sql in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events WHERE position = 1"):
        with pytest.raises(AppendOnlyViolation), translate_errors(), led.engine.begin() as conn:
            conn.exec_driver_sql(sql)
