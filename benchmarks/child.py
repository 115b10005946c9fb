"""Measurements that need a process of their own (wall time of the work and the process's peak RSS).

    python benchmarks/child.py rebuild URL        # `tracker --db URL rebuild`, in this process
    python benchmarks/child.py scan-sqlite PATH   # raw sqlite3: every event row, json.loads of its payload
    python benchmarks/child.py scan-postgres DSN  # raw psycopg, server-side cursor: the same
    python benchmarks/child.py rebuild-floor-sqlite PATH TABLES    # the rebuild's schema floor (below)
    python benchmarks/child.py rebuild-floor-postgres DSN TABLES

Prints one JSON object: {"seconds": work time (imports excluded), "maxrss_mb": peak RSS of this process, "rows": n}.

The rebuild floor is the database work `tracker rebuild` requires, by the raw driver, with the projection rows
prepared: TABLES is a JSON list of [table, primary key] (the projection tables); their rows are read first
(outside the clock, and in this process's peak RSS), then one transaction does what `rebuild` does to the
database: count the events, empty the projection tables, scan every event (json.loads of its payload, as the
raw scan) and executemany the rows back.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over fork and exec,
    so a child of the (large) harness process would report the harness's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere: kilobytes on Linux, bytes on macOS


def rebuild(url: str) -> dict[str, float]:
    # Import what the command imports before the clock starts: the figure is the rebuild, not Python's start-up
    # (the start-up is the `tracker --help` figure).
    # That includes the modules it loads once started: the command's own (looked up by name) and the set-based
    # projections `Ledger.rebuild` imports; 0.03-0.045 s of a 10k rebuild's 0.15-0.18 s of CPU where Python
    # compiles them from source (PYTHONDONTWRITEBYTECODE, as on the benchmark machine), measured.
    import rich.progress  # noqa: F401

    import tracker.app.ledger  # noqa: F401
    import tracker.cli.read_cmds  # noqa: F401
    import tracker.projections.bulk  # noqa: F401
    from tracker.cli.main import app

    t, c = time.perf_counter(), time.process_time()
    try:
        app(["--db", url, "rebuild"])
    except SystemExit as e:
        if e.code:
            raise
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "cpu_seconds": time.process_time() - c, "rows": -1}


def scan_sqlite(path: str) -> dict[str, float]:
    import sqlite3

    t, c = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(path)
    n = 0
    for row in conn.execute(
        "SELECT position, event_id, stream_id, stream_version, event_type, schema_version, payload, occurred_at, "
        "recorded_at, actor, prev_hash, hash FROM events ORDER BY position"
    ):
        json.loads(row[6])
        n += 1
    conn.close()
    return {"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c, "rows": n}


def scan_postgres(dsn: str) -> dict[str, float]:
    import psycopg

    t = time.perf_counter()
    n = 0
    with psycopg.connect(dsn) as conn, conn.cursor(name="scan") as cur:
        cur.itersize = 5000
        cur.execute(
            "SELECT position, event_id, stream_id, stream_version, event_type, schema_version, payload, occurred_at, "
            "recorded_at, actor, prev_hash, hash FROM events ORDER BY position"
        )
        for row in cur:
            json.loads(row[6])
            n += 1
    return {"seconds": time.perf_counter() - t, "rows": n}


SCAN = (
    "SELECT position, event_id, stream_id, stream_version, event_type, schema_version, payload, occurred_at, "
    "recorded_at, actor, prev_hash, hash FROM events ORDER BY position"
)


def rebuild_floor_sqlite(path: str, spec: str) -> dict[str, float]:
    import gc

    from cases import fetch_tables, insert_sql, sqlite_connect

    conn = sqlite_connect(path)
    tables = fetch_tables(conn, json.loads(spec))
    n = 0
    gc.collect()
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SELECT count(*) FROM events").fetchone()
    for t in reversed(tables):
        conn.execute(f"DELETE FROM {t.name}")
    t1 = time.perf_counter()
    for row in conn.execute(SCAN):
        json.loads(row[6])
        n += 1
    t2 = time.perf_counter()
    for t in tables:
        conn.executemany(insert_sql("sqlite", t), t.rows)
    t3 = time.perf_counter()
    conn.execute("COMMIT")
    t4 = time.perf_counter()
    conn.close()
    return _phases(n, t0, t1, t2, t3, t4)


def _phases(n: int, t0: float, t1: float, t2: float, t3: float, t4: float) -> dict[str, float]:
    """A rebuild floor's result: its total and its clear / scan / insert / commit phases, in seconds."""
    return {
        "seconds": t4 - t0,
        "rows": n,
        "clear_s": t1 - t0,
        "scan_s": t2 - t1,
        "insert_s": t3 - t2,
        "commit_s": t4 - t3,
    }


def rebuild_floor_postgres(dsn: str, spec: str) -> dict[str, float]:
    import gc

    import psycopg
    from cases import PG_APPEND_LOCK_KEY, PG_LOCK_TIMEOUT_MS, fetch_tables, insert_sql

    n = 0
    with psycopg.connect(dsn) as conn:
        tables = fetch_tables(conn, json.loads(spec))
        conn.commit()
        gc.collect()
        t0 = time.perf_counter()
        conn.execute(f"SET LOCAL lock_timeout = {PG_LOCK_TIMEOUT_MS}")  # what write_transaction runs first
        conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PG_APPEND_LOCK_KEY,))
        conn.execute("SELECT count(*) FROM events").fetchone()
        for t in reversed(tables):
            conn.execute(f"DELETE FROM {t.name}")
        t1 = time.perf_counter()
        with conn.cursor(name="scan") as cur:
            cur.itersize = 5000
            cur.execute(SCAN)
            for row in cur:
                json.loads(row[6])
                n += 1
        t2 = time.perf_counter()
        with conn.cursor() as wcur:
            for t in tables:
                wcur.executemany(insert_sql("postgres", t), t.rows)
        t3 = time.perf_counter()
        conn.commit()
        t4 = time.perf_counter()
    return _phases(n, t0, t1, t2, t3, t4)


def main() -> None:
    mode, target, *rest = sys.argv[1:]
    fn = {
        "rebuild": rebuild,
        "scan-sqlite": scan_sqlite,
        "scan-postgres": scan_postgres,
        "rebuild-floor-sqlite": rebuild_floor_sqlite,
        "rebuild-floor-postgres": rebuild_floor_postgres,
    }[mode]
    out = fn(target, *rest)
    out["maxrss_mb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
