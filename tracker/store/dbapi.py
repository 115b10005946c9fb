"""Statements on the DBAPI connection of a SQLAlchemy Connection's transaction, with SQLAlchemy's error boundary.

The bottom of the store: the backends (tracker.store.sqlite, tracker.store.postgres) and the row-level helpers
(tracker.store.driver) run their statements through these, and a driver error leaves here as the `DBAPIError`
SQLAlchemy itself would raise for it, so that it is translated at the one boundary (`tracker.store.db`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy import exc as sa_exc

Converter = Callable[[Any], Any]


def run(conn: Connection, sql: str, params: Any, many: bool = False) -> list[Any]:
    """Execute `sql` on the DBAPI connection of `conn`'s transaction; the rows it returns, if any.

    Why not `conn.exec_driver_sql`: its per-statement machinery (execution context, result set-up, events) is a
    large share of a one-event append, for nothing these statements use.
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


def placeholder(dialect: Dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


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


def unchanged(value: Any) -> Any:
    return value
