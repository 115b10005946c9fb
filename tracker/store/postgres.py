"""The PostgreSQL backend (psycopg 3): see tracker.store.backend for what a backend decides.

Appends are serialised by a transaction-level advisory lock, so that positions commit in order (a sequence
value is taken at insert, not at commit: the classic trap of event stores on PostgreSQL). The scoring job holds
an advisory lock of its own for the whole run, in one REPEATABLE READ transaction. Bulk inserts of many rows go
through COPY. Driver errors are recognised by SQLSTATE, and which constraint or trigger by the server's
diagnostics (`diag.constraint_name`, `diag.context`). psycopg is imported only when an engine is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from tracker.errors import (
    ConflictError,
    DatabaseBusy,
    DatabaseError,
    LockHeld,
    SerializationConflict,
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
from tracker.store.dbapi import execute, memoised, run
from tracker.store.jsontext import iso_utc

# Key of the advisory lock that serialises appends (any constant; "FCTR" in ASCII).
APPEND_LOCK_KEY = 0x46435452
# Key of the advisory lock of the scoring job ("FCTS" in ASCII).
SCORING_LOCK_KEY = 0x46435453
COPY_FROM = 64  # rows from which an insert goes through COPY

# A write transaction plans each execution of a statement for its own parameters (`plan_cache_mode`): psycopg
# prepares a statement once it has run a few times on a connection (`prepare_threshold`), and the server may then
# keep one generic plan for it. Made while a table was empty (an import's look-ups of 500 ids at a time), that
# plan scans the whole table at every later execution on the connection, however large the table has grown
# (BENCHMARKS.md, "PostgreSQL at 100k").
_WRITE_LOCK = (
    "SET LOCAL lock_timeout = %d; SET LOCAL plan_cache_mode = force_custom_plan; "
    f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})"
)
# The functions the append-only tables' triggers run: the events' (migrations/versions/0001), the others' (0009).
_APPEND_ONLY_FUNCTIONS = ("tracker_events_append_only", "tracker_append_only")
_CONSTRAINT_CONFLICTS = {
    "uq_events_stream_id": ("another writer appended to the same stream first; nothing was written", "stream"),
    "uq_events_event_id": ("an event with the same id was appended concurrently; nothing was written", "event_id"),
}


class PostgresJson(JsonSql):
    """`jsonb` for values, and the `json` type, whose operators keep a value's text as stored, for JSON text."""

    def src(self, types: Sequence[str]) -> str:
        # `b` (jsonb) is parsed once per row and serves the values; `j` (json) keeps each value's text as stored,
        # for the JSON text columns (a json value is parsed again by each operator, which made the forecasts
        # insert several times slower). OFFSET 0 keeps the planner from inlining the subquery, which would cast
        # the payload again at every use of `b`.
        return (
            "(SELECT position, stream_id, stream_version, event_type, actor, recorded_at, payload::jsonb AS b, "
            f"payload::json AS j FROM events WHERE {self.where(types)} OFFSET 0) AS e"
        )

    def at(self, position: str) -> str:
        return (
            f"(SELECT event_type, payload::jsonb AS b, payload::json AS j FROM events WHERE position = {position}) AS e"
        )

    def x(self, path: str, cast: str = "") -> str:
        pg = {"": "", "real": "::float8", "int": "::integer", "bool": "::boolean", "date": "::date"}[cast]
        return f"(e.b #>> '{{{','.join(path.split('.'))}}}'){pg}"

    def strings(self, path: str) -> str:
        return (
            f"CASE WHEN json_typeof(e.j -> '{path}') = 'array' THEN '[' || coalesce((SELECT string_agg(a.x::text, "
            f"', ' ORDER BY a.n) FROM json_array_elements(e.j -> '{path}') WITH ORDINALITY AS a(x, n)), '') || ']' "
            "ELSE '[]' END"
        )

    def each_string(self, path: str) -> str:
        return (
            " CROSS JOIN LATERAL jsonb_array_elements_text("
            f"CASE WHEN jsonb_typeof(e.b -> '{path}') = 'array' THEN e.b -> '{path}' ELSE '[]'::jsonb END) AS t(value)"
        )

    def raw_object(self, path: str) -> str:
        return f"(e.j -> '{path}')::text"

    def yes_no_only(self) -> str:
        return "(SELECT count(*) = 2 AND bool_and(k IN ('yes', 'no')) FROM jsonb_object_keys(e.b -> 'probabilities') k)"

    def method_json(self) -> str:
        return "(e.b #> '{derivation,method}')"

    def true(self) -> str:
        return "true"

    def false(self) -> str:
        return "false"


