"""Engines, transactions and the one place where driver errors become tracker errors."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from tracker.errors import AppendOnlyViolation, ConflictError, DatabaseBusy, DatabaseError, TrackerError, UserError
from tracker.store.driver import execute, translatable

ENV_URL = "TRACKER_DATABASE_URL"
ENV_BUSY_MS = "TRACKER_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_MS = 10_000
# Key of the PostgreSQL advisory lock that serialises appends (any constant; "FCTR" in ASCII).
APPEND_LOCK_KEY = 0x46435452


def default_sqlite_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("forecast-tracker")) / "ledger.sqlite"


def resolve_url(db: str | None = None) -> str:
    """`--db`, else TRACKER_DATABASE_URL, else a SQLite file in the user's data directory.

    A bare path is taken as a SQLite file; `postgresql://` URLs use the psycopg 3 driver.
    """
    url = db or os.environ.get(ENV_URL) or ""
    if not url:
        path = default_sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().absolute()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


# The drivers the tracker is built and tested with (psycopg 3 for PostgreSQL; the standard library's sqlite3).
SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
_PASSWORD = re.compile(r"(://[^/:@]*:)[^@/]*@")


def masked(url: str) -> str:
    """A URL as typed, password hidden, for an error message about a URL that could not be parsed."""
    return _PASSWORD.sub(r"\1***@", url)


def parse_url(url: str) -> URL:
    """`--db`'s URL, parsed; a malformed URL or an unsupported driver is a `UserError` naming ``db``."""
    try:
        u = make_url(url)
        u.port  # noqa: B018 - parsed lazily by some SQLAlchemy versions
    except (sa_exc.ArgumentError, ValueError, TypeError):
        raise UserError(f"{masked(url)!r} is not a database URL (sqlite:///PATH or postgresql://...)", "db") from None
    if u.drivername not in SUPPORTED_DRIVERS:
        raise UserError(
            f"unsupported database driver {u.drivername!r}: use sqlite:///PATH or postgresql://USER@HOST/DB", "db"
        )
    return u


