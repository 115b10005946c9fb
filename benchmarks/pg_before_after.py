"""Two versions of the code on PostgreSQL, whole `tracker` processes in alternation (BENCHMARKS.md, issue 26).

    python benchmarks/pg_before_after.py --admin postgresql://postgres@127.0.0.1:5432/postgres \\
        --before OLD_TREE:OLD_TEMPLATE --after NEW_TREE:NEW_TEMPLATE [--demo OLD_DEMO:NEW_DEMO] \\
        [--rounds 3] [--reps 5] [--question Q] [--json PATH]

Each TREE is a source tree of the project (e.g. `git archive COMMIT | tar -x -C DIR`), put first on PYTHONPATH;
each TEMPLATE an unscored ledger that tree's own code built (`read_bench.py --make URL 100000`), since the two
versions' schemas may differ. A round copies both templates (`CREATE DATABASE … TEMPLATE`), then runs on the
copies, the two sides alternating (which goes first swaps between rounds): `score --full` on the unscored copy,
`score --full` again, `scores` (top 50, table), `scores --format csv`, and the everyday commands (list, show,
due, score with nothing new, one forecast), each of these after a `python -c "import typer"` of its own; then
drops the copies (only those it made). With --demo, the same for `scores` on the two demo ledgers (no copy:
`scores` writes nothing).

With --ingest N, instead: per round and side, a process of that tree generates its own benchmark's N events
(benchmarks/generator.py, seed 7, outside the clocks) and bulk-imports them into an empty ledger as run.py's
import case does (`append_stream` with the set-based projections), then writes the same event rows by raw
psycopg `executemany` into a plain table with the same unique keys (run.py's raw reference, from that tree's
benchmarks/cases.py); then `tracker rebuild` of that ledger and the raw scan (`benchmarks/child.py
scan-postgres`) run as whole processes. Each figure in wall time, the process's CPU and the server's CPU.

Per process: wall time, its CPU (user + system, `os.wait4`), its peak RSS, and the server's CPU over the same
interval (every PostgreSQL process's, plus what the postmaster has reaped from exited backends: the server is
local). The server's figure includes any other client's work at that moment. Prints one line per process, then
medians and the ratios of each round (after/before; command/typer within one side's round), with load averages.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pg_cpu import wait_with_backends

PY = sys.executable
TRACKER = str(Path(PY).with_name("tracker"))
TYPER = [PY, "-c", "import typer"]


def run(argv: list[str], tree: str | None, dbs: Sequence[str] = ()) -> dict[str, float]:
    """One process: its wall time, CPU and peak RSS, and the CPU of the server's backends for the databases
    `dbs` while it ran (`pg_cpu.wait_with_backends`)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if tree is not None:
        env["PYTHONPATH"] = tree
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        status, usage, server = wait_with_backends(proc, dbs)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"{' '.join(argv)} failed: {err.read().decode(errors='replace')[-2000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "server_cpu": sum(server.values()),
        "load1": os.getloadavg()[0],
    }


# Runs in a process of the tree measured (its tracker and its benchmarks on sys.path): our bulk import, then the
# raw reference, each with its wall time, this process's CPU and the server's CPU over it.
INGEST = """
import gc, json, sys, time
sys.path.insert(0, sys.argv[1] + "/benchmarks")
import cases
from generator import generate
from tracker.projections.bulk import project_range
from tracker.store import eventstore as es
from tracker.store.db import write_transaction
url, raw_dsn, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
ds = generate(n, seed=7)
tuples = cases.raw_tuples(cases.raw_rows(ds.batches), "postgres")
def clocked(work):
    gc.collect()
    w, c = time.perf_counter(), time.process_time()
    work()
    return {"wall": time.perf_counter() - w, "cpu": time.process_time() - c}
led = cases.new_ledger(url)
def ours():
    with write_transaction(led.engine) as conn:
        es.append_stream(conn, ds.batches, cases.ACTOR, now=cases.RECORDED_AT, project_range=project_range)
out = {"events": ds.n_events, "ours": clocked(ours)}
led.close()
import psycopg
with psycopg.connect(raw_dsn) as pconn:
    pconn.execute(cases.RAW_TABLE_POSTGRES)
    pconn.commit()
    marks = ",".join(["%s"] * 12)
    sql = f"INSERT INTO raw_events ({cases.RAW_COLUMNS}) VALUES ({marks})"
    def raw():
        with pconn.cursor() as cur:
            cur.executemany(sql, tuples)
        pconn.commit()
    out["raw"] = clocked(raw)
print(json.dumps(out))
"""


