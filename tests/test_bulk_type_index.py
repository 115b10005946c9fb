"""The events' type index around a bulk append into an empty SQLite ledger (tracker.store.eventstore.append_stream).

Such an append drops `ix_events_event_type` inside its own transaction and builds it again from the rows before the
projections read it (`SqliteBackend.rewriting`). These tests hold that the index is there, with its stored text,
after the append, after a refused one whose caller commits anyway or rolls back, and after a failure; that no
other connection sees it missing meanwhile; and that an append onto a ledger with events keeps it all along.
PostgreSQL keeps every index (its `rewriting` does nothing).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.app.ledger import Ledger
from tracker.domain import events as ev
from tracker.errors import ConflictError
from tracker.projections import bulk
from tracker.store import eventstore as es
from tracker.store.db import write_transaction

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generator import generate  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)
INDEX = "ix_events_event_type"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[tuple[Ledger, Path]]:
    path = tmp_path / "ledger.sqlite"
    led = Ledger(f"sqlite:///{path}", actor="tester")
    led.init()
    yield led, path
    led.close()


def index_text(source: sqlite3.Connection | Path) -> str | None:
    """The index's stored text, from a connection of its own (what any other one reads) or a given one."""
    query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?"
    if isinstance(source, Path):
        with sqlite3.connect(source) as other:
            row = other.execute(query, (INDEX,)).fetchone()
    else:
        row = source.execute(query, (INDEX,)).fetchone()
    return None if row is None else str(row[0])


def test_the_index_is_back_with_its_text_after_a_bulk_append_into_an_empty_ledger(ledger: tuple[Ledger, Path]) -> None:
    led, path = ledger
    before = index_text(path)
    assert before is not None and "event_type" in before
    own: list[str | None] = []
    others: list[str | None] = []

    def progress(_: int) -> None:
        own.append(index_text(conn.connection.driver_connection))  # type: ignore[arg-type]
        others.append(index_text(path))

    with write_transaction(led.engine) as conn:
        written = es.append_stream(
            conn, generate(300, seed=3).batches, "tester", now=NOW, progress=progress, project_range=bulk.project_range
        )
    assert written.count > 300
    assert own and set(own) == {None}  # the window is real: this is what is tested
    assert set(others) == {before}  # no other connection saw it missing
    assert index_text(path) == before
    assert led.verify()["ok"]


def test_an_append_onto_a_ledger_with_events_keeps_the_index(ledger: tuple[Ledger, Path]) -> None:
    led, path = ledger
    with write_transaction(led.engine) as conn:
        es.append_stream(conn, generate(100, seed=4).batches, "tester", now=NOW, project_range=bulk.project_range)
    before = index_text(path)
    own: list[str | None] = []
    with write_transaction(led.engine) as conn:
        more = [(f"thing-{i}", [ev.Event("Thing", {"i": i}, NOW)], 0) for i in range(50)]
        es.append_stream(
            conn,
            more,
            "tester",
            now=NOW,
            progress=lambda _: own.append(index_text(conn.connection.driver_connection)),  # type: ignore[arg-type]
            project_range=bulk.project_range,
        )
    assert own and set(own) == {before}
    assert index_text(path) == before


@pytest.mark.parametrize("commit_anyway", [False, True])
def test_a_refused_bulk_append_leaves_the_index(ledger: tuple[Ledger, Path], commit_anyway: bool) -> None:
    led, path = ledger
    before = index_text(path)
    batches = [*generate(200, seed=5).batches, ("stale-stream", [ev.Event("Thing", {}, NOW)], 7)]
    with led.engine.connect() as conn:
        transaction = conn.begin()
        with pytest.raises(ConflictError):
            es.append_stream(conn, batches, "tester", now=NOW, project_range=bulk.project_range)
        # a caller that catches the refusal and commits what its transaction holds: the index is still there
        (transaction.commit if commit_anyway else transaction.rollback)()
    assert index_text(path) == before


def test_a_failure_while_the_index_is_dropped_leaves_it(ledger: tuple[Ledger, Path]) -> None:
    led, path = ledger
    before = index_text(path)

    def boom(_: int) -> None:
        raise RuntimeError("failed mid-write")

    with pytest.raises(RuntimeError), write_transaction(led.engine) as conn:
        es.append_stream(
            conn, generate(100, seed=6).batches, "tester", now=NOW, progress=boom, project_range=bulk.project_range
        )
    assert index_text(path) == before
