"""Rows at the driver level: bulk writes as tuples on the transaction's DBAPI cursor, and times read back in one call.

Why: `conn.execute(insert(table), list_of_dicts)` runs SQLAlchemy's per-row parameter machinery (compile
cache lookup, `construct_params`, a processor call per value) before the driver's `executemany`. On a bulk
import and a rebuild that machinery cost about as much as the driver's own work. Here each table's statement and
the list of its columns that need a conversion are worked out once per dialect, and a row becomes a tuple with
one `itemgetter` call.

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
from datetime import datetime
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy import exc as sa_exc

from tracker.store.db import backend_of
from tracker.store.dbapi import Converter, placeholder, unchanged
from tracker.store.dbapi import run as run


class _Statement:
    """One driver-level statement over `columns` of a table, with the conversions those columns need."""

    def __init__(self, sql: str, columns: Sequence[Any], dialect: Dialect) -> None:
        self.sql = sql
        self.names = [c.name for c in columns]
        self.get = itemgetter(*self.names)
        self.single = len(self.names) == 1
        self.converters: list[tuple[int, Converter]] = []
        backend = backend_of(dialect)
        for i, col in enumerate(columns):
            proc = backend.fast_processor(col.type) or col.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None and proc is not unchanged:
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


# Keyed by dialect and driver: the placeholders and the bind processors depend on both.
_CACHE: dict[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], _Statement] = {}


def _statement(conn: Connection, kind: str, table: Table, cols: tuple[str, ...], keys: tuple[str, ...]) -> _Statement:
    dialect = conn.dialect
    cache_key = (dialect.dialect_description, kind, table.name, cols, keys)
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


_INSERTS: dict[tuple[str, str], _Statement] = {}


def insert_statement(conn: Connection, table: Table) -> _Statement:
    """The INSERT of every column of `table`, in the table's column order (cached by a cheap key: a one-event
    append inserts into two tables, and building the general key was a tenth of `insert_rows`)."""
    dialect = conn.dialect
    key = (dialect.dialect_description, table.name)
    stmt = _INSERTS.get(key)
    if stmt is None:
        stmt = _INSERTS[key] = _statement(conn, "insert", table, tuple(c.name for c in table.columns), ())
    return stmt


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (each a mapping with a value for every column of the table) in one executemany, or as the
    backend inserts many rows (COPY on PostgreSQL)."""
    if not rows:
        return
    stmt = insert_statement(conn, table)
    backend_of(conn).insert(conn, table.name, stmt.sql, stmt.names, stmt.params(rows))


def insert_tuples(conn: Connection, table: Table, rows: Sequence[Sequence[Any]]) -> None:
    """`insert_rows` of rows already made tuples in the table's column order, their values already as the
    driver stores them (no conversion here: the caller made them, as tracker.store.eventstore does for events)."""
    if not rows:
        return
    stmt = insert_statement(conn, table)
    backend_of(conn).insert(conn, table.name, stmt.sql, stmt.names, rows)


def insert_arrays(conn: Connection, table: Table, data: Mapping[str, Any], chunk: int = 50_000) -> None:
    """INSERT rows given as whole numpy arrays, one per column of the table (a plain value stands for the
    same value on every row); what each array may hold is `Backend.bulk_values`'.

    Why: a full scoring run writes a row per forecast, and a Python call per value (a bind processor, a NaN
    check) cost more than the database's own insert. Here each column is converted a chunk at a time by
    vectorised numpy operations (dates formatted once per column chunk, not per value), and the backend writes
    the chunk as it writes many rows: executemany on SQLite, binary COPY on PostgreSQL.
    Correctness: the backend's conversions store what SQLAlchemy's bind processors store
    (tests/test_driver.py), and the statement runs in `conn`'s transaction, its errors translated as `run`'s.
    """
    import numpy as np

    names = tuple(c.name for c in table.columns)
    stmt = _statement(conn, "insert", table, names, ())
    arrays = {n: data[n] for n in names if isinstance(data[n], np.ndarray)}
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns of {table.name} differ in length")
    total = lengths.pop() if lengths else 0
    cols = [data[n] if n in arrays else np.full(total, data[n]) for n in names]
    backend = backend_of(conn)
    for start in range(0, total, chunk):
        parts = [
            backend.bulk_values(table.c[n].type, col[start : start + chunk]) for n, col in zip(names, cols, strict=True)
        ]
        backend.insert_columns(conn, table, stmt.sql, parts)


