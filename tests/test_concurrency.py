"""Many processes append to shared streams while a reader tails the log by position; the scoring job runs while
writers append and misses nothing; a writer kept from the lock waits for the busy timeout, then says so.

The classic trap of event stores on PostgreSQL: positions taken at insert commit out of order, and a
reader polling "after the last position I saw" skips an event for ever. The store serialises appends
(`write_transaction`), so the tail must see every event exactly once, in order. Runs on both backends.
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from tracker.domain.events import Event
from tracker.errors import ConflictError
from tracker.store import eventstore as es
from tracker.store import migrate
from tracker.store.db import APPEND_LOCK_KEY, make_engine, read_transaction, write_transaction

WRITERS = 8
APPENDS_PER_WRITER = 25
STREAMS = ("stream-a", "stream-b", "stream-c")
TOTAL = WRITERS * APPENDS_PER_WRITER
NAMESPACE = uuid.UUID("3f0b1b7e-8a59-4c55-9a3e-6b0d3c2f5e11")
# A safety net against a hung run, not a performance assertion: a reader that has not seen every
# event by then gives up and the test fails on what it did see.
GIVE_UP_AFTER_S = 120.0


def event_id(writer: int, seq: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{writer}/{seq}"))


def writer_proc(url: str, writer: int, start: Any, results: Any) -> None:
    """Append APPENDS_PER_WRITER events, reading the stream version first and retrying on conflict."""
    engine = make_engine(url)
    conflicts = 0
    try:
        start.wait()
        for seq in range(APPENDS_PER_WRITER):
            stream = STREAMS[(writer + seq) % len(STREAMS)]
            # The id is fixed per logical append, so a retry can never write a duplicate.
            evt = Event("Tick", {"writer": writer, "seq": seq}, datetime.now(UTC), event_id(writer, seq))
            while True:
                with read_transaction(engine) as conn:
                    version = es.stream_version(conn, stream)
                try:
                    with write_transaction(engine) as conn:
                        es.append(conn, stream, [evt], version, f"writer-{writer}")
                    break
                except ConflictError:
                    conflicts += 1
        results.put(("writer", writer, conflicts, None))
    except BaseException as exc:  # report, so the parent fails with the cause instead of a hang
        results.put(("writer", writer, conflicts, repr(exc)))
    finally:
        engine.dispose()


def reader_proc(url: str, start: Any, results: Any) -> None:
    """Tail the log by position until TOTAL events were seen; report (position, event id) in order."""
    engine = make_engine(url)
    seen: list[tuple[int, str]] = []
    last = 0
    polls = 0
    try:
        start.wait()
        deadline = time.monotonic() + GIVE_UP_AFTER_S
        while len(seen) < TOTAL and time.monotonic() < deadline:
            with read_transaction(engine) as conn:
                batch = [(r.position, r.event_id) for r in es.read(conn, after=last)]
            polls += 1
            if batch:
                seen.extend(batch)
                last = batch[-1][0]
            else:
                time.sleep(0.002)
        results.put(("reader", polls, seen, None))
    except BaseException as exc:
        results.put(("reader", polls, seen, repr(exc)))
    finally:
        engine.dispose()


def test_concurrent_writers_and_a_tailing_reader(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    results = ctx.Queue()
    procs = [ctx.Process(target=writer_proc, args=(db_url, w, start, results)) for w in range(WRITERS)]
    procs.append(ctx.Process(target=reader_proc, args=(db_url, start, results)))
    for p in procs:
        p.start()
    start.set()
    messages = [results.get(timeout=GIVE_UP_AFTER_S + 60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0, f"{p.name} exited with {p.exitcode}"

    errors = [m for m in messages if m[3] is not None]
    assert errors == []
    (reader,) = [m for m in messages if m[0] == "reader"]
    conflicts = sum(m[2] for m in messages if m[0] == "writer")

    with read_transaction(engine) as conn:
        rows = list(es.read(conn))
        report = es.verify_chain(conn)
        total = es.count(conn)
    engine.dispose()

    # Nothing lost, nothing duplicated.
    assert total == TOTAL
    ids = [r.event_id for r in rows]
    assert len(set(ids)) == TOTAL
    assert set(ids) == {event_id(w, s) for w in range(WRITERS) for s in range(APPENDS_PER_WRITER)}
    # Global positions gap-free.
    assert [r.position for r in rows] == list(range(1, TOTAL + 1))
    # Stream versions gap-free 1..n per stream, in position order.
    per_stream: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        per_stream[r.stream_id].append(r.stream_version)
    assert set(per_stream) == set(STREAMS)
    for versions in per_stream.values():
        assert versions == list(range(1, len(versions) + 1))
    assert Counter(r.stream_id for r in rows) == Counter(
        STREAMS[(w + s) % len(STREAMS)] for w in range(WRITERS) for s in range(APPENDS_PER_WRITER)
    )
    # Each writer's appends landed in the order it made them.
    by_writer: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        by_writer[r.data["writer"]].append(r.data["seq"])
    assert all(seqs == list(range(APPENDS_PER_WRITER)) for seqs in by_writer.values())
    # The tailing reader saw every committed event exactly once, in position order: no event
    # committed later with a lower position than one it had already passed.
    seen = reader[2]
    assert [p for p, _ in seen] == list(range(1, TOTAL + 1))
    assert [i for _, i in seen] == ids
    # The chain is intact.
    assert report.ok and report.checked == TOTAL
    # Not asserted (it depends on scheduling), but worth knowing when reading a -s run.
    print(f"{db_url.split(':')[0]}: {conflicts} conflicts retried, reader polled {reader[1]} times")


# ------------------------------------------------------------------------------ the scoring job among writers

QUESTIONS = ("q0", "q1", "q2", "q3")  # q0 is resolved while the writers write; q3 never is
FORECASTS_PER_WRITER = 20
SCORING_WRITERS = 3


def forecasting_writer(url: str, writer: int, start: Any, results: Any, warm: Any) -> None:
    from tracker.app.ledger import Ledger
    from tracker.errors import IllegalTransition

    led = Ledger(url, actor=f"writer-{writer}")
    ids: list[str] = []
    try:
        start.wait()
        # Wait for the scorer's first run: it imports pandas and sets up its engine, which on a loaded machine
        # took longer than all the writes, so that no run fell among them (the test once failed that way).
        warm.wait(GIVE_UP_AFTER_S)
        for i in range(FORECASTS_PER_WRITER):
            made = date(2024, 1, 1) + timedelta(days=i % 20)
            try:
                fid = led.record_forecast(QUESTIONS[(writer + i) % 4], f"Writer {writer}", (i % 10) / 10, made)
            except IllegalTransition:  # the question was resolved meanwhile
                fid = led.record_forecast("q3", f"Writer {writer}", (i % 10) / 10, made)
            ids.append(fid)
            time.sleep(0.02)  # a steady stream rather than a burst, so that scoring runs fall in between
        results.put(("writer", writer, ids, None))
    except BaseException as exc:
        results.put(("writer", writer, ids, repr(exc)))
    finally:
        led.close()


def scorer(url: str, start: Any, stop: Any, results: Any, warm: Any) -> None:
    from tracker.scoring.job import run_scoring

    statuses: list[str] = []
    try:
        start.wait()
        statuses.append(run_scoring(url).status)
        warm.set()
        while not stop.is_set():
            statuses.append(run_scoring(url).status)
        results.put(("scorer", statuses, None))
    except BaseException as exc:
        results.put(("scorer", statuses, repr(exc)))


def test_scoring_while_writers_append_never_misses_an_event(db_url: str) -> None:
    from tracker.app.ledger import Ledger
    from tracker.store.schema import forecast_scores, forecasts, scoring_checkpoint

    led = Ledger(db_url, actor="setup")
    led.init()
    for q in QUESTIONS:
        led.open_question(f"Question {q}?", "C", question_id=q, opened=date(2023, 12, 1))
    ctx = mp.get_context("spawn")
    start, stop, results = ctx.Barrier(SCORING_WRITERS + 2), ctx.Event(), ctx.Queue()  # all start together
    warm = ctx.Event()
    procs = [
        ctx.Process(target=forecasting_writer, args=(db_url, w, start, results, warm)) for w in range(SCORING_WRITERS)
    ]
    score_proc = ctx.Process(target=scorer, args=(db_url, start, stop, results, warm))
    for p in [*procs, score_proc]:
        p.start()
    start.wait(GIVE_UP_AFTER_S)
    # Resolve q0 while the writers write and the scorer scores.
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    while time.monotonic() < deadline:
        with read_transaction(led.engine) as conn:
            if es.count(conn) >= len(QUESTIONS) + SCORING_WRITERS * 5:
                break
        time.sleep(0.01)
    led.resolve("q0", "yes", date(2024, 2, 1))
    writers = [results.get(timeout=GIVE_UP_AFTER_S) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    stop.set()
    scored = results.get(timeout=GIVE_UP_AFTER_S)
    score_proc.join(timeout=30)
    assert [m[3] for m in writers] == [None] * SCORING_WRITERS and scored[2] is None, (writers, scored)
    assert scored[1].count("ok") >= 2, scored[1]  # it did run while the writers wrote

    final = led.score()  # after the writers stopped: one last run picks up the tail
    written = {fid for m in writers for fid in m[2]}
    with read_transaction(led.engine) as conn:
        head = es.head(conn)[0]
        in_projection = set(conn.execute(select(forecasts.c.forecast_id)).scalars())
        rows = {r.forecast_id: r.status for r in conn.execute(select(forecast_scores))}
        checkpoint = conn.execute(select(scoring_checkpoint.c.position)).scalar()
    assert len(written) == SCORING_WRITERS * FORECASTS_PER_WRITER
    assert in_projection == written == set(rows), "a forecast is missing from the scores"
    assert checkpoint == head and final.status in ("ok", "noop")
    assert any(s in ("scored", "superseded") for s in rows.values())  # q0's forecasts made before it resolved
    # And the incremental result equals scoring everything from scratch.
    before = {r.forecast_id: tuple(r) for r in _score_rows(led.engine)}
    led.score(full=True)
    assert {r.forecast_id: tuple(r) for r in _score_rows(led.engine)} == before
    led.close()
    print(f"{db_url.split(':')[0]}: scoring runs alongside the writers: {dict(Counter(scored[1]))}")


def _score_rows(engine: Any) -> list[Any]:
    from tracker.store.schema import forecast_scores

    cols = [c for c in forecast_scores.columns if c.name != "run_id"]
    with read_transaction(engine) as conn:
        return list(conn.execute(select(*cols)))


# ------------------------------------------------------------------------------ busy: wait, then say so


def _hold_write_lock(url: str) -> Any:
    """Take the ledger's write lock and keep it: BEGIN IMMEDIATE on SQLite, the append lock on PostgreSQL."""
    if url.startswith("sqlite"):
        raw = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
        raw.execute("BEGIN IMMEDIATE")
        return None, raw
    engine = make_engine(url)
    conn = engine.connect()
    conn.begin()
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK_KEY})
    return engine, conn