def psql(admin: str, sql: str) -> None:
    subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True)


def url_of(admin: str, db: str) -> str:
    return admin.rsplit("/", 1)[0] + "/" + db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--admin", required=True, help="a libpq URL of a database to connect to for CREATE DATABASE")
    ap.add_argument("--before", required=True, metavar="TREE:TEMPLATE")
    ap.add_argument("--after", required=True, metavar="TREE:TEMPLATE")
    ap.add_argument("--demo", metavar="BEFORE_DB:AFTER_DB")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5, help="runs of each everyday command per side and round")
    ap.add_argument("--question", default="q-0000000", help="an open binary question of the ledger")
    ap.add_argument("--made-at", default="2021-01-01")
    ap.add_argument("--skip-score", action="store_true", help="only the demo rows")
    ap.add_argument("--ingest", type=int, metavar="N", help="the bulk import and rebuild rows instead, N events")
    ap.add_argument("--json")
    args = ap.parse_args()
    sides = {}
    for side in ("before", "after"):
        tree, template = getattr(args, side).rsplit(":", 1)
        sides[side] = (tree, template)
    samples: list[dict[str, Any]] = []

    def record(
        figure: str, side: str, rnd: int, argv: list[str], tree: str | None, dbs: Sequence[str] = ()
    ) -> dict[str, float]:
        s = run(argv, tree, dbs)
        samples.append({"figure": figure, "side": side, "round": rnd, **s})
        print(
            f"r{rnd} {side:6} {figure:34} wall {s['wall']:7.3f} s  cpu {s['cpu']:7.3f} s"
            f"  server {s['server_cpu']:6.2f} s  {s['rss_mb']:6.0f} MB  load {s['load1']:.1f}",
            flush=True,
        )
        return s

    print(f"load average at start: {os.getloadavg()}", flush=True)
    if args.ingest:
        ingest(args, sides, samples, record)
    for rnd in range(0 if args.skip_score or args.ingest else args.rounds):
        order = ("before", "after") if rnd % 2 == 0 else ("after", "before")
        dbs = {side: f"{sides[side][1]}_r{rnd}_{os.getpid()}" for side in order}
        for side in order:
            psql(args.admin, f'CREATE DATABASE "{dbs[side]}" TEMPLATE "{sides[side][1]}"')
        try:
            urls = {side: url_of(args.admin, dbs[side]) for side in order}
            for figure, cmd in (
                ("score --full (first)", ["score", "--full"]),
                ("score --full (again)", ["score", "--full"]),
                ("scores (top 50, table)", ["scores", "--format", "table", "--limit", "50"]),
                ("scores --format csv", ["scores", "--format", "csv"]),
            ):
                for side in order:
                    record(figure, side, rnd, [TRACKER, "--db", urls[side], *cmd], sides[side][0], [dbs[side]])
            everyday = [
                ("list", ["list", "--status", "open", "--limit", "50"]),
                ("show", ["show", args.question]),
                ("due", ["due"]),
                ("score (nothing new)", ["score"]),
                (
                    "forecast (one append)",
                    ["forecast", args.question, "--forecaster", "Bench Mark", "--p", "0.3", "--made-at", args.made_at],
                ),
            ]
            for figure, cmd in everyday:
                for _ in range(args.reps):
                    for side in order:
                        record("typer", side, rnd, TYPER, None)
                        record(figure, side, rnd, [TRACKER, "--db", urls[side], *cmd], sides[side][0], [dbs[side]])
        finally:
            for side in order:
                psql(args.admin, f'DROP DATABASE IF EXISTS "{dbs[side]}"')
    if args.demo:
        demo = dict(zip(("before", "after"), args.demo.split(":"), strict=True))
        for rnd in range(args.rounds):
            order = ("before", "after") if rnd % 2 == 0 else ("after", "before")
            for _ in range(args.reps):
                for side in order:
                    record("typer", side, rnd, TYPER, None)
                    url = url_of(args.admin, demo[side])
                    argv = [TRACKER, "--db", url, "scores"]
                    record("scores (demo)", side, rnd, argv, sides[side][0], [demo[side]])
    print(f"load average at end: {os.getloadavg()}", flush=True)
    summarise(samples)
    if args.json:
        Path(args.json).write_text(json.dumps(samples, indent=1))