def _aware_utc(value: datetime | None) -> datetime | None:
    """TIMESTAMPTZ arrives aware, in the session's time zone: the same instant in UTC."""
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time_texts(value: datetime) -> tuple[str, datetime]:
    value = utc(value)
    return iso_utc(value), value


class PostgresBackend(Backend):
    name = "postgresql"
    file_backup = False
    keys_as_one_array = True
    json = PostgresJson()
    utc_reader = staticmethod(_aware_utc)
    time_texts = staticmethod(memoised(_time_texts))

    def make_engine(self, url: URL) -> Engine:
        try:
            return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        except ModuleNotFoundError:
            raise DatabaseError(
                "PostgreSQL needs the psycopg driver: pip install 'forecast-tracker[postgres]' (psycopg 3)"
            ) from None

    # ----- transactions

    @contextmanager
    def begin_write(self, conn: Connection) -> Iterator[None]:
        """BEGIN, the lock's timeout and the advisory lock in one round trip: one simple query (no parameters) that
        returns once the lock is held, on a DBAPI connection in autocommit, where psycopg would otherwise send a
        BEGIN of its own first. The transaction SQLAlchemy then believes it has begun is rolled back when the
        connection closes, after COMMIT or ROLLBACK, which is a no-op (psycopg ends a transaction only when the
        server has one open)."""
        dbapi_conn: Any = conn.connection.driver_connection
        dbapi_conn.autocommit = True
        try:
            execute(conn, f"BEGIN; {_WRITE_LOCK % int(busy_ms())}")
            yield
        finally:
            try:
                dbapi_conn.autocommit = False
            except conn.dialect.loaded_dbapi.Error:  # a broken connection: it must not go back to the pool
                conn.invalidate()

    def snapshot(self, conn: Connection) -> Connection:
        return conn.execution_options(isolation_level="REPEATABLE READ")

    @contextmanager
    def recording_transaction(self, engine: Engine) -> Iterator[Connection]:
        """Not the append lock: just a transaction."""
        with self.translate_errors(), engine.begin() as conn:
            yield conn

    # ----- the scoring job: an advisory lock

    @contextmanager
    def scoring_session(
        self, engine: Engine, name: str, holder: str, now: datetime, seconds: int
    ) -> Iterator[ScoringSession]:
        """One REPEATABLE READ transaction holding the scoring lock: the run reads and writes in it. Several machines
        share the lock through the database; it is released when the transaction ends, whatever ends it."""
        with engine.connect() as conn:
            conn = self.snapshot(conn)
            with conn.begin():
                got = conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SCORING_LOCK_KEY}).scalar()
                if not got:
                    raise LockHeld("another scoring run holds the advisory lock")
                yield ScoringSession(conn, lambda: nullcontext(conn))

    # ----- bulk writes

    def insert(self, conn: Connection, table: str, sql: str, names: Sequence[str], params: Sequence[Any]) -> None:
        if len(params) >= COPY_FROM:
            copy_rows(conn, table, names, params)
        else:
            run(conn, sql, params, many=True)

    def insert_columns(self, conn: Connection, table: Table, sql: str, columns: Sequence[Sequence[Any]]) -> None:
        """Many rows through binary COPY (no text formatting or parsing of the values), a few by `insert`."""
        n = len(columns[0]) if columns else 0
        types = [_BINARY_TYPES.get(type(c.type).__name__) for c in table.columns]
        if n < COPY_FROM or None in types:
            super().insert_columns(conn, table, sql, columns)
            return
        copy_rows(conn, table.name, [c.name for c in table.columns], zip(*columns, strict=True), types)

    def utc_array(self, values: Sequence[Any]) -> Any:
        """TIMESTAMPTZ values (aware datetimes, None for NULL) -> naive UTC datetime64[us], converted by pandas."""
        import numpy as np
        import pandas as pd

        if not len(values):
            return np.array([], dtype="datetime64[us]")
        index = pd.DatetimeIndex(pd.to_datetime(list(values), utc=True)).tz_localize(None)
        return index.as_unit("us").to_numpy()

    # ----- errors

    def translate(self, e: sa_exc.DBAPIError) -> TrackerError | None:
        orig = e.orig
        if orig is None or not type(orig).__module__.startswith("psycopg"):
            return None
        state = getattr(orig, "sqlstate", None) or ""
        diag = getattr(orig, "diag", None)
        first = first_line(e)
        if state == "P0001" and any(f in (getattr(diag, "context", None) or "") for f in _APPEND_ONLY_FUNCTIONS):
            return append_only_violation(first)
        if state == "55P03":  # lock_not_available: the lock timeout ran out
            return DatabaseBusy(
                "the database is busy (another writer held it past the busy timeout); nothing was written"
            )
        if state == "23505":  # unique_violation
            conflict = _CONSTRAINT_CONFLICTS.get(getattr(diag, "constraint_name", None) or "")
            if conflict is not None:
                return ConflictError(*conflict)
        if state.startswith("23"):  # integrity_constraint_violation
            return DatabaseError(f"integrity error: {first}")
        if state == "25006":  # read_only_sql_transaction
            return DatabaseError("the database is read-only; nothing was written")
        if state == "42P01":  # undefined_table
            return DatabaseError("the ledger has no tables: run 'tracker init' first")
        if state == "40001":  # serialization_failure
            return SerializationConflict(f"database error: {first}")
        if state.startswith("08") or (not state and isinstance(e, sa_exc.OperationalError)):
            # connection_exception; a connection that could not be made carries no SQLSTATE
            return DatabaseError(f"cannot connect to the database: {first}")
        return None


