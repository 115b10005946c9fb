"""Run the benchmarks and print each figure, its reference measured in the same run, and their ratio.

    python benchmarks/run.py                                   # 10k and 100k events on SQLite (make bench)
    python benchmarks/run.py --sizes 1M                        # make bench-full
    python benchmarks/run.py --postgres postgresql://postgres@127.0.0.1:5432/test   # PostgreSQL too
    python benchmarks/run.py --sizes 2k --reps 1 --appends 20  # the CI smoke run

Options: --sizes (10k,100k,1M or plain numbers), --reps (rounds per case: ours and its references run in
alternation, once each per round; a ratio is the median of the per-round ratios, with its lowest and highest
round in brackets), --appends (transactions per run of the one-append cases), --cases (a subset:
import,rebuild,score-compute,honest,score-job,export,append,cli,catalog), --catalog-questions (the catalog-import
case's size, 10,000), --postgres URL (a server where scratch databases may be created and dropped; libpq or
SQLAlchemy style), --json PATH (every result with its raw timings), --seed.

Prints one line per figure as it is measured, then a Markdown table of all of them.

The import, append and rebuild cases also print a floor row (import-floor, append-floor, rebuild-floor; no
target): the database work our schema requires for the case, done by the raw driver with our exact rows
prepared, into a ledger made by our migrations. Its ratio is what ours/raw could at best be with zero Python
overhead; its reference column gives ours as a multiple of the floor's time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402
from generator import generate  # noqa: E402

ALL_CASES = [name for name, _, _ in cases.SIZED_CASES] + ["cli", "catalog"]
SMALL_LEDGER_EVENTS = 300


def parse_size(text: str) -> int:
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    return int(float(t) * mult)


def machine() -> dict[str, str]:
    info = {
        "date": time.strftime("%Y-%m-%d"),
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }
    try:
        import sqlalchemy

        info["sqlalchemy"] = sqlalchemy.__version__
    except ImportError:
        pass
    return info


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(cases.dsn(url), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def table(results: list[cases.Result]) -> str:
    lines = [
        "| backend | size | figure | ours | reference | ratio [lowest–highest round] | target | met? | load avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        met = "-" if r.met is None else ("yes" if r.met else "**no**")
        ratio = "-" if r.ratio is None else f"{r.ratio_cell} ({r.ratio_text})"
        ref = r.reference + (f" — {r.note}" if r.note else "")
        lines.append(
            f"| {r.backend} | {r.size} | {r.key} | {r.ours} | {ref} | {ratio} | {r.target} | {met} | {r.load_text} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--appends", type=int, default=200)
    ap.add_argument("--cases", default=",".join(ALL_CASES))
    ap.add_argument("--postgres", default=None, metavar="URL")
    ap.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL (with --postgres)")
    ap.add_argument("--json", default=None, metavar="PATH")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--catalog-questions", type=int, default=10_000, help="questions in the catalog-import case")
    args = ap.parse_args(argv)

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    wanted = {c.strip() for c in args.cases.split(",") if c.strip()}
    unknown = wanted - set(ALL_CASES)
    if unknown:
        ap.error(f"unknown cases {sorted(unknown)}; choose from {ALL_CASES}")
    backends = [] if args.no_sqlite else ["sqlite"]
    if args.postgres:
        backends.append("postgres")
    if not backends:
        ap.error("nothing to run: --no-sqlite without --postgres")

    info = machine()
    if args.postgres:
        info["postgresql"] = postgres_version(args.postgres)
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    print(f"sizes {sizes}, {args.reps} alternating rounds per case, backends {backends}", flush=True)

    results: list[cases.Result] = []
    datasets = {}
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        for backend in backends:
            dbs = cases.Databases(backend, Path(tmp), args.postgres)
            try:
                for size in sizes:
                    if size not in datasets:
                        t = time.perf_counter()
                        datasets[size] = generate(size, seed=args.seed)
                        ds = datasets[size]
                        print(
                            f"generated {ds.n_events:,} events ({len(ds.questions):,} questions, "
                            f"{len(ds.forecasts):,} forecasts) in {time.perf_counter() - t:.1f} s",
                            flush=True,
                        )
                    ctx = cases.Context(backend, size, args.reps, dbs, datasets[size], appends=args.appends)
                    try:
                        for name, fn, where in cases.SIZED_CASES:
                            if name not in wanted or backend not in where:
                                continue
                            if name != "import" and ctx.ledger_url is None:
                                ctx.ledger_url = _import_once(ctx)
                            for r in fn(ctx):
                                results.append(r)
                                print(r.line(), flush=True)
                    finally:
                        if ctx.ledger_url is not None:
                            dbs.drop(ctx.ledger_url)
                if "cli" in wanted:
                    small = generate(SMALL_LEDGER_EVENTS, seed=args.seed)
                    ctx = cases.Context(backend, small.n_events, args.reps, dbs, small)
                    with cases.small_ledger(dbs, small) as url:
                        for r in cases.cli(ctx, url):
                            results.append(r)
                            print(r.line(), flush=True)
                if "catalog" in wanted:
                    ctx = cases.Context(backend, args.catalog_questions, args.reps, dbs, None)  # size: questions
                    for r in cases.catalog_import(ctx, args.catalog_questions):
                        results.append(r)
                        print(r.line(), flush=True)
            finally:
                dbs.drop_all()

    print()
    print(table(results))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "args": vars(args), "results": [asdict(r) for r in results]}, indent=1)
        )
    return 0


def _import_once(ctx: cases.Context) -> str:
    """A ledger with the dataset in it, for cases run without the import case."""
    from tracker.projections.bulk import project_range
    from tracker.store import eventstore as es
    from tracker.store.db import write_transaction

    url = ctx.dbs.fresh("ledger")
    led = cases.new_ledger(url)
    with write_transaction(led.engine) as conn:
        es.append_stream(conn, ctx.dataset.batches, cases.ACTOR, now=cases.RECORDED_AT, project_range=project_range)
    led.close()
    return url


if __name__ == "__main__":
    sys.exit(main())
