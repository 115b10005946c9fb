"""What each secondary index on `events` costs a bulk write, and what it saves its reader (BENCHMARKS.md,
"Indexes on events").

    python benchmarks/index_cost.py 100000

Builds a ledger of N generated events, then, in alternated rounds, `executemany`s its events rows into a copy
of the events table with no secondary index, with the event-type index, with the recorded-time index, and with
both (raw sqlite3, one transaction, WAL, synchronous=NORMAL); then times each index's reader query on the
ledger with the indexes and without them. Prints medians.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generator import generate  # noqa: E402

INDEXES = {
    "event_type": "CREATE INDEX ix_t ON ev (event_type)",
    "recorded_at": "CREATE INDEX ix_r ON ev (recorded_at)",
}
# the readers: `tracker log --type` of a rare type; the head as of a recorded time
BY_TYPE = "SELECT * FROM events WHERE position > 0 AND event_type IN ('QuestionReopened') ORDER BY position LIMIT 5000"
HEAD_AS_OF = "SELECT position, hash FROM events WHERE recorded_at <= ? ORDER BY position DESC LIMIT 1"


def main(n: int, rounds: int = 3) -> None:
    from tracker.app.ledger import Ledger
    from tracker.projections.bulk import project_range
    from tracker.store import eventstore as es
    from tracker.store.db import write_transaction

    tmp = Path(tempfile.mkdtemp())
    src = tmp / "ledger.sqlite"
    led = Ledger(f"sqlite:///{src}", actor="bench")
    led.init()
    when = datetime(2026, 1, 1, 12, tzinfo=UTC)
    with write_transaction(led.engine) as conn:
        es.append_stream(conn, generate(n, seed=7).batches, "bench", now=when, project_range=project_range)
    led.close()
    conn = sqlite3.connect(src)
    rows = conn.execute("SELECT * FROM events ORDER BY position").fetchall()
    ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    conn.close()
    table = ddl.replace("CREATE TABLE events", "CREATE TABLE ev")
    marks = ",".join("?" * len(rows[0]))

    def write(indexes: tuple[str, ...]) -> float:
        path = tmp / "copy.sqlite"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{path}{suffix}"):
                os.remove(f"{path}{suffix}")
        c = sqlite3.connect(path, isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute(table)
        for name in indexes:
            c.execute(INDEXES[name])
        t = time.perf_counter()
        c.execute("BEGIN IMMEDIATE")
        c.executemany(f"INSERT INTO ev VALUES ({marks})", rows)
        c.execute("COMMIT")
        took = time.perf_counter() - t
        c.close()
        return took

    variants: list[tuple[str, ...]] = [(), ("event_type",), ("recorded_at",), ("event_type", "recorded_at")]
    times: dict[tuple[str, ...], list[float]] = {v: [] for v in variants}
    for _ in range(rounds):
        for v in variants:
            times[v].append(write(v))
    print(f"load {os.getloadavg()}; {len(rows):,} events rows")
    for v in variants:
        print(f"write with {v or 'no secondary index'}: {statistics.median(times[v]):.3f} s")

    conn = sqlite3.connect(src)
    as_of = (when.replace(tzinfo=None).isoformat(" ", "microseconds"),)

    def query(sql: str, args: tuple[str, ...] = ()) -> float:
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            conn.execute(sql, args).fetchall()
            runs.append(time.perf_counter() - t)
        return statistics.median(runs) * 1000

    conn.execute("CREATE INDEX IF NOT EXISTS ix_events_recorded_at ON events (recorded_at)")  # as before 0005
    print(f"log --type (rare type), with the index: {query(BY_TYPE):.2f} ms")
    print(f"head as of a time, with the recorded-time index: {query(HEAD_AS_OF, as_of):.2f} ms")
    conn.execute("DROP INDEX ix_events_event_type")
    conn.execute("DROP INDEX ix_events_recorded_at")
    print(f"log --type (rare type), without: {query(BY_TYPE):.2f} ms")
    print(f"head as of a time, without: {query(HEAD_AS_OF, as_of):.2f} ms")
    conn.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
