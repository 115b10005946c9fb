"""The bulk import and `tracker rebuild` by two versions of the code, in alternation, in CPU time (BENCHMARKS.md).

    python benchmarks/bulk_before_after.py EVENTS ROUNDS OLD_TREE NEW_TREE [--rebuild] [--phases]

OLD_TREE and NEW_TREE are source trees of the project (e.g. `git archive COMMIT | tar -x -C DIR`). Each round runs,
for each tree, a fresh process with that tree first on PYTHONPATH that generates the benchmark's dataset
(`benchmarks/generator.py`, seed 7, outside the clock), appends it to a fresh SQLite ledger with `append_stream`
and the set-based projections (what `run.py --cases import` times), and, with --rebuild, runs `rebuild` of the
projections on that ledger; then the raw reference: the same event rows by `executemany` into a table with the
same unique keys (as `run.py` does). Times are `time.process_time` (on a loaded machine the comparable one).
--phases also times the append's parts (the chain, the events' insert, the Merkle nodes, the projections) by
wrapping the functions each tree calls. Prints one JSON object: the load average and each side's figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

ONE = """
import gc, json, sys, time
sys.path.insert(1, sys.argv[4])
from generator import generate
import cases
from tracker.projections import bulk
from tracker.store import eventstore as es, merkletree
from tracker.store.db import write_transaction

n, url, phases_on = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
ds = generate(n, seed=7)
phases = {}

def wrap(mod, name, key):
    f = getattr(mod, name, None)
    if f is None:
        return
    def timed(*a, **k):
        c = time.process_time()
        try:
            return f(*a, **k)
        finally:
            phases[key] = phases.get(key, 0.0) + time.process_time() - c
    setattr(mod, name, timed)

if phases_on:
    wrap(es, "_chain_many" if hasattr(es, "_chain_many") else "_chain", "chain")  # the one the chunk calls
    wrap(es, "insert_tuples", "insert")
    wrap(merkletree, "extend", "merkle")
    wrap(bulk, "project_range", "projections")
led = cases.new_ledger(url)
gc.collect()
c = time.process_time()
with write_transaction(led.engine) as conn:
    es.append_stream(conn, ds.batches, cases.ACTOR, now=cases.RECORDED_AT, project_range=bulk.project_range)
append = time.process_time() - c
import tracker
out = {"tree": tracker.__file__, "events": ds.n_events, "append_s": append, **{k + "_s": v for k, v in phases.items()}}
if sys.argv[5] == "1":
    gc.collect()
    c = time.process_time()
    with write_transaction(led.engine) as conn:
        bulk.rebuild(conn)
    out["rebuild_s"] = time.process_time() - c
led.close()
if sys.argv[6] == "1":
    rows = cases.raw_rows(ds.batches)
    tuples = cases.raw_tuples(rows, "sqlite")
    import sqlite3
    conn = sqlite3.connect(cases.sqlite_path(url) + ".raw", isolation_level=None)
    for p in cases.SQLITE_PRAGMAS:
        conn.execute(p)
    conn.execute(cases.RAW_TABLE_SQLITE)
    gc.collect()
    c = time.process_time()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO raw_events ({cases.RAW_COLUMNS}) VALUES ({', '.join('?' * 12)})", tuples)
    conn.execute("COMMIT")
    out["raw_s"] = time.process_time() - c
    conn.close()
    c = time.process_time()
    conn = sqlite3.connect(cases.sqlite_path(url))
    for row in conn.execute(
        "SELECT position, event_id, stream_id, stream_version, event_type, schema_version, payload, occurred_at, "
        "recorded_at, actor, prev_hash, hash FROM events ORDER BY position"
    ):
        json.loads(row[6])
    conn.close()
    out["scan_s"] = time.process_time() - c
print(json.dumps(out))
"""


def main(argv: list[str]) -> None:
    n, rounds, old, new = int(argv[0]), int(argv[1]), argv[2], argv[3]
    rebuild, phases = "--rebuild" in argv, "--phases" in argv
    root = Path(tempfile.mkdtemp(prefix="bulk-ba-"))
    res: dict[str, list[dict[str, object]]] = {"old": [], "new": []}
    loads = [os.getloadavg()]
    for r in range(rounds):
        for side, tree in (("old", old), ("new", new)) if r % 2 == 0 else (("new", new), ("old", old)):
            path = root / f"{side}{r}.sqlite"
            env = {**os.environ, "PYTHONPATH": f"{tree}:{HERE}"}
            cmd = [sys.executable, "-c", ONE, str(n), f"sqlite:///{path}", "1" if phases else "0", str(HERE)]
            cmd += ["1" if rebuild else "0", "1" if side == "old" else "0"]
            # cwd: not the repository, whose tree `python -c` would put first on sys.path, ahead of PYTHONPATH
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, cwd=root)
            if out.returncode:
                sys.exit(out.stderr[-3000:])
            res[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            for f in root.glob(f"{side}{r}.sqlite*"):
                f.unlink()
        loads.append(os.getloadavg())
    print(json.dumps({"events": n, "loads": loads, **res}))


if __name__ == "__main__":
    main(sys.argv[1:])
