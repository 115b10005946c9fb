"""Scoring and review commands on a ledger that does not exist: one line, exit 8, no file created."""

from __future__ import annotations

import sqlite3
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


def _notes_database(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()


def _database_with_no_tables(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 7")  # a header and nothing else
    conn.close()


MADE_BY_SOMEONE_ELSE = {
    "another program's database": _notes_database,
    "an empty file": lambda db: db.write_bytes(b""),
    "a database with no tables": _database_with_no_tables,
}


@pytest.mark.parametrize("kind", sorted(MADE_BY_SOMEONE_ELSE))
@pytest.mark.parametrize("args", [["list"], ["info"], ["verify"], ["score"], ["export", "all", "--out", "{tmp}/b.zip"]])
def test_another_applications_database_is_left_as_it_was(tmp_path: Path, args: list[str], kind: str) -> None:
    """--db naming a file that holds no ledger (another program's SQLite file, an empty file, a database with no
    tables): refused (no ledger there) and not changed, not even its journal mode (switching it to WAL rewrites
    the file's header and leaves -wal and -shm files beside it)."""
    db = tmp_path / "notes.sqlite"
    MADE_BY_SOMEONE_ELSE[kind](db)
    before = db.read_bytes()
    result = runner.invoke(app, ["--db", f"sqlite:///{db}", *[a.format(tmp=tmp_path) for a in args]])
    if args == ["info"]:  # says what is there (no schema), and succeeds
        assert result.exit_code == 0 and "tracker init" in result.stdout, result.output
    else:
        assert result.exit_code == 8, result.output
        assert result.stderr.count("\n") == 1 and "tracker init" in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]


def test_init_on_an_empty_file_makes_a_ledger_in_wal_mode(tmp_path: Path) -> None:
    """`init` is the one command that makes a ledger of a file holding none: it is then in WAL mode (readers
    never wait for the writer), which no command before `init` set."""
    db = tmp_path / "ledger.sqlite"
    db.write_bytes(b"")
    result = runner.invoke(app, ["--db", f"sqlite:///{db}", "init"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    assert runner.invoke(app, ["--db", f"sqlite:///{db}", "list"]).exit_code == 0
