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


@pytest.mark.parametrize("args", [["list"], ["info"], ["verify"], ["score"], ["export", "all", "--out", "{tmp}/b.zip"]])
def test_another_applications_database_is_left_as_it_was(tmp_path: Path, args: list[str]) -> None:
    """--db naming another program's SQLite file: refused (no ledger there) and not changed, not even its journal
    mode (switching it to WAL rewrites the file's header and leaves -wal and -shm files beside it)."""
    import sqlite3

    db = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = runner.invoke(app, ["--db", f"sqlite:///{db}", *[a.format(tmp=tmp_path) for a in args]])
    if args == ["info"]:  # says what is there (no schema), and succeeds
        assert result.exit_code == 0 and "tracker init" in result.stdout, result.output
    else:
        assert result.exit_code == 8, result.output
        assert result.stderr.count("\n") == 1 and "tracker init" in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]
