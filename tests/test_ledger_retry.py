"""Command handlers read the stream under the append lock: another writer cannot move it between the read and
the append, so no conflict reaches a person who did not cause one; a conflict that does come (from a writer
outside this code) is retried, then reported as one `FIELD: message` line."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from typer.testing import CliRunner

from tracker.app import ledger as ledger_module
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.errors import ConflictError
from tracker.store import eventstore as es


def test_a_rival_waits_for_the_lock_instead_of_moving_the_stream(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Ledger(ledger.url, actor="rival")
    qid = ledger.open_question("Q?", "criteria", question_id="q", opened=date(2000, 1, 1))
    real = Ledger._question_state
    rival_done = threading.Event()
    rivals: list[threading.Thread] = []
    seen: list[int] = []

    def read_then_let_a_rival_try(self: Ledger, conn: Any, question_id: str) -> Any:
        state = real(self, conn, question_id)
        if self is led_under_test and not rivals:
            seen.append(state.version)
            t = threading.Thread(
                target=lambda: (other.record_forecast(question_id, "Rival", 0.5, date(2020, 1, 1)), rival_done.set())
            )
            rivals.append(t)
            t.start()
            # The rival cannot append while this handler holds the lock, however long it is given.
            assert not rival_done.wait(0.3)
        return state

    led_under_test = ledger
    monkeypatch.setattr(Ledger, "_question_state", read_then_let_a_rival_try)
    ledger.record_forecast(qid, "Ann", 0.3, date(2020, 1, 2))
    rivals[0].join(30)
    assert rival_done.is_set()
    history = ledger.log(stream=qid)
    assert [(e.stream_version, e.data.get("forecaster")) for e in history] == [(1, None), (2, "Ann"), (3, "Rival")]
    assert seen == [1]
    assert ledger.verify()["ok"]
    other.close()


def test_a_conflict_that_persists_is_one_line_and_writes_nothing(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    qid = ledger.open_question("Q?", "criteria", question_id="q", opened=date(2000, 1, 1))
    calls: list[int] = []

    def always_stale(conn: Any, stream_id: str, new_events: Any, expected: int, *args: Any, **kw: Any) -> Any:
        calls.append(expected)
        es._check_version(stream_id, expected + 1, expected)  # what a writer outside the lock would cause

    monkeypatch.setattr(es, "append", always_stale)
    monkeypatch.setattr(ledger_module.time, "sleep", lambda _s: None)
    with pytest.raises(ConflictError) as info:
        ledger.record_forecast(qid, "Ann", 0.3, date(2020, 1, 2))
    assert len(calls) == ledger_module.CONFLICT_RETRIES
    assert str(info.value).startswith("stream: 'question-q' changed since it was read")
    monkeypatch.undo()
    assert [e.stream_version for e in ledger.log(stream=qid)] == [1]
    result = CliRunner().invoke(app, ["--db", ledger.url, "list"])
    assert result.exit_code == 0, result.output
