"""Command handlers re-read and decide again when another writer moved the stream first."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tracker.app import ledger as ledger_module
from tracker.app.ledger import Ledger
from tracker.errors import ConflictError


def _sneak_in_before_append(monkeypatch: pytest.MonkeyPatch, led: Ledger, other: Ledger, times: int) -> list[int]:
    """After the handler has read the stream, another writer records a forecast on it (`times` times)."""
    real = Ledger._question_state
    calls: list[int] = []

    def stale_read(self: Ledger, conn: Any, question_id: str) -> Any:
        state = real(self, conn, question_id)
        if self is not led:  # the rival's own reads are not the handler under test
            return state
        calls.append(state.version)
        if len(calls) <= times:
            other.record_forecast(question_id, f"Rival {len(calls)}", 0.5, date(2020, 1, 1))
        return state

    monkeypatch.setattr(Ledger, "_question_state", stale_read)
    monkeypatch.setattr(ledger_module.time, "sleep", lambda _s: None)
    return calls


def test_a_conflict_is_retried_with_a_fresh_read(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    other = Ledger(ledger.url, actor="rival")
    qid = ledger.open_question("Q?", "criteria", question_id="q", opened=date(2000, 1, 1))
    calls = _sneak_in_before_append(monkeypatch, ledger, other, times=2)
    ledger.record_forecast(qid, "Ann", 0.3, date(2020, 1, 2))
    # Read at v1 (rival makes v2), read at v2 (rival makes v3), read at v3: appended as v4.
    assert calls == [1, 2, 3]
    history = ledger.log(stream=qid)
    assert [e.stream_version for e in history] == [1, 2, 3, 4]
    assert history[-1].data["forecaster"] == "Ann"
    assert ledger.verify()["ok"]
    other.close()


def test_a_stream_that_never_settles_reports_the_conflict(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    other = Ledger(ledger.url, actor="rival")
    qid = ledger.open_question("Q?", "criteria", question_id="q", opened=date(2000, 1, 1))
    _sneak_in_before_append(monkeypatch, ledger, other, times=ledger_module.CONFLICT_RETRIES)
    with pytest.raises(ConflictError):
        ledger.record_forecast(qid, "Ann", 0.3, date(2020, 1, 2))
    forecasters = [e.data["forecaster"] for e in ledger.log(stream=qid, types=["ForecastRecorded"])]
    assert "Ann" not in forecasters and len(forecasters) == ledger_module.CONFLICT_RETRIES
    other.close()
