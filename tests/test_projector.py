"""`project` writes a batch's effects one statement per table (tracker.projections.projector._Batch): whatever the
split of the log into `project` calls (one event at a time, as a CLI append; one stream, as an import; thousands,
as a rebuild), the projection tables come out the same. Checked on a generated ledger with every event type."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tracker.app.ledger import Ledger, _memory_engine, _table_rows
from tracker.domain import commands as c
from tracker.projections.projector import project
from tracker.store import eventstore as es
from tracker.store.db import read_transaction, write_transaction
from tracker.store.schema import PROJECTION_TABLES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generator import generate  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ledger(db_url: str) -> Iterator[Ledger]:
    led = Ledger(db_url, actor="tester")
    led.init()
    ds = generate(1200, seed=11)
    # a bulk import: one `project` call per stream batch (and, in a bulk path, one for all of them)
    with write_transaction(led.engine) as conn:
        es.append_many(conn, ds.batches, "tester", project, now=NOW)
    # then single-event appends touching rows that already exist: a forecaster's role, a rescale, a withdrawal
    verbal = next(f for f in ds.forecasts if f.p_low is not None)
    forecaster = next(name for fid, name in ds.forecasters if fid == verbal.forecaster_id)
    led.question_command(c.RescaleForecast(verbal.question_id, verbal.forecast_id, 2, 0.7, 0.6, 0.75, "scale v2", NOW))
    led.record_forecast(verbal.question_id, forecaster, {"yes": 0.4, "no": 0.6}, date(2025, 1, 1), role="minister")
    open_q = next(q for q in ds.questions if q.status == "open" and q.kind == "binary")
    fid = led.record_forecast(open_q.question_id, forecaster, 0.3, date(2025, 2, 1), role="senator")
    led.withdraw_forecast(fid, "wrong person")
    led.clarify(open_q.question_id, "clearer", criteria="New criteria.", resolve_by=date(2027, 1, 1))
    led.resolve(open_q.question_id, "no", date(2025, 3, 1))
    led.correct(open_q.question_id, "yes", date(2025, 3, 2), "misread")
    led.annul(open_q.question_id, "void")
    led.reopen(open_q.question_id, "not void")
    yield led
    led.close()


def replay(recorded: Sequence[es.RecordedEvent], sizes: Iterator[int]) -> Engine:
    memory = _memory_engine()
    with memory.begin() as conn:
        i = 0
        while i < len(recorded):
            n = next(sizes)
            project(conn, recorded[i : i + n])
            i += n
    return memory


def tables(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {t.name: _table_rows(conn, t) for t in PROJECTION_TABLES}


def test_any_split_into_batches_gives_the_same_tables(ledger: Ledger) -> None:
    with read_transaction(ledger.engine) as conn:
        recorded = list(es.read(conn))
    types = {e.event_type for e in recorded}
    assert len(types) == 10, types  # every event type is in the ledger
    live = tables(ledger.engine)
    one_by_one = replay(recorded, iter(lambda: 1, None))
    expected = tables(one_by_one)
    assert live == expected
    rng = random.Random(5)
    for sizes in (
        iter(lambda: len(recorded), None),
        iter(lambda: 7, None),
        iter(lambda: 500, None),
        iter(lambda: rng.randint(1, 60), None),
    ):
        assert tables(replay(recorded, sizes)) == expected


def test_rebuild_equals_the_incremental_tables(ledger: Ledger) -> None:
    before = tables(ledger.engine)
    assert ledger.verify()["ok"]
    ledger.rebuild()
    assert tables(ledger.engine) == before
