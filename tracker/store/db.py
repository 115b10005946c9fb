"""Engines, transactions and the one place where driver errors become tracker errors.

The backend (tracker.store.sqlite or tracker.store.postgres, see tracker.store.backend) is chosen here, once,
from the URL; the functions below hand each job to it.
"""

from __future__ import annotations

import os
import re
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from tracker.errors import TrackerError, UserError
from tracker.store import postgres, sqlite
from tracker.store.backend import DEFAULT_BUSY_MS as DEFAULT_BUSY_MS
from tracker.store.backend import ENV_BUSY_MS as ENV_BUSY_MS
from tracker.store.backend import Backend, translated, translating
from tracker.store.postgres import APPEND_LOCK_KEY as APPEND_LOCK_KEY

ENV_URL = "TRACKER_DATABASE_URL"
SQLITE, POSTGRES = sqlite.BACKEND, postgres.BACKEND
BACKENDS: tuple[Backend, ...] = (SQLITE, POSTGRES)
_BACKENDS = {b.name: b for b in BACKENDS}


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
    """`--db`'s URL, parsed; a malformed URL, an unsupported driver or an in-memory SQLite database (the Python API
    too: a ledger is a file or a server) is a `UserError` naming ``db``."""
    try:
        u = make_url(url)
        u.port  # noqa: B018 - parsed lazily by some SQLAlchemy versions
    except (sa_exc.ArgumentError, ValueError, TypeError):
        raise UserError(f"{masked(url)!r} is not a database URL (sqlite:///PATH or postgresql://...)", "db") from None
    if "\x00" in url:  # no path or name can hold one (and the OS calls refuse it with a ValueError)
        raise UserError(f"{masked(url)!r} holds a NUL byte: not a database URL", "db")
    if u.drivername not in SUPPORTED_DRIVERS:
        raise UserError(
            f"unsupported database driver {u.drivername!r}: use sqlite:///PATH or postgresql://USER@HOST/DB", "db"
        )
    if backend_for(u).in_memory(u):
        # a ledger nothing is kept in: `init` would report success and the next command find no ledger
        raise UserError(
            f"--db {masked(url)!r} is an in-memory SQLite database, which keeps nothing: give a file (sqlite:///PATH)",
            "db",
        )
    return u


def describe_url(url: str) -> str:
    """The URL with any password hidden, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def backend_for(url: URL) -> Backend:
    """The backend of a parsed URL: chosen here once, and nowhere else (tests/test_backend_seam.py)."""
    return _BACKENDS[url.get_backend_name()]


def backend_of(target: Connection | Engine | Dialect) -> Backend:
    """The backend of an engine, a connection or a dialect (as `backend_for` chose it from the URL)."""
    dialect = target if isinstance(target, Dialect) else target.dialect
    return _BACKENDS[dialect.name]


def is_postgres(target: Connection | Engine | Dialect) -> bool:
    """For tests that check a PostgreSQL-only behaviour; the tracker itself asks its backend instead."""
    return backend_of(target) is POSTGRES


def make_engine(url: str) -> Engine:
    u = parse_url(url)
    try:
        return backend_for(u).make_engine(u)
    except (ValueError, TypeError) as e:
        if isinstance(e, TrackerError):
            raise
        # what the driver makes of the URL's query (``?timeout=abc``) or a path no file can have (a NUL byte)
        raise UserError(f"{masked(url)!r} cannot be used: {e}", "db") from None


def translate_errors() -> AbstractContextManager[None]:
    """Driver errors in, tracker errors out: the store boundary."""
    return translating(BACKENDS)


def translate(e: sa_exc.DBAPIError) -> TrackerError:
    """The tracker error for a driver error of any backend."""
    return translated(BACKENDS, e)


def write_transaction(engine: Engine) -> AbstractContextManager[Connection]:
    """A transaction that holds the ledger's single-writer lock until it commits.

    Why: positions are assigned under this lock and commit in the same order, so a reader tailing
    "events after position N" can never miss an event that commits later with a lower position
    (the PostgreSQL sequence trap: sequence values are taken at insert, not at commit).

    The transaction is begun, committed and rolled back on the DBAPI connection (`dbapi.execute`), not through
    SQLAlchemy's Transaction: its state machine and events cost as much as the rest of a one-forecast append's
    Python. Statements run through SQLAlchemy inside still run in this transaction (each backend's
    `begin_write` says how). Errors are raised as SQLAlchemy's DBAPIError, so translate_errors translates them.
    """
    return backend_of(engine).write_transaction(engine)


def read_transaction(engine: Engine) -> AbstractContextManager[Connection]:
    """A read-only snapshot: every query inside sees the same committed state."""
    return backend_of(engine).read_transaction(engine)