def _release(held: Any) -> None:
    engine, conn = held
    if engine is None:
        conn.execute("ROLLBACK")
        conn.close()
        return
    conn.rollback()
    conn.close()
    engine.dispose()


def test_writer_waits_then_says_the_database_is_busy(db_url: str, monkeypatch: Any, tmp_path: Any) -> None:
    from test_cli import Cli, failed

    from tracker.errors import DatabaseBusy

    cli = Cli(db_url)
    cli.ok("init")
    cli.ok("question", "add", "rain", "--title", "Rain?", "--criteria", "C")
    before = cli.state()
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT_MS", "300")
    held = _hold_write_lock(db_url)
    try:
        for args in (
            ["forecast", "rain", "--forecaster", "Ann", "--p", "0.3", "--made-at", "2024-01-01"],
            ["question", "add", "snow", "--title", "Snow?", "--criteria", "C"],
            ["import", str(_small_catalog(tmp_path))],
        ):
            t0 = time.monotonic()
            result = cli(*args)
            waited = time.monotonic() - t0
            line = failed(result, DatabaseBusy, ["database is busy", "nothing was written"])
            assert result.exit_code == 9 and "busy timeout" in line
            assert waited >= 0.25, f"{args}: gave up after {waited:.2f}s without waiting"
    finally:
        _release(held)
    assert cli.state() == before  # never half-way
    # A lock released within the timeout: the writer waits for it and then succeeds.
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT_MS", "10000")
    held = _hold_write_lock(db_url)
    timer = threading.Timer(0.5, _release, args=(held,))
    timer.start()
    t0 = time.monotonic()
    cli.ok("forecast", "rain", "--forecaster", "Ann", "--p", "0.3", "--made-at", "2024-01-01")
    timer.join()
    assert time.monotonic() - t0 >= 0.45
    assert cli.state()[0] == before[0] + 1


def _small_catalog(tmp_path: Any) -> Any:
    from test_bad_input import FORECASTS, QUESTIONS, SOURCES

    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    predictions = tmp_path / "predictions"
    (predictions / "forecasts").mkdir(parents=True, exist_ok=True)
    (predictions / "questions.yaml").write_text(QUESTIONS, encoding="utf-8")
    (predictions / "forecasts" / "src-one.yaml").write_text(FORECASTS, encoding="utf-8")
    return predictions
