"""`tracker backup`: a consistent copy of the ledger while it is in use.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page inside one read transaction, so
the copy is the database as of one commit even while other processes append (WAL lets them go on). It is written
to a temporary file the caller names (`tracker.app.outfiles`, beside the target) and put in place only when
complete and checked, so an interrupted backup never leaves a half-written file under the target's name.

PostgreSQL: `pg_dump` is the tool (a consistent snapshot, in one transaction). `pg_commands` gives the exact
commands for a URL; `run_pg_dump` runs the first when asked (`tracker backup PATH --run-pg-dump`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tracker.errors import DatabaseError
from tracker.store import eventstore as es
from tracker.store.db import translate_errors


@dataclass(frozen=True)
class BackupReport:
    path: str
    bytes: int
    events: int
    head_position: int
    head_hash: str


def backup_sqlite(engine: Engine, tmp: Path) -> BackupReport:
    """Copy the SQLite ledger behind `engine` to the new file ``tmp`` with the online backup API. The caller names
    ``tmp`` and moves it into place (`tracker.app.outfiles`, which never replaces a file)."""
    try:
        with translate_errors():
            raw = engine.raw_connection()
            try:
                source: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]  # a SQLite engine
                target = sqlite3.connect(tmp)
                try:
                    # pages=-1: every page in one step, hence under one read lock: a consistent copy even while
                    # another process writes (in steps, SQLite would restart the copy after each foreign write).
                    source.backup(target, pages=-1)
                    target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
                    check = target.execute("PRAGMA integrity_check").fetchone()
                    if check is None or check[0] != "ok":
                        raise DatabaseError(f"the copy failed SQLite's integrity check: {check}")
                    n = int(target.execute("SELECT count(*) FROM events").fetchone()[0])
                    head = target.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
                finally:
                    target.close()
            finally:
                raw.close()
    except sqlite3.Error as e:
        raise DatabaseError(f"backup failed: {e}") from e
    position, hash_ = (0, es.GENESIS_HASH) if head is None else (int(head[0]), str(head[1]))
    return BackupReport(str(tmp), tmp.stat().st_size, n, position, hash_)


def _libpq_url(url: str) -> str:
    """The URL as libpq reads it: no SQLAlchemy driver suffix, no password (pass it in PGPASSWORD or ~/.pgpass)."""
    u = make_url(url).set(drivername="postgresql", password=None)
    return u.render_as_string(hide_password=False)


def pg_commands(url: str, path: Path) -> list[str]:
    """The pg_dump command that takes the backup, and the two that restore it into a new database."""
    u = make_url(url)
    target_db = f"{u.database}_restored"
    restored = make_url(_libpq_url(url)).set(database=target_db).render_as_string(hide_password=False)
    server = make_url(_libpq_url(url)).set(database="postgres").render_as_string(hide_password=False)
    q = shlex.quote
    return [
        f"pg_dump --format=custom --no-owner --file={q(str(path))} {q(_libpq_url(url))}",
        f"psql {q(server)} -c {q(f'CREATE DATABASE {target_db}')}",
        f"pg_restore --no-owner --exit-on-error --dbname={q(restored)} {q(str(path))}",
    ]


def run_pg_dump(url: str, tmp: Path) -> None:
    """Run pg_dump (it must be on PATH) into the new file ``tmp`` (the caller moves it into place); the password,
    if the URL has one, goes through PGPASSWORD, not argv."""
    exe = shutil.which("pg_dump")
    if exe is None:
        raise DatabaseError("pg_dump is not on PATH: install the PostgreSQL client tools, or run the commands shown")
    env = dict(os.environ)
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = str(password)
    done = subprocess.run(
        [exe, "--format=custom", "--no-owner", f"--file={tmp}", _libpq_url(url)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[0]
        raise DatabaseError(f"pg_dump failed: {first}")
