"""Rows at the driver level: bulk writes as tuples on the transaction's DBAPI cursor, and times read back in one call.

Why: `conn.execute(insert(table), list_of_dicts)` runs SQLAlchemy's per-row parameter machinery (compile
cache lookup, `construct_params`, a processor call per value) before the driver's `executemany`. On a bulk
import and a rebuild that machinery cost more than the database's own work (profiled: ~1 s of a 6 s import
of 100k events, besides the driver's 1.1 s). Here each table's statement and the list of its columns that
need a conversion are worked out once per dialect, and a row becomes a tuple with one `itemgetter` call.

Correctness: the conversions are SQLAlchemy's own bind processors for each column's type on the dialect
(`TypeEngine.dialect_impl(dialect).bind_processor(dialect)`), or cheaper ones that store the same values, so
the stored values are byte for byte those `insert(table)` would store (SQLite's DATETIME/DATE text, booleans
as 0/1, UTC checks of `UTCDateTime`). tests/test_driver.py checks that both paths give the same rows on each
backend. Statements run in the transaction of the SQLAlchemy Connection (see `run`), and driver errors are
raised as SQLAlchemy's `DBAPIError`, so they are translated at the one boundary
(`tracker.store.db.translate_errors`) as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Dialect, Float, Table
from sqlalchemy import exc as sa_exc

from tracker.store.schema import UTCDateTime

Converter = Callable[[Any], Any]


class _Statement:
    """One driver-level statement over `columns` of a table, with the conversions those columns need."""

    def __init__(self, sql: str, columns: Sequence[Any], dialect: Dialect) -> None:
        self.sql = sql
        self.names = [c.name for c in columns]
        self.get = itemgetter(*self.names)
        self.single = len(self.names) == 1
        self.converters: list[tuple[int, Converter]] = []
        for i, col in enumerate(columns):
            proc = _fast_processor(col.type, dialect) or col.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None and proc is not _unchanged:
                self.converters.append((i, proc))

    def params(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        get, converters = self.get, self.converters
        if self.single:
            if not converters:
                return [(get(r),) for r in rows]
            (_, convert) = converters[0]
            return [(convert(get(r)),) for r in rows]
        if not converters:
            return [get(r) for r in rows]
        out = []
        for r in rows:
            values = list(get(r))
            for i, convert in converters:
                values[i] = convert(values[i])
            out.append(tuple(values))
        return out


_MEMO_SIZE = 4096  # distinct times remembered per conversion (an import's events share few of them)


def memoised(convert: Converter) -> Converter:
    """`convert` (None passes through), remembering the last few thousand results: the events of an import
    share their recorded time, and often their occurred time. Dict operations are atomic, so threads may
    share it; aware datetimes hash and compare by instant, so one entry serves every zone of an instant."""
    seen: dict[Any, Any] = {}

    def call(value: Any) -> Any:
        if value is None:
            return None
        out = seen.get(value)
        if out is None:
            out = convert(value)
            if len(seen) >= _MEMO_SIZE:
                seen.clear()
            seen[value] = out
        return out

    return call


def _format_sqlite_utc(value: datetime) -> str:
    """What `UTCDateTime` stores on SQLite (naive UTC as SQLAlchemy's DATETIME text), with the same refusal
    of naive datetimes, in one call instead of two processors (tested)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given where UTC is required")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:-6]  # without its "+00:00"


_sqlite_utc = memoised(_format_sqlite_utc)


def _sqlite_date(value: date | None) -> str | None:
    """SQLAlchemy's SQLite DATE text (%04d-%02d-%02d), which is what date.isoformat writes."""
    return None if value is None else date.isoformat(value)


def _unchanged(value: Any) -> Any:
    return value


def _fast_processor(type_: Any, dialect: Dialect) -> Converter | None:
    """A cheaper converter giving the same stored value as SQLAlchemy's, where there is one (tested)."""
    if dialect.name != "sqlite":
        return None
    if isinstance(type_, UTCDateTime):
        return _sqlite_utc
    if isinstance(type_, Date) and not isinstance(type_, DateTime):
        return _sqlite_date
    if isinstance(type_, Float):
        # SQLAlchemy calls float() on the value; a column declared FLOAT has REAL affinity on SQLite, which
        # stores an int as the same REAL, so passing the value unchanged stores the same thing.
        return _unchanged
    return None


# Keyed by dialect and driver: the placeholders and the bind processors depend on both.
_CACHE: dict[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], _Statement] = {}


