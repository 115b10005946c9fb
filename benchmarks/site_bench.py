"""How long `tracker site` takes and how much it writes, on synthetic ledgers of the benchmark generator.

    python benchmarks/site_bench.py --sizes 10k,100k          # SQLite ledgers in a scratch folder
    python benchmarks/site_bench.py --sizes 1M --keep DIR     # keep (and reuse) the ledgers in DIR
    python benchmarks/site_bench.py --ledger PATH.sqlite       # a ledger built (and scored) elsewhere

For each size: the ledger is built as the import benchmark builds it (every event decided by the domain, appended
in one transaction), scored once, then the site is built. Printed: the build time, and beside it, measured in the
same run, the time to read the tables the site reads (its floor: the build cannot be faster than reading its
input), their ratio, the pages, files and bytes written, the index page's size, the largest page, the search
index, the peak RSS of the process, and the load average before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from cases import ACTOR, RECORDED_AT  # noqa: E402
from generator import generate  # noqa: E402
from run import parse_size  # noqa: E402

READS = ("leaderboard", "forecasters", "questions", "sources", "forecasts", "scores", "question_scores", "resolutions")


def ledger_for(n: int, folder: Path) -> Any:
    from tracker.app.ledger import Ledger
    from tracker.projections.projector import project
    from tracker.store import eventstore as es
    from tracker.store.db import write_transaction

    path = folder / f"site-bench-{n}.sqlite"
    url = f"sqlite:///{path}"
    if path.exists():
        return Ledger(url, actor=ACTOR)
    started = time.perf_counter()
    dataset = generate(n, seed=7)
    led = Ledger(url, actor=ACTOR)
    led.init()
    with write_transaction(led.engine) as conn:
        es.append_many(conn, dataset.batches, ACTOR, project, now=RECORDED_AT)
    led.score()
    print(
        f"  built and scored a {dataset.n_events:,}-event ledger in {time.perf_counter() - started:.1f} s", flush=True
    )
    return led


def read_inputs(led: Any) -> float:
    started = time.perf_counter()
    with led.snapshot() as snap:
        for name in READS:
            led.table(snap, name).frame()
        for _chunk in led.table(snap, "events").chunks():
            pass
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    from tracker.app.site import build_site

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--keep", type=Path, help="a folder for the ledgers, reused by later runs")
    parser.add_argument("--ledger", type=Path, action="append", help="an existing SQLite ledger (instead of --sizes)")
    parser.add_argument("--no-floor", action="store_true", help="skip the read of the inputs (minutes at 1M)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="site-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []

    def ledgers() -> Any:
        from tracker.app.ledger import Ledger

        for path in args.ledger or []:
            yield path.stem, Ledger(f"sqlite:///{path.resolve()}", actor=ACTOR)
        if not args.ledger:
            for n in [parse_size(s) for s in args.sizes.split(",")]:
                yield str(n), ledger_for(n, folder)

    try:
        for label, led in ledgers():
            events = int(led.info()["head_position"])
            print(f"{events:,} events ({label})", flush=True)
            load_before = os.getloadavg()
            floor = float("nan") if args.no_floor else read_inputs(led)
            out = folder / f"site-{label}"
            started = time.perf_counter()
            summary = build_site(led, out)
            took = time.perf_counter() - started
            pages = list(out.rglob("*.html"))
            largest = max(pages, key=lambda p: p.stat().st_size)
            row = {
                "events": events,
                "build_s": round(took, 2),
                "read_inputs_s": round(floor, 2),
                "build_over_read": round(took / floor, 1),
                "pages": summary.pages,
                "files": summary.files,
                "bytes": summary.bytes,
                "index_bytes": (out / "index.html").stat().st_size,
                "largest_page": str(largest.relative_to(out)),
                "largest_page_bytes": largest.stat().st_size,
                "search_index_bytes": (out / "search-index.js").stat().st_size,
                "quotes_not_indexed": summary.quotes_not_indexed,
                "pages_per_s": round(summary.pages / took, 1),
                "phases_s": summary.timings,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "load_before": [round(v, 1) for v in load_before],
                "load_after": [round(v, 1) for v in os.getloadavg()],
            }
            results.append(row)
            print("  " + json.dumps(row), flush=True)
            led.close()
            shutil.rmtree(out, ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print(
        "| events | site build | reading its input | ratio | pages | total | index.html | largest page | search index "
        "| peak RSS | load average |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['events']:,} | {r['build_s']} s | {r['read_inputs_s']} s | {r['build_over_read']}x | {r['pages']:,} "
            f"| {r['bytes'] / 1e6:.1f} MB | {r['index_bytes'] / 1e3:.0f} kB | {r['largest_page_bytes'] / 1e3:.0f} kB "
            f"| {r['search_index_bytes'] / 1e6:.1f} MB | {r['peak_rss_mb']} MB "
            f"| {' '.join(map(str, r['load_after']))} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
