"""benchmarks/merkle_bench.py runs at a tiny size and prints each figure (never how fast: see BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_merkle_benchmark_prints_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    run = [sys.executable, str(ROOT / "benchmarks" / "merkle_bench.py"), "--leaves", "300", "--ledgers", "300"]
    result = subprocess.run([*run, "--reps", "1", "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    figures = [r["figure"].split(" ")[0] for r in json.loads(out.read_text())]
    assert figures == ["tree-build", "proof", "consistency-proof", "proof-file", "ledger-tree"]
    assert "| tree-build 300 |" in result.stdout
