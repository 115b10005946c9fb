"""Measurements that need a process of their own (wall time of the work and the process's peak RSS).

    python benchmarks/child.py rebuild URL        # `tracker --db URL rebuild`, in this process
    python benchmarks/child.py scan-sqlite PATH   # raw sqlite3: every event row, json.loads of its payload
    python benchmarks/child.py scan-postgres DSN  # raw psycopg, server-side cursor: the same

Prints one JSON object: {"seconds": work time (imports excluded), "maxrss_mb": peak RSS of this process, "rows": n}.
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
    import rich.progress  # noqa: F401

    import tracker.app.ledger  # noqa: F401
    from tracker.cli.main import app

    t = time.perf_counter()
    try:
        app(["--db", url, "rebuild"])
    except SystemExit as e:
        if e.code:
            raise
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": -1}


def scan_sqlite(path: str) -> dict[str, float]:
    import sqlite3

    t = time.perf_counter()
    conn = sqlite3.connect(path)
    n = 0
    for row in conn.execute(
        "SELECT position, event_id, stream_id, stream_version, event_type, schema_version, payload, occurred_at, "
        "recorded_at, actor, prev_hash, hash FROM events ORDER BY position"
    ):
        json.loads(row[6])
        n += 1
    conn.close()
    return {"seconds": time.perf_counter() - t, "rows": n}


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


def main() -> None:
    mode, target = sys.argv[1], sys.argv[2]
    fn = {"rebuild": rebuild, "scan-sqlite": scan_sqlite, "scan-postgres": scan_postgres}[mode]
    out = fn(target)
    out["maxrss_mb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
