"""The backend seam: everything that differs between SQLite and PostgreSQL, behind one interface.

`tracker.store.db` chooses the backend once, from the URL (`backend_for`) or from a connection's dialect
(`backend_of`); `tracker.store.sqlite` and `tracker.store.postgres` implement it. Nothing else in the tracker
asks which database it runs on (tests/test_backend_seam.py fails on any such check), so a third backend is one
new module implementing `Backend` (and, for the schema, its branch in the migrations).

What a backend decides:
- engines: how one is made from a URL, and the file it lives in, if any;
- transactions: how a write transaction takes the single-writer lock, and how a read gets one snapshot;
- the scoring job's exclusion (`scoring_session`): a lease row, or an advisory lock;
- bulk writes: executemany or COPY, and the cheaper bind conversions that store the same values;
- time values: how a stored `UTCDateTime` is read back without result processing, and its hashed text;
- the JSON SQL of the set-based projections (`JsonSql`);
- errors: its driver's errors, recognised by class and code, become tracker errors (`translate`).
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Connection, Date, DateTime, Engine, Float, Index, Integer, Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from tracker.errors import AppendOnlyViolation, DatabaseError, TrackerError
from tracker.store.dbapi import Converter, run, translatable
from tracker.store.schema import UTCDateTime

ENV_BUSY_MS = "TRACKER_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_MS = 10_000


def busy_ms() -> int:
    """How long a writer waits for the lock (TRACKER_BUSY_TIMEOUT_MS) before the database is reported busy."""
    raw = os.environ.get(ENV_BUSY_MS)
    try:
        return int(raw) if raw else DEFAULT_BUSY_MS
    except ValueError:
        raise DatabaseError(f"{ENV_BUSY_MS}: {raw!r} is not a whole number of milliseconds") from None


def in_list(types: Iterable[str]) -> str:
    """An SQL list of string constants (event types: fixed names, never user text)."""
    return "(" + ", ".join(f"'{t}'" for t in types) + ")"


class JsonSql(ABC):
    """How the set-based projections (tracker.projections.bulk) read an event's payload in SQL. `e` is the alias
    of the events; `src(types)` the events of the range (`:lo` < position <= `:hi`) of those types, as `e`."""

    @staticmethod
    def where(types: Sequence[str]) -> str:
        return f"position > :lo AND position <= :hi AND event_type IN {in_list(types)}"

    @abstractmethod
    def src(self, types: Sequence[str]) -> str: ...

    @abstractmethod
    def at(self, position: str) -> str:
        """The one event at `position`, as `e`."""

    @abstractmethod
    def x(self, path: str, cast: str = "") -> str:
        """The payload's value at dotted `path`, as SQL text, or typed by `cast` (real, int, bool, date)."""

    def present(self, path: str) -> str:
        """The payload has a non-null value at `path` (Python: `d.get(key) is not None`)."""
        return f"{self.x(path)} IS NOT NULL"

    @abstractmethod
    def strings(self, path: str) -> str:
        """readable_json of the array of strings at `path` (`[]` when missing or null)."""

    @abstractmethod
    def each_string(self, path: str) -> str:
        """What follows `FROM {src}` to join each string of the array at `path` as `t.value`."""

    @abstractmethod
    def raw_object(self, path: str) -> str:
        """The JSON text of the object at `path`, as stored."""

    def probabilities(self, path: str) -> str:
        """readable_json of the probabilities object at `path` (see tracker.projections.bulk's note)."""
        return f"replace(replace({self.raw_object(path)}, ',', ', '), ':', ': ')"

    @abstractmethod
    def yes_no_only(self) -> str:
        """The probabilities' options are exactly yes and no."""

    def p_yes(self) -> str:
        """probabilities['yes'] when the options are exactly yes and no, else NULL."""
        return f"CASE WHEN {self.yes_no_only()} THEN {self.x('probabilities.yes', 'real')} END"

    @abstractmethod
    def method_json(self) -> str:
        """The JSON value of the derivation's method (NULL when missing, or when the derivation is null)."""

    def method(self) -> str:
        """derivation.get('method', 'stated'), with a null derivation read as {}."""
        return f"CASE WHEN {self.method_json()} IS NULL THEN 'stated' ELSE {self.x('derivation.method')} END"

    @abstractmethod
    def true(self) -> str: ...

    @abstractmethod
    def false(self) -> str: ...

    def scanned(self, table: str) -> str:
        """`table` in a FROM clause whose rows are all read: the backend may tell its planner to read it in order
        rather than by an index."""
        return table