def placeholder(dialect: Dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _statement(conn: Connection, kind: str, table: Table, cols: tuple[str, ...], keys: tuple[str, ...]) -> _Statement:
    dialect = conn.dialect
    cache_key = (dialect.name, dialect.driver, kind, table.name, cols, keys)
    stmt = _CACHE.get(cache_key)
    if stmt is None:
        q = dialect.identifier_preparer.quote
        mark = placeholder(dialect)
        if kind == "insert":
            sql = (
                f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in cols)}) "
                f"VALUES ({', '.join([mark] * len(cols))})"
            )
            columns = [table.c[c] for c in cols]
        else:
            sets = ", ".join(f"{q(c)} = {mark}" for c in cols)
            where = " AND ".join(f"{q(k)} = {mark}" for k in keys)
            sql = f"UPDATE {q(table.name)} SET {sets} WHERE {where}"
            columns = [table.c[c] for c in (*cols, *keys)]
        stmt = _CACHE[cache_key] = _Statement(sql, columns, dialect)
    return stmt


def run(conn: Connection, sql: str, params: Any, many: bool = False) -> list[Any]:
    """Execute `sql` on the DBAPI connection of `conn`'s transaction; the rows it returns, if any.

    Why not `conn.exec_driver_sql`: its per-statement machinery (execution context, result set-up, events)
    cost ~10 us a statement, a sixth of a one-event append (profiled), for nothing these statements use.
    Correctness: the statement runs in the same DBAPI transaction `conn` has begun (under the writer lock for
    writes), and a driver error is raised as the `DBAPIError` SQLAlchemy itself would raise for it, so that
    `tracker.store.db.translate_errors` turns it into a tracker error at the one boundary, as before.
    """
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if many:
            if len(params) == 1:  # one row (a single append): execute skips executemany's set-up
                cursor.execute(sql, params[0])
            else:
                cursor.executemany(sql, params)
            return []
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []
    except conn.dialect.loaded_dbapi.Error as e:
        raise translatable(conn, sql, params, e) from e
    finally:
        cursor.close()


def execute(conn: Connection, sql: str) -> None:
    """Execute `sql` (no parameters; its result, if any, unread) on the DBAPI connection of `conn`: `run` for
    the statements a transaction opens with (BEGIN, the advisory lock), with the same error boundary. On
    psycopg, a text of several statements goes as one simple query, in one round trip."""
    try:
        conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
    except conn.dialect.loaded_dbapi.Error as e:
        raise translatable(conn, sql, (), e) from e


def translatable(conn: Connection, sql: str, params: Any, e: Exception) -> sa_exc.StatementError:
    """The error SQLAlchemy raises for the driver error `e` (a DBAPIError): what translate_errors translates."""
    dbapi = conn.dialect.loaded_dbapi
    return sa_exc.DBAPIError.instance(sql, params, e, dbapi.Error, dialect=conn.dialect)


COPY_FROM = 64  # rows from which an insert on PostgreSQL goes through COPY


_INSERTS: dict[tuple[str, str, str], _Statement] = {}


