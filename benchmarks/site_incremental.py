"""How much of the site a rebuild rewrites, and how long it takes, against a full build in the same run.

    python benchmarks/site_incremental.py                     # the curated catalog (predictions/), as `make demo`
    python benchmarks/site_incremental.py --ledger PATH.sqlite # a scored ledger built elsewhere (worked on a copy)

Three builds into one folder: a full build into an empty folder, a rebuild with nothing new, and a rebuild after
one new forecast (on an open question, by a forecaster already there, from a source already there) and
`tracker score`. For each: the wall and CPU time (`time.process_time`: the figure to read on a shared machine), the
CPU ratio to the full build's, and the files whose bytes changed (from the folder's manifest, `.tracker-site.json`,
which holds each file's SHA-256) and whose mtime moved. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

MANIFEST = ".tracker-site.json"


def hashes(out: Path) -> dict[str, str]:
    files = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    return {name: entry["sha256"] for name, entry in files.items()}


def mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def main() -> None:
    from tracker.app.importer import import_catalog
    from tracker.app.ledger import Ledger
    from tracker.app.site import build_site

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledger", type=Path, help="a scored SQLite ledger (a copy is used)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="site-incr-") as tmp:
        folder = Path(tmp)
        path = folder / "ledger.sqlite"
        if args.ledger:
            shutil.copyfile(args.ledger, path)
            led = Ledger(f"sqlite:///{path}", actor="bench")
        else:
            led = Ledger(f"sqlite:///{path}", actor="bench")
            led.init()
            import_catalog(led, [HERE.parent / "predictions"])
            assert led.score().status == "ok"
        out = folder / "site"
        rows = []

        def build(label: str) -> None:
            before_h = hashes(out) if (out / MANIFEST).exists() else {}
            before_m = mtimes(out) if out.exists() else {}
            started, cpu = time.perf_counter(), time.process_time()
            build_site(led, out)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            after_h, after_m = hashes(out), mtimes(out)
            changed = sorted(n for n in after_h if before_h.get(n) != after_h[n])
            touched = sorted(n for n in after_m if n != MANIFEST and before_m.get(n) != after_m[n])
            rows.append((label, took, cpu, len(after_h), changed, touched))

        build("full build (empty folder)")
        build("rebuild, nothing new")
        forecasts = led.forecasts()
        open_q = set(led.questions().query("status == 'open'")["question_id"])
        pick = forecasts[forecasts["question_id"].isin(open_q) & forecasts["source_id"].notna()].iloc[0]
        led.record_forecast(
            str(pick.question_id),
            "benchmark forecaster",
            0.35,
            date(2026, 2, 1),
            source_id=str(pick.source_id),
            forecaster_id=str(pick.forecaster_id),
        )
        assert led.score().status == "ok"
        build("rebuild after one forecast + score")
        led.close()
    full = rows[0][2]
    print(f"{'build':38} {'wall s':>8} {'CPU s':>8} {'x full':>7} {'files':>6} {'changed':>8} {'mtime moved':>12}")
    for label, took, cpu, n_files, changed, touched in rows:
        print(f"{label:38} {took:8.2f} {cpu:8.2f} {cpu / full:7.2f} {n_files:6d} {len(changed):8d} {len(touched):12d}")
    print("changed by the new forecast:", ", ".join(rows[2][4]))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