# The binary COPY format of each column type the score tables use (PostgreSQL's names, as psycopg's set_types
# takes them). A VARCHAR column takes text's binary format (the bytes), as its receive function reads it.
_BINARY_TYPES = {
    "String": "text",
    "Text": "text",
    "Float": "float8",
    "Integer": "int4",
    "BigInteger": "int8",
    "Date": "date",
    "Boolean": "bool",
}


def copy_rows(
    conn: Connection,
    table: str,
    names: Sequence[str],
    params: Iterable[Sequence[Any]],
    binary_types: Sequence[str | None] | None = None,
) -> None:
    """`COPY table (columns) FROM STDIN` with psycopg, in the transaction of `conn`; in binary format when
    `binary_types` names each column's PostgreSQL type.

    Why: executemany sends one INSERT per row (pipelined, but each parsed, planned and executed); COPY streams
    the rows into the table in one command. Correctness: the same values, adapted by psycopg's own dumpers
    as for an INSERT; the table's constraints, indexes and triggers apply to COPY as to INSERT; an error is
    raised as SQLAlchemy's DBAPIError, so it is translated at the one boundary (tests/test_driver.py).
    """
    q = conn.dialect.identifier_preparer.quote
    sql = f"COPY {q(table)} ({', '.join(q(n) for n in names)}) FROM STDIN"
    if binary_types:
        sql += " (FORMAT BINARY)"
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql) as copy:
            if binary_types:
                copy.set_types(list(binary_types))
            for row in params:
                copy.write_row(row)
    except dbapi.Error as e:
        raise sa_exc.DBAPIError.instance(sql, [], e, dbapi.Error, dialect=conn.dialect) from e
    finally:
        cursor.close()


BACKEND = PostgresBackend()