class ScoringSession(NamedTuple):
    """A scoring run's hold on the database: the snapshot it reads, and how it opens the transaction it writes in."""

    read: Connection
    writer: Callable[[], AbstractContextManager[Connection]]


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is refused, as `UTCDateTime` refuses it."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given where UTC is required")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def append_only_violation(message: str) -> AppendOnlyViolation:
    """The refusal of an append-only table's trigger, naming the table its message names ("TABLE are
    append-only: ..."; the events table's triggers were the first, and name it so too)."""
    found = re.search(r"\b([a-z_]+) are append-only", message)
    table = found.group(1) if found else "events"
    return AppendOnlyViolation(f"the {table} table is append-only: the database refused the change")


def first_line(e: sa_exc.DBAPIError) -> str:
    msg = str(e.orig) if e.orig is not None else str(e)
    return msg.strip().splitlines()[0] if msg.strip() else type(e).__name__


def translated(backends: Sequence[Backend], e: sa_exc.DBAPIError) -> TrackerError:
    """The tracker error for the driver error `e`: its backend's, else a generic one naming the driver's message."""
    for backend in backends:
        made = backend.translate(e)
        if made is not None:
            return made
    return DatabaseError(f"database error: {first_line(e)}")


@contextmanager
def translating(backends: Sequence[Backend]) -> Iterator[None]:
    """Driver errors in, tracker errors out: each backend recognises its own driver's errors."""
    try:
        yield
    except TrackerError:
        raise
    except sa_exc.DBAPIError as e:
        raise translated(backends, e) from e
    except sa_exc.ArgumentError as e:
        raise DatabaseError(f"bad database URL: {e}") from e


