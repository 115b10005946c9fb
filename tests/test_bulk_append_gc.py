"""A bulk append (`append_stream`) runs without passes of Python's cyclic garbage collector, and leaves the
collector as it found it: on, off, and after a failure."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection

from tracker.app.ledger import Ledger
from tracker.domain import events as ev
from tracker.store import eventstore as es
from tracker.store.db import write_transaction

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BATCHES = [(f"s{i}", [ev.Event("Thing", {"i": i}, NOW)], 0) for i in range(20)]


@pytest.fixture
def led(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", actor="tester")
    ledger.init()
    yield ledger
    ledger.close()


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("on", [True, False])
def test_paused_during_and_as_it_was_after(led: Ledger, collector: None, on: bool) -> None:
    (gc.enable if on else gc.disable)()
    seen: list[bool] = []

    def project_range(conn: Connection, lo: int, hi: int) -> None:
        seen.append(gc.isenabled())

    with write_transaction(led.engine) as conn:
        assert es.append_stream(conn, BATCHES, "tester", now=NOW, project_range=project_range).count == 20
    assert seen == [False]
    assert gc.isenabled() is on


def test_back_on_after_a_failure(led: Ledger, collector: None) -> None:
    gc.enable()

    def boom(conn: Connection, lo: int, hi: int) -> None:
        raise RuntimeError("projection failed")

    with pytest.raises(RuntimeError), write_transaction(led.engine) as conn:
        es.append_stream(conn, BATCHES, "tester", now=NOW, project_range=boom)
    assert gc.isenabled()