def describe_url(url: str) -> str:
    """The URL with any password hidden, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    u = parse_url(url)
    if u.get_backend_name() == "sqlite":
        database = u.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).parent
            if not parent.exists():
                raise DatabaseError(f"database directory {parent} does not exist")
        engine = create_engine(url, connect_args={"timeout": _busy_ms() / 1000})
        _configure_sqlite(engine, memory=database in ("", ":memory:"))
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except ModuleNotFoundError:
        raise DatabaseError(
            "PostgreSQL needs the psycopg driver: pip install 'forecast-tracker[postgres]' (psycopg 3)"
        ) from None


def _busy_ms() -> int:
    raw = os.environ.get(ENV_BUSY_MS)
    try:
        return int(raw) if raw else DEFAULT_BUSY_MS
    except ValueError:
        raise DatabaseError(f"{ENV_BUSY_MS}: {raw!r} is not a whole number of milliseconds") from None


def _configure_sqlite(engine: Engine, memory: bool) -> None:
    busy = _busy_ms()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself: pysqlite's implicit BEGIN is
        # DEFERRED, and a deferred transaction that reads and then writes can fail at once with
        # "database is locked" instead of waiting for the busy timeout.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A transaction SQLAlchemy begins (read_transaction, engine.begin(), a statement's autobegin) is
        # DEFERRED; write_transaction begins its own, IMMEDIATE, and a statement run through SQLAlchemy inside
        # it joins that one. On the DBAPI connection (driver.execute), not exec_driver_sql: SQLAlchemy's
        # per-statement machinery was a tenth of a one-forecast append (profiled); a "database is locked" still
        # reaches translate_errors as SQLAlchemy's DBAPIError.
        if not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            execute(conn, _BEGIN_READ)


_BEGIN_WRITE = "BEGIN IMMEDIATE"
_BEGIN_READ = "BEGIN DEFERRED"


def is_postgres(conn_or_engine: Connection | Engine) -> bool:
    return conn_or_engine.dialect.name == "postgresql"


@contextmanager
def translate_errors() -> Iterator[None]:
    """Driver errors in, tracker errors out: the store boundary."""
    try:
        yield
    except TrackerError:
        raise
    except sa_exc.DBAPIError as e:
        raise translate(e) from e
    except sa_exc.ArgumentError as e:
        raise DatabaseError(f"bad database URL: {e}") from e


def translate(e: sa_exc.DBAPIError) -> TrackerError:
    msg = str(e.orig) if e.orig is not None else str(e)
    low = msg.lower()
    first = msg.strip().splitlines()[0] if msg.strip() else type(e).__name__
    if "append-only" in low:
        return AppendOnlyViolation("the events table is append-only: the database refused the change")
    if "database is locked" in low or "database is busy" in low or "lock timeout" in low:
        return DatabaseBusy("the database is busy (another writer held it past the busy timeout); nothing was written")
    if isinstance(e, sa_exc.IntegrityError):
        if "stream_version" in low or "uq_events_stream_id" in low:
            return ConflictError("another writer appended to the same stream first; nothing was written", "stream")
        if "event_id" in low:
            return ConflictError("an event with the same id was appended concurrently; nothing was written", "event_id")
        return DatabaseError(f"integrity error: {first}")
    if "readonly" in low or "read-only" in low:
        return DatabaseError("the database is read-only; nothing was written")
    if "unable to open database" in low:
        return DatabaseError("cannot open the database file")
    if "no such table" in low or ("relation" in low and "does not exist" in low):
        return DatabaseError("the ledger has no tables: run 'tracker init' first")
    if "connection" in low and ("refused" in low or "failed" in low):
        return DatabaseError(f"cannot connect to the database: {first}")
    return DatabaseError(f"database error: {first}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the ledger's single-writer lock until it commits.

    Why: positions are assigned under this lock and commit in the same order, so a reader tailing
    "events after position N" can never miss an event that commits later with a lower position
    (the PostgreSQL sequence trap: sequence values are taken at insert, not at commit).

    The transaction is begun, committed and rolled back on the DBAPI connection (`driver.execute`), not through
    SQLAlchemy's Transaction: its state machine and events cost as much as the rest of a one-forecast append's
    Python (profiled). Statements run through SQLAlchemy inside still run in this transaction: on SQLite the
    "begin" listener sees the DBAPI connection in a transaction and issues no BEGIN; on PostgreSQL the DBAPI
    connection is in autocommit, so psycopg issues none either. The transaction SQLAlchemy then believes it
    has begun is rolled back when the connection closes, after COMMIT or ROLLBACK here, which is a no-op on
    both drivers (they end a transaction only when the database has one open). Errors are raised as
    SQLAlchemy's DBAPIError, so translate_errors translates them as before.

    On SQLite: BEGIN IMMEDIATE, the write lock up front (SQLite has one writer, so positions and stream versions
    read under it cannot change before commit). On PostgreSQL: BEGIN, the lock's timeout and the advisory lock
    in one round trip, one simple query (no parameters) that returns once the lock is held, where psycopg
    would send a BEGIN of its own first.
    """
    with translate_errors(), engine.connect() as conn:
        if not is_postgres(conn):
            execute(conn, _BEGIN_WRITE)
            yield from _run_transaction(conn)
            return
        dbapi_conn = conn.connection.driver_connection
        dbapi_conn.autocommit = True  # type: ignore[union-attr]
        try:
            execute(conn, f"BEGIN; {_PG_WRITE_LOCK % int(_busy_ms())}")
            yield from _run_transaction(conn)
        finally:
            try:
                dbapi_conn.autocommit = False  # type: ignore[union-attr]
            except conn.dialect.loaded_dbapi.Error:  # a broken connection: it must not go back to the pool
                conn.invalidate()


_PG_WRITE_LOCK = f"SET LOCAL lock_timeout = %d; SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})"


def _run_transaction(conn: Connection) -> Iterator[Connection]:
    """Yield `conn` inside the transaction begun on its DBAPI connection; commit, or roll back on any error.

    By the DBAPI's commit() and rollback(), as SQLAlchemy ends its transactions: both drivers send COMMIT or
    ROLLBACK whenever the database has a transaction open (autocommit or not), and psycopg's rollback() also
    keeps its cache of prepared statements in step with the server."""
    try:
        yield conn
    except BaseException:
        with suppress(Exception):  # the error that brought us here is the one to report
            conn.connection.driver_connection.rollback()  # type: ignore[union-attr]
        raise
    dbapi_conn: Any = conn.connection.driver_connection
    try:
        dbapi_conn.commit()
    except conn.dialect.loaded_dbapi.Error as e:
        with suppress(Exception):  # a failed COMMIT may leave the transaction open (SQLite)
            dbapi_conn.rollback()
        raise translatable(conn, "COMMIT", (), e) from e


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only snapshot: every query inside sees the same committed state."""
    with translate_errors(), engine.connect() as conn:
        if is_postgres(conn):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
