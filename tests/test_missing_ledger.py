"""Scoring and review commands on a ledger that does not exist: one line, exit 8, no file created."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    "args",
    [["score"], ["score", "--full"], ["scores"], ["calibration"], ["runs"], ["due"], ["hindsight"], ["list"]],
)
def test_commands_on_a_missing_sqlite_file(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "never-initialised.sqlite"
    result = runner.invoke(app, ["--db", f"sqlite:///{db}", *args])
    assert result.exit_code == 8
    assert result.stderr.startswith("error:") and "tracker init" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not db.exists()
