"""A table's rows under filters: as plain rows (for the CLI, without pandas), or as typed DataFrames in
position-ordered chunks (for the API and exports, with bounded memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select
from sqlalchemy.sql import Select

from tracker.read import tables
from tracker.read.tables import CATEGORY, TableSpec, apply_dtypes, category_dtype
from tracker.store.driver import processed

if TYPE_CHECKING:
    import pandas as pd

Row = dict[str, Any]
ReaderFunction = Callable[..., "TableReader"]

# Each table's reader by the table's name: ``reader(snapshot, **filters)``, registered by `reads` where it is defined
# (tracker/read/projections.py, tracker/read/scores.py), so that a new table needs no list to be told of it.
READERS: dict[str, ReaderFunction] = {}


def reads(table: str) -> Callable[[ReaderFunction], ReaderFunction]:
    """Register the decorated function as the reader of ``table`` (a name in `tables.TABLES`)."""

    def register(fn: ReaderFunction) -> ReaderFunction:
        if table not in tables.TABLES:
            raise KeyError(f"{table!r} has no table spec (tracker/read/tables.py)")
        if table in READERS:
            raise KeyError(f"{table!r} has a reader already: {READERS[table].__qualname__}")
        READERS[table] = fn
        return fn

    return register


def _sorted_categories(values: Any) -> list[str]:
    """Sorted distinct values from SQL (NULL is None there)."""
    return sorted({str(v) for v in values if v is not None})


@dataclass
class TableReader:
    """Either a query (``query`` ordered by ``key`` on ``conn``, each row passed through ``post`` when given) or a
    derived table computed in one piece: ``build_rows`` (plain rows, the first ``limit`` of them when given, so
    that costly columns are computed for the rows shown only; ``counter`` counts them all) or ``build``."""

    spec: TableSpec
    query: Select[Any] | None = None
    key: Any = None
    conn: Connection | None = None
    post: Callable[[Row], Row] | None = None
    build_rows: Callable[[int | None], list[Row]] | None = None
    build: Callable[[], pd.DataFrame] | None = None
    counter: Callable[[], int] | None = None

    def _ordered(self) -> Select[Any]:
        assert self.query is not None
        keys = self.key if isinstance(self.key, tuple) else (self.key,)
        return self.query.order_by(*keys)

    def count(self) -> int:
        if self.counter is not None:
            return self.counter()
        if self.query is not None and self.conn is not None:
            q = self.query
            if q._group_by_clauses or q._distinct or q._limit_clause is not None:
                return int(self.conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())
            # the rows' count without computing their columns (a count over the subquery evaluated each row's
            # scalar subqueries, such as a question's number of forecasts)
            counted = q.with_only_columns(func.count(), maintain_column_froms=True)
            return int(self.conn.execute(counted).scalar_one())
        return len(self.rows())

    def rows(self, limit: int | None = None) -> list[Row]:
        """Rows as dicts of the spec's columns, with Python values (dates, floats, None), at most ``limit``."""
        names = self.spec.names
        if self.query is not None:
            assert self.conn is not None
            q = self._ordered()
            if limit is not None:
                q = q.limit(limit)
            result = self.conn.execute(q)
            keys = list(result.keys())
            out = []
            for values in result:
                row = dict(zip(keys, values, strict=True))
                if self.post is not None:
                    row = self.post(row)
                out.append({n: row.get(n) for n in names})
            return out
        if self.build_rows is not None:
            return self.build_rows(limit)
        from tracker.read.records import records

        frame = self.frame()
        return records(frame if limit is None else frame.head(limit), parse_json=False)

    def categories(self) -> dict[str, pd.CategoricalDtype]:
        """The dtype of each categorical column: its distinct values under the filters, sorted (for every chunk)."""
        if self.query is None or self.conn is None:
            return {}
        sub = self.query.subquery()
        out = {}
        for col in self.spec.columns:
            if col.dtype == CATEGORY and col.name in sub.c:
                values = self.conn.execute(select(sub.c[col.name]).distinct()).scalars()
                out[col.name] = category_dtype(_sorted_categories(values))
        return out

    def chunks(self, size: int | None = None) -> Iterator[pd.DataFrame]:
        """Typed frames of at most ``size`` rows (default `tables.CHUNK_ROWS`), at least one (maybe empty)."""
        size = size or tables.CHUNK_ROWS
        if self.query is None:
            yield self.frame()
            return
        assert self.conn is not None
        cats = self.categories()
        # One ordered query, streamed: a server-side cursor on PostgreSQL, SQLite's lazy cursor; partitions of
        # ``size`` rows are typed and handed on one at a time, so memory is bounded whatever the table's size.
        # (Keyset pages would re-sort a table without an index on its order column once per page.)
        q = self._ordered().execution_options(stream_results=True, yield_per=size)
        result = self.conn.execute(q)
        keys = list(result.keys())
        empty = True
        for rows in result.partitions(size):
            empty = False
            yield self._typed(keys, rows, cats)
            del rows
        if empty:
            yield self._typed(keys, [], cats)

    def _typed(self, keys: list[str], rows: Sequence[Any], cats: dict[str, pd.CategoricalDtype]) -> pd.DataFrame:
        import pandas as pd

        if self.post is not None:
            dicts = [self.post(dict(zip(keys, r, strict=True))) for r in rows]
            raw = pd.DataFrame({k: pd.Series([d.get(k) for d in dicts], dtype=object) for k in self.spec.names})
            return apply_dtypes(raw, self.spec, cats)
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
        raw = pd.DataFrame({k: pd.Series(c, dtype=object) for k, c in zip(keys, columns, strict=True)})
        del columns
        return apply_dtypes(raw, self.spec, cats)

    def columns(self) -> dict[str, list[Any]]:
        """The spec's columns as lists of Python values, in no particular order: for a derived table that orders
        what it reads itself. No ORDER BY, no pass for categories and no Row per row: every leaderboard row's
        interval reads all its question scores, which through `frame` cost many times the query."""
        if self.query is None:
            rows = self.rows()
            return {n: [r.get(n) for r in rows] for n in self.spec.names}
        assert self.conn is not None
        selected = self.query.selected_columns
        names = [n for n in self.spec.names if n in selected]
        result = self.conn.execute(self.query.with_only_columns(*(selected[n] for n in names)))
        dialect = self.conn.dialect
        try:
            cursor = result.cursor  # the DBAPI cursor: its plain tuples, converted below a column at a time
            codes = [d[1] for d in cursor.description]
            out: list[list[Any]] = [[] for _ in names]
            while batch := cursor.fetchmany(50_000):
                for col, fetched in zip(out, zip(*batch, strict=True), strict=True):
                    col.extend(fetched)
        finally:
            result.close()
        return {
            name: processed(selected[name].type, dialect, code, values)
            for name, values, code in zip(names, out, codes, strict=True)
        }

    def batches(
        self, names: Sequence[str], first: Sequence[str] = (), size: int = tables.CHUNK_ROWS
    ) -> Iterator[dict[str, list[Any]]]:
        """Columns ``names`` of the rows ordered by the columns ``first`` and then in the table's order, ``size``
        rows at a time as lists of the values SQLAlchemy would return, read on the DBAPI cursor like `columns`:
        a reader that groups the rows by ``first`` holds one group's objects at a time, with no frame and no
        Row per row."""
        assert self.query is not None and self.conn is not None and self.post is None
        selected = self.query.selected_columns
        keys = self.key if isinstance(self.key, tuple) else (self.key,)
        query = self.query.with_only_columns(*(selected[n] for n in names), maintain_column_froms=True)
        result = self.conn.execute(query.order_by(*(selected[n] for n in first), *keys))
        dialect = self.conn.dialect
        types = [selected[n].type for n in names]
        try:
            cursor = result.cursor
            codes = [d[1] for d in cursor.description]
            while batch := cursor.fetchmany(size):
                yield {
                    name: processed(type_, dialect, code, values)
                    for name, type_, code, values in zip(names, types, codes, zip(*batch, strict=True), strict=True)
                }
        finally:
            result.close()

    def narrow(self, names: Sequence[str]) -> TableReader:
        """The same rows with only the columns ``names`` (what a derived table needs, in less memory)."""
        cols = tuple(c for c in self.spec.columns if c.name in names)
        spec = TableSpec(self.spec.name, self.spec.description, cols, self.spec.filters, self.spec.order)
        query = self.query
        if query is not None and self.post is None:
            # and the query selects only those (a row passed through ``post`` may need the others); the FROM
            # clause stays as it was, so that the rows are the same
            keep = [c for c in query.selected_columns if c.key in names]
            if keep:
                query = query.with_only_columns(*keep, maintain_column_froms=True)
        return replace(self, spec=spec, query=query)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        if self.query is None:
            if self.build is not None:
                return self.build()
            assert self.build_rows is not None
            return apply_dtypes(pd.DataFrame(self.build_rows(None)), self.spec)
        parts = list(self.chunks())
        if len(parts) == 1:
            return parts[0]
        return pd.concat(parts, ignore_index=True)
