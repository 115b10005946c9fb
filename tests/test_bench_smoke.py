"""The benchmark harness (benchmarks/run.py) runs at its smallest size and prints every case.

A smoke test only: it asserts that each figure is measured and printed, never how fast anything is (speed is
measured by `make bench` as ratios within one run; see BENCHMARKS.md). On PostgreSQL too when
TRACKER_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"

SQLITE_FIGURES = (
    "import",
    "import-floor",
    "import-memory",
    "import-vs-eventsourcing",
    "rebuild",
    "rebuild-floor",
    "score-compute",
    "score-full-job",
    "score-noop",
    "score-noop-command",
    "score-one-new",
    "export-parquet",
    "append-one",
    "append-floor",
    "append-command",
    "cli-help",
    "cli-list",
    "catalog-import",
    "catalog-reimport",
)
POSTGRES_FIGURES = tuple(f for f in SQLITE_FIGURES if f not in ("import-vs-eventsourcing", "score-compute", "cli-help"))


FLOORS = ("import-floor", "append-floor", "rebuild-floor")  # reported next to their case, no target


def run_harness(*extra: str) -> str:
    proc = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--sizes",
            "1500",
            "--reps",
            "1",
            "--appends",
            "10",
            "--catalog-questions",
            "50",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return proc.stdout


def check_printed(out: str, backend: str, figures: tuple[str, ...]) -> None:
    for figure in figures:
        lines = [ln for ln in out.splitlines() if ln.startswith(f"[{backend} ") and f"] {figure}: ours " in ln]
        assert len(lines) == 1, f"{backend} {figure} not printed once:\n{out}"
        assert "| ref " in lines[0] and "| target " in lines[0]
        assert f"| {backend} | " in out and f"| {figure} | " in out  # and in the closing table
        if figure in FLOORS:
            assert "floor" in lines[0] and "| target (report): -" in lines[0], lines[0]


def check_json(path: Path, backend: str, figures: tuple[str, ...]) -> None:
    """--json carries each result; the floors with their own and their case's raw timings."""
    results = {(r["backend"], r["key"]): r for r in json.loads(path.read_text())["results"]}
    for figure in figures:
        assert (backend, figure) in results, figure
    for figure in FLOORS:
        raw = results[(backend, figure)]["raw"]
        for timings in (raw["floor_s"], raw["ours_s"], raw["ref_s"]):
            assert timings and all(t > 0 for t in timings), raw


def bench_cases() -> object:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import cases
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return cases


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:5432/test",
        "postgres://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    ],
)
def test_harness_takes_every_postgres_url_the_readme_accepts(url: str) -> None:
    cases = bench_cases()
    assert cases.dsn(url) == "postgresql://postgres@127.0.0.1:5432/test"  # type: ignore[attr-defined]
    dbs = cases.Databases("postgres", ROOT, url)  # type: ignore[attr-defined]
    assert dbs.pg_url == "postgresql://postgres@127.0.0.1:5432/test"


def test_alternate_runs_ours_and_the_reference_in_turn_and_ratios_are_per_round() -> None:
    cases = bench_cases()
    order: list[str] = []

    def a() -> float:
        order.append("a")
        return 2.0 * order.count("a")

    def b() -> float:
        order.append("b")
        return 1.0

    times = cases.alternate(3, a, b)  # type: ignore[attr-defined]
    assert order == ["a", "b", "a", "b", "a", "b"]
    assert times == [[2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]
    assert cases.per_round(times[1], times[0]) == (0.25, (1 / 6, 0.5))  # type: ignore[attr-defined]


def test_floor_lock_key_is_the_stores() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import cases
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    from tracker.store import db

    assert cases.PG_APPEND_LOCK_KEY == db.APPEND_LOCK_KEY
    assert cases.PG_LOCK_TIMEOUT_MS == db.DEFAULT_BUSY_MS


@pytest.mark.slow
def test_harness_prints_every_case_on_sqlite(tmp_path: Path) -> None:
    out = run_harness("--json", str(tmp_path / "bench.json"))
    assert out.startswith("machine: ")
    check_printed(out, "sqlite", SQLITE_FIGURES)
    check_json(tmp_path / "bench.json", "sqlite", SQLITE_FIGURES)


@pytest.mark.slow
@pytest.mark.postgres
def test_harness_prints_every_case_on_postgres(tmp_path: Path) -> None:
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL benchmarks need TRACKER_TEST_POSTGRES_URL")
    cases = "import,rebuild,score-job,export,append,cli,catalog"
    out = run_harness("--postgres", url, "--no-sqlite", "--cases", cases, "--json", str(tmp_path / "bench.json"))
    check_printed(out, "postgres", POSTGRES_FIGURES)
    check_json(tmp_path / "bench.json", "postgres", POSTGRES_FIGURES)


def test_read_bench_prints_every_row(tmp_path: Path) -> None:
    """benchmarks/read_bench.py (the read commands as whole processes) runs and prints each row once."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "read_bench.py"), "--demo", "--sizes", "1500", "--reps", "1"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = [ln for ln in proc.stdout.splitlines() if "x typer" in ln]
    labels = (
        "floor: python -c 'import typer, sqlalchemy'",
        "tracker list",
        "tracker show QUESTION",
        "tracker scores",
        "tracker forecast (one append)",
        "tracker score --full (first)",
        "tracker score --full (again)",
        "tracker scores (top 50, table)",
        "tracker scores --format csv (every row)",
        "tracker list --status open --limit 50",
        "tracker score (nothing new)",
    )
    for label in labels:
        printed = [ln[2:46].rstrip() for ln in rows]  # each row starts with its label in 44 columns
        assert printed.count(label) == 1, f"{label!r} not printed once:\n{proc.stdout}"
    assert all(" MB " in ln and "(cpu " in ln for ln in rows)
