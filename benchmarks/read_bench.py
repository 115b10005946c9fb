"""Whole-process figures of the read side: each command run as a user runs it (a fresh `tracker` process), its
wall time and peak RSS, next to `python -c "import typer"` measured in the same run (the start-up reference).

    python benchmarks/read_bench.py --sizes 100k,1M          # a generated ledger of each size (SQLite)
    python benchmarks/read_bench.py --demo                   # the demo ledger (the curated catalog)
    python benchmarks/read_bench.py --sizes 1M --ledger L.sqlite   # a copy of a ledger made before, unscored

Each figure is the median of --reps runs (wall time, and the CPU time of the process, which a loaded machine
inflates less); ratios are against the reference's median of the same run. A ledger is
built once per size (bulk import of benchmarks/generator.py's events, then `tracker score --full`, itself timed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

TRACKER = str(Path(sys.executable).with_name("tracker"))
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}

# (label, arguments after --db, target seconds or None, target MB or None)
LEDGER_ROWS: list[tuple[str, list[str], float | None, float | None]] = [
    ("tracker scores (top 50, table)", ["scores", "--format", "table"], 1.0, 300),
    ("tracker scores --format csv (every row)", ["scores", "--format", "csv"], 3.0, None),
    ("tracker list --status open --limit 50", ["list", "--status", "open", "--limit", "50"], 1.0, None),
    ("tracker score (nothing new)", ["score"], 0.35, None),
]
# The floor of any command here: Python, typer and SQLAlchemy (the store is built on it) imported, nothing run.
FLOOR_ROW = ("floor: python -c 'import typer, sqlalchemy'", [sys.executable, "-c", "import typer, sqlalchemy"])
DEMO_ROWS = [
    ("tracker list", ["list"]),
    ("tracker show QUESTION", ["show", "osaka-trump-putin-meeting-2019"]),
    ("tracker scores", ["scores"]),
    (
        "tracker forecast (one append)",
        [
            "forecast",
            "russia-ukraine-ceasefire-2026",
            "--forecaster",
            "Bench Mark",
            "--p",
            "0.3",
            "--made-at",
            "2026-01-20",
        ],  # fmt: skip
    ),
]


# A user's installation runs from byte code: pip compiles a package on install, and Python caches what it
# compiles for an editable one. An environment that sets PYTHONDONTWRITEBYTECODE would make every command
# here compile tracker's sources again while the reference loads typer's cached byte code, so the commands
# run without it, after `compile_sources` has filled the cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_sources() -> None:
    import compileall

    compileall.compile_dir(str(HERE.parent / "tracker"), quiet=1)


CPU: dict[tuple[str, ...], float] = {}  # each command's median CPU seconds (user + system), for the rows


def run(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one process, output discarded; its CPU time in CPU."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    CPU[tuple(argv)] = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024, proc.returncode


REFERENCE = [sys.executable, "-c", "import typer"]


def median_run(argv: list[str], reps: int) -> tuple[float, float]:
    """(the command's median seconds, its peak RSS in MB) over ``reps`` runs."""
    seconds, mb, _ = alternated(argv, reps, reference=False)
    return seconds, mb


def alternated(argv: list[str], reps: int, reference: bool = True) -> tuple[float, float, list[float]]:
    """The command, in alternation with the reference when ``reference``, ``reps`` rounds: (the command's median
    seconds, its peak RSS, each round's ratio of the command to the reference), so that a change of load
    between rounds moves both sides of a ratio."""
    walls, rss, cpus, ratios = [], [], [], []
    for _ in range(reps):
        ref = run(REFERENCE)[0] if reference else 1.0
        wall, mb, code = run(argv)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} exited {code}")
        walls.append(wall)
        rss.append(mb)
        cpus.append(CPU[tuple(argv)])
        ratios.append(wall / ref)
    CPU[tuple(argv)] = statistics.median(cpus)
    return statistics.median(walls), max(rss), ratios


def typer_reference(reps: int) -> float:
    return median_run(REFERENCE, reps)[0]


def make_ledger(url: str, n: int) -> None:
    """Bulk-import about n generated events (in a process of its own: see `build`)."""
    from generator import generate

    from tracker.app.ledger import Ledger
    from tracker.projections.projector import project
    from tracker.store import eventstore as es
    from tracker.store.db import write_transaction

    led = Ledger(url, actor="bench")
    led.init()
    with write_transaction(led.engine) as conn:
        es.append_many(conn, generate(n, seed=7).batches, "bench", project)
    led.close()


