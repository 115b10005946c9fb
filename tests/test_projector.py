"""`project` writes a batch's effects one statement per table (tracker.projections.projector._Batch): whatever the
split of the log into `project` calls (one event at a time, as a CLI append; one stream, as an import; thousands,
as a rebuild), the projection tables come out the same. Checked on a generated ledger with every event type."""

from __future__ import annotations

import random
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tracker.app.ledger import Ledger, _table_rows
from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.errors import ConflictError
from tracker.projections.projector import project
from tracker.read.snapshot import memory_projections
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
    memory = memory_projections()
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


def _interleaved(ds: object, streams: int) -> list[tuple[str, list[ev.Event], int]]:
    """Each stream's events as one-event batches, streams taken in turn (as an import runs one command after
    the other): a stream comes back in many batches, each expecting the version the one before left."""
    queues = [(s, list(evs)) for s, evs, _ in ds.batches[:streams]]  # type: ignore[attr-defined]
    out: list[tuple[str, list[ev.Event], int]] = []
    version = {s: 0 for s, _ in queues}
    while any(q for _, q in queues):
        for s, q in queues:
            if q:
                e = q.pop(0)  # every event gets an id here, so that the two logs can be compared
                e = ev.Event(
                    e.type, e.data, e.occurred_at, e.event_id or str(uuid.uuid5(uuid.NAMESPACE_URL, s + repr(e)))
                )
                out.append((s, [e], version[s]))
                version[s] += 1
    return out


def _log(engine: Engine) -> list[tuple[object, ...]]:
    with read_transaction(engine) as conn:
        return [tuple(r.values()) for r in es.raw_rows(conn)]


def test_append_many_with_streams_in_many_batches_equals_appending_one_after_the_other(db_url: str) -> None:
    batches = _interleaved(generate(400, seed=3), 25)
    assert len({s for s, _, _ in batches}) < len(batches)
    bulk = Ledger(db_url, actor="tester")
    bulk.init()
    with write_transaction(bulk.engine) as conn:
        out = es.append_many(conn, batches, "tester", project, now=NOW)
    assert len(out) == sum(len(evs) for _, evs, _ in batches)
    one_by_one = Ledger(f"sqlite:///{Path(tempfile.mkdtemp()) / 'one.sqlite'}", actor="tester")
    one_by_one.init()
    with write_transaction(one_by_one.engine) as conn:
        for s, evs, expected in batches:
            es.append(conn, s, evs, expected, "tester", project, now=NOW)
    assert _log(bulk.engine) == _log(one_by_one.engine)
    assert tables(bulk.engine) == tables(one_by_one.engine)
    # the same batches again: every one is already there, nothing is written
    with write_transaction(bulk.engine) as conn:
        assert es.append_many(conn, batches, "tester", project, now=NOW) == []
    # a stale version in a later batch of a stream refuses the whole call
    s, evs, _ = batches[0]
    fresh = [ev.Event(e.type, e.data, e.occurred_at) for e in evs]
    before = _log(bulk.engine)
    with pytest.raises(ConflictError), write_transaction(bulk.engine) as conn:
        es.append_many(conn, [("other-stream", fresh, 0), (s, fresh, 0)], "tester")
    assert _log(bulk.engine) == before
    bulk.close()
    one_by_one.close()


def test_append_stream_reads_its_input_as_it_goes_in_chunks_and_equals_append_many(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of a few events (the stream's state carried from chunk to chunk: versions, head, ids written in
    earlier chunks), with the input given as a generator, give the log and tables of appending one by one."""
    monkeypatch.setattr(es, "WRITE_CHUNK", 7)
    batches = _interleaved(generate(400, seed=3), 25)
    # an event id repeated in the same chunk and in a later one: a re-append there is a no-op, as with `append`
    batches = [*batches[:3], batches[1], *batches[3:40], batches[2], *batches[40:]]
    pulled: list[int] = []
    progress: list[int] = []

    def lazily() -> Iterator[tuple[str, list[ev.Event], int]]:
        for i, b in enumerate(batches):
            pulled.append(i)
            yield b

    streamed = Ledger(db_url, actor="tester")
    streamed.init()
    with write_transaction(streamed.engine) as conn:
        result = es.append_stream(conn, lazily(), "tester", project, now=NOW, progress=progress.append)
    distinct = len(batches) - 2
    log = _log(streamed.engine)
    assert result.count == distinct == len(log)
    assert (result.head_position, result.head_hash) == (log[-1][0], log[-1][-1])  # position first, hash last
    assert progress == sorted(progress) and progress[-1] == distinct and len(progress) > 10
    one_by_one = Ledger(f"sqlite:///{Path(tempfile.mkdtemp()) / 'one.sqlite'}", actor="tester")
    one_by_one.init()
    with write_transaction(one_by_one.engine) as conn:
        for s, evs, expected in batches:
            es.append(conn, s, evs, expected, "tester", project, now=NOW)
    assert _log(streamed.engine) == _log(one_by_one.engine)
    assert tables(streamed.engine) == tables(one_by_one.engine)
    streamed.close()
    one_by_one.close()


def test_append_stream_writes_chunks_before_the_input_ends_and_keeps_none_if_it_fails(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(es, "WRITE_CHUNK", 10)
    batches = generate(300, seed=4).batches
    led = Ledger(db_url, actor="tester")
    led.init()
    seen_in_table: list[int] = []

    def then_fail(conn: object) -> Iterator[tuple[str, list[ev.Event], int]]:
        for i, b in enumerate(batches):
            if i == 30:
                seen_in_table.append(es.count(conn))  # type: ignore[arg-type]
                raise RuntimeError("the input broke off")
            yield b

    with pytest.raises(RuntimeError, match="broke off"), write_transaction(led.engine) as conn:
        es.append_stream(conn, then_fail(conn), "tester", project, now=NOW)
    assert seen_in_table[0] > 0  # earlier chunks were written (in the transaction) before the input ended
    assert _log(led.engine) == [] and all(rows == [] for rows in tables(led.engine).values())  # all or nothing
    led.close()
