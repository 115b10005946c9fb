"""`tracker backup`: a consistent online copy (SQLite backup API, also while another process appends), or
pg_dump on PostgreSQL; a restored copy verifies and equals the original (same head hash, same rows)."""

from __future__ import annotations

import multiprocessing as mp
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import tracker
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from test_cli import failed

from tracker.app.ledger import Ledger
from tracker.domain.events import Event
from tracker.errors import DatabaseError, UserError
from tracker.store import eventstore as es
from tracker.store.db import make_engine, read_transaction, write_transaction
from tracker.store.schema import metadata


def fill(url: str) -> None:
    led = Ledger(url, actor="tester")
    try:
        led.open_question(
            "Will it rain?", "YES if it rains", question_id="rain", tags=("weather",), opened=date(2000, 1, 1)
        )
        led.open_question(
            "Who wins?",
            "the result",
            question_id="who",
            kind="multiple_choice",
            options=("a", "b"),
            opened=date(2000, 1, 1),
        )
        led.record_forecast("rain", "Ann Example", 0.3, date(2020, 1, 1))
        led.record_forecast("who", "Bob Example", {"a": 0.6, "b": 0.4}, date(2020, 1, 2))
        led.resolve("rain", "no", date(2020, 2, 1))
        led.score()
    finally:
        led.close()


def all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every tracker table (events, projections, scoring), sorted: what "equal" means."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return {
                name: sorted((tuple(r) for r in conn.execute(select(table)).all()), key=repr)
                for name, table in metadata.tables.items()
                if name in present
            }
    finally:
        engine.dispose()


def head(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    try:
        with read_transaction(engine) as conn:
            return es.head(conn)
    finally:
        engine.dispose()


def verified(url: str) -> dict[str, Any]:
    led = Ledger(url)
    try:
        report = led.verify()
    finally:
        led.close()
    assert report["ok"], report
    return report


# ------------------------------------------------------------------------------------------------- SQLite


def test_sqlite_backup_restores_to_an_equal_ledger(ledger: Ledger, tmp_path: Path) -> None:
    if not ledger.url.startswith("sqlite"):
        pytest.skip("the SQLite backup API; PostgreSQL below")
    fill(ledger.url)
    target = tmp_path / "backups" / "ledger-copy.sqlite"
    target.parent.mkdir()
    result = tracker(ledger.url, "backup", str(target))
    assert result.exit_code == 0, result.output
    position, hash_ = head(ledger.url)
    assert f"head: {position}:{hash_}" in result.stdout and "backup written to" in result.stdout
    assert [p.name for p in target.parent.iterdir()] == ["ledger-copy.sqlite"]  # no -wal, no partial file
    # "Restore": put the copy where a ledger is expected (here: point --db at it).
    restored = f"sqlite:///{target}"
    assert tracker(restored, "verify").exit_code == 0
    assert head(restored) == (position, hash_)
    assert all_rows(restored) == all_rows(ledger.url)
    # The copy is a working ledger, append-only like the original.
    with pytest.raises(DatabaseError), write_transaction(make_engine(restored)) as conn:
        conn.execute(text("UPDATE events SET actor = 'mallory'"))
    assert tracker(restored, "annul", "who", "--reason", "test").exit_code == 0
    data = tracker(ledger.url, "backup", str(tmp_path / "second.sqlite"), "--json")
    assert data.exit_code == 0 and '"head_hash": "' + hash_ in data.stdout


def test_backup_refuses_to_overwrite_and_needs_a_ledger(sqlite_url: str, tmp_path: Path) -> None:
    failed(tracker(sqlite_url, "backup", str(tmp_path / "x.sqlite")), DatabaseError, ["run 'tracker init'"])
    Ledger(sqlite_url).init()
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"precious")
    failed(tracker(sqlite_url, "backup", str(existing)), UserError, ["path: ", "already exists", "never overwrites"])
    assert existing.read_bytes() == b"precious"
    failed(tracker(sqlite_url, "backup", str(tmp_path / "no" / "x.sqlite")), UserError, ["path: ", "does not exist"])


N_BASE = 3000


def _writer(url: str, stop: Any, started: Any, counter: Any) -> None:
    engine = make_engine(url)
    n = 0
    try:
        while not stop.is_set():
            with write_transaction(engine) as conn:
                es.append(conn, "stream-w", [Event("Tick", {"n": n, "pad": "x" * 200}, datetime.now(UTC))], None, "w")
            n += 1
            counter.value = n
            started.set()
    finally:
        engine.dispose()