def make_demo(url: str) -> None:
    from tracker.app.importer import import_catalog
    from tracker.app.ledger import Ledger

    led = Ledger(url, actor="bench")
    led.init()
    import_catalog(led, [HERE.parent / "predictions"])
    led.score()
    led.close()


def build(n: int, workdir: Path, source: Path | None = None) -> tuple[str, list[tuple[float, float, float]]]:
    """A generated ledger of about n events, scored twice in full: (URL, [(seconds, peak RSS in MB)] of the
    first full run, which writes every score row, and of the second, which compares them all and changes none).

    The ledger is made in a child process: Linux keeps a process's peak RSS across exec, so a command started
    from a parent that had built a large ledger in memory would report the parent's peak as its own."""
    path = workdir / f"ledger-{n}.sqlite"
    url = f"sqlite:///{path}"
    if source is not None:  # a copy of an unscored ledger made before by --make
        shutil.copyfile(source, path)
    else:
        subprocess.run([sys.executable, __file__, "--make", url, str(n)], check=True)
    runs = []
    for _ in range(2):
        argv = [TRACKER, "--db", url, "score", "--full"]
        wall, mb, code = run(argv)
        if code != 0:
            raise SystemExit(f"score --full exited {code}")
        runs.append((wall, mb, CPU[tuple(argv)]))
    return url, runs


def row(
    label: str, seconds: float, mb: float, ref: float, target: float | None, target_mb: float | None, cpu: float
) -> str:
    verdict = ""
    if target is not None:
        verdict = "met" if seconds <= target and (target_mb is None or mb <= target_mb) else "missed"
        verdict = f"  target <= {target:g} s" + (f", <= {target_mb:g} MB" if target_mb else "") + f": {verdict}"
    return f"  {label:<44} {seconds:7.3f} s  (cpu {cpu:7.3f} s)  {mb:7.0f} MB  {seconds / ref:6.1f}x typer{verdict}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="", help="comma-separated: 10k, 100k, 1M, or a number of events")
    ap.add_argument("--demo", action="store_true", help="the demo ledger's start-up rows")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ledger", help="copy this unscored SQLite ledger (made by --make) instead of generating one")
    ap.add_argument("--make", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make:
        url, what = args.make
        make_demo(url) if what == "demo" else make_ledger(url, int(what))
        return
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    compile_sources()
    with tempfile.TemporaryDirectory(prefix="tracker-read-bench-") as tmp:
        work = Path(tmp)
        if args.demo:
            url = f"sqlite:///{work / 'demo.sqlite'}"
            subprocess.run([sys.executable, __file__, "--make", url, "demo"], check=True)
            ref = typer_reference(args.reps)
            print(f"demo ledger; python -c 'import typer': {ref:.3f} s (median of {args.reps})")
            for label, cmd in [FLOOR_ROW, *DEMO_ROWS]:
                argv = cmd if cmd is FLOOR_ROW[1] else [TRACKER, "--db", url, *cmd]
                seconds, mb, ratios = alternated(argv, args.reps)
                ratio = statistics.median(ratios)
                verdict = "met" if ratio <= 5 else "missed"
                print(
                    row(label, seconds, mb, seconds / ratio, None, None, CPU[tuple(argv)])
                    + f"  [rounds {min(ratios):.1f}-{max(ratios):.1f}x]  target <= 5x typer: {verdict}"
                )
        for size in filter(None, args.sizes.split(",")):
            n = SIZES[size] if size in SIZES else int(size)
            t0 = time.perf_counter()
            url, full = build(n, work, Path(args.ledger) if args.ledger else None)
            print(f"{size} events: built in {time.perf_counter() - t0:.0f} s")
            ref = typer_reference(args.reps)
            for label, (full_s, full_mb, cpu) in zip(("first", "again"), full, strict=True):
                print(row(f"tracker score --full ({label})", full_s, full_mb, ref, 15.0, 1024, cpu))
            for label, cmd, target, target_mb in LEDGER_ROWS:
                argv = [TRACKER, "--db", url, *cmd]
                seconds, mb = median_run(argv, args.reps)
                print(row(label, seconds, mb, ref, target, target_mb, CPU[tuple(argv)]))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
