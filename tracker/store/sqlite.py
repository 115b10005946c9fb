"""The SQLite backend (the embedded default): see tracker.store.backend for what a backend decides.

One writer at a time is SQLite's own rule: a write transaction is BEGIN IMMEDIATE, which takes the write lock up
front (positions and stream versions read under it cannot change before commit), waiting up to the busy timeout.
The scoring job's exclusion is a lease row (`scoring_lease`), since SQLite has no advisory locks. Driver errors
are recognised by sqlite3's extended result code (`sqlite_errorname`, Python 3.11+).
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from sqlalchemy import Connection, Date, DateTime, Engine, Float, Index, create_engine, event, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from tracker.domain import timepoints
from tracker.errors import (
    ConflictError,
    DatabaseBusy,
    DatabaseError,
    LeaseLost,
    LockHeld,
    TrackerError,
)
from tracker.store.backend import (
    Backend,
    JsonSql,
    ScoringSession,
    append_only_violation,
    busy_ms,
    first_line,
    utc,
)
from tracker.store.dbapi import Converter, execute, memoised, unchanged
from tracker.store.jsontext import iso_utc
from tracker.store.schema import UTCDateTime, scoring_lease, unreadable_time

log = logging.getLogger("tracker.scoring")

_BEGIN_WRITE = "BEGIN IMMEDIATE"
_BEGIN_READ = "BEGIN DEFERRED"


class SqliteJson(JsonSql):
    """`json_extract` and `json_each` over the stored payload text."""

    def src(self, types: Sequence[str]) -> str:
        return f"(SELECT * FROM events WHERE {self.where(types)}) AS e"

    def at(self, position: str) -> str:
        return f"events AS e WHERE e.position = {position}"

    def x(self, path: str, cast: str = "") -> str:
        # json_extract gives JSON numbers and booleans typed (booleans as 1/0, as SQLAlchemy stores them); dates
        # stay ISO text, which is how SQLAlchemy stores a DATE on SQLite
        return f"json_extract(e.payload, '$.{path}')"

    def strings(self, path: str) -> str:
        return (
            f"'[' || coalesce((SELECT group_concat(json_quote(value), ', ') "
            f"FROM json_each(e.payload, '$.{path}')), '') || ']'"
        )

    def each_string(self, path: str) -> str:
        return f", json_each(e.payload, '$.{path}') AS t"

    def raw_object(self, path: str) -> str:
        return f"json_extract(e.payload, '$.{path}')"

    def yes_no_only(self) -> str:
        # On the object's text as stored (canonical: keys sorted, no spaces; see tracker.projections.bulk's note
        # on probabilities): option slugs for keys and numbers for values hold no comma, so the options are
        # exactly yes and no when it reads {"no":...,"yes":...} with one comma. A pattern on that text instead of a
        # json_each over the object per forecast: 0.05 s of the forecasts' 0.52 s at 100k.
        p = self.raw_object("probabilities")
        return f"""({p} GLOB '{{"no":*,"yes":*}}' AND {p} NOT GLOB '*,*,*')"""

    def method_json(self) -> str:
        return "json_type(e.payload, '$.derivation.method')"

    def true(self) -> str:
        return "1"

    def false(self) -> str:
        return "0"

    def scanned(self, table: str) -> str:
        # For a GROUP BY over every forecast, SQLite's planner walks ix_forecasts_forecaster_id to skip the sort, and
        # so reads the table's rows in the index's order, one B-tree search each: at 100k events 0.10-0.12 s
        # against 0.06-0.07 s for reading the table in order and sorting what it read (BENCHMARKS.md, seventh
        # round). NOT INDEXED still lets it use the rowid.
        return f"{table} NOT INDEXED"


# ------------------------------------------------------------------------------------------------ time values


def _format_utc(value: datetime) -> str:
    """What `UTCDateTime` stores on SQLite (naive UTC as SQLAlchemy's DATETIME text), with the same refusal
    of naive datetimes, in one call instead of two processors (tested)."""
    return utc(value).isoformat(" ", "microseconds")[:-6]  # without its "+00:00"


def _date_text(value: date | None) -> str | None:
    """SQLAlchemy's SQLite DATE text (%04d-%02d-%02d), which is what date.isoformat writes."""
    return None if value is None else date.isoformat(value)


def _parse_utc(value: str) -> datetime:
    """A stored `UTCDateTime` as SQLite returns it (SQLAlchemy's DATETIME text, naive UTC) -> aware UTC datetime,
    as SQLAlchemy's DATETIME processor and `UTCDateTime.process_result_value` give it (tested)."""
    try:
        return datetime.fromisoformat(value + "+00:00")  # aware at once, without a second datetime
    except (ValueError, TypeError):
        raise unreadable_time(value) from None


def _a_ledger(cur: Any) -> bool:
    """Whether the database holds a ledger (its alembic_version table). Anything else (another application's
    database, an empty file, a file with no tables) is left in its own journal mode: switching it to WAL rewrites
    its header, and every command but `init` refuses it anyway ("no ledger"). `init` switches a new ledger to WAL
    once its tables are made (`SqliteBackend.created`)."""
    found = cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
    return found is not None


_SQLITE_HEADER = b"SQLite format 3\x00"


def _could_be_sqlite(path: Path) -> None:
    """--db naming something that is no SQLite file is refused naming it: SQLite said only "cannot open the database
    file" (a folder, a loop of links), "disk I/O error" (a FIFO, /dev/null) or "file is not a database" (a text
    file, /etc/passwd through a link), none of them saying which file. A missing file is left to the caller (init
    makes it; every other command says there is no ledger)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():  # init would make the ledger wherever the link points, or fail saying nothing
            raise DatabaseError(f"db: {path} is a symbolic link to nothing ({os.readlink(path)})") from None
        return
    except OSError as e:  # a loop of links, a name too long
        raise DatabaseError(f"db: cannot use {path}: {e.strerror or e}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseError(f"db: {path} is a directory, not a SQLite file")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseError(f"db: {path} is not a regular file (a FIFO, a device or a socket)")
    if info.st_size == 0:  # an empty file: init makes a ledger of it
        return
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_HEADER))
    except OSError:  # unreadable: SQLite's own error says so
        return
    if head != _SQLITE_HEADER:
        raise DatabaseError(f"db: {path} is not a database (no SQLite header)")


def _time_texts(value: datetime) -> tuple[str, str]:
    """(the hashed text, the stored text): the stored text is cut from the hashed one, so a time is formatted once."""
    value = utc(value)
    if value.year < 1000:  # iso_utc keeps strftime's unpadded year there; the stored text is padded
        return iso_utc(value), value.replace(tzinfo=None).isoformat(" ", "microseconds")
    text = value.replace(tzinfo=None).isoformat(timespec="microseconds")  # 2026-01-02T03:04:05.000006
    return text + "Z", text[:10] + " " + text[11:]


# -------------------------------------------------------------------------------------------- the lease


def holder_is_gone(holder: str | None) -> bool:
    """True only when `holder` ("host:pid:suffix", tracker.scoring.job.default_holder) names this host and a pid
    that is not running. Anything else (another host, a live or unknowable process) waits for the lease to expire."""
    parts = (holder or "").rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False  # another run in this very process
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except (OverflowError, OSError):  # no permission to signal it: it exists
        return False
    return False


# The page cache of a bulk write (`bulk_writing`), in KiB: a 10,000-question catalog's import (43 MB of ledger)
# stopped spilling between 16 and 32 MiB (BENCHMARKS.md).
BULK_CACHE_KIB = 65536


class SqliteBackend(Backend):
    name = "sqlite"
    file_backup = True
    keys_as_one_array = False  # no array type: IN lists
    json = SqliteJson()
    utc_reader = staticmethod(memoised(_parse_utc))
    time_texts = staticmethod(memoised(_time_texts))
    _utc_text = staticmethod(memoised(_format_utc))

    # ----- engines

    def file_path(self, url: URL) -> Path | None:
        database = url.database or ""
        if self.in_memory(url) or database.startswith("file:"):
            return None
        return Path(database)

    def in_memory(self, url: URL) -> bool:
        """``sqlite://``, ``:memory:``, or a ``file:`` URI naming ``:memory:``, ``mode=memory`` or the memdb VFS,
        its query read as SQLite reads it (percent escapes decoded, in the database name or SQLAlchemy's query)."""
        database = url.database or ""
        if database in ("", ":memory:"):
            return True
        if not database.startswith("file:"):
            return False
        name, _, query = database.removeprefix("file:").partition("?")
        if name.startswith("//"):  # file://AUTHORITY/PATH
            name = "/" + name[2:].partition("/")[2]
        params = parse_qsl(query) + [
            (k, v) for k, vs in url.query.items() for v in ([vs] if isinstance(vs, str) else vs)
        ]
        return unquote(name) == ":memory:" or any(
            (k.lower(), v.lower()) in (("mode", "memory"), ("vfs", "memdb")) for k, v in params
        )

    def created(self, engine: Engine) -> None:
        """A file ledger in WAL mode (kept in the file: every later connection finds it), set outside any
        transaction on the DBAPI connection; a connection to a ledger sets it again anyway (`_on_connect`)."""
        if self.in_memory(engine.url):
            return
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
        finally:
            raw.close()

    def make_engine(self, url: URL) -> Engine:
        path = self.file_path(url)
        if path is not None:
            try:
                os.stat(path.parent)
            except FileNotFoundError:
                raise DatabaseError(f"database directory {path.parent} does not exist") from None
            except OSError as e:  # a name too long, a folder that cannot be searched: Path.exists raises these
                raise DatabaseError(f"cannot use database directory {path.parent}: {e.strerror or e}") from None
            _could_be_sqlite(path)
        busy = busy_ms()
        engine = create_engine(url, connect_args={"timeout": busy / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below emit BEGIN itself: pysqlite's implicit BEGIN is DEFERRED, and a
            # deferred transaction that reads and then writes can fail at once with "database is locked" instead
            # of waiting for the busy timeout.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if _a_ledger(cur):  # (no in-memory database gets here: `db.parse_url` refuses them)
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A transaction SQLAlchemy begins (read_transaction, engine.begin(), a statement's autobegin) is
            # DEFERRED; write_transaction begins its own, IMMEDIATE, and a statement run through SQLAlchemy inside
            # it joins that one. On the DBAPI connection (dbapi.execute), not exec_driver_sql, whose per-statement
            # machinery is a large share of a one-forecast append; a "database is locked" still reaches
            # translate_errors as SQLAlchemy's DBAPIError.
            if not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
                execute(conn, _BEGIN_READ)

        return engine

    # ----- transactions

    @contextmanager
    def begin_write(self, conn: Connection) -> Iterator[None]:
        execute(conn, _BEGIN_WRITE)
        yield

    # ----- the scoring job: a lease row

    @contextmanager
    def scoring_session(
        self, engine: Engine, name: str, holder: str, now: datetime, seconds: int
    ) -> Iterator[ScoringSession]:
        """The lease is taken in a short write transaction; the run reads one snapshot and writes in a write
        transaction of its own, which first checks that the lease still names it; the lease is given back after."""
        acquired, other = self.acquire_lease(engine, name, holder, now, seconds)
        if not acquired:
            raise LockHeld(f"another scoring run holds the lease ({other})")

        @contextmanager
        def writer() -> Iterator[Connection]:
            with self.write_transaction(engine) as wconn:
                self._check_lease(wconn, name, holder, seconds)
                yield wconn

        try:
            with self.read_transaction(engine) as rconn:
                yield ScoringSession(rconn, writer)
        finally:
            self._release_lease(engine, name, holder)

    def acquire_lease(
        self, engine: Engine, name: str, holder: str, now: datetime, seconds: int
    ) -> tuple[bool, str | None]:
        """Take the lease if it is free or expired (a conditional UPDATE, or the first INSERT), in a short write
        transaction: (taken, the other holder when not)."""
        expires = now + timedelta(seconds=seconds)
        with self.write_transaction(engine) as conn:
            taken = conn.execute(
                update(scoring_lease)
                .where(
                    scoring_lease.c.name == name,
                    (scoring_lease.c.expires_at.is_(None)) | (scoring_lease.c.expires_at <= now),
                )
                .values(holder=holder, acquired_at=now, expires_at=expires)
            ).rowcount
            if taken == 1:
                return True, None
            current = conn.execute(select(scoring_lease.c.holder).where(scoring_lease.c.name == name)).first()
            if current is None:
                conn.execute(
                    insert(scoring_lease).values(name=name, holder=holder, acquired_at=now, expires_at=expires)
                )
                return True, None
            if holder_is_gone(current[0]):
                # A scorer killed mid-run (SIGKILL, OOM) never releases its lease, and every run would be skipped
                # until it expired. A holder that is a process of this machine that no longer exists is taken
                # over at once, in this write transaction, from that holder only.
                conn.execute(
                    update(scoring_lease)
                    .where(scoring_lease.c.name == name, scoring_lease.c.holder == current[0])
                    .values(holder=holder, acquired_at=now, expires_at=expires)
                )
                return True, None
            return False, current[0]

    @staticmethod
    def _check_lease(conn: Connection, name: str, holder: str, seconds: int) -> None:
        """Inside the write transaction: the lease must still name us (nobody took it over after it expired)."""
        renewed = conn.execute(
            update(scoring_lease)
            .where(scoring_lease.c.name == name, scoring_lease.c.holder == holder)
            .values(expires_at=timepoints.utc_now() + timedelta(seconds=seconds))
        ).rowcount
        if renewed != 1:
            raise LeaseLost("the scoring lease expired and was taken by another run; nothing was written")

    def _release_lease(self, engine: Engine, name: str, holder: str) -> None:
        try:
            with self.write_transaction(engine) as conn:
                conn.execute(
                    update(scoring_lease)
                    .where(scoring_lease.c.name == name, scoring_lease.c.holder == holder)
                    .values(expires_at=timepoints.utc_now())
                )
        except TrackerError as e:  # the lease then expires on its own
            log.warning("could not release the scoring lease: %s", e)

    @contextmanager
    def rewriting(self, conn: Connection, indexes: Sequence[Index]) -> Iterator[None]:
        """Drop `indexes` before a whole table is written and build them again after, in the same transaction:
        building an index from the rows costs less than keeping it up to date row by row (BENCHMARKS.md).
        Readers are not affected: they read the last committed state until this commits."""
        ordered = sorted(indexes, key=lambda i: str(i.name))
        for index in ordered:
            index.drop(conn)
        yield
        for index in ordered:
            index.create(conn)

    @contextmanager
    def bulk_writing(self, conn: Connection) -> Iterator[None]:
        """A page cache of BULK_CACHE_KIB for the duration, back to what it was after (on error too); and, inside
        a transaction, the append-only tables' no-replace triggers lifted for it (`_without_replace_triggers`).

        With SQLite's default 2 MiB, a write transaction larger than the cache spills its dirty pages to the WAL
        and writes them again as the random-order index on event ids changes them: inserting a 38,507-event
        catalog's rows took about twice as long (BENCHMARKS.md). The cache is a limit, not an allocation: pages
        are held only as the transaction touches them, and freed when the connection closes."""
        driver = conn.connection.driver_connection
        cur = driver.cursor()  # type: ignore[union-attr]
        try:
            was = cur.execute("PRAGMA cache_size").fetchone()[0]
            cur.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
            try:
                if driver.in_transaction:  # type: ignore[union-attr]
                    with _without_replace_triggers(cur):
                        yield
                else:  # pragma: no cover - every bulk append runs in a write transaction
                    yield
            finally:
                cur.execute(f"PRAGMA cache_size={int(was)}")
        finally:
            cur.close()

    # ----- bulk writes

    # NULL bound as the float NaN: SQLite stores a NaN it is given (sqlite3_bind_double) as NULL, whatever the
    # column's type, and the sqlite3 module binds a float directly, where it first looks each None up among its
    # adapters. A score row is mostly NULLs, so this was much of the cost of binding one.
    bulk_null = float("nan")

    def fast_processor(self, type_: Any) -> Converter | None:
        if isinstance(type_, UTCDateTime):
            return self._utc_text
        if isinstance(type_, Date) and not isinstance(type_, DateTime):
            return _date_text
        if isinstance(type_, Float):
            # SQLAlchemy calls float() on the value; a column declared FLOAT has REAL affinity on SQLite, which
            # stores an int as the same REAL, so passing the value unchanged stores the same thing.
            return unchanged
        return None

    def date_values(self, days: Any) -> list[Any]:
        """SQLAlchemy's SQLite DATE text (ISO, as `_date_text`): each distinct day formatted once, by numpy."""
        import numpy as np
        import pandas as pd

        codes, uniques = pd.factorize(days.view(np.int64))  # NaT is one more distinct value
        distinct = uniques.astype("datetime64[D]")
        text = np.datetime_as_string(distinct, unit="D").astype(object)
        text[np.isnat(distinct)] = self.bulk_null
        return list(text[codes].tolist())

    def date_array(self, values: Sequence[Any]) -> Any:
        """Stored DATE text -> datetime64[D], parsed by numpy (None -> NaT)."""
        import numpy as np

        return np.array(values, dtype="datetime64[D]")

    def utc_array(self, values: Sequence[Any]) -> Any:
        """Stored `UTCDateTime` text (naive UTC, as `_format_utc` writes it) -> datetime64[us], parsed by numpy."""
        import numpy as np

        return np.array(values, dtype="datetime64[us]")

    # ----- errors

    def translate(self, e: sa_exc.DBAPIError) -> TrackerError | None:
        """By sqlite3's extended result code. Which unique constraint failed is only in the message, as SQLite's
        fixed "UNIQUE constraint failed: table.column, ..." list; a missing table has no code of its own."""
        orig = e.orig
        if not isinstance(orig, sqlite3.Error):
            return None
        code = getattr(orig, "sqlite_errorname", "") or ""
        first = first_line(e)
        if code == "SQLITE_CONSTRAINT_TRIGGER":  # the append-only tables' triggers (the migrations) are the only ones
            return append_only_violation(first)
        if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return DatabaseBusy(
                "the database is busy (another writer held it past the busy timeout); nothing was written"
            )
        if code in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"):
            columns = {c.strip() for c in first.partition(": ")[2].split(",")}
            if "events.stream_version" in columns:
                return ConflictError("another writer appended to the same stream first; nothing was written", "stream")
            if "events.event_id" in columns:
                return ConflictError(
                    "an event with the same id was appended concurrently; nothing was written", "event_id"
                )
        if code.startswith("SQLITE_CONSTRAINT"):
            return DatabaseError(f"integrity error: {first}")
        if code.startswith("SQLITE_READONLY"):
            return DatabaseError("the database is read-only; nothing was written")
        if code.startswith("SQLITE_CANTOPEN"):
            return DatabaseError("cannot open the database file")
        if code == "SQLITE_ERROR" and first.startswith("no such table"):
            return DatabaseError("the ledger has no tables: run 'tracker init' first")
        return None


# The BEFORE INSERT triggers that refuse an INSERT OR REPLACE over a stored row (migrations 0004, 0010, 0014).
# SQLite runs a trigger program per inserted row whatever its WHEN clause: 0.25-0.3 s of a 100k-event bulk
# append's events insert, and more on the Merkle nodes (BENCHMARKS.md).
NO_REPLACE_TRIGGERS = ("events_no_replace", "merkle_nodes_no_replace")


@contextmanager
def _without_replace_triggers(cur: sqlite3.Cursor) -> Iterator[None]:
    """Drop the no-replace triggers for the duration of a bulk append and create them again, from their stored
    text, before it returns (on error too), all inside the caller's transaction.

    Why this keeps the guarantee: DDL is transactional in SQLite. No other connection ever sees the tables without
    the triggers: a reader sees the last committed schema, another writer waits for this transaction's lock, and a
    crash or a rollback brings the triggers back with everything else. Inside the window only the bulk append
    writes to these tables, with plain INSERTs, which a stored position, event id or stream version refuses by
    the table's own unique constraints: only INSERT OR REPLACE needs the triggers. tests/test_append_only.py
    checks that the triggers are there, with the same text, after a bulk append (a failed one too), and that
    every other writer's REPLACE is still refused."""
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({})".format(
        ", ".join(f"'{n}'" for n in NO_REPLACE_TRIGGERS)
    )
    stored = cur.execute(triggers).fetchall()
    for name, _ in stored:
        cur.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        # Only those not there: an I/O or disk-full error rolls the whole transaction back, the drops with it.
        there = {name for name, _ in cur.execute(triggers)}
        for name, sql in stored:
            if name not in there:
                cur.execute(sql)


BACKEND = SqliteBackend()
