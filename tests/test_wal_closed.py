"""When a command ends, the SQLite ledger's file alone holds what it committed: the command closes its connections,
so SQLite checkpoints the write-ahead log into the file instead of leaving it in ledger.sqlite-wal."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from conftest import tracker

PREDICTIONS = Path(__file__).resolve().parent.parent / "predictions"


def events_in_the_file_alone(db: Path, tmp_path: Path) -> int:
    alone = tmp_path / "alone.sqlite"
    shutil.copyfile(db, alone)  # the file as a user would copy it, without -wal or -shm
    conn = sqlite3.connect(alone)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def test_the_ledger_file_alone_holds_every_committed_event(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    url = f"sqlite:///{db}"
    assert tracker(url, "init").exit_code == 0
    done = tracker(url, "import", str(PREDICTIONS))
    assert done.exit_code == 0, done.output
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    conn = sqlite3.connect(db)
    try:
        expected = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()
    assert expected > 0
    assert events_in_the_file_alone(db, tmp_path) == expected


def test_a_failed_command_closes_its_connections_too(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    url = f"sqlite:///{db}"
    assert tracker(url, "init").exit_code == 0
    assert tracker(url, "import", str(PREDICTIONS)).exit_code == 0
    wrong = tracker(url, "show", "no-such-question")
    assert wrong.exit_code != 0
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