def test_sqlite_backup_while_another_process_appends(sqlite_url: str, tmp_path: Path) -> None:
    """Each copy is the ledger as of one commit: it verifies, and its events are a prefix of the original's."""
    engine = make_engine(sqlite_url)
    Ledger(sqlite_url).init()
    with write_transaction(engine) as conn:  # a few MB, so that a copy takes a while
        es.append(conn, "stream-base", [Event("Tick", {"pad": "y" * 1000}, datetime.now(UTC)) for _ in range(N_BASE)],
                  0, "base")  # fmt: skip
    ctx = mp.get_context("spawn")
    stop, started, counter = ctx.Event(), ctx.Event(), ctx.Value("i", 0)
    proc = ctx.Process(target=_writer, args=(sqlite_url, stop, started, counter))
    proc.start()
    copies: list[tuple[Path, int]] = []
    try:
        assert started.wait(60), "the writer never appended"
        for i in range(5):
            before = counter.value
            target = tmp_path / f"copy-{i}.sqlite"
            result = tracker(sqlite_url, "backup", str(target))
            assert result.exit_code == 0, result.output
            copies.append((target, before))
    finally:
        stop.set()
        proc.join(30)
    assert proc.exitcode == 0
    with read_transaction(engine) as conn:
        original = [(r["position"], r["hash"]) for r in es.raw_rows(conn)]
    engine.dispose()
    for target, before in copies:
        url = f"sqlite:///{target}"
        report = verified(url)
        n = report["events_checked"]
        assert n >= N_BASE + before  # at least what was committed when the backup began
        copy_engine = make_engine(url)
        with read_transaction(copy_engine) as conn:
            assert [(r["position"], r["hash"]) for r in es.raw_rows(conn)] == original[:n]
        copy_engine.dispose()
    assert len(original) > N_BASE + max(before for _, before in copies)  # the writer really ran alongside
    print(f"5 backups during {len(original) - N_BASE} concurrent appends; each a consistent prefix")


# ----------------------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_ledger(ledger: Ledger) -> Ledger:
    if not ledger.url.startswith("postgresql"):
        pytest.skip("pg_dump: PostgreSQL only")
    fill(ledger.url)
    return ledger


def test_postgres_backup_prints_the_commands_and_writes_nothing(pg_ledger: Ledger, tmp_path: Path) -> None:
    target = tmp_path / "ledger.dump"
    result = tracker(pg_ledger.url, "backup", str(target))
    assert result.exit_code == UserError.exit_code  # not 0: no backup was taken
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: backup: ") and "nothing was written" in line and "--run-pg-dump" in line
    database = make_url(pg_ledger.url).database
    assert f"pg_dump --format=custom --no-owner --file={target} postgresql://" in result.stdout
    assert f"/{database}" in result.stdout and "+psycopg" not in result.stdout
    assert f"CREATE DATABASE {database}_restored" in result.stdout and "pg_restore --no-owner" in result.stdout
    assert not target.exists()


@pytest.mark.skipif(shutil.which("pg_dump") is None or shutil.which("pg_restore") is None, reason="no pg_dump")
def test_postgres_pg_dump_restores_to_an_equal_ledger(pg_ledger: Ledger, tmp_path: Path) -> None:
    target = tmp_path / "ledger.dump"
    result = tracker(pg_ledger.url, "backup", str(target), "--run-pg-dump")
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0 and f"head: {':'.join(map(str, head(pg_ledger.url)))}" in result.stdout
    failed(tracker(pg_ledger.url, "backup", str(target), "--run-pg-dump"), UserError, ["already exists"])
    # Restore it into a new database with the documented pg_restore command, then compare.
    name = f"tracker_restored_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_ledger.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    restored = make_url(pg_ledger.url).set(database=name).render_as_string(hide_password=False)
    try:
        libpq = make_url(restored).set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq}", str(target)], check=True)
        verified(restored)
        assert head(restored) == head(pg_ledger.url)
        assert all_rows(restored) == all_rows(pg_ledger.url)
        # The restored copy refuses edits of its events like the original (the triggers came along).
        with pytest.raises(DatabaseError), write_transaction(make_engine(restored)) as conn:
            conn.execute(text("UPDATE events SET actor = 'mallory'"))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