def ingest(
    args: argparse.Namespace, sides: dict[str, tuple[str, str]], samples: list[dict[str, Any]], record: Any
) -> None:
    """The bulk import against raw executemany, and rebuild against the raw scan, per side and round."""
    bench = str(Path(__file__).resolve().parent)
    for rnd in range(args.rounds):
        order = ("before", "after") if rnd % 2 == 0 else ("after", "before")
        for side in order:
            tree = sides[side][0]
            dbs = [f"ingest_{side}_{kind}_{rnd}_{os.getpid()}" for kind in ("ledger", "raw")]
            for db in dbs:
                psql(args.admin, f'CREATE DATABASE "{db}"')
            try:
                ledger, raw = (url_of(args.admin, db) for db in dbs)
                run([TRACKER, "--db", ledger, "init"], tree)  # the migrations, outside the figures
                env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{bench}"}
                with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
                    # cwd: `python -c` puts it first on sys.path, ahead of PYTHONPATH
                    argv = [PY, "-c", INGEST, tree, ledger, raw, str(args.ingest)]
                    proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=tree)
                    status, _, server = wait_with_backends(proc, dbs)
                    if os.waitstatus_to_exitcode(status) != 0:
                        err.seek(0)
                        sys.exit(err.read().decode(errors="replace")[-2000:])
                    out.seek(0)
                    got = json.loads(out.read().decode().strip().splitlines()[-1])
                got["ours"]["server_cpu"], got["raw"]["server_cpu"] = server[dbs[0]], server[dbs[1]]
                load = os.getloadavg()[0]
                for figure, key in (("bulk import (ours)", "ours"), ("bulk import (raw executemany)", "raw")):
                    s = {**got[key], "rss_mb": 0.0, "load1": load, "events": got["events"]}
                    samples.append({"figure": figure, "side": side, "round": rnd, **s})
                    print(f"r{rnd} {side:6} {figure:34} {json.dumps(s)}", flush=True)
                record("rebuild (ours)", side, rnd, [TRACKER, "--db", ledger, "rebuild"], tree, dbs[:1])
                scan = [PY, f"{tree}/benchmarks/child.py", "scan-postgres", ledger]
                record("rebuild (raw scan)", side, rnd, scan, tree, dbs[:1])
            finally:
                for db in dbs:
                    psql(args.admin, f'DROP DATABASE IF EXISTS "{db}"')


def summarise(samples: list[dict[str, Any]]) -> None:
    """Medians per figure and side; after/before per round (score rows) or command/typer per pair (the rest)."""
    figures = list(dict.fromkeys(s["figure"] for s in samples if s["figure"] != "typer"))
    med = statistics.median
    for figure in figures:
        line = [f"{figure}:"]
        for side in ("before", "after"):
            rows = [s for s in samples if s["figure"] == figure and s["side"] == side]
            if not rows:
                continue
            wall, cpu, server = (med(r[k] for r in rows) for k in ("wall", "cpu", "server_cpu"))
            rss = max(r["rss_mb"] for r in rows)
            line.append(f"{side} wall {wall:.3f} s, cpu {cpu:.3f} s, server {server:.2f} s, rss {rss:.0f} MB")
            # each command's sample follows its own typer sample
            ids = {id(r) for r in rows}
            pairs = [(samples[i - 1], s) for i, s in enumerate(samples) if id(s) in ids and i > 0]
            pairs = [(t, c) for t, c in pairs if t["figure"] == "typer"]
            if pairs:
                line.append(
                    "  x typer: "
                    + ", ".join(f"{k} {_spread([c[k] / t[k] for t, c in pairs])}" for k in ("wall", "cpu"))
                )
        ratios: dict[str, list[float]] = {"wall": [], "cpu": [], "cpu+server": []}
        for rnd in sorted({s["round"] for s in samples if s["figure"] == figure}):
            by = {
                side: [s for s in samples if s["figure"] == figure and s["side"] == side and s["round"] == rnd]
                for side in ("before", "after")
            }
            if by["before"] and by["after"]:
                for key, values in ratios.items():
                    b = med(_value(r, key) for r in by["before"])
                    values.append(med(_value(r, key) for r in by["after"]) / b if b else float("nan"))
        if ratios["wall"]:
            line.append("  after/before per round: " + "; ".join(f"{k} {_spread(v)}" for k, v in ratios.items()))
        print("\n".join(line), flush=True)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def _value(row: dict[str, Any], key: str) -> float:
    return float(row["cpu"] + row["server_cpu"] if key == "cpu+server" else row[key])


if __name__ == "__main__":
    main()