class Backend(ABC):
    """One database system; see the module's docstring. An instance serves every engine of its system."""

    name: str
    # `tracker backup` copies the database itself (a file, through the online backup API); else it runs or
    # prints pg_dump's commands.
    file_backup: bool
    # A lookup of many keys binds them as one array parameter (`= ANY(%s)`) rather than IN lists of IN_CHUNK keys.
    keys_as_one_array: bool
    json: JsonSql
    # A stored `UTCDateTime` value, selected without result processing -> an aware UTC datetime.
    utc_reader: Converter
    # A time -> (its text in the hash, its value as the driver stores it in a `UTCDateTime` column), memoised.
    time_texts: Callable[[datetime], tuple[str, Any]]

    # ----- engines

    @abstractmethod
    def make_engine(self, url: URL) -> Engine: ...

    def created(self, engine: Engine) -> None:
        """After `init` made or upgraded the ledger's tables: settings the backend keeps in the database itself."""
        return None

    def file_path(self, url: URL) -> Path | None:
        """The file the database lives in, when it is one."""
        return None

    def in_memory(self, url: URL) -> bool:
        """The URL opens a database that lives only as long as its connection (SQLite's in-memory databases)."""
        return False

    # ----- transactions

    @abstractmethod
    def begin_write(self, conn: Connection) -> AbstractContextManager[None]:
        """Begin `conn`'s write transaction on its DBAPI connection, holding the single-writer lock."""

    def snapshot(self, conn: Connection) -> Connection:
        """`conn` set so that a transaction begun on it reads one committed state."""
        return conn

    def translate_errors(self) -> AbstractContextManager[None]:
        return translating((self,))

    @contextmanager
    def write_transaction(self, engine: Engine) -> Iterator[Connection]:
        """A transaction that holds the ledger's single-writer lock until it commits (tracker.store.db)."""
        with self.translate_errors(), engine.connect() as conn, self.begin_write(conn):
            yield from _run_transaction(conn)

    @contextmanager
    def read_transaction(self, engine: Engine) -> Iterator[Connection]:
        """A read-only snapshot: every query inside sees the same committed state."""
        with self.translate_errors(), engine.connect() as conn:
            conn = self.snapshot(conn)
            with conn.begin():
                yield conn

    def recording_transaction(self, engine: Engine) -> AbstractContextManager[Connection]:
        """A small write transaction (a scoring run's record) that need not wait for appends."""
        return self.write_transaction(engine)

    # ----- the scoring job

    @abstractmethod
    def scoring_session(
        self, engine: Engine, name: str, holder: str, now: datetime, seconds: int
    ) -> AbstractContextManager[ScoringSession]:
        """One scoring run at a time per database: `holder` holds `name` (for at most `seconds` where a lease
        expires) inside; `tracker.errors.LockHeld` when another run holds it."""

    def rewriting(self, conn: Connection, indexes: Sequence[Index]) -> AbstractContextManager[None]:
        """Around the rewrite of whole tables in `conn`'s transaction: the backend may build `indexes` after."""
        return nullcontext()

    def bulk_writing(self, conn: Connection) -> AbstractContextManager[None]:
        """Around a write of many rows in `conn`'s transaction (an import): the backend may give it more memory."""
        return nullcontext()

    # ----- bulk writes

    def fast_processor(self, type_: Any) -> Converter | None:
        """A cheaper bind conversion storing the same value as SQLAlchemy's for `type_`, where there is one."""
        return None

    def insert(self, conn: Connection, table: str, sql: str, names: Sequence[str], params: Sequence[Any]) -> None:
        """INSERT `params` (tuples in the order of `names`) into `table`; `sql` is the INSERT statement."""
        run(conn, sql, params, many=True)

    def insert_columns(self, conn: Connection, table: Table, sql: str, columns: Sequence[Sequence[Any]]) -> None:
        """INSERT rows given column by column (every column of `table`, in its order, each a sequence of driver
        values from `bulk_values`); `sql` is the INSERT statement. Rows as tuples through `insert` by default."""
        self.insert(conn, table.name, sql, [c.name for c in table.columns], list(zip(*columns, strict=True)))

    # What `bulk_values` gives the driver for NULL.
    bulk_null: Any = None

    def bulk_values(self, type_: Any, values: Any) -> list[Any]:
        """A numpy array of a column's values -> the driver's values for a column of `type_`, converted as a whole.

        What the array holds: float64 with NaN for NULL (a Float or an Integer column), int64 or bool, datetime64
        (naive UTC; a Date column stores the UTC day, NaT for NULL), or objects (None for NULL) that the driver
        takes as they are. NULL is given as `bulk_null`. The values are those SQLAlchemy's bind processors store
        (tests/test_driver.py, tests/test_score_bulk.py).
        """
        import numpy as np

        kind = values.dtype.kind
        null = self.bulk_null
        if isinstance(type_, Date) and not isinstance(type_, DateTime):
            if kind != "M":
                raise TypeError(f"a DATE column takes datetime64 values, not {values.dtype}")
            return self.date_values(values.astype("datetime64[D]"))
        if kind == "M":
            raise TypeError(f"datetime64 values for a column of type {type_}")
        if isinstance(type_, Float):
            floats = values.astype(np.float64)
            if isinstance(null, float) and null != null:
                # NULL is given as NaN, which the array's NULLs already are: no pass to find them
                return list(floats.tolist())
            out = floats.astype(object)  # Python floats, made in C
            out[np.isnan(floats)] = null
            return list(out.tolist())
        if isinstance(type_, Integer | Boolean) and kind == "f":  # NaN for NULL in a float array
            missing = np.isnan(values)
            out = np.where(missing, 0, values).astype(np.int64).astype(object)
            out[missing] = null
            return list(out.tolist())
        if kind == "O" and null is not None:
            values = values.copy()
            values[np.equal(values, np.array(None, dtype=object))] = null
        return list(values.tolist())

    def date_values(self, days: Any) -> list[Any]:
        """A datetime64[D] array (NaT for NULL) -> the driver's values for a DATE column: `date`s by default."""
        import numpy as np

        out = days.astype(object)  # NaT -> None
        if self.bulk_null is not None:
            out[np.isnat(days)] = self.bulk_null
        return list(out.tolist())

    def column_array(self, type_: Any, values: Sequence[Any]) -> Any:
        """A column's values as the driver returned them -> a numpy array, converted as a whole: float64 (NaN for
        NULL) for Float, int64 for Integer (float64 with NaN when some are NULL), bool for Boolean, datetime64[D]
        for Date, naive UTC datetime64[us] for `UTCDateTime`, objects otherwise."""
        import numpy as np

        if isinstance(type_, Float):
            return np.array(values, dtype=np.float64)  # None -> NaN
        if isinstance(type_, Boolean):
            return np.array(values, dtype=bool)
        if isinstance(type_, Integer):
            try:
                return np.array(values, dtype=np.int64)
            except TypeError:  # some are NULL
                return np.array(values, dtype=np.float64)
        if isinstance(type_, Date) and not isinstance(type_, DateTime):
            return self.date_array(values)
        if isinstance(type_, UTCDateTime):
            return self.utc_array(values)
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    def date_array(self, values: Sequence[Any]) -> Any:
        """A DATE column's values as the driver returns them (`date`s by default; None for NULL) -> datetime64[D]."""
        import numpy as np

        return np.array(values, dtype="datetime64[D]")

    @abstractmethod
    def utc_array(self, values: Sequence[Any]) -> Any:
        """A `UTCDateTime` column's values as the driver returns them -> naive UTC datetime64[us] (NaT for NULL)."""

    # ----- errors

    @abstractmethod
    def translate(self, e: sa_exc.DBAPIError) -> TrackerError | None:
        """The tracker error for a driver error of this backend (by class and code); None when it is not one."""


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