def select_arrays(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    key: str | None = None,
    keys: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Columns ``names`` of ``table`` (every row, or the rows whose ``key`` is in ``keys``) as numpy arrays: the
    batches of `select_array_batches` put together."""
    import numpy as np

    backend = backend_of(conn)
    parts: dict[str, list[Any]] = {n: [] for n in names}
    for batch in select_array_batches(conn, table, names, key, keys):
        for n in names:
            parts[n].append(batch[n])
    return {
        n: np.concatenate(p) if len(p) > 1 else p[0] if p else backend.column_array(table.c[n].type, ())
        for n, p in parts.items()
    }


def select_array_batches(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    key: str | None = None,
    keys: Sequence[Any] | None = None,
    fetch: int = 100_000,
) -> Iterator[dict[str, Any]]:
    """Columns ``names`` of ``table`` (every row, or the rows whose ``key`` is in ``keys``), ``fetch`` rows at a time
    as numpy arrays, each converted as a whole from the driver's values by `Backend.column_array` (no Python call
    per value): a caller that keeps only arrays holds one batch's Python objects at a time."""
    backend = backend_of(conn)
    for sql, params in _selects(conn, table, names, key, keys):
        for batch, _ in _fetch(conn, sql, params, fetch):
            yield {
                n: backend.column_array(table.c[n].type, values)
                for n, values in zip(names, zip(*batch, strict=True), strict=True)
            }


def _selects(
    conn: Connection, table: Table, names: Sequence[str], key: str | None, keys: Sequence[Any] | None
) -> Iterator[tuple[str, Sequence[Any]]]:
    """The SELECT statements (and their parameters) of `select_batches` and `select_arrays`."""
    q = conn.dialect.identifier_preparer.quote
    head = f"SELECT {', '.join(q(n) for n in names)} FROM {q(table.name)}"
    if keys is None:
        yield head, ()
        return
    assert key is not None
    mark = placeholder(conn.dialect)
    for i in range(0, len(keys), IN_CHUNK):
        part = list(keys[i : i + IN_CHUNK])
        yield f"{head} WHERE {q(key)} IN ({', '.join([mark] * len(part))})", part


def _fetch(conn: Connection, sql: str, params: Sequence[Any], size: int) -> Iterator[tuple[list[Any], list[Any]]]:
    """The rows of `sql`, ``size`` at a time, on the DBAPI cursor of `conn`'s transaction, each batch with the
    driver's type of each column (the cursor's description)."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        codes = [d[1] for d in cursor.description]
        while batch := cursor.fetchmany(size):
            yield batch, codes
    except dbapi.Error as e:
        raise sa_exc.DBAPIError.instance(sql, params, e, dbapi.Error, dialect=conn.dialect) from e
    finally:
        cursor.close()


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
    on a large ledger that, and pandas' inspection of each Row, cost many times the query; and a caller that
    makes a frame of each batch holds only one batch's Python objects at a time.
    Correctness: each column's values go through SQLAlchemy's own result processor for its type on the dialect
    (the value SQLAlchemy would return), called once per distinct value: a column of dates holds few.
    """

    def convert(batch: list[Any], codes: list[Any]) -> dict[str, list[Any]]:
        columns = zip(*batch, strict=True) if batch else ([] for _ in names)
        return {
            name: processed(table.c[name].type, conn.dialect, code, values)
            for name, values, code in zip(names, columns, codes, strict=True)
        }

    for sql, params in _selects(conn, table, names, key, keys):
        for batch, codes in _fetch(conn, sql, params, fetch):
            yield convert(batch, codes)


