"""The benchmark harness (benchmarks/run.py) runs at its smallest size and prints every case.

A smoke test only: it asserts that each figure is measured and printed, never how fast anything is (speed is
measured by `make bench` as ratios within one run; see BENCHMARKS.md). On PostgreSQL too when
TRACKER_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"

SQLITE_FIGURES = (
    "import",
    "import-vs-eventsourcing",
    "rebuild",
    "score-compute",
    "score-full-job",
    "score-noop",
    "score-one-new",
    "export-parquet",
    "append-one",
    "append-command",
    "cli-help",
    "cli-list",
)
POSTGRES_FIGURES = tuple(f for f in SQLITE_FIGURES if f not in ("import-vs-eventsourcing", "score-compute", "cli-help"))


def run_harness(*extra: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(RUN), "--sizes", "1500", "--reps", "1", "--appends", "10", *extra],
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


@pytest.mark.slow
def test_harness_prints_every_case_on_sqlite() -> None:
    out = run_harness()
    assert out.startswith("machine: ")
    check_printed(out, "sqlite", SQLITE_FIGURES)


@pytest.mark.slow
@pytest.mark.postgres
def test_harness_prints_every_case_on_postgres() -> None:
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL benchmarks need TRACKER_TEST_POSTGRES_URL")
    out = run_harness("--postgres", url, "--no-sqlite", "--cases", "import,rebuild,score-job,export,append,cli")
    check_printed(out, "postgres", POSTGRES_FIGURES)
