"""Many processes append to shared streams while a reader tails the log by position.

The classic trap of event stores on PostgreSQL: positions taken at insert commit out of order, and a
reader polling "after the last position I saw" skips an event for ever. The store serialises appends
(`write_transaction`), so the tail must see every event exactly once, in order. Runs on both backends.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from tracker.domain.events import Event
from tracker.errors import ConflictError
from tracker.store import eventstore as es
from tracker.store import migrate
from tracker.store.db import make_engine, read_transaction, write_transaction

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
