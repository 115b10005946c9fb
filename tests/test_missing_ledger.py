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


def test_init_leaves_another_applications_database_as_it_was(tmp_path: Path) -> None:
    """`init` on another program's SQLite file (a --db typo) mixed the ledger's tables into it and switched it to
    WAL: refused, naming the file and its tables, the file byte for byte as it was."""
    db = tmp_path / "notes.sqlite"
    _notes_database(db)
    before = db.read_bytes()
    result = runner.invoke(app, ["--db", f"sqlite:///{db}", "init"])
    assert result.exit_code == 8, result.output
    assert result.stderr.count("\n") == 1 and "notes.sqlite" in result.stderr and "(notes)" in result.stderr
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


# Each of these opens a database that lives only as long as its connection (checked below against SQLite itself):
# `init` on one would report success and keep nothing.
IN_MEMORY = [
    "sqlite://",
    "sqlite:///",
    "sqlite:///:memory:",
    "sqlite+pysqlite:///:memory:",
    "sqlite:///file::memory:?uri=true",
    "sqlite:///file::memory:?cache=shared&uri=true",
    "sqlite:///file:scratch?mode=memory&uri=true",
    "sqlite:///file:scratch%3Fmode%3Dmemory?uri=true",
    "sqlite:///file:scratch?mode=memory&cache=shared&uri=true",
    "sqlite:///file:scratch?vfs=memdb&uri=true",
]


@pytest.mark.parametrize("url", IN_MEMORY)
def test_the_urls_refused_as_in_memory_are_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Each of them, opened by SQLite itself, takes a table and leaves no file behind: the refusal below is not
    of a file."""
    from sqlalchemy import create_engine, text

    monkeypatch.chdir(tmp_path)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE kept (x INTEGER)"))
    finally:
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", IN_MEMORY)
@pytest.mark.parametrize(
    "args", [["init"], ["list"], ["info"], ["verify"], ["score"], ["backup", "b.sqlite"], ["rebuild"]]
)
def test_an_in_memory_database_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, args: list[str]
) -> None:
    """--db (or TRACKER_DATABASE_URL) naming an in-memory SQLite database: one line naming --db and the URL, the
    exit code of a user error, nothing written anywhere."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--db", url, *args])
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("error: db: ") and "--db" in result.stderr and repr(url) in result.stderr
    assert "in-memory" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_in_memory_database_in_the_environment_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:///:memory:")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 3 and "in-memory" in result.stderr, result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url", ["sqlite:///file:{tmp}/l.sqlite?mode=rwc&uri=true", "sqlite:///{tmp}/memory", "sqlite:///{tmp}/:memory:"]
)
def test_a_file_whose_url_mentions_memory_is_a_ledger(tmp_path: Path, url: str) -> None:
    """Only what SQLite keeps in memory is refused: a file (named ``memory``, or through a ``file:`` URI) is not."""
    url = url.format(tmp=tmp_path)
    assert runner.invoke(app, ["--db", url, "init"]).exit_code == 0
    assert runner.invoke(app, ["--db", url, "list"]).exit_code == 0
    assert list(tmp_path.iterdir())


def test_the_python_api_refuses_an_in_memory_ledger_too() -> None:
    from tracker.app.ledger import Ledger
    from tracker.errors import UserError

    with pytest.raises(UserError, match="in-memory") as e:
        Ledger("sqlite://")
    assert e.value.field == "db"
