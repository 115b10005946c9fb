"""The one set of filters every reader takes: forecaster (name or id), question, source, outlet, tag, status.

A filter naming something the ledger does not hold (at the snapshot's point) is an error, never an empty
answer: a typo in a name must not read as "this forecaster has no scores".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, false, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from tracker.domain.fields import slug
from tracker.errors import NotFound, UserError
from tracker.read.tables import QUESTION_STATUSES
from tracker.store.schema import forecasters, forecasts, question_tags, questions, sources


def as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    return [str(v) for v in items] or None


@dataclass(frozen=True)
class Filters:
    """``None`` means no filter; lists mean any of them. Forecasters are ids (resolved from names)."""

    status: str | None = None
    tag: str | None = None
    forecaster: list[str] | None = None
    question: list[str] | None = None
    source: list[str] | None = None
    outlet: str | None = None

    @property
    def narrows_questions(self) -> bool:
        return any(v is not None for v in (self.tag, self.question, self.source, self.outlet, self.status))


@dataclass(frozen=True)
class Subjects:
    """Rows about any of these questions, forecasters or sources (one OR of the three, unlike the other filters,
    which each narrow the rows): what a site rebuild reads of the forecasts when it knows which pages the new
    events change (`tracker.app.sitetouched`). Empty sets name nothing; ``Subjects()`` reads no row."""

    questions: frozenset[str] = frozenset()
    forecasters: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.questions) + len(self.forecasters) + len(self.sources)


def about(table: Any, subjects: Subjects) -> ColumnElement[bool]:
    """The rows of ``table`` (a question_id, forecaster_id and source_id each) about any of ``subjects``. On
    SQLite each term is read through its column's index when it has one."""
    terms = [
        table.c[column].in_(sorted(ids))
        for column, ids in (
            ("question_id", subjects.questions),
            ("forecaster_id", subjects.forecasters),
            ("source_id", subjects.sources),
        )
        if ids
    ]
    return or_(*terms) if terms else false()


def forecaster_ids(conn: Connection, value: str | Sequence[str] | None) -> list[str] | None:
    """Forecaster ids from names or ids, in the order given; an unknown one is `NotFound`."""
    items = as_list(value)
    if items is None:
        return None
    out: list[str] = []
    for item in items:
        fid = conn.execute(
            select(forecasters.c.forecaster_id)
            .where(
                or_(
                    forecasters.c.forecaster_id == item,
                    forecasters.c.forecaster_id == slug(item),
                    func.lower(forecasters.c.name) == item.lower(),
                )
            )
            .order_by((forecasters.c.forecaster_id == item).desc())
            .limit(1)
        ).scalar()
        if fid is None:
            raise NotFound(f"no forecaster {item!r} (see 'tracker export forecasters')", "forecaster")
        out.append(str(fid))
    return list(dict.fromkeys(out))


def _require(conn: Connection, column: Any, values: list[str], field: str, what: str) -> None:
    found = {str(v) for v in conn.execute(select(column).where(column.in_(values)).distinct()).scalars()}
    for v in values:
        if v not in found:
            raise NotFound(f"no {what} {v!r}", field)


def resolve(
    conn: Connection,
    *,
    status: str | None = None,
    tag: str | None = None,
    forecaster: str | Sequence[str] | None = None,
    question: str | Sequence[str] | None = None,
    source: str | Sequence[str] | None = None,
    outlet: str | None = None,
    statuses: Sequence[str] = QUESTION_STATUSES,
) -> Filters:
    """Checked filters: each named forecaster, question, source, outlet and tag must exist in ``conn``."""
    if status is not None and status not in statuses:
        what = "question status" if statuses == QUESTION_STATUSES else "scoring status"
        raise UserError(f"{status!r} is not a {what} ({', '.join(statuses)})", "status")
    questions_ = as_list(question)
    sources_ = as_list(source)
    if questions_:
        _require(conn, questions.c.question_id, questions_, "question", "question")
    if sources_:
        _require(conn, sources.c.source_id, sources_, "source", "source")
    if outlet is not None:
        _require(conn, sources.c.outlet, [outlet], "outlet", "outlet")
    if tag is not None:
        _require(conn, question_tags.c.tag, [tag], "tag", "question with the tag")
    return Filters(status, tag, forecaster_ids(conn, forecaster), questions_, sources_, outlet)


def tagged(question_col: Any, tag: str) -> ColumnElement[bool]:
    return question_col.in_(select(question_tags.c.question_id).where(question_tags.c.tag == tag))


def with_forecaster(question_col: Any, ids: list[str]) -> ColumnElement[bool]:
    return question_col.in_(select(forecasts.c.question_id).where(forecasts.c.forecaster_id.in_(ids)))


def with_source(question_col: Any, ids: list[str]) -> ColumnElement[bool]:
    return question_col.in_(select(forecasts.c.question_id).where(forecasts.c.source_id.in_(ids)))


def with_outlet(question_col: Any, outlet: str) -> ColumnElement[bool]:
    return question_col.in_(
        select(forecasts.c.question_id)
        .join(sources, sources.c.source_id == forecasts.c.source_id)
        .where(sources.c.outlet == outlet)
    )


def question_status(status: str, today: date) -> ColumnElement[bool]:
    if status == "due":
        return and_(questions.c.status == "open", questions.c.resolve_by < today)
    return questions.c.status == status


def question_conditions(f: Filters, qcol: Any, today: date) -> list[ColumnElement[bool]]:
    """Filters on questions reached through ``qcol`` (a question_id column)."""
    conds: list[ColumnElement[bool]] = []
    if f.question is not None:
        conds.append(qcol.in_(f.question))
    if f.tag is not None:
        conds.append(tagged(qcol, f.tag))
    if f.status is not None:
        conds.append(qcol.in_(select(questions.c.question_id).where(question_status(f.status, today))))
    return conds


def who(q: Select[Any], f: Filters, table: Any) -> Select[Any]:
    """Filters on the forecaster, source and outlet of rows of ``table`` (forecasts or a score table); the
    query must join ``sources`` for the outlet."""
    if f.forecaster is not None:
        q = q.where(table.c.forecaster_id.in_(f.forecaster))
    if f.source is not None:
        q = q.where(table.c.source_id.in_(f.source))
    if f.outlet is not None:
        q = q.where(sources.c.outlet == f.outlet)
    return q