def processed(type_: Any, dialect: Dialect, code: Any, values: Sequence[Any]) -> list[Any]:
    """``values`` of a column of ``type_`` as the driver returned them (``code``: its type in the cursor's
    description) -> what SQLAlchemy would return: its own result processor, called once per distinct value."""
    proc = type_.dialect_impl(dialect).result_processor(dialect, code)
    if proc is None:
        return list(values)
    return _convert_each(lambda v: None if v is None else proc(v), values)


def update_rows(
    conn: Connection, table: Table, cols: tuple[str, ...], keys: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
) -> None:
    """UPDATE table SET cols WHERE keys, once per row (a mapping holding `cols` and `keys`), in one executemany."""
    if not rows:
        return
    stmt = _statement(conn, "update", table, cols, keys)
    run(conn, stmt.sql, stmt.params(rows), many=True)


IN_CHUNK = 500  # keys per IN (...) list

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def present_keys(conn: Connection, column: Any, keys: Iterable[str]) -> set[str]:
    """Which of `keys` are in `column` (IN lists of at most IN_CHUNK keys).

    At the driver level because an `expanding` bind parameter makes SQLAlchemy render the statement again on
    every call, with regular expressions: for the one key of a CLI append that cost more than the query.
    """
    found: set[str] = set()
    ordered = sorted(set(keys))
    if not ordered:
        return found
    if backend_of(conn).keys_as_one_array:
        # One statement with the keys as one array parameter, however many: a bulk append asks for 5,000 ids a
        # chunk, and as IN lists of 500 that was ten statements whose parameters psycopg adapted one by one, 0.4-0.5
        # s of the client's CPU at 100k events (BENCHMARKS.md, sixth bulk-import round). The same rows: each key
        # the column holds; write transactions plan it for its values (tests/test_pg_plans.py), an index probe.
        found.update(r[0] for r in run(conn, _any_sql(conn.dialect, column), (ordered,)))
        return found
    for i in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[i : i + IN_CHUNK]
        found.update(r[0] for r in run(conn, _in_sql(conn.dialect, column, len(chunk)), tuple(chunk)))
    return found


_IN_SQL: dict[tuple[str, str, str, int], str] = {}
_ANY_SQL: dict[tuple[str, str, str], str] = {}


def _any_sql(dialect: Dialect, column: Any) -> str:
    """SELECT column FROM its table WHERE column = ANY(one array parameter) (PostgreSQL), made once per column."""
    key = (dialect.dialect_description, column.table.name, column.name)
    sql = _ANY_SQL.get(key)
    if sql is None:
        q = dialect.identifier_preparer.quote
        sql = _ANY_SQL[key] = (
            f"SELECT {q(column.name)} FROM {q(column.table.name)} WHERE {q(column.name)} = ANY({placeholder(dialect)})"
        )
    return sql


def _in_sql(dialect: Dialect, column: Any, n: int) -> str:
    """SELECT column FROM its table WHERE column IN (n placeholders), made once per size (a one-event append
    asks for one key: quoting and joining the statement each time cost as much as running it)."""
    key = (dialect.dialect_description, column.table.name, column.name, n)
    sql = _IN_SQL.get(key)
    if sql is None:
        q = dialect.identifier_preparer.quote
        marks = ", ".join([placeholder(dialect)] * n)
        sql = f"SELECT {q(column.name)} FROM {q(column.table.name)} WHERE {q(column.name)} IN ({marks})"
        if len(_IN_SQL) < 4 * IN_CHUNK:  # bounded: an import's last chunks have sizes of their own
            _IN_SQL[key] = sql
    return sql


def utc_reader(dialect: Dialect) -> Callable[[Any], datetime | None]:
    """How to turn a `UTCDateTime` value selected without result processing into an aware UTC datetime."""
    return backend_of(dialect).utc_reader