def insert_statement(conn: Connection, table: Table) -> _Statement:
    """The INSERT of every column of `table`, in the table's column order (cached by a cheap key: a one-event
    append inserts into two tables, and building the general key was a tenth of `insert_rows`)."""
    dialect = conn.dialect
    key = (dialect.name, dialect.driver, table.name)
    stmt = _INSERTS.get(key)
    if stmt is None:
        stmt = _INSERTS[key] = _statement(conn, "insert", table, tuple(c.name for c in table.columns), ())
    return stmt


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (each a mapping with a value for every column of the table) in one executemany; on
    PostgreSQL, from COPY_FROM rows, by COPY (see `copy_rows`)."""
    if not rows:
        return
    stmt = insert_statement(conn, table)
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        copy_rows(conn, table, stmt, stmt.params(rows))
        return
    run(conn, stmt.sql, stmt.params(rows), many=True)


def insert_tuples(conn: Connection, table: Table, rows: Sequence[Sequence[Any]]) -> None:
    """`insert_rows` of rows already made tuples in the table's column order, their values already as the
    driver stores them (no conversion here: the caller made them, as tracker.store.eventstore does for events)."""
    if not rows:
        return
    stmt = insert_statement(conn, table)
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        copy_rows(conn, table, stmt, rows)
        return
    run(conn, stmt.sql, rows, many=True)


def insert_columns(conn: Connection, table: Table, data: Mapping[str, Sequence[Any]], chunk: int = 5000) -> None:
    """INSERT rows given column by column (``data`` maps every column of the table to a sequence of the same
    length), ``chunk`` rows per executemany (or COPY on PostgreSQL).

    Why: a scoring run writes a row per forecast; a dict per row cost more than the database's own work
    (profiled at 1M events: 22 s to build the dicts, 15 s of inserts). Here each column is converted as a whole
    by its bind processor (the same ones as `insert_rows`, so the stored values are the same), and only a
    chunk's tuples exist at a time.
    """
    names = tuple(c.name for c in table.columns)
    stmt = _statement(conn, "insert", table, names, ())
    cols = [data[n] for n in names]
    total = len(cols[0]) if cols else 0
    if any(len(c) != total for c in cols):
        raise ValueError(f"columns of {table.name} differ in length")
    convert = dict(stmt.converters)
    postgres = conn.dialect.name == "postgresql"
    for start in range(0, total, chunk):
        parts: list[Sequence[Any]] = []
        for i, col in enumerate(cols):
            part = col[start : start + chunk]
            fn = convert.get(i)
            parts.append(part if fn is None else _convert_each(fn, part))
        params = list(zip(*parts, strict=True))
        if postgres and len(params) >= COPY_FROM:
            copy_rows(conn, table, stmt, params)
        else:
            run(conn, stmt.sql, params, many=True)


def _convert_each(fn: Converter, values: Sequence[Any]) -> list[Any]:
    """``fn`` of each value, called once per distinct value where the values hash (a day column holds few)."""
    try:
        seen = {v: fn(v) for v in set(values)}
    except TypeError:  # unhashable values
        return [fn(v) for v in values]
    return [seen[v] for v in values]


def select_columns(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    key: str | None = None,
    keys: Sequence[Any] | None = None,
) -> dict[str, list[Any]]:
    """Columns ``names`` of ``table`` as lists (every row, or the rows whose ``key`` is in ``keys``): the
    batches of `select_batches` put together."""
    out: dict[str, list[Any]] = {n: [] for n in names}
    for batch in select_batches(conn, table, names, key, keys):
        for n in names:
            out[n].extend(batch[n])
    return out


def select_batches(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    key: str | None = None,
    keys: Sequence[Any] | None = None,
    fetch: int = 50_000,
) -> Iterator[dict[str, list[Any]]]:
    """Columns ``names`` of ``table`` (every row, or the rows whose ``key`` is in ``keys``), ``fetch`` rows at a
    time as lists, read on the DBAPI cursor of ``conn``'s transaction.

    Why: `conn.execute(select(...)).all()` builds a Row per row and runs the result processors value by value;
    for the 792k forecasts of a 1M-event ledger that, and pandas' inspection of each Row, took 20 s; and a
    caller that makes a frame of each batch holds only one batch's Python objects at a time.
    Correctness: each column's values go through SQLAlchemy's own result processor for its type on the dialect
    (the value SQLAlchemy would return), called once per distinct value: a column of dates holds few.
    """
    q = conn.dialect.identifier_preparer.quote
    head = f"SELECT {', '.join(q(n) for n in names)} FROM {q(table.name)}"

    def convert(batch: list[Any], codes: list[Any]) -> dict[str, list[Any]]:
        columns = zip(*batch, strict=True) if batch else ([] for _ in names)
        return {
            name: processed(table.c[name].type, conn.dialect, code, values)
            for name, values, code in zip(names, columns, codes, strict=True)
        }

    def read(sql: str, params: Sequence[Any]) -> Iterator[dict[str, list[Any]]]:
        dbapi = conn.dialect.loaded_dbapi
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            codes = [d[1] for d in cursor.description]  # the driver's type of each column
            while batch := cursor.fetchmany(fetch):
                yield convert(batch, codes)
        except dbapi.Error as e:
            raise sa_exc.DBAPIError.instance(sql, params, e, dbapi.Error, dialect=conn.dialect) from e
        finally:
            cursor.close()

    if keys is None:
        yield from read(head, ())
        return
    assert key is not None
    mark = placeholder(conn.dialect)
    for i in range(0, len(keys), IN_CHUNK):
        part = list(keys[i : i + IN_CHUNK])
        yield from read(f"{head} WHERE {q(key)} IN ({', '.join([mark] * len(part))})", part)


def processed(type_: Any, dialect: Dialect, code: Any, values: Sequence[Any]) -> list[Any]:
    """``values`` of a column of ``type_`` as the driver returned them (``code``: its type in the cursor's
    description) -> what SQLAlchemy would return: its own result processor, called once per distinct value."""
    proc = type_.dialect_impl(dialect).result_processor(dialect, code)
    if proc is None:
        return list(values)
    return _convert_each(lambda v: None if v is None else proc(v), values)


def copy_rows(conn: Connection, table: Table, stmt: _Statement, params: Iterable[Sequence[Any]]) -> None:
    """`COPY table (columns) FROM STDIN` with psycopg, in the transaction of `conn`.

    Why: executemany sends one INSERT per row (pipelined, but each parsed, planned and executed); COPY streams
    the rows into the table in one command. Correctness: the same values, adapted by psycopg's own dumpers
    as for an INSERT; the table's constraints, indexes and triggers apply to COPY as to INSERT; an error is
    raised as SQLAlchemy's DBAPIError, so it is translated at the one boundary (tests/test_driver.py).
    """
    q = conn.dialect.identifier_preparer.quote
    sql = f"COPY {q(table.name)} ({', '.join(q(n) for n in stmt.names)}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql) as copy:
            for row in params:
                copy.write_row(row)
    except dbapi.Error as e:
        raise sa_exc.DBAPIError.instance(sql, [], e, dbapi.Error, dialect=conn.dialect) from e
    finally:
        cursor.close()


def update_rows(
    conn: Connection, table: Table, cols: tuple[str, ...], keys: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
) -> None:
    """UPDATE table SET cols WHERE keys, once per row (a mapping holding `cols` and `keys`), in one executemany."""
    if not rows:
        return
    stmt = _statement(conn, "update", table, cols, keys)
    run(conn, stmt.sql, stmt.params(rows), many=True)


IN_CHUNK = 500  # keys per IN (...) list


def present_keys(conn: Connection, column: Any, keys: Iterable[str]) -> set[str]:
    """Which of `keys` are in `column` (IN lists of at most IN_CHUNK keys).

    At the driver level because an `expanding` bind parameter makes SQLAlchemy render the statement again on
    every call, with regular expressions: for the one key of a CLI append that cost more than the query.
    """
    found: set[str] = set()
    ordered = sorted(set(keys))
    if not ordered:
        return found
    for i in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[i : i + IN_CHUNK]
        found.update(r[0] for r in run(conn, _in_sql(conn.dialect, column, len(chunk)), tuple(chunk)))
    return found


_IN_SQL: dict[tuple[str, str, str, int], str] = {}


def _in_sql(dialect: Dialect, column: Any, n: int) -> str:
    """SELECT column FROM its table WHERE column IN (n placeholders), made once per size (a one-event append
    asks for one key: quoting and joining the statement each time cost as much as running it)."""
    key = (dialect.name, column.table.name, column.name, n)
    sql = _IN_SQL.get(key)
    if sql is None:
        q = dialect.identifier_preparer.quote
        marks = ", ".join([placeholder(dialect)] * n)
        sql = f"SELECT {q(column.name)} FROM {q(column.table.name)} WHERE {q(column.name)} IN ({marks})"
        if len(_IN_SQL) < 4 * IN_CHUNK:  # bounded: an import's last chunks have sizes of their own
            _IN_SQL[key] = sql
    return sql


# ---------------------------------------------------------------------------------------------- reading times


def _parse_sqlite_utc(value: str) -> datetime:
    """A stored `UTCDateTime` as SQLite returns it (SQLAlchemy's DATETIME text, naive UTC) -> aware UTC datetime,
    as SQLAlchemy's DATETIME processor and `UTCDateTime.process_result_value` give it (tested)."""
    return datetime.fromisoformat(value + "+00:00")  # aware at once: 5x cheaper than .replace(tzinfo=UTC)


_sqlite_utc_in = memoised(_parse_sqlite_utc)


def _aware_utc_in(value: datetime | None) -> datetime | None:
    """PostgreSQL's TIMESTAMPTZ arrives aware, in the session's time zone: the same instant in UTC."""
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_reader(dialect: Dialect) -> Callable[[Any], datetime | None]:
    """How to turn a `UTCDateTime` value selected without result processing into an aware UTC datetime."""
    return _sqlite_utc_in if dialect.name == "sqlite" else _aware_utc_in
